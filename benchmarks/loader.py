"""Loader throughput next to the raw read speed of calamine on the same files (issue 3, item 7).

Generates official-template registers (a few hundred files, about a million victim rows by default) with
openpyxl's write-only mode, then times: (1) calamine reading every cell of every file, (2) etl.parse alone,
(3) the whole loader (parse + DuckDB transaction + dedupe + archive) into a fresh database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from etl import load, template, vocab
from etl.parse import parse_workbook


def write_register_fast(path: Path, agency: str, month: dt.date, rows: int, rng: random.Random) -> None:
    """A register in the official layout (title block, header on row 6), written streaming for speed."""
    districts = [d.name for d in vocab.districts()]
    kelurahan: dict[str, list[str]] = {}
    for s in vocab.subdistricts():
        kelurahan.setdefault(s.district_code, []).append(s.name)
    codes = {d.name: d.code for d in vocab.districts()}
    forms = [v.label for v in vocab.violence_types()]
    places = [label for _c, label in vocab.closed_lists()["place_of_incident"]]
    relationships = [label for _c, label in vocab.closed_lists()["relationship"]]
    days = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - month
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(template.REGISTER_SHEET)
    ws.append([f"{template.SYNTHETIC_MARK} — BENCHMARK"])
    ws.append(["Lembaga", agency])
    ws.append(["Periode dari", month])
    ws.append(["Periode sampai", month])
    ws.append([])
    ws.append(list(template.REGISTER_HEADERS))
    for i in range(rows):
        report = month + dt.timedelta(days=rng.randrange(days.days))
        district = rng.choice(districts)
        chosen = rng.sample(forms, k=1 if rng.random() < 0.8 else 2)
        ws.append([f"B/{month:%Y%m}/{i // 2 + 1:05d}", report, report - dt.timedelta(days=rng.randint(0, 30)),
                   district, rng.choice(kelurahan[codes[district]]) if rng.random() < 0.1 else None,
                   rng.randint(0, 70), "P" if rng.random() < 0.8 else "L", ", ".join(chosen), rng.choice(places),
                   rng.choice(relationships), "Pengaduan", None])
    wb.save(path)


def generate(folder: Path, files: int, rows_per_file: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    agencies = ["UPTD_PPA", "POLRESTA", "DINSOS", "LSM"]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        agency = agencies[i % len(agencies)]
        month = dt.date(2015 + (i // len(agencies)) // 12, (i // len(agencies)) % 12 + 1, 1)
        path = folder / f"bench-{agency.lower()}-register-{month:%Y-%m}.xlsx"
        write_register_fast(path, agency, month, rows_per_file, rng)
        paths.append(path)
    return paths


def raw_read(paths: list[Path]) -> int:
    """Every cell of every sheet through calamine; returns the number of rows seen."""
    rows = 0
    for path in paths:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            rows += len(wb.get_sheet_by_name(name).to_python())
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run loader --")
    parser.add_argument("--files", type=int, default=250)
    parser.add_argument("--rows", type=int, default=4000, help="victim rows per file")
    parser.add_argument("--workdir", help="keep generated files here (default: a temporary folder)")
    args = parser.parse_args(argv)

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ppa-bench-"))
    samples = work / "files"
    t0 = time.perf_counter()
    paths = sorted(samples.glob("bench-*.xlsx")) if samples.exists() else []
    if len(paths) != args.files:
        shutil.rmtree(samples, ignore_errors=True)
        paths = generate(samples, args.files, args.rows)
    generated = time.perf_counter() - t0
    total_rows = args.files * args.rows
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} file, {total_rows:,} baris korban, {size / 1e6:.0f} MB (dibuat/dipakai ulang dalam "
          f"{generated:.0f} s)")

    t0 = time.perf_counter()
    raw_read(paths)
    t_raw = time.perf_counter() - t0
    print(f"calamine, baca mentah : {t_raw:7.1f} s  {total_rows / t_raw:10,.0f} baris/s")

    t0 = time.perf_counter()
    for p in paths:
        parse_workbook(p)
    t_parse = time.perf_counter() - t0
    print(f"etl.parse saja        : {t_parse:7.1f} s  {total_rows / t_parse:10,.0f} baris/s")

    db = work / "db" / "ppa.duckdb"
    shutil.rmtree(db.parent, ignore_errors=True)
    t0 = time.perf_counter()
    report = load.load_files(paths, db=db)
    t_load = time.perf_counter() - t0
    assert not report.any_failed, [f.message for f in report.files if f.status == "failed"][:3]
    print(f"loader (utuh)         : {t_load:7.1f} s  {report.rows_loaded / t_load:10,.0f} baris/s "
          f"({report.rows_loaded:,} dimuat, {report.rows_rejected:,} ditolak)")
    print(f"loader / baca mentah  : {t_raw / t_load:.2f} (target >= 0,50); parse {t_parse / t_load:.0%} "
          f"dari waktu loader, penyimpanan+dedupe+arsip {(t_load - t_parse) / t_load:.0%}")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0
