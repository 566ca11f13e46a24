"""Hostile and broken files: each is refused (or read safely) with a clear Indonesian sentence, nothing is loaded,
nothing is run or fetched, and memory stays bounded. Every file is generated small; see tests/hostile_files.py."""

from __future__ import annotations

import http.server
import io
import json
import subprocess
import sys
import threading
import zipfile

import duckdb
import openpyxl
import pytest

from etl import inspect, load, markup
from etl.read import MAX_CELLS, MAX_FILE_BYTES, MAX_ROWS
from tests import hostile_files as h

CORRUPT = "rusak atau terpotong"
TOO_BIG = f"batas {MAX_ROWS} baris dan {MAX_CELLS} sel"
NOT_A_WORKBOOK = "bukan workbook .xlsx yang sah"
REFUSED = {
    "terpotong.xlsx": (lambda p, good: h.truncated(p, good), CORRUPT),
    "rusak.xlsx": (lambda p, good: h.corrupted(p, good), CORRUPT),
    "data.csv.xlsx": (lambda p, good: p.write_bytes(b"Tanggal Lapor;Kecamatan\n05/11/2024;Kotabaru\n") and p,
                      NOT_A_WORKBOOK),
    "laporan.pdf.xlsx": (lambda p, good: p.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF") and p,
                         NOT_A_WORKBOOK),
    "berkata-sandi.xlsx": (lambda p, good: h.encrypted_ole(p), "dilindungi kata sandi"),
    "bom-zip.xlsx": (lambda p, good: h.declared_zip_bomb(p), "terlalu besar setelah dibuka"),
    "bom-zip-nyata.xlsx": (lambda p, good: h.real_zip_bomb(p, size=110 * 1024 * 1024), "terlalu besar setelah dibuka"),
    "bom-zip-bohong.xlsx": (lambda p, good: h.real_zip_bomb(p, size=110 * 1024 * 1024, lie=True), CORRUPT),
    "100mb.xlsx": (lambda p, good: h.big_sparse_file(p), f"batas {MAX_FILE_BYTES // (1024 * 1024)} MB"),
    "sejuta-baris.xlsx": (lambda p, good: h.million_rows(p), f"batas {MAX_ROWS} baris"),
    "sel-jauh.xlsx": (lambda p, good: h.far_cell(p), TOO_BIG),
    "sel-jauh-baris-tanpa-nomor.xlsx": (lambda p, good: h.far_cell_in_unnumbered_row(p), f"batas {MAX_ROWS} baris"),
    "lebar-dan-panjang.xlsx": (lambda p, good: h.wide_and_long(p), TOO_BIG),
    "lebar-tanpa-referensi.xlsx": (lambda p, good: h.unreferenced_wide_row(p, cells=2_100_000), TOO_BIG),
    "lama.xls": (lambda p, good: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) and p,
                 "rusak atau tidak dapat dibaca"),
    "kalkulasi.ods": (lambda p, good: p.write_bytes(b"PK\x03\x04" + b"\0" * 100) and p, CORRUPT),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    good = h.register(folder / "baik.xlsx")
    return good, {name: make(folder / name, good) for name, (make, _) in REFUSED.items()}


@pytest.fixture()
def db(tmp_path, files):
    """A database already holding one good file, so that 'unchanged' is checked against real content."""
    target = tmp_path / "ppa.duckdb"
    assert load.load_files([files[0]], agency="DINSOS", db=target).files[0].status == "loaded"
    return target


def content(db) -> list:
    with duckdb.connect(str(db), read_only=True) as con:
        return [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("submissions", "victim_records", "recap_counts", "rejected_rows")]


@pytest.mark.parametrize("name", list(REFUSED))
def test_hostile_file_is_refused_with_a_sentence_and_nothing_is_loaded(name, files, db):
    path = files[1][name]
    expected = REFUSED[name][1]
    before = content(db)
    checked = inspect.inspect_file(path, name)
    assert checked.parsed is None and expected in checked.error and f"'{name}'" in checked.error
    assert "Traceback" not in checked.error and "Error" not in checked.error
    result = load.load_files([path], agency="DINSOS", db=db).files[0]
    assert result.status == "failed" and expected in result.message
    assert content(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT outcome FROM load_log ORDER BY load_id DESC LIMIT 1").fetchone()[0] == "failed"


def test_every_generated_file_is_small_on_disk(files):
    for name, path in files[1].items():
        if name != "100mb.xlsx":   # sparse: its size is a hole
            assert path.stat().st_size < 6 * 1024 * 1024, name


def test_memory_stays_bounded_while_refusing_every_hostile_file(files, repo_root):
    """Peak RSS of one process that checks (inspect = read + parse) every hostile file in turn.

    The peak is the kernel's VmHWM: getrusage's ru_maxrss would also count the forked copy of this (large) pytest
    process from before exec, which has nothing to do with the files.
    """
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from etl import inspect\n"
        "def hwm():\n"
        "    line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "    return int(line.split()[1]) / 1024\n"
        "base = hwm()\n"
        "errors = [inspect.inspect_file(Path(p)).error for p in sys.argv[1:]]\n"
        "print(json.dumps({'base_mb': base, 'peak_mb': hwm(), 'refused': sum(map(bool, errors))}))\n")
    run = subprocess.run([sys.executable, "-c", script, *map(str, files[1].values())], cwd=repo_root,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    measured = json.loads(run.stdout)
    assert measured["refused"] == len(REFUSED)
    # docs/operations.md states this bound; measured: about 41 MB before, 51 MB after
    assert measured["peak_mb"] - measured["base_mb"] < 64, measured
    assert measured["peak_mb"] < 200, measured


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"Kotabaru")

    def log_message(self, *args):
        pass


