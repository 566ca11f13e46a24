"""Age from a birth date (Tgl Lahir, Tanggal Lahir, TTL 'Jambi, 12-05-2010'): whole years at the report date, only
where the row has no age; the birth date and birthplace are stored nowhere (issue 16, item 5)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl import archive
from etl.parse import parse_workbook
from etl.values import age_from_birth_date
from test_privacy import _database_text, _strings_in

TODAY = dt.date(2024, 7, 15)
REPORTED = dt.date(2024, 6, 3)
BIRTHPLACE = "Kuala Tungkal"   # a birthplace no other cell, name or vocabulary holds


@pytest.mark.parametrize("cell, years", [
    ("Jambi, 12-05-2010", 14),
    ("Jambi / 12 Mei 2010", 14),
    ("Jambi, 12/05/2010", 14),
    (f"{BIRTHPLACE}, 4 Juni 2010", 13),         # the birthday is the day after the report: not yet 14
    (f"{BIRTHPLACE}, 3 Juni 2010", 14),         # on the birthday: 14
    (dt.datetime(2010, 5, 12), 14),             # an Excel date
    (40310, 14),                                # its serial number (12 May 2010)
    ("Jambi, 29-02-2000", 24),
    ("12-05-85", 39),                           # a two-digit year after the report date is of the last century
])
def test_age_in_whole_years_at_the_report_date(cell, years):
    assert age_from_birth_date(cell, REPORTED).value.years == years


@pytest.mark.parametrize("cell", ["Jambi", f"{BIRTHPLACE}, 12-05-2030", "Jambi, 31-02-2010"])
def test_an_unreadable_birth_date_leaves_the_age_empty_with_a_warning_that_never_quotes_it(cell):
    outcome = age_from_birth_date(cell, REPORTED)
    assert outcome.value is None and outcome.warning.reason == "tanggal_lahir"
    assert "Jambi" not in outcome.warning.message and "2030" not in outcome.warning.message


def _register(path: Path, header: str, cells: list, ages: list | None = None) -> Path:
    """A register whose birth-date column is ``header``; ``ages``: an Usia column beside it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juni 2024"
    ws.append(["REGISTER KORBAN DINAS SOSIAL KOTA JAMBI"])
    ws.append([])
    ws.append(["No", "Tanggal Lapor", "Nama", header, "Jenis Kelamin", "Kecamatan", "Jenis Kekerasan"]
              + (["Usia"] if ages is not None else []))
    for n, cell in enumerate(cells):
        ws.append([n + 1, REPORTED, f"Korban Contoh {n}", cell, "P", "Jelutung", "Fisik"]
                  + ([ages[n]] if ages is not None else []))
    wb.save(path)
    return path


TTL_CELLS = [f"{BIRTHPLACE}, 12-05-2010", f"{BIRTHPLACE} / 12 Mei 2010", f"{BIRTHPLACE}, 4 Juni 2010",
             "Tidak diketahui"]


@pytest.mark.parametrize("header, cells, ages, expected", [
    ("TTL", TTL_CELLS, None, [14, 14, 13, None]),
    ("Tempat, Tanggal Lahir", TTL_CELLS, [None, 9, "-", None], [14, 9, 13, None]),   # an age typed wins
    ("Tgl Lahir", [dt.datetime(2010, 5, 12), "12/05/2010", dt.datetime(1990, 1, 1), None], None, [14, 14, 34, None]),
    ("Tanggal Lahir", ["12 Mei 2010", 40310, "2010-06-04", None], None, [14, 14, 13, None]),
])
def test_a_register_with_a_birth_date_column_gives_each_victim_an_age(tmp_path, header, cells, ages, expected):
    parsed = parse_workbook(_register(tmp_path / "dinsos.xlsx", header, cells, ages), today=TODAY)
    assert [v["age"] for v in parsed.victim_table.to_pylist()] == expected
    assert parsed.errors == [] and parsed.warnings == []
    described = parsed.detected["sheets"][0]
    assert header in described["personal_columns_dropped"]


def test_no_birth_date_or_birthplace_is_stored_in_the_database_or_the_archive(tmp_path, repo_root):
    path = _register(tmp_path / "dinsos juni 2024.xlsx", "TTL", TTL_CELLS + ["Jambi"])
    db = tmp_path / "data" / "ppa.duckdb"
    run = subprocess.run([sys.executable, "-m", "etl", "load", str(path), "--db", str(db), "--json"],
                         cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    (result,) = json.loads(run.stdout)["files"]
    assert (result["rows_loaded"], [(w["row"], w["message"]) for w in result["warnings"]]) == (5, [
        (8, "Tanggal lahir tidak dapat dibaca; umur dikosongkan. Tulis tanggal lahir hari-bulan-tahun "
            "(mis. 17-08-2012), atau isi kolom Umur.")])
    con = duckdb.connect(str(db), read_only=True)
    assert [a for (a,) in con.execute("SELECT age FROM victims ORDER BY source_row").fetchall()] == [
        14, 14, 13, None, None]
    con.close()
    secrets = [BIRTHPLACE, "12-05-2010", "12 Mei 2010", "4 Juni 2010", "2010-05-12", "2010-06-04"]
    files = [p for p in db.parent.rglob("*") if p.is_file()]
    assert any(p.parent.name == "raw" for p in files)
    for file in files:
        data = _strings_in(file.read_bytes())
        text = _database_text(file) if file.suffix == ".duckdb" else ""
        assert [s for s in secrets if s.encode() in data or s in text] == [], file
    (copy,) = (db.parent / "raw").glob("*.cells")
    cells = [v for sheet in archive.read_copy(copy).sheets for column in sheet.columns for v in column.values]
    born = {dt.date(2010, 5, 12), dt.date(2010, 6, 4)}
    assert not [v for v in cells if isinstance(v, (dt.date, dt.datetime)) and v in born]
    assert not [v for v in cells if isinstance(v, str) and ("2010" in v or BIRTHPLACE in v)]
    # the copy keeps, instead of each birth date read, the report date as many years earlier: the same ages
    # come back when the archive is parsed again (rebuild, undo)
    again = parse_workbook(copy, today=TODAY)
    assert [v["age"] for v in again.victim_table.to_pylist()] == [14, 14, 13, None, None]
    assert [w.reason for w in again.warnings] == ["tanggal_lahir"]
