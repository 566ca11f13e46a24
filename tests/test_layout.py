"""Layout detection on plain rows: header blocks, numbering rows, end of data, shapes, agency and period hints."""

from __future__ import annotations

import pytest

from etl.layout import (agency_in_text, detect_layout, find_header, flatten_headers, is_signature_row,
                        is_total_label, numbering_row, template_cells)
from etl.read import Sheet


def sheet(rows, name="Data", visible=True) -> Sheet:
    return Sheet.from_rows(name, 0, visible, rows)


def test_two_row_merged_header_is_flattened():
    parent = ["NO", "IDENTITAS KORBAN", None, None, "KEJADIAN", None, "JENIS KEKERASAN"]
    child = [None, "NAMA", "UMUR", "JK", "TANGGAL", "KECAMATAN", None]
    assert flatten_headers(parent, child) == [
        "NO", "IDENTITAS KORBAN / NAMA", "IDENTITAS KORBAN / UMUR", "IDENTITAS KORBAN / JK", "KEJADIAN / TANGGAL",
        "KEJADIAN / KECAMATAN", "JENIS KEKERASAN"]


def test_header_below_a_title_block_is_found():
    rows = [["LAPORAN KORBAN DINAS SOSIAL"], [None], ["Periode", "Juni 2024"],
            ["NO", "TGL MASUK", "KECAMATAN", "L/P", "BENTUK KEKERASAN"],
            [1, "05/06/2024", "Jelutung", "P", "Fisik"]]
    header_rows, names = find_header(sheet(rows).rows)
    assert header_rows == [3] and names[:2] == ["NO", "TGL MASUK"]


def test_text_first_data_row_is_not_taken_for_a_second_header_row():
    rows = [["TGL LAPOR", "KECAMATAN", "JK", "JENIS KASUS"], ["05/06/2024", "Jelutung", "P", "Fisik"]]
    assert find_header(sheet(rows).rows)[0] == [0]


@pytest.mark.parametrize("row, expected", [
    ([1, 2, 3, 4, 5], True), ([1.0, 2.0, 3.0], True), (["(1)", "(2)", "(3)", "(4)"], True), ([None, 1, 2, 3], True),
    ([1, 2], False), ([1, 3, 4], False), ([1, "Jelutung", 0, 0], False),
])
def test_numbering_row(row, expected):
    assert numbering_row(row) is expected


@pytest.mark.parametrize("row, expected", [
    ([None, "Jambi, 30 September 2024"], True), (["Kepala Dinas Sosial Kota Jambi"], True),
    (["NIP. 19750505 200003 1 002"], True), (["Mengetahui,"], True), (["Jambi, 05/10/2024"], True),
    (["Kepala", "Jelutung", "P", "Fisik"], False), (["Jelutung"], False),
])
def test_signature_rows(row, expected):
    assert is_signature_row(row) is expected


@pytest.mark.parametrize("value, expected", [
    ("JUMLAH", True), ("Total", True), ("Jumlah Total", True), ("GRAND TOTAL", True), ("Jumlah korban", True),
    ("Jelutung", False), (12, False), (None, False),
])
def test_total_labels(value, expected):
    assert is_total_label(value) is expected


def test_register_end_of_data_blank_rows_total_and_signature():
    rows = [["NO", "TGL LAPOR", "KECAMATAN", "JK", "JENIS KEKERASAN"],
            [1, "05/06/2024", "Jelutung", "P", "Fisik"],
            [None, None, None, None, None],
            [2, "06/06/2024", "Jelutung", "L", "Psikis"],
            [3, None, None, None, None],                     # a pre-numbered empty row is blank
            ["JUMLAH", None, None, None, 2],
            [None, None, None, "Jambi, 30 Juni 2024"]]
    layout = detect_layout(sheet(rows))
    assert layout.shape == "register"
    assert layout.data_rows == [1, 3] and layout.total_row == 5


def test_note_under_the_table_ends_a_register():
    rows = [["TGL LAPOR", "KECAMATAN", "JK", "JENIS KEKERASAN", "KETERANGAN"],
            ["05/06/2024", "Jelutung", "P", "Fisik", None],
            [None] * 5,
            [None, None, None, None, "Data diolah oleh petugas"]]
    layout = detect_layout(sheet(rows))
    assert layout.data_rows == [1] and layout.footer_row == 3


def test_recap_shape_with_and_without_sex_split():
    plain = detect_layout(sheet([["KECAMATAN", "FISIK", "PSIKIS", "TOTAL"], ["Jelutung", 1, 0, 1]]))
    split = detect_layout(sheet([["Kecamatan", "Fisik", None, "Seksual", None],
                                 [None, "L", "P", "L", "P"], ["Jelutung", 1, 0, 0, 2]]))
    assert (plain.shape, plain.header_rows) == ("recap", [0])
    assert (split.shape, split.header_rows) == ("recap", [0, 1])
    assert split.headers == ["Kecamatan", "Fisik / L", "Fisik / P", "Seksual / L", "Seksual / P"]


def test_hidden_empty_and_instruction_sheets_are_skipped():
    assert detect_layout(sheet([["TGL LAPOR", "KECAMATAN"]], visible=False)).skip_reason == "lembar tersembunyi"
    assert detect_layout(sheet([[None, None]])).skip_reason == "lembar kosong"
    guide = detect_layout(sheet([["Petunjuk pengisian"], ["Isi satu baris per korban."]]))
    assert guide.shape is None and guide.skip_reason == "tidak ada baris judul kolom yang dikenali"
    named = detect_layout(sheet([["Isi satu baris per korban."]], name="Petunjuk"))
    assert named.instruction and named.skip_reason == "lembar petunjuk/contoh pengisian"


def test_template_cells():
    rows = [["REGISTER"], ["Lembaga", "UPTD_PPA"], ["Periode dari", "2024-06"], ["Periode sampai:", "Juni 2024"]]
    assert template_cells(rows) == {"agency": ("UPTD_PPA", "B2"), "period_from": ("2024-06", "B3"),
                                    "period_to": ("Juni 2024", "B4")}


@pytest.mark.parametrize("text, agency", [
    ("DATA KORBAN YANG DITANGANI DINAS SOSIAL KOTA JAMBI", "DINSOS"),
    ("UNIT PPA SAT RESKRIM POLRESTA JAMBI", "POLRESTA"),
    ("Laporan Puskesmas Mei 2024", "PUSKESMAS"),
    ("LSM pendampingan Apr-Mei 2024", "LSM"),
    ("UPTD_PPA", "UPTD_PPA"),
    ("RSUD Kota Jambi", "RSUD"),
    ("Rekap kasus Juni 2024", None),
    ("Rujukan dari Puskesmas ke RSUD", None),                # two agencies: not decided
])
def test_agency_in_text(text, agency):
    assert agency_in_text(text) == agency
