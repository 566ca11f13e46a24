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
from rendered import rendered
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
    warnings = [rendered(w.value) for w in at.warning]
    loaded_at = replaced.split("dimuat ")[1].split(")")[0]
    assert (f"Akan menggantikan data UPTD_PPA bulan Agustus 2024 dari file 'uptd-agustus.xlsx' (dimuat {loaded_at}): "
            "3 → 0 korban.") in warnings
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM victim_records").fetchone()[0] == 3   # nothing stored yet


# ---------------------------------------------------------------- a NIHIL sheet beside register sheets

def july_with_nihil_sheets(tmp_path, writer, variant):
    """A workbook with July's register and a sheet saying only NIHIL for August (and September): the month in the
    sheet name, or in the title above the word, or a sheet name without a year under a title with one."""
    july = ("Juli 2024", [["REGISTER KORBAN UPTD PPA BULAN JULI 2024"], HEADERS,
                          [1, "UPTD/07/1", D(2024, 7, 3), "Jelutung", 9, "P", "Fisik"]])
    if variant == "sheet_name":
        nihil = [("Agustus 2024", [["NIHIL"]]), ("September 2024", [["Tidak ada kasus"]])]
    elif variant == "title":
        nihil = [("Sheet3", [[TITLE], [], ["Tidak ada kasus"], [], [None, "Jambi, 2 September 2024"]])]
    elif variant == "month_only":  # 'Agustus' alone; the year from its own title
        nihil = [("Agustus", [["LAPORAN UPTD PPA TAHUN 2024"], [], ["nihil"]])]
    else:  # the register's table with one row saying NIHIL, and a July row rejected (no 'clean file' rule helps)
        july[1].append([2, "UPTD/07/2", D(2024, 7, 8), "Antah Berantah", 9, "P", "Fisik"])
        nihil = [("Agustus 2024", [["REGISTER KORBAN UPTD PPA"], HEADERS, [1, "NIHIL"]])]
    # the file name names both months: a NIHIL sheet says its own
    return write_book(tmp_path / f"uptd juli-agustus 2024 {variant}.xlsx", [july] + nihil, writer)


def received(db):
    from etl import db as dbmod, ledger
    con = dbmod.connect(db, read_only=True)
    try:
        return {m for (agency, m) in ledger.received_months(con) if agency == "UPTD_PPA"}
    finally:
        con.close()


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("variant, nihil_months", [("sheet_name", [D(2024, 8, 1), D(2024, 9, 1)]),
                                                   ("title", [D(2024, 8, 1)]), ("month_only", [D(2024, 8, 1)]),
                                                   ("table_row", [D(2024, 8, 1)])])
def test_a_nihil_sheet_beside_register_sheets_declares_its_month_without_cases(tmp_path, writer, variant,
                                                                              nihil_months):
    db, _ = august_loaded(tmp_path)
    path = july_with_nihil_sheets(tmp_path, writer, variant)
    result = load.load_files([path], db=db, replace_partial=variant == "table_row").files[0]
    assert result.status == "replaced", result.message
    assert result.months == [D(2024, 7, 1)] + nihil_months and result.rows_loaded == 1
    skipped = {s["sheet"]: s["reason"] for s in result.detected["skipped_sheets"]}
    assert list(skipped.values()) == [f"laporan NIHIL (tidak ada kasus) untuk {m}" for m in
                                      (["Agustus 2024", "September 2024"] if variant == "sheet_name"
                                       else [] if variant == "table_row" else ["Agustus 2024"])]
    with duckdb.connect(str(db), read_only=True) as con:
        per_month = dict(con.execute("SELECT month, count(*) FROM victims GROUP BY 1").fetchall())
    assert per_month == {D(2024, 7, 1): 1}          # August's three records replaced by the NIHIL sheet
    assert set(nihil_months) <= received(db)        # counted in Kepatuhan Laporan
    report = load.rebuild(db)                       # the archived copy keeps the NIHIL sheet and its month
    assert not report.any_failed and report.files[-1].months == result.months


def test_a_nihil_sheet_without_a_month_is_a_warning_and_a_month_with_records_keeps_them(tmp_path):
    july = ("Juli 2024", [["REGISTER KORBAN UPTD PPA"], HEADERS,
                          [1, "UPTD/07/1", D(2024, 7, 3), "Jelutung", 9, "P", "Fisik"]])
    path = write_book(tmp_path / "uptd 2024.xlsx", [july, ("Catatan", [["NIHIL"]]), ("Juli", [["NIHIL"]])], "openpyxl")
    from etl.parse import parse_workbook
    parsed = parse_workbook(path, agency="UPTD_PPA", today=D(2024, 11, 1))
    assert parsed.months == [D(2024, 7, 1)] and parsed.nihil_months == [] and parsed.rows_loaded == 1
    (warning,) = parsed.warnings
    assert (warning.sheet, warning.reason) == ("Catatan", "nihil_tanpa_bulan")
    assert warning.message.startswith("Lembar 'Catatan' menyatakan NIHIL (tidak ada kasus), tetapi bulannya tidak "
                                      "tertulis")


def test_a_nihil_sheet_beside_recap_sheets_declares_its_month_too(tmp_path):
    import openpyxl
    from loadhelpers import recap
    db = tmp_path / "data" / "ppa.duckdb"
    earlier = recap(tmp_path / "rsud-agustus.xlsx", "RSUD", {D(2024, 8, 1): {("15.71.01", "fisik", "P"): 4}})
    load.load_files([earlier], db=db)
    path = recap(tmp_path / "rsud-juli-agustus.xlsx", "RSUD", {D(2024, 7, 1): {("15.71.01", "seksual", "P"): 2}})
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Agustus 2024").append(["Tidak ada kasus"])
    wb.save(path)
    result = load.load_files([path], db=db).files[0]
    assert result.status == "replaced" and result.months == [D(2024, 7, 1), D(2024, 8, 1)], result.message
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT month, sum(victims) FROM recap_counts GROUP BY 1").fetchall() == [
            (D(2024, 7, 1), 2)]
