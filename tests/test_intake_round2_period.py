"""A quarter, a semester or a year declared in words is a declared period (issue 16 round 2, gap 1).

'LAPORAN … TAHUN 2024', 'TRIWULAN III 2024', 'Semester I 2024', 'TW.3/2024' in a title, a Periode cell, a sheet
name or the file name: a row dated outside it is rejected and never widens the file's months, and the file stands
only for the months its rows fill (a quarter in words says nothing of each month: it replaces no month it leaves
empty). Fixtures are real workbooks, written with openpyxl and with XlsxWriter.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pytest

from etl import load
from etl.layout import period_in_words
from etl.parse import parse_workbook
from loadhelpers import entry, register
from round2_workbooks import WRITERS, write_book

D = dt.date
TODAY = D(2024, 11, 15)
HEADERS = ["No", "No. Register", "Tanggal Lapor", "Kecamatan", "Umur", "Jenis Kelamin", "Jenis Kekerasan"]


def months(first: D, last: D) -> list[D]:
    out = [first]
    while out[-1] < last:
        m = out[-1]
        out.append(D(m.year + m.month // 12, m.month % 12 + 1, 1))
    return out


def write(path, sheet, top, rows, writer):
    """A register sheet: ``top`` rows (title block), a blank row, the header, the rows."""
    return write_book(path, [(sheet, top + [[]] + [HEADERS] + rows)], writer)


def reg_row(n, day, form="Fisik"):
    return [n, f"UPTD/{n}", day, "Jelutung", 9, "P", form]


# (where, how it is written, the period declared, where the message says it was read)
CASES = [
    ("title", "LAPORAN KASUS KEKERASAN UPTD PPA KOTA JAMBI TAHUN 2023", months(D(2023, 1, 1), D(2023, 12, 1)),
     "judul lembar 'Register'"),
    ("title", "LAPORAN TAHUNAN UPTD PPA 2023", months(D(2023, 1, 1), D(2023, 12, 1)), "judul lembar 'Register'"),
    ("title", "LAPORAN TRIWULAN III 2024 UPTD PPA", months(D(2024, 7, 1), D(2024, 9, 1)), "judul lembar 'Register'"),
    ("title", "REKAP REGISTER UPTD PPA TW.III/2024", months(D(2024, 7, 1), D(2024, 9, 1)),
     "judul lembar 'Register'"),
    ("title", "Laporan UPTD PPA Triwulan ke-3 Tahun 2024", months(D(2024, 7, 1), D(2024, 9, 1)),
     "judul lembar 'Register'"),
    ("title", "Laporan Semester I 2024 UPTD PPA", months(D(2024, 1, 1), D(2024, 6, 1)), "judul lembar 'Register'"),
    ("title", "Periode Juli - September 2024", months(D(2024, 7, 1), D(2024, 9, 1)), "judul lembar 'Register'"),
    ("cell", "Triwulan III 2024", months(D(2024, 7, 1), D(2024, 9, 1)), "sel Bulan (lembar 'Register' B2)"),
    ("cell", "Semester II Tahun 2023", months(D(2023, 7, 1), D(2023, 12, 1)), "sel Bulan (lembar 'Register' B2)"),
    ("sheet", "TW III 2024", months(D(2024, 7, 1), D(2024, 9, 1)), "nama lembar 'TW III 2024'"),
    ("file", "laporan_uptd_triwulan_3_2024", months(D(2024, 7, 1), D(2024, 9, 1)), "nama file"),
    ("file", "register UPTD PPA semester 1 tahun 2024", months(D(2024, 1, 1), D(2024, 6, 1)), "nama file"),
]


def declaring(tmp_path, where, text, rows, writer):
    sheet, name, top = "Register", "register-uptd.xlsx", [["REGISTER KORBAN UPTD PPA"]]
    if where == "title":
        top = [[text]]
    elif where == "cell":
        top = [["REGISTER KORBAN UPTD PPA"], ["Periode", text]]
    elif where == "sheet":
        sheet = text
    else:
        name = f"{text}.xlsx"
    return write(tmp_path / name, sheet, top, rows, writer)


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("where, text, period, source", CASES)
def test_a_period_in_words_is_declared_and_a_row_outside_it_is_rejected(tmp_path, writer, where, text, period,
                                                                        source):
    named = text.startswith("Periode Juli")  # months named: each declared, an empty one NIHIL (rule as before)
    inside = period[1].replace(day=12)
    outside = D(period[0].year - 1, 8, 3)  # same month a year earlier: the month alone would let it in
    path = declaring(tmp_path, where, text, [reg_row(1, inside), reg_row(2, outside), reg_row(3, inside, "Psikis")],
                     writer)
    parsed = parse_workbook(path, agency="UPTD_PPA", today=TODAY)
    assert parsed.detected["period_source"] == source
    assert parsed.months == (period if named else [period[1]])
    assert (parsed.rows_read, parsed.rows_loaded, parsed.rows_rejected) == (3, 2, 1)
    (error,) = parsed.errors
    assert (error.reason, error.row) == ("di_luar_periode", len(path_rows(path)) - 1)
    assert f"tanggal lapor {outside.day} Agustus {outside.year} di luar periode laporan" in error.message
    assert f"yang tertulis di {source}" in error.message
    assert {v.report_date for v in parsed.victims} == {inside}


def path_rows(path):
    return list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("text", ["REKAP 2023/2024", "Rekap kasus 2024", "TA 2023/2024", "Triwulan V 2024",
                                  "Semester III 2024", "Laporan bulanan 2024"])
def test_a_year_without_a_period_word_or_two_years_declares_nothing(text):
    assert period_in_words(text) == []


def test_a_year_title_above_a_sheet_named_for_a_month_stays_that_month(tmp_path):
    path = write(tmp_path / "uptd.xlsx", "Oktober", [["REGISTER KASUS UPTD PPA TAHUN 2024"]],
                 [reg_row(1, D(2024, 10, 2)), reg_row(2, D(2024, 3, 2))], "openpyxl")
    parsed = parse_workbook(path, agency="UPTD_PPA", today=TODAY)
    assert parsed.months == [D(2024, 10, 1)] and parsed.rows_rejected == 1


def test_a_year_in_words_stands_only_for_the_months_its_rows_fill(tmp_path):
    path = write(tmp_path / "uptd.xlsx", "Register", [["LAPORAN UPTD PPA TAHUN 2024"]],
                 [reg_row(1, D(2024, 2, 2)), reg_row(2, D(2024, 9, 2))], "xlsxwriter")
    parsed = parse_workbook(path, agency="UPTD_PPA", today=TODAY)
    assert parsed.months == [D(2024, 2, 1), D(2024, 9, 1)] and parsed.errors == []
    assert parsed.detected["period_source"] == "judul lembar 'Register'"


@pytest.mark.parametrize("writer", WRITERS)
def test_a_quarter_file_never_touches_a_month_outside_it(tmp_path, writer):
    db = tmp_path / "data" / "ppa.duckdb"
    january = register(tmp_path / "uptd-januari.xlsx", "UPTD_PPA", D(2024, 1, 1), D(2024, 1, 1),
                       [entry(f"UPTD/01/{i}", D(2024, 1, 4 + i)) for i in range(1, 4)])
    load.load_files([january], db=db)
    quarter = write(tmp_path / "uptd-tw3.xlsx", "Register", [["LAPORAN UPTD PPA TRIWULAN III TAHUN 2024"]],
                    [reg_row(1, D(2024, 7, 9)), reg_row(2, D(2024, 1, 20)), reg_row(3, D(2024, 9, 1))], writer)
    result = load.load_files([quarter], db=db).files[0]
    assert result.status == "loaded" and result.rows_rejected == 1
    assert result.months == [D(2024, 7, 1), D(2024, 9, 1)]
    with duckdb.connect(str(db), read_only=True) as con:
        per_month = dict(con.execute("SELECT month(report_date), count(*) FROM victim_records GROUP BY 1").fetchall())
    assert per_month == {1: 3, 7: 1, 9: 1}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("title", ["LAPORAN UPTD PPA TRIWULAN I TAHUN 2024", "LAPORAN UPTD PPA TAHUN 2024"])
def test_a_quarter_or_year_file_replaces_only_the_months_it_fills(tmp_path, writer, title):
    db = tmp_path / "data" / "ppa.duckdb"
    january = register(tmp_path / "uptd-januari.xlsx", "UPTD_PPA", D(2024, 1, 1), D(2024, 1, 1),
                       [entry(f"UPTD/01/{i}", D(2024, 1, 4 + i)) for i in range(1, 4)])
    february = register(tmp_path / "uptd-februari.xlsx", "UPTD_PPA", D(2024, 2, 1), D(2024, 2, 1),
                        [entry("UPTD/02/1", D(2024, 2, 4))])
    load.load_files([january, february], db=db)
    later = write(tmp_path / "uptd-rekap.xlsx", "Register", [[title]],
                  [reg_row(1, D(2024, 2, 9)), reg_row(2, D(2024, 3, 1)), reg_row(3, D(2024, 3, 5))], writer)
    result = load.load_files([later], db=db).files[0]
    assert result.status == "replaced" and result.months == [D(2024, 2, 1), D(2024, 3, 1)]
    with duckdb.connect(str(db), read_only=True) as con:
        per_month = dict(con.execute("SELECT month(report_date), count(*) FROM victim_records GROUP BY 1").fetchall())
    assert per_month == {1: 3, 2: 1, 3: 2}      # January, which it leaves empty, keeps its three records
