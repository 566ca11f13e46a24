"""Recaps with the months across the columns (JAN … DES, JUMLAH), one workbook per year: forms, kecamatan or both
down the rows, read as victim-forms per month; printed totals cross-checked; blank months stand for nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pytest
import xlsxwriter

from etl import vocab
from etl.load import load_files, rebuild
from etl.model import WorkbookError
from etl.parse import parse_workbook

D = dt.date
TODAY = D(2025, 3, 15)
MONTHS = ["JAN", "FEB", "MAR", "APR", "MEI", "JUN", "JUL", "AGS", "SEP", "OKT", "NOV", "DES"]
FORMS = {"fisik": "Fisik", "psikis": "Psikis", "seksual": "Kekerasan Seksual", "tppo": "Trafficking (TPPO)",
         "penelantaran": "Penelantaran"}
CITY = vocab.region().code


def counts_of(parsed) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for c in parsed.recap:
        key = (c.month, c.district_code, c.violence_type, c.sex)
        out[key] = out.get(key, 0) + c.victims
    return out


def warnings_of(parsed, reason="jumlah_tidak_cocok") -> list[str]:
    return [w.column for w in parsed.warnings if w.reason == reason]


def write_rows(path: Path, sheets: dict[str, list[list]], engine: str = "openpyxl") -> Path:
    """A workbook of plain rows per sheet, written with openpyxl or XlsxWriter."""
    if engine == "openpyxl":
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, rows in sheets.items():
            ws = wb.create_sheet(name)
            for row in rows:
                ws.append(row)
        wb.save(path)
    else:
        wb = xlsxwriter.Workbook(str(path))
        for name, rows in sheets.items():
            ws = wb.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if isinstance(value, dt.date):
                        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()),
                                          wb.add_format({"num_format": "mmm-yy"}))
                    elif value is not None:
                        ws.write(r, c, value)
        wb.close()
    return path


def form_grid(data: dict[str, list], months=MONTHS, total=True, total_row=True, wrong: dict | None = None,
              title="REKAP KASUS KEKERASAN TERHADAP PEREMPUAN DAN ANAK TAHUN 2024") -> list[list]:
    """Forms down the rows, months across; data: form code -> 12 cells (None = blank)."""
    rows = [[title], ["Puskesmas Putri Ayu"], [],
            ["No", "Bentuk Kekerasan", *months] + (["JUMLAH"] if total else [])]
    sums = [0] * len(months)
    for i, (code, cells) in enumerate(data.items(), start=1):
        row_total = sum(c or 0 for c in cells)
        rows.append([i, FORMS[code], *cells] + ([row_total] if total else []))
        sums = [s + (c or 0) for s, c in zip(sums, cells)]
    if total_row:
        rows.append([None, "JUMLAH", *sums] + ([sum(sums)] if total else []))
    for (r, c), value in (wrong or {}).items():
        rows[r][c] = value
    return rows


FULL = {"fisik": [1, 0, 2, None, None, None, None, None, None, None, None, None],
        "seksual": [3, 1, 0, None, None, None, None, None, None, None, None, None],
        "tppo": [None, 2, 1, None, None, None, None, None, None, None, None, None]}


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
def test_forms_down_the_rows_months_across_load_as_a_citywide_recap(tmp_path, engine):
    path = write_rows(tmp_path / "rekap puskesmas 2024.xlsx", {"Rekap 2024": form_grid(FULL)}, engine)
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    assert parsed.shape == "recap" and not parsed.errors and warnings_of(parsed) == []
    assert counts_of(parsed) == {
        (D(2024, 1, 1), CITY, "fisik", None): 1, (D(2024, 3, 1), CITY, "fisik", None): 2,
        (D(2024, 1, 1), CITY, "seksual", None): 3, (D(2024, 2, 1), CITY, "seksual", None): 1,
        (D(2024, 2, 1), CITY, "tppo", None): 2, (D(2024, 3, 1), CITY, "tppo", None): 1}
    # a year file sent in April: only the months with values stand; April-December are blank and stand for nothing
    assert parsed.months == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    assert parsed.rows_read == 3 and parsed.rows_loaded == 3


@pytest.mark.parametrize("headers", [
    ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November",
     "Desember"],
    [f"{m} 2024" for m in ("JANUARI", "FEBRUARI", "MARET", "APRIL", "MEI", "JUNI", "JULI", "AGUSTUS", "SEPTEMBER",
                           "OKTOBER", "NOVEMBER", "DESEMBER")],
    [f"Bln {i}" for i in range(1, 13)],
    [D(2024, m, 1) for m in range(1, 13)],
])
def test_month_headers_as_agencies_write_them(tmp_path, headers):
    rows = form_grid(FULL, months=headers, title="REKAP KASUS 2024")
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows}, "xlsxwriter")
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    assert sum(counts_of(parsed).values()) == 10 and parsed.months[-1] == D(2024, 3, 1)


def test_without_jumlah_row_or_column(tmp_path):
    path = write_rows(tmp_path / "rekap 2024.xlsx", {"Rekap": form_grid(FULL, total=False, total_row=False)})
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    assert sum(counts_of(parsed).values()) == 10 and not parsed.warnings


def test_a_wrong_jumlah_row_and_column_give_the_recap_total_warning(tmp_path):
    # row 5 is the first form (Fisik, row index 4), the JUMLAH row is index 7; C = JAN, O = JUMLAH
    rows = form_grid(FULL, wrong={(4, 14): 9, (7, 2): 7})
    path = write_rows(tmp_path / "rekap 2024.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    assert sorted(warnings_of(parsed)) == ["C8", "O5"]  # O8 (10) matches the cells: a wrong O5 is not summed
    message = next(w.message for w in parsed.warnings if w.column == "C8")
    assert "tertulis 7" in message and "menghasilkan 4" in message
    assert sum(counts_of(parsed).values()) == 10  # the cells load, never the printed totals


def kecamatan_blocks(wrong_subtotal: bool = False) -> list[list]:
    """Kecamatan rows each followed by its forms (one label column), subtotals on the kecamatan rows."""
    rows = [["REKAPITULASI KORBAN KEKERASAN PER KECAMATAN"], ["TAHUN 2024"],
            ["No", "Kecamatan / Bentuk", "JAN", "FEB", "MAR", "APR", "JUMLAH"]]
    rows += [[1, "Kec. Kotabaru", 3, 1, None, None, 4],
             [None, "Fisik", 2, 0, None, None, 2],
             [None, "Psikis", 1, 1, None, None, 2],
             [2, "Jelutung", 1 if not wrong_subtotal else 5, 2, None, None, 3],
             [None, "Seksual", 1, 2, None, None, 3],
             [None, "JUMLAH", 4, 3, None, None, 7]]
    return rows


def test_kecamatan_blocks_with_forms_under_them(tmp_path):
    path = write_rows(tmp_path / "rekap-rsud.xlsx", {"Rekap": kecamatan_blocks()})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert not parsed.errors and warnings_of(parsed) == []
    assert counts_of(parsed) == {
        (D(2024, 1, 1), "15.71.07", "fisik", None): 2, (D(2024, 1, 1), "15.71.07", "psikis", None): 1,
        (D(2024, 2, 1), "15.71.07", "psikis", None): 1, (D(2024, 1, 1), "15.71.08", "seksual", None): 1,
        (D(2024, 2, 1), "15.71.08", "seksual", None): 2}
    assert parsed.months == [D(2024, 1, 1), D(2024, 2, 1)]


def test_a_wrong_count_on_a_kecamatan_row_is_a_warning(tmp_path):
    path = write_rows(tmp_path / "rekap-rsud-2024.xlsx", {"Rekap": kecamatan_blocks(wrong_subtotal=True)})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert warnings_of(parsed) == ["C7"]


def test_kecamatan_and_form_columns_with_the_kecamatan_written_once(tmp_path):
    rows = [["REKAP KASUS KEKERASAN 2024"], [],
            ["Kecamatan", "Jenis Kekerasan", "Jan", "Feb", "Mar", "Total"],
            ["Telanaipura", "Fisik", 1, None, None, 1],
            [None, "Seksual", 2, None, None, 2],
            ["Paal Merah", "Penelantaran", 0, None, None, 0],
            [None, "Psikis", 1, None, None, 1],
            ["Total", None, 4, None, None, 4]]
    path = write_rows(tmp_path / "rekap.xlsx", {"2024": rows}, "xlsxwriter")
    parsed = parse_workbook(path, "DINSOS", today=TODAY)
    assert not parsed.warnings and not parsed.errors
    assert counts_of(parsed) == {(D(2024, 1, 1), "15.71.01", "fisik", None): 1,
                                 (D(2024, 1, 1), "15.71.01", "seksual", None): 2,
                                 (D(2024, 1, 1), "15.71.11", "psikis", None): 1}
    assert parsed.months == [D(2024, 1, 1)]  # February and March are blank


def test_one_sheet_per_kecamatan(tmp_path):
    sheet = lambda n: [["REKAP TAHUN 2024"], ["Bentuk", "Jan", "Feb", "Mar", "Jumlah"], ["Fisik", n, 0, None, n],
                       ["Seksual", 1, 1, None, 2]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Kotabaru": sheet(2), "Kec. Jambi Timur": sheet(1)})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert counts_of(parsed)[(D(2024, 1, 1), "15.71.07", "fisik", None)] == 2
    assert counts_of(parsed)[(D(2024, 1, 1), "15.71.03", "fisik", None)] == 1
    assert counts_of(parsed)[(D(2024, 2, 1), "15.71.03", "seksual", None)] == 1


def test_kecamatan_down_the_rows_with_the_form_named_by_the_sheet(tmp_path):
    sheet = lambda n: [["REKAP 2024"], ["No", "Kecamatan", "Jan", "Feb", "Mar", "Jumlah"],
                       [1, "Jelutung", n, 1, None, n + 1], [2, "Pasar Jambi", 0, 0, None, 0]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Seksual": sheet(2), "Fisik": sheet(3)})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert counts_of(parsed)[(D(2024, 1, 1), "15.71.08", "seksual", None)] == 2
    assert counts_of(parsed)[(D(2024, 1, 1), "15.71.08", "fisik", None)] == 3


def test_kecamatan_by_month_without_any_form_is_refused_naming_what_to_add(tmp_path):
    rows = [["REKAP 2024"], ["No", "Kecamatan", "Jan", "Feb", "Mar", "Jumlah"], [1, "Jelutung", 2, 1, None, 3],
            [2, "Pasar Jambi", 0, 0, None, 0]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    with pytest.raises(WorkbookError, match="tanpa bentuk kekerasan.*Bentuk Kekerasan"):
        parse_workbook(path, "RSUD", today=TODAY)


def test_months_split_by_sex(tmp_path):
    rows = [["REKAP 2024"], ["Bentuk Kekerasan", "JAN", None, "FEB", None, "MAR", None, "JUMLAH", None],
            [None, "L", "P", "L", "P", "L", "P", "L", "P"],
            ["Fisik", 1, 2, 0, 1, None, None, 1, 3],
            ["Seksual", 0, 3, None, None, None, None, 0, 3]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert counts_of(parsed) == {(D(2024, 1, 1), CITY, "fisik", "L"): 1, (D(2024, 1, 1), CITY, "fisik", "P"): 2,
                                 (D(2024, 2, 1), CITY, "fisik", "P"): 1, (D(2024, 1, 1), CITY, "seksual", "P"): 3}
    assert not parsed.warnings


def test_an_unknown_row_label_is_rejected_with_its_advice(tmp_path):
    data = dict(FULL)
    rows = form_grid(data, total=False, total_row=False)
    rows.append([4, "KDRT", 1, None, None])
    path = write_rows(tmp_path / "rekap 2024.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    assert [e.row for e in parsed.errors] == [8] and "daftar ejaan bentuk kekerasan" in parsed.errors[0].message
    assert sum(counts_of(parsed).values()) == 10


def test_a_count_in_a_month_still_to_come_is_refused_and_zeros_there_are_ignored(tmp_path):
    data = {"fisik": [1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]}
    path = write_rows(tmp_path / "rekap 2024.xlsx", {"Rekap": form_grid(data)})
    parsed = parse_workbook(path, "PUSKESMAS", today=D(2024, 3, 20))
    assert parsed.months == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    data["fisik"][5] = 4
    path = write_rows(tmp_path / "rekap 2024 b.xlsx", {"Rekap": form_grid(data)})
    with pytest.raises(WorkbookError, match="Juni 2024, bulan yang belum tiba"):
        parse_workbook(path, "PUSKESMAS", today=D(2024, 3, 20))


def test_without_a_year_anywhere_the_file_is_refused(tmp_path):
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": form_grid(FULL, title="REKAP KASUS")})
    with pytest.raises(WorkbookError, match="tahun rekap tidak dapat ditentukan"):
        parse_workbook(path, "PUSKESMAS", today=TODAY)


def recap_rows(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT month, district_code, violence_type, victims FROM monthly_counts "
                           "WHERE source = 'recap' ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_a_year_file_with_blank_months_replaces_only_the_months_it_fills(tmp_path):
    db = tmp_path / "ppa.duckdb"
    first = {"fisik": [1, 1, 1, 1, None, None, None, None, None, None, None, None]}
    load_files([write_rows(tmp_path / "rekap puskesmas 2024 v1.xlsx", {"Rekap": form_grid(first)})],
               "PUSKESMAS", db)
    # the revision corrects February and states March had none; April is left blank: it keeps its count
    second = {"fisik": [1, 5, 0, None, None, None, None, None, None, None, None, None]}
    report = load_files([write_rows(tmp_path / "rekap puskesmas 2024 v2.xlsx", {"Rekap": form_grid(second)})],
                        "PUSKESMAS", db)
    assert report.files[0].status == "replaced"
    assert recap_rows(db) == [(D(2024, 1, 1), CITY, "fisik", 1), (D(2024, 2, 1), CITY, "fisik", 5),
                              (D(2024, 4, 1), CITY, "fisik", 1)]
    before = recap_rows(db)
    rebuild(db)  # from the archive's redacted copies: the grid's labels and counts are kept
    assert recap_rows(db) == before


def test_months_under_a_merged_bulan_header_and_the_agency_in_the_title_block(tmp_path):
    rows = [["REKAP KORBAN KEKERASAN TAHUN 2024"], ["Lembaga", "RSUD"], [],
            ["No", "Bentuk Kekerasan", "BULAN", None, None, "JUMLAH"],
            [None, None, "Januari", "Februari", "Maret", None],
            [1, "Fisik", 2, 1, None, 3], [2, "Psikis", 0, 1, None, 1], [None, "JUMLAH", 2, 2, None, 4],
            [], [None, None, None, "Jambi, 5 April 2024"], [None, None, None, "Kepala Ruangan"]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, today=TODAY)
    assert parsed.agency == "RSUD" and not parsed.warnings and not parsed.errors
    assert counts_of(parsed) == {(D(2024, 1, 1), CITY, "fisik", None): 2, (D(2024, 2, 1), CITY, "fisik", None): 1,
                                 (D(2024, 2, 1), CITY, "psikis", None): 1}
    assert parsed.detected["sheets"][0]["columns"]["Januari"] == "bulan Januari"


@pytest.mark.parametrize("row", [
    ["B-1", D(2024, 6, 3), "Jelutung", "P", "Kawin paksa"],      # 'B-1' is no 'Bln 1'; a day is no month header
    ["Jan", "Feb", "Nama", "Alamat"],                             # two month words are no year of columns
    ["Jan", "Mar", "Mei", "Jul"],                                 # not one month after another
])
def test_rows_that_only_look_like_month_headers_are_no_grid(tmp_path, row):
    path = write_rows(tmp_path / "lsm 2024.xlsx", {"Sheet": [["REKAP"], row, ["B-2", 1, 2, 3, 4]]})
    with pytest.raises(WorkbookError, match="tidak ada lembar berisi data yang dikenali"):
        parse_workbook(path, "LSM", today=TODAY)


def test_numbered_labels_and_a_kecamatan_outside_the_city(tmp_path):
    rows = [["REKAP KASUS TAHUN 2024"],
            ["Kecamatan", "Jenis Kekerasan", "Jan", "Feb", "Mar", "Jumlah"],
            ["1. Jelutung", "a. Kekerasan Fisik", 1, 0, 0, 1],
            [None, "b. Kekerasan Psikis", 0, 2, 0, 2],
            ["2. Muaro Sebo", "a. Kekerasan Fisik", 4, 0, 0, 4]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "DINSOS", today=TODAY)
    assert counts_of(parsed) == {(D(2024, 1, 1), "15.71.08", "fisik", None): 1,
                                 (D(2024, 2, 1), "15.71.08", "psikis", None): 2}
    assert [e.row for e in parsed.errors] == [5]  # never counted under the kecamatan above it


@pytest.mark.parametrize("title", [["REKAP KECAMATAN TELANAIPURA TAHUN 2024"], ["Kecamatan", ":", "Telanaipura"],
                                   ["Kecamatan :", "Telanaipura"], ["KEC. TELANAIPURA"]])
def test_the_kecamatan_of_a_sheet_from_its_title_block(tmp_path, title):
    rows = [["REKAP 2024"], title, ["Bentuk", "Jan", "Feb", "Mar"], ["Fisik", 1, 2, None]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    assert counts_of(parse_workbook(path, "RSUD", today=TODAY)) == {
        (D(2024, 1, 1), "15.71.01", "fisik", None): 1, (D(2024, 2, 1), "15.71.01", "fisik", None): 2}


def test_a_region_total_row_and_row_numbers_written_as_text(tmp_path):
    rows = [["REKAP 2024"], ["NO", "Kecamatan", "Jan", "Feb", "Mar"], ["1.", "Jelutung", 2, 1, None],
            ["2.", "Pasar Jambi", 0, 1, None], [None, "KOTA JAMBI", 2, 3, None]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Fisik": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert not parsed.errors and warnings_of(parsed) == ["D5"]
    assert counts_of(parsed) == {(D(2024, 1, 1), "15.71.08", "fisik", None): 2,
                                 (D(2024, 2, 1), "15.71.08", "fisik", None): 1,
                                 (D(2024, 2, 1), "15.71.04", "fisik", None): 1}


@pytest.mark.parametrize("title, forms", [("REKAP KASUS KEKERASAN SEKSUAL TERHADAP ANAK TAHUN 2024", {"seksual"}),
                                          ("DATA KORBAN TPPO PER KECAMATAN 2024", {"tppo"})])
def test_kecamatan_down_the_rows_with_the_form_named_by_the_title(tmp_path, title, forms):
    rows = [[title], ["No", "Kecamatan", "Jan", "Feb", "Mar", "Jumlah"], [1, "Jelutung", 2, 1, None, 3]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert {c.violence_type for c in parsed.recap} == forms and sum(counts_of(parsed).values()) == 3


def test_a_title_naming_a_form_never_overrules_rows_that_name_theirs(tmp_path):
    rows = [["GUGUS TUGAS TPPO - REKAP KEKERASAN 2024"], ["Kecamatan / Bentuk", "Jan", "Feb", "Mar"],
            ["Jelutung", 3, None, None], ["Fisik", 1, None, None], ["Psikis", 2, None, None]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert counts_of(parsed) == {(D(2024, 1, 1), "15.71.08", "fisik", None): 1,
                                 (D(2024, 1, 1), "15.71.08", "psikis", None): 2}


@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_a_months_across_recap_saved_by_libreoffice(tmp_path, suffix):
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) not installed")
    source = write_rows(tmp_path / "rekap puskesmas 2024.xlsx", {"Rekap 2024": form_grid(FULL)})
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", suffix, "--outdir", str(tmp_path / "lo"), str(source)],
                   check=True, capture_output=True, timeout=180)
    parsed = parse_workbook(tmp_path / "lo" / f"rekap puskesmas 2024.{suffix}", "PUSKESMAS", today=TODAY)
    assert counts_of(parsed) == counts_of(parse_workbook(source, "PUSKESMAS", today=TODAY))
    assert parsed.months == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)] and not parsed.warnings


def test_a_jumlah_row_labelled_in_the_no_column(tmp_path):
    rows = form_grid(FULL, wrong={(7, 2): 4})
    rows[7][0], rows[7][1] = "JUMLAH", None  # merged over No and Bentuk Kekerasan: the text is in column A
    path = write_rows(tmp_path / "rekap 2024.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "PUSKESMAS", today=TODAY)
    assert not parsed.errors and not parsed.warnings and sum(counts_of(parsed).values()) == 10


def test_months_split_by_sex_with_their_own_sum_columns(tmp_path):
    rows = [["REKAP 2024"], ["Bentuk Kekerasan", "JAN", None, None, "FEB", None, None, "MAR", None, None, "JUMLAH"],
            [None, "Laki-laki", "Perempuan", "L+P", "L", "P", "Jml", "L", "P", "Jml", None],
            ["Fisik", 1, 2, 3, 0, 1, 1, None, None, None, 4]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert counts_of(parsed) == {(D(2024, 1, 1), CITY, "fisik", "L"): 1, (D(2024, 1, 1), CITY, "fisik", "P"): 2,
                                 (D(2024, 2, 1), CITY, "fisik", "P"): 1}
    assert not parsed.warnings


def test_a_table_per_kecamatan_stacked_down_the_sheet(tmp_path):
    header = ["Bentuk Kekerasan", "Januari", "Februari", "Maret", "Jumlah"]
    rows = [["REKAP KASUS TAHUN 2024"], ["KECAMATAN KOTABARU"], header, ["Fisik", 1, 0, None, 1],
            ["Psikis", 0, 2, None, 2], [],
            ["KECAMATAN JELUTUNG"], header, ["Fisik", 3, None, None, 3], ["Jumlah", 3, None, None, 3]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert not parsed.errors and not parsed.warnings
    assert counts_of(parsed) == {(D(2024, 1, 1), "15.71.07", "fisik", None): 1,
                                 (D(2024, 2, 1), "15.71.07", "psikis", None): 2,
                                 (D(2024, 1, 1), "15.71.08", "fisik", None): 3}


def test_an_unknown_form_beside_a_kecamatan_is_rejected_not_taken_for_a_kecamatan_row(tmp_path):
    rows = [["REKAP 2024"], ["Kecamatan", "Bentuk", "Jan", "Feb", "Mar"],
            ["Jelutung", "KDRT", 2, None, None], [None, "Fisik", 1, None, None]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert [e.row for e in parsed.errors] == [3] and "'KDRT'" in parsed.errors[0].message
    assert counts_of(parsed) == {(D(2024, 1, 1), "15.71.08", "fisik", None): 1}


def test_sex_down_the_rows_beside_the_form_written_once(tmp_path):
    rows = [["REKAP 2024"], ["Bentuk Kekerasan", "Jenis Kelamin", "Jan", "Feb", "Mar", "Jumlah"],
            ["Fisik", "L", 1, 0, None, 1], [None, "P", 2, 1, None, 3],
            ["Seksual", "Perempuan", 4, None, None, 4], ["JUMLAH", None, 7, 1, None, 8]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert not parsed.errors and not parsed.warnings
    assert counts_of(parsed) == {(D(2024, 1, 1), CITY, "fisik", "L"): 1, (D(2024, 1, 1), CITY, "fisik", "P"): 2,
                                 (D(2024, 2, 1), CITY, "fisik", "P"): 1, (D(2024, 1, 1), CITY, "seksual", "P"): 4}


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
def test_months_down_the_rows_and_forms_across(tmp_path, engine):
    rows = [["REKAP KASUS KEKERASAN TAHUN 2024"], ["No", "Bulan", "Fisik", "Psikis", "Kekerasan Seksual", "Jumlah"],
            [1, "Januari", 1, 0, 2, 3], [2, "Februari", 0, 1, None, 1], [3, "Maret", 0, 0, 0, 0],
            [4, "April", None, None, None, None], [5, "Mei", None, None, None, None],
            [None, "JUMLAH", 1, 2, 2, 5]]
    path = write_rows(tmp_path / "rekap.xlsx", {"Rekap": rows}, engine)
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert counts_of(parsed) == {(D(2024, 1, 1), CITY, "fisik", None): 1, (D(2024, 1, 1), CITY, "seksual", None): 2,
                                 (D(2024, 2, 1), CITY, "psikis", None): 1}
    # March states zero (it stands), April and May are blank (they stand for nothing)
    assert parsed.months == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    assert warnings_of(parsed) == ["D8", "F8"]  # Psikis: 2 written, 1 counted; so the grand total too


def test_a_monthly_recap_per_kecamatan_is_read_as_before(tmp_path):
    rows = [["REKAP BULAN JUNI 2024"], ["Kecamatan", "Fisik", "Psikis"], ["Jelutung", 1, 0], ["Kotabaru", 0, 2],
            ["Telanaipura", 1, 1]]
    path = write_rows(tmp_path / "rekap juni 2024.xlsx", {"Rekap": rows})
    parsed = parse_workbook(path, "RSUD", today=TODAY)
    assert parsed.months == [D(2024, 6, 1)] and sum(counts_of(parsed).values()) == 5