@pytest.fixture()
def link_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/data.xlsx"
    server.shutdown()


def test_formulas_give_their_cached_value_and_external_links_are_never_followed(tmp_path, db, link_server):
    rows = [h.REGISTER_HEADER,
            ["05/11/2024", {"f": "[1]Data!A1", "v": "Kotabaru"}, "P", {"f": "1+1", "v": 9},
             {"f": 'WEBSERVICE("' + link_server + '")', "v": "Pencabulan"}]]
    path = h.write_xlsx(tmp_path / "rumus.xlsx", {"Register": rows}, external_link=link_server)
    checked = inspect.inspect_file(path, agency="DINSOS")
    assert checked.parsed is not None, checked.error
    assert any("tautan" in n for n in checked.notices) and any("rumus" in n for n in checked.notices)
    victim, = checked.parsed.victims
    assert victim.age == 9 and victim.violence_types == ("seksual",)     # cached values, never re-evaluated
    marked = markup.marked_workbook(path, checked.parsed)
    assert not any(n.startswith("xl/externalLinks") for n in zipfile.ZipFile(io.BytesIO(marked)).namelist())
    # the database already holds DINSOS November 2024 (the fixture), so this file replaces it
    assert load.load_files([path], agency="DINSOS", db=db).files[0].status == "replaced"
    assert _Recorder.hits == []


def test_macros_are_never_run_and_the_marked_copy_has_none(tmp_path, db):
    path = h.register(tmp_path / "makro.xlsm", macro=True)
    checked = inspect.inspect_file(path, agency="DINSOS")
    assert checked.parsed is not None and checked.parsed.rows_loaded == 2
    assert any("makro" in n and "tidak pernah dijalankan" in n for n in checked.notices)
    marked = markup.marked_workbook(path, checked.parsed)
    assert "xl/vbaProject.bin" not in zipfile.ZipFile(io.BytesIO(marked)).namelist()
    assert load.load_files([path], agency="DINSOS", db=db).files[0].status == "replaced"


def test_odd_sheet_names_and_unicode_are_read_and_kept(tmp_path, db):
    sheet = "Lap. Nov'24 — №1 ✓ (révisi) 报告"
    rows = [h.REGISTER_HEADER + ["Keterangan"],
            ["05/11/2024", "Kotabaru", "P", 9, "Pencabulan", "ditangani ✓ — «rujukan» عربى 😀"],
            ["06/11/2024", "Kotabaru", "P", 9, "Pemerasan 😀", None]]
    path = h.write_xlsx(tmp_path / "Laporan №1 ✓ — Nov.xlsx", {sheet: rows})
    checked = inspect.inspect_file(path, agency="DINSOS")
    assert checked.parsed is not None, checked.error
    assert checked.parsed.victims[0].sheet == sheet and checked.parsed.victims[0].notes is None  # free text: not kept
    problem, = checked.parsed.errors
    assert problem.sheet == sheet and problem.row == 3 and "Pemerasan 😀" in problem.message
    wb = openpyxl.load_workbook(io.BytesIO(markup.marked_workbook(path, checked.parsed)))
    assert wb.sheetnames == [sheet] and wb[sheet]["G3"].value.startswith("DITOLAK")
    # it replaces the fixture's November with fewer records because a row is rejected: confirmed (issue 21)
    result = load.load_files([path], agency="DINSOS", db=db, replace_partial=True).files[0]
    assert result.status == "replaced" and result.rows_loaded == 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT source_sheet FROM victim_records WHERE submission_id = ?",
                           [result.submission_id]).fetchone()[0] == sheet


def test_uploads_are_staged_under_generated_names_and_removed(tmp_path):
    hostile_name = "../../etc/passwd; rm -rf ~.xlsx"
    with inspect.staged_upload(b"PK\x03\x04 isi", hostile_name) as path:
        assert path.name != hostile_name and ".." not in str(path.relative_to(path.parent))
        assert path.suffix == ".xlsx" and oct(path.stat().st_mode & 0o777) == "0o600"
        assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
        kept = path
    assert not kept.exists() and not kept.parent.exists()
    with pytest.raises(Exception, match="terlalu besar"):
        with inspect.staged_upload(b"\0" * (MAX_FILE_BYTES + 1), "besar.xlsx"):
            pass
