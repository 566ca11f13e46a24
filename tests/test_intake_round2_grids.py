"""Recaps with the months across that do not start in January (issue 16 round 2, gap 3).

A fiscal or school year (JUL … DES JAN … JUN) spans two calendar years: its months land in the right year, from
the title ('2023/2024', 'TA 2023/24', 'Juli 2023 - Juni 2024', 'TA 2023') or from the month headers themselves;
a grid of only some months (JAN … JUN) stands for those; the JUMLAH row and column are still checked. Fixtures are
real workbooks (openpyxl, XlsxWriter); one is loaded into a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from etl.load import load_files, rebuild
from etl.model import WorkbookError
from etl.parse import parse_workbook
from test_recap_grid import CITY, counts_of, form_grid, warnings_of, write_rows

D = dt.date
TODAY = D(2025, 3, 15)
FISCAL = ["JUL", "AGS", "SEP", "OKT", "NOV", "DES", "JAN", "FEB", "MAR", "APR", "MEI", "JUN"]
DATA = {"fisik": [1, 0, 2, 0, 0, 1, 3, 0, 0, 0, 0, 0],
        "seksual": [0, 1, 0, 0, 2, 0, 1, 1, None, None, None, None]}


def year_months(first: D, count: int) -> list[D]:
    return [D(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(count)]


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
@pytest.mark.parametrize("title, headers, first", [
    ("REKAP KASUS KEKERASAN TAHUN ANGGARAN 2023/2024", FISCAL, D(2023, 7, 1)),
    ("REKAP KASUS TA 2023/24", FISCAL, D(2023, 7, 1)),
    ("REKAP KASUS JULI 2023 - JUNI 2024", [m.title() for m in FISCAL], D(2023, 7, 1)),
    ("REKAP KASUS TA 2023", FISCAL, D(2023, 7, 1)),       # one year: the first month's
    ("REKAP KASUS TAHUN 2024", year_months(D(2023, 7, 1), 12), D(2023, 7, 1)),  # 'Jul-23': the header's own year
    ("REKAP KASUS 2022/2023 (OKTOBER - SEPTEMBER)", ["OKT", "NOV", "DES", "JAN", "FEB", "MAR", "APR", "MEI", "JUN",
                                                     "JUL", "AGS", "SEP"], D(2022, 10, 1)),
])
def test_a_year_turning_at_december_lands_each_month_in_its_year(tmp_path, engine, title, headers, first):
    path = write_rows(tmp_path / "rekap puskesmas.xlsx", {"Rekap": form_grid(DATA, months=headers, title=title)},
                      engine)
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    months = year_months(first, 12)
    assert parsed.shape == "recap" and not parsed.errors and warnings_of(parsed) == []
    assert parsed.months == months
    expected = {}
    for code, cells in DATA.items():
        for month, n in zip(months, cells):
            if n:
                expected[(month, CITY, code, None)] = n
    assert counts_of(parsed) == expected


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
def test_the_jumlah_checks_still_work_across_the_turn_of_the_year(tmp_path, engine):
    rows = form_grid(DATA, months=FISCAL, title="REKAP TA 2023/2024", wrong={(4, 14): 99, (6, 3): 7})
    parsed = parse_workbook(write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows}, engine), "PUSKESMAS", today=TODAY)
    assert sorted(warnings_of(parsed)) == ["D7", "O5"]   # the JUMLAH column of fisik, the JUMLAH row under AGS


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
@pytest.mark.parametrize("headers, title, first", [
    (["JAN", "FEB", "MAR", "APR", "MEI", "JUN"], "REKAP SEMESTER I TAHUN 2024", D(2024, 1, 1)),
    (["OKT", "NOV", "DES", "JAN", "FEB", "MAR"], "REKAP OKTOBER 2023 - MARET 2024", D(2023, 10, 1)),
    (["Juli", "Agustus", "September"], "REKAP TRIWULAN III 2024", D(2024, 7, 1)),
])
def test_a_grid_of_only_some_months_stands_for_those(tmp_path, engine, headers, title, first):
    data = {"fisik": [1] * len(headers), "psikis": [0] * len(headers)}
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": form_grid(data, months=headers, title=title)}, engine)
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    assert parsed.months == year_months(first, len(headers)) and warnings_of(parsed) == []
    assert sum(counts_of(parsed).values()) == len(headers)


def test_months_out_of_order_are_no_grid(tmp_path):
    rows = form_grid({"fisik": [1, 2, 3]}, months=["JAN", "MAR", "FEB"], title="REKAP 2024")
    with pytest.raises(WorkbookError):
        parse_workbook(write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows}), "PUSKESMAS", today=TODAY)


def test_a_fiscal_year_recap_loads_into_both_calendar_years(tmp_path):
    db = tmp_path / "data" / "ppa.duckdb"
    path = write_rows(tmp_path / "rekap puskesmas TA 2023-2024.xlsx",
                      {"Rekap": form_grid(DATA, months=FISCAL, title="REKAP KASUS TA 2023/2024")}, "xlsxwriter")
    result = load_files([path], agency="PUSKESMAS", db=db).files[0]
    assert result.status == "loaded", result.message
    with duckdb.connect(str(db), read_only=True) as con:
        by_year = dict(con.execute("SELECT year(month), sum(victims) FROM recap_counts GROUP BY 1").fetchall())
    assert by_year == {2023: 1 + 2 + 1 + 1 + 2, 2024: 3 + 1 + 1}


# ---------------------------------------------------------------- puskesmas down the rows (gap 4)

def puskesmas_grid(variant):
    """A year's recap whose rows are puskesmas (health centres), not kecamatan, in one of three layouts."""
    head = ["JAN", "FEB", "MAR", "JUMLAH"]
    if variant == "sheet_per_form":   # the form named by the sheet; 'Puskesmas …' / 'PKM …' rows
        return {"Seksual": [["REKAP KASUS KEKERASAN PUSKESMAS SE-KOTA JAMBI TAHUN 2024"], [],
                            ["No", "Nama", *head],
                            [1, "Puskesmas Putri Ayu", 1, 0, 2, 3], [2, "PKM Simpang Kawat", 0, 1, 0, 1],
                            [3, "UPTD Puskesmas Koni", None, 2, 1, 3], [None, "JUMLAH", 1, 3, 3, 7]]}
    if variant == "column_and_forms":  # a 'Nama Puskesmas' column written once, forms beside it
        return {"Rekap": [["REKAP PUSKESMAS TAHUN 2024"], [], ["No", "Nama Puskesmas", "Bentuk Kekerasan", *head],
                          [1, "Putri Ayu", "Fisik", 1, 0, 2, 3], [None, None, "Kekerasan Seksual", 0, 1, 0, 1],
                          [2, "Simpang Kawat", "Psikis", None, 2, 1, 3], [None, "JUMLAH", None, 1, 3, 3, 7]]}
    # each puskesmas's own row (its total), its forms under it
    return {"2024": [["REKAP KASUS PER PUSKESMAS TAHUN 2024"], ["No", "Puskesmas / Bentuk", *head],
                     [1, "Puskesmas Putri Ayu", 1, 1, 2, 4], [None, "Fisik", 1, 0, 2, 3],
                     [None, "Kekerasan Seksual", 0, 1, 0, 1], [2, "Pusk. Simpang Kawat", 0, 2, 1, 3],
                     [None, "Psikis", None, 2, 1, 3], [None, "JUMLAH", 1, 3, 3, 7]]}


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
@pytest.mark.parametrize("variant, forms", [
    ("sheet_per_form", {"seksual": (1, 3, 3)}),
    ("column_and_forms", {"fisik": (1, 0, 2), "seksual": (0, 1, 0), "psikis": (0, 2, 1)}),
    ("blocks", {"fisik": (1, 0, 2), "seksual": (0, 1, 0), "psikis": (0, 2, 1)}),
])
def test_puskesmas_rows_are_read_as_city_totals_with_a_note(tmp_path, engine, variant, forms):
    path = write_rows(tmp_path / "rekap puskesmas 2024.xlsx", puskesmas_grid(variant), engine)
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    assert not parsed.errors and parsed.rows_rejected == 0
    expected = {}
    for code, cells in forms.items():
        for month, n in zip(year_months(D(2024, 1, 1), 3), cells):
            if n:
                expected[(month, CITY, code, None)] = expected.get((month, CITY, code, None), 0) + n
    assert counts_of(parsed) == expected                      # every count kept, in no kecamatan
    assert warnings_of(parsed) == []                          # the JUMLAH row and column still add up
    (note,) = [w for w in parsed.warnings if w.reason == "puskesmas_sekota"]
    assert "menyebut puskesmas (" in note.message and "bukan kecamatan" in note.message
    assert f"dimuat sebagai jumlah Kota Jambi (kode {CITY})" in note.message
    assert "tidak dalam kecamatan mana pun" in note.message


