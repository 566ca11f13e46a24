"""Loader throughput next to the raw read speed of the fastest reader on the same files (issue 3, item 7).

Generates official-template registers (a few hundred files, about a million victim rows by default) the way
Excel and LibreOffice store them (text in the shared-strings table; written with XlsxWriter, which mimics Excel's
files), then times: (1) reading every cell of every file raw, with fastexcel (the loader's reader, cells into
Arrow) and with python-calamine (cells as Python values); the faster is the baseline, (2) etl.parse alone, in one
process, (3) the whole loader (parse workers, one transaction per file, the batch's victims inserted together,
dedupe, archive) into a fresh database.
The steps run in rounds (``--repeat``), each step once per round and the raw reads just before the loader: the
build machine's speed drifts by 10-30 % between minutes, so each round's ratio compares times taken seconds apart.
The best of each step over the rounds and every round's ratio are printed.
Wall and CPU time are both reported: on a shared machine the wall time also counts other people's work.

``--format openpyxl`` writes the same workbooks with openpyxl's write-only mode instead, which stores every text
inline in the sheet (no agency workbook does; fastexcel reads that form faster than shared strings, calamine
does not), for comparison with earlier figures.

Files are loaded month by month; within a month the agencies take turns at coming first, so duplicates are
marked both when the primary record comes first and when it comes last.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import fastexcel
import xlsxwriter
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from etl import load, template, vocab, workers
from etl.parse import parse_workbook


def register_rows(agency: str, month: dt.date, rows: int, rng: random.Random) -> list[list]:
    """The cells of a register in the official layout: title block, header on row 6, then one row per victim."""
    districts = [d.name for d in vocab.districts()]
    kelurahan: dict[str, list[str]] = {}
    for s in vocab.subdistricts():
        kelurahan.setdefault(s.district_code, []).append(s.name)
    codes = {d.name: d.code for d in vocab.districts()}
    forms = [v.label for v in vocab.violence_types()]
    places = [label for _c, label in vocab.closed_lists()["place_of_incident"]]
    relationships = [label for _c, label in vocab.closed_lists()["relationship"]]
    days = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - month
    cells = [[f"{template.SYNTHETIC_MARK} — BENCHMARK"], ["Lembaga", agency], ["Periode dari", month],
             ["Periode sampai", month], [], list(template.REGISTER_HEADERS)]
    for i in range(rows):
        report = month + dt.timedelta(days=rng.randrange(days.days))
        district = rng.choice(districts)
        chosen = rng.sample(forms, k=1 if rng.random() < 0.8 else 2)
        cells.append([f"B/{month:%Y%m}/{i // 2 + 1:05d}", report, report - dt.timedelta(days=rng.randint(0, 30)),
                      district, rng.choice(kelurahan[codes[district]]) if rng.random() < 0.1 else None,
                      rng.randint(0, 70), "P" if rng.random() < 0.8 else "L", ", ".join(chosen),
                      rng.choice(places), rng.choice(relationships), "Pengaduan", None])
    return cells


def write_like_excel(path: Path, cells: list[list]) -> None:
    """Text in the shared-strings table and dates as formatted serial numbers, as Excel and LibreOffice save."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(template.REGISTER_SHEET)
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()


