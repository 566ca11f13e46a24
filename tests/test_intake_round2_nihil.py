"""NIHIL reports in round 2 (issue 16, gaps 2 and 6).

A NIHIL report for a month that already has records of the same agency replaces them at once: `inspect`, the upload
page and the output of `load` say so in Indonesian, naming the month, the earlier file and the records before and
after. Fixtures are real workbooks (openpyxl and XlsxWriter) loaded into real DuckDB files.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from etl import load
from loadhelpers import entry, register, snapshot
from round2_workbooks import WRITERS, write_book

D = dt.date
TITLE = "LAPORAN KASUS KEKERASAN TERHADAP PEREMPUAN DAN ANAK UPTD PPA BULAN AGUSTUS 2024"
HEADERS = ["No", "No. Register", "Tanggal Lapor", "Kecamatan", "Umur", "Jenis Kelamin", "Jenis Kekerasan"]


def nihil_august(tmp_path, writer):
    """A NIHIL report for August 2024: a sheet saying only NIHIL (openpyxl), or a register whose one row says
    'Tidak ada kasus' (XlsxWriter)."""
    path = tmp_path / f"uptd-nihil-agustus-{writer}.xlsx"
    if writer == "openpyxl":
        return write_book(path, [("Laporan", [[TITLE], [], ["NIHIL"], [], [None, "Jambi, 2 September 2024"]])],
                          writer)
    return write_book(path, [("Register", [[TITLE], [], HEADERS, [1, "Tidak ada kasus"]])], writer)


def august_loaded(tmp_path):
    db = tmp_path / "data" / "ppa.duckdb"
    august = register(tmp_path / "uptd-agustus.xlsx", "UPTD_PPA", D(2024, 8, 1), D(2024, 8, 1),
                      [entry(f"UPTD/08/{i}", D(2024, 8, 2 + i)) for i in range(1, 4)])
    load.load_files([august], db=db)
    with duckdb.connect(str(db), read_only=True) as con:
        loaded_at = con.execute("SELECT loaded_at FROM submissions").fetchone()[0]
    return db, f"(uptd-agustus.xlsx, dimuat {loaded_at:%d-%m-%Y %H:%M}): 3 → 0 korban (−3)"


def cli(repo_root, *args):
    run = subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=repo_root, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("writer", WRITERS)
def test_inspect_and_load_say_a_nihil_report_replaces_the_months_records(repo_root, tmp_path, writer):
    db, replaced = august_loaded(tmp_path)
    nihil = nihil_august(tmp_path, writer)
    before = snapshot(db)
    said = cli(repo_root, "inspect", nihil, "--db", db)
    assert snapshot(db) == before
    assert "laporan NIHIL (tidak ada kasus)" in said
    assert "  Mengganti  : Agustus 2024 dari kiriman " in said and replaced in said
    done = cli(repo_root, "load", nihil, "--db", db)
    assert "menggantikan data lama" in done
    assert "  Diganti    : Agustus 2024 dari kiriman " in done and replaced in done
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM victim_records").fetchone()[0] == 0


def test_the_upload_page_says_a_nihil_report_replaces_the_months_records(tmp_path, monkeypatch):
    db, replaced = august_loaded(tmp_path)
    monkeypatch.setenv("PPA_DB", str(db))
    nihil = nihil_august(tmp_path, "xlsxwriter")
    at = AppTest.from_file("../pages/unggah.py", default_timeout=120)
    at.session_state[auth.SESSION_KEY] = auth.session_record("uji", "operator")
    at.run()
    at.file_uploader(key="uploads").set_value((nihil.name, nihil.read_bytes(),
                                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    warnings = [w.value for w in at.warning]
    loaded_at = replaced.split("dimuat ")[1].split(")")[0]
    assert (f"Akan menggantikan data UPTD_PPA bulan Agustus 2024 dari file 'uptd-agustus.xlsx' (dimuat {loaded_at}): "
            "3 → 0 korban.") in warnings
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM victim_records").fetchone()[0] == 3   # nothing stored yet