def test_a_puskesmas_recap_loads_into_the_city_total_and_keeps_its_note(tmp_path):
    db = tmp_path / "data" / "ppa.duckdb"
    path = write_rows(tmp_path / "rekap puskesmas 2024.xlsx", puskesmas_grid("column_and_forms"), "xlsxwriter")
    result = load_files([path], agency="PUSKESMAS", db=db).files[0]
    assert result.status == "loaded", result.message
    with duckdb.connect(str(db), read_only=True) as con:
        places = con.execute("SELECT district_code, sum(victims) FROM recap_counts GROUP BY 1").fetchall()
        notes = con.execute("SELECT count(*) FROM load_warnings WHERE reason = 'puskesmas_sekota'").fetchone()[0]
    assert places == [(CITY, 7)] and notes == 1


@pytest.mark.parametrize("engine, header", [("openpyxl", "Puskesmas"), ("xlsxwriter", "Nama PKM")])
def test_a_monthly_recap_of_puskesmas_rows_is_read_as_city_totals_not_refused(tmp_path, engine, header):
    rows = [["REKAP KASUS KEKERASAN PUSKESMAS SE-KOTA JAMBI BULAN JUNI 2024"], [],
            ["No", header, "Fisik", "Psikis", "Kekerasan Seksual", "Jumlah"],
            [1, "Puskesmas Putri Ayu", 1, 0, 2, 3], [2, "Simpang Kawat", 0, 1, 0, 1], [None, "JUMLAH", 1, 1, 2, 4]]
    parsed = parse_workbook(write_rows(tmp_path / "rekap puskesmas juni 2024.xlsx", {"Juni 2024": rows}, engine),
                            "PUSKESMAS", today=TODAY)
    assert parsed.months == [D(2024, 6, 1)] and not parsed.errors and warnings_of(parsed) == []
    assert counts_of(parsed) == {(D(2024, 6, 1), CITY, "fisik", None): 1, (D(2024, 6, 1), CITY, "psikis", None): 1,
                                 (D(2024, 6, 1), CITY, "seksual", None): 2}
    (note,) = [w for w in parsed.warnings if w.reason == "puskesmas_sekota"]
    assert note.message.startswith("Lembar 'Juni 2024' menyebut puskesmas ('Puskesmas Putri Ayu', 'Simpang Kawat')")
    db = tmp_path / "data" / "ppa.duckdb"     # the archived copy keeps the names of the puskesmas: rebuild reads it
    assert load_files([tmp_path / "rekap puskesmas juni 2024.xlsx"], "PUSKESMAS", db=db).files[0].status == "loaded"
    assert not rebuild(db).any_failed
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT district_code, sum(victims) FROM recap_counts GROUP BY 1").fetchall() == [(CITY, 4)]


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
def test_months_down_the_rows_turning_at_december_land_in_their_year(tmp_path, engine):
    rows = [["REKAP KASUS KEKERASAN TAHUN ANGGARAN 2023/2024"],
            ["No", "Bulan", "Fisik", "Psikis", "Kekerasan Seksual", "Jumlah"],
            [1, "Oktober", 1, 0, 2, 3], [2, "November", 0, 1, None, 1], [3, "Desember", 0, 0, 0, 0],
            [4, "Januari", 2, None, None, 2], [5, "Februari", None, None, None, None], [None, "JUMLAH", 3, 1, 2, 6]]
    parsed = parse_workbook(write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows}, engine), "RSUD", today=TODAY)
    assert parsed.months == [D(2023, 10, 1), D(2023, 11, 1), D(2023, 12, 1), D(2024, 1, 1)]
    assert counts_of(parsed) == {(D(2023, 10, 1), CITY, "fisik", None): 1, (D(2023, 10, 1), CITY, "seksual", None): 2,
                                 (D(2023, 11, 1), CITY, "psikis", None): 1, (D(2024, 1, 1), CITY, "fisik", None): 2}
    assert warnings_of(parsed) == []