def write_with_openpyxl(path: Path, cells: list[list]) -> None:
    """openpyxl's write-only mode: every text inline in the sheet's XML."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(template.REGISTER_SHEET)
    for row in cells:
        ws.append(row)
    wb.save(path)


AGENCIES = ["UPTD_PPA", "POLRESTA", "DINSOS", "LSM"]


WRITERS = {"excel": write_like_excel, "openpyxl": write_with_openpyxl}


def generate(folder: Path, files: int, rows_per_file: int, seed: int = 7, file_format: str = "excel") -> list[Path]:
    rng = random.Random(seed)
    agencies = AGENCIES
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        agency = agencies[i % len(agencies)]
        month = dt.date(2015 + (i // len(agencies)) // 12, (i // len(agencies)) % 12 + 1, 1)
        path = folder / f"bench-{agency.lower()}-register-{month:%Y-%m}.xlsx"
        WRITERS[file_format](path, register_rows(agency, month, rows_per_file, rng))
        paths.append(path)
    return paths


def load_order(paths: list[Path]) -> list[Path]:
    """Month by month; within month k the agencies start at AGENCIES[k % 4] (bench-<agency>-register-<month>)."""
    def key(path: Path):
        agency, month = path.stem.removeprefix("bench-").split("-register-")
        index = int(month[:4]) * 12 + int(month[5:7])
        return month, (AGENCIES.index(agency.upper()) - index) % len(AGENCIES)
    return sorted(paths, key=key)


def raw_read(paths: list[Path]) -> int:
    """Every cell of every sheet through calamine; returns the number of rows seen."""
    rows = 0
    for path in paths:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            rows += len(wb.get_sheet_by_name(name).to_python())
    return rows


def raw_read_arrow(paths: list[Path]) -> int:
    """Every cell of every sheet through fastexcel into Arrow; returns the number of rows seen."""
    rows = 0
    for path in paths:
        reader = fastexcel.read_excel(str(path))
        for index in range(len(reader.sheet_names)):
            rows += reader.load_sheet(index, header_row=None).to_arrow().num_rows
    return rows


def raw_read_openpyxl(paths: list[Path]) -> int:
    """Every cell of every sheet through openpyxl in read-only mode (the stack's default), for the reader choice."""
    rows = 0
    for path in paths:
        wb = load_workbook(path, read_only=True, data_only=True)
        for sheet in wb.worksheets:
            rows += sum(1 for _ in sheet.iter_rows(values_only=True))
        wb.close()
    return rows


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the loader's parse workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def timed(step) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, its threads and its workers) of one run of ``step``."""
    w, c = time.perf_counter(), _cpu()
    step()
    wall = time.perf_counter() - w
    for child in multiprocessing.active_children():  # the loader leaves its idle workers to exit on their own
        child.join()
    return wall, _cpu() - c


def _line(label: str, wall: float, cpu: float, rows: int) -> str:
    return (f"{label:22s}: {wall:7.1f} s {rows / wall:9,.0f} baris/s {wall / rows * 1e6:6.1f} µs/baris | "
            f"CPU {cpu:7.1f} s {rows / cpu:9,.0f} baris/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run loader --")
    parser.add_argument("--files", type=int, default=250)
    parser.add_argument("--rows", type=int, default=4000, help="victim rows per file")
    parser.add_argument("--workdir", help="keep generated files here (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds; in each, every step runs once (raw reads just before the loader)")
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl (slow), for the reader choice")
    parser.add_argument("--format", choices=sorted(WRITERS), default="excel",
                        help="excel: text in shared strings, as Excel/LibreOffice save (default); openpyxl: inline")
    args = parser.parse_args(argv)

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ppa-bench-"))
    samples = work / f"files-{args.format}"
    t0 = time.perf_counter()
    paths = sorted(samples.glob("bench-*.xlsx")) if samples.exists() else []
    if len(paths) != args.files:
        shutil.rmtree(samples, ignore_errors=True)
        paths = generate(samples, args.files, args.rows, file_format=args.format)
    paths = load_order(paths)
    generated = time.perf_counter() - t0
    total_rows = args.files * args.rows
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} file ({args.format}), {total_rows:,} baris korban, {size / 1e6:.0f} MB (dibuat/dipakai ulang dalam "
          f"{generated:.0f} s); {args.repeat} putaran, tiap langkah sekali per putaran")

    shutil.rmtree(work / "db", ignore_errors=True)
    reports = []

    def load_fresh() -> None:  # every run into a new database of its own
        reports.append(load.load_files(paths, db=work / "db" / f"run-{len(reports)}" / "ppa.duckdb"))

    # Round by round, each step once, the raw reads just before the loader: this machine's speed drifts by 10-30 %
    # from one minute to the next, so a ratio is taken between times measured seconds apart, in the same round.
    steps = {"calamine": lambda: raw_read(paths), "parse": lambda: [parse_workbook(p) for p in paths],
             "fastexcel": lambda: raw_read_arrow(paths), "loader": load_fresh}
    rounds = []
    for number in range(1, args.repeat + 1):
        rounds.append({name: timed(step) for name, step in steps.items()})
        report = reports[-1]
        assert not report.any_failed, [f.message for f in report.files if f.status == "failed"][:3]
        raw_wall = min(rounds[-1]["calamine"][0], rounds[-1]["fastexcel"][0])
        print(f"putaran {number}: baca mentah tercepat {raw_wall:.1f} s, loader {rounds[-1]['loader'][0]:.1f} s "
              f"-> loader / baca mentah {raw_wall / rounds[-1]['loader'][0]:.2f}")
    best = {name: (min(r[name][0] for r in rounds), min(r[name][1] for r in rounds)) for name in steps}
    for name in ("calamine", "fastexcel"):
        print(_line(f"{name}, baca mentah", *best[name], total_rows))
    if args.openpyxl:
        print(_line("openpyxl, baca mentah", *timed(lambda: raw_read_openpyxl(paths)), total_rows))
    print(_line("etl.parse saja", *best["parse"], total_rows))
    print(_line("loader (utuh)", *best["loader"], report.rows_loaded)
          + f" ({report.rows_loaded:,} dimuat, {report.rows_rejected:,} ditolak)")
    fastest = min(("calamine", "fastexcel"), key=lambda name: best[name][0])
    t_load, c_load = best["loader"]
    for name in ("calamine", "fastexcel"):
        mark = " (pembaca tercepat)" if name == fastest else ""
        print(f"terbaik / terbaik, loader / baca mentah {name}{mark}: {best[name][0] / t_load:.2f} "
              f"(CPU {best[name][1] / c_load:.2f}); target >= 0,50")
    ratios = sorted(min(r["calamine"][0], r["fastexcel"][0]) / r["loader"][0] for r in rounds)
    print(f"per putaran, loader / baca mentah tercepat: {', '.join(f'{x:.2f}' for x in ratios)}; "
          f"median {statistics.median(ratios):.2f}; target >= 0,50")
    print(f"loader: {workers.worker_count(len(paths))} proses parse (termasuk proses loader, yang juga menyimpan); "
          f"parse saja di satu proses: {best['parse'][0] / t_load:.1f}x waktu loader")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0
