"""The reader: cells typed back from fastexcel's text, placed at their Excel coordinates, and the bounds pre-scan."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest
from hypothesis import given, settings, strategies as st
from openpyxl import Workbook

from etl.model import WorkbookError
from etl import workers
from etl.read import MAX_CELLS, _SheetCounter, cell_value, column_letter, read_workbook
from hostile_files import old_excel, sector_loop_xls, wide_sheet, write_xlsx


@pytest.mark.parametrize("text, value", [
    ("56", 56.0),
    ("-0.1", -0.1),
    ("0.0000001", 1e-7),
    ("123456789012345", 123456789012345.0),     # 15 digits: a float holds it exactly
    ("1571010101010009", "1571010101010009"),   # 16 digits (an identity number): stays text, digit for digit
    ("0812", "0812"),                           # a leading zero is never how a number is written back
    ("2024-10-05 00:00:00", dt.date(2024, 10, 5)),
    ("2024-10-05 14:30:05", dt.datetime(2024, 10, 5, 14, 30, 5)),
    ("2024-10-05 14:30:05.250", dt.datetime(2024, 10, 5, 14, 30, 5, 250000)),
    ("2024-06-03", dt.date(2024, 6, 3)),        # LibreOffice dates
    ("1899-12-31 14:30:00", dt.time(14, 30)),   # a time of day on its own
    ("2024-13-45 00:00:00", "2024-13-45 00:00:00"),
    ("true", True),
    ("false", False),
    ("  Kota Baru  ", "Kota Baru"),
    ("   ", None),
    ("", None),
    ("05/10/2024", "05/10/2024"),               # a date typed as text is etl.values' to read, day first
    ("7 th", "7 th"),
])
def test_cell_values_come_back_with_the_type_the_workbook_holds(text, value):
    got = cell_value(text)
    assert got == value and type(got) is type(value)


@given(st.text())
def test_any_text_is_typed_or_kept_and_never_raises(text):
    got = cell_value(text)
    if isinstance(got, str):
        assert got == text.strip() and got
    elif got is None:
        assert not text.strip()
    else:
        assert text[:1].isdigit() or text[:1] == "-" or text in ("true", "false")


_ODD_TEXTS = [" x", "x ", "x\x1f", "\x0bx", "x\x85", "\xa0x", "true", "false", "True", "", " ", "-1", "-x", "12",
              "0812", "2024-01-02", "2024-01-02 03:04:05", "1899-12-31 10:00:00", "\u0663", "\u00b2", "B/1", "é"]


@settings(deadline=None)
@given(st.lists(st.one_of(st.text(), st.sampled_from(_ODD_TEXTS)), max_size=40))
def test_a_column_of_many_distinct_texts_is_typed_as_each_text_is(texts):
    """A column with many distinct texts is sorted out in Arrow first: every cell still reads as cell_value."""
    import pyarrow as pa

    from etl.read import _TYPED_ONE_BY_ONE, _typed_column

    column = pa.array(texts + [f"B/{i:05d}/VI" for i in range(_TYPED_ONE_BY_ONE)] + [None], pa.string())
    typed = _typed_column(column)
    got = [typed.values[c] for c in typed.codes.tolist()]
    expected = [None if t is None else cell_value(t) for t in column.to_pylist()]
    assert [(type(v), v) for v in got] == [(type(v), v) for v in expected]


def test_cells_keep_their_excel_coordinates_when_the_sheet_starts_further_in(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Juni"
    ws["C4"] = "Tanggal Lapor"
    ws["D4"] = "Umur"
    ws["C5"] = dt.datetime(2024, 6, 3)
    ws["D5"] = 9
    ws["E6"] = "  catatan "
    hidden = wb.create_sheet("Lama")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    wb.create_sheet("Kosong")
    wb.save(tmp_path / "b.xlsx")

    book = read_workbook(tmp_path / "b.xlsx")

    juni, lama, kosong = book.sheets
    assert juni.rows[3][2:4] == ("Tanggal Lapor", "Umur") and juni.rows[3][:2] == (None, None)
    assert juni.rows[4][2:4] == (dt.date(2024, 6, 3), 9.0)
    assert juni.rows[5][4] == "catatan" and len(juni.rows) == 6
    assert (juni.visible, lama.visible, kosong.visible) == (True, False, True)
    assert lama.rows == [("x",)] and kosong.rows == []


def _lazily_read(path) -> list:
    """Every sheet as the reader's lazy load gives it (its own visibility and first column), cell for cell."""
    import fastexcel

    from etl.read import _read_sheet

    reader = fastexcel.read_excel(str(path))
    return [_read_sheet(reader, i, path.name) for i in range(len(reader.sheet_names))]


def _cells(sheet) -> tuple:
    return sheet.name, sheet.index, sheet.visible, sheet.height, [
        ([(type(v), v) for v in c.values], c.codes.tolist()) for c in sheet.columns]


def test_the_eager_load_reads_every_sheet_as_the_lazy_one_does(tmp_path):
    """An .xlsx is read with the reader's eager load, its visibility taken from the workbook part: the same
    sheets, visibility, coordinates and cells as the lazy load, whichever the state and first column."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["D3"], ws["E9"], ws["F9"] = "Tanggal", dt.datetime(2024, 6, 3, 10, 5), 7
    for state in ("visible", "hidden", "veryHidden"):
        other = wb.create_sheet(f"Lembar {state}")
        other["B2"], other["AA2"] = state, 1.5
        other.sheet_state = state
    wb.create_sheet("Kosong")
    wb.create_chartsheet("Grafik")
    wb.save(tmp_path / "b.xlsx")

    book = read_workbook(tmp_path / "b.xlsx")

    assert [_cells(s) for s in book.sheets] == [_cells(s) for s in _lazily_read(tmp_path / "b.xlsx")]
    assert [s.visible for s in book.sheets] == [True, True, False, False, True, True]
    assert book.sheets[0].rows[8][3:6] == (None, dt.datetime(2024, 6, 3, 10, 5), 7.0)


def test_visibility_comes_from_the_workbook_part_the_reader_reads(tmp_path):
    """A package whose main document lies outside xl/ (the reader follows _rels/.rels), with a decoy
    xl/workbook.xml saying the sheet is visible: the sheet is hidden, as the reader reads it."""
    source = write_xlsx(tmp_path / "asli.xlsx", {"Data": [["Tanggal Lapor"], [1]]})
    with zipfile.ZipFile(source) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    hidden = parts["xl/workbook.xml"].replace(b'<sheet name="Data"', b'<sheet state="hidden" name="Data"')
    assert hidden != parts["xl/workbook.xml"]
    moved = {("wb/" + n[3:] if n.startswith("xl/") else n): data for n, data in parts.items()}
    moved["wb/workbook.xml"] = hidden
    moved["_rels/.rels"] = parts["_rels/.rels"].replace(b"xl/workbook.xml", b"wb/workbook.xml")
    moved["xl/workbook.xml"] = parts["xl/workbook.xml"]  # the decoy, and the part it names
    moved["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"]
    path = tmp_path / "pindah.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in moved.items():
            z.writestr(name, data)

    sheet, = read_workbook(path).sheets
    assert not sheet.visible and _cells(sheet) == _cells(_lazily_read(path)[0])
    assert sheet.rows == [("Tanggal Lapor",), (1.0,)]


def _sheet(rows: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')


def _filler(rows: int, first: int = 1, width: int = 40) -> str:
    """Narrow rows of text, enough XML to cross the pre-scan's 1 MB chunks."""
    return "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{"x" * width}</t></is></c>'
                   f'<c r="B{r}"><v>{r}</v></c></row>' for r in range(first, first + rows))


@pytest.mark.parametrize("far_first", [True, False])
@pytest.mark.parametrize("far", ['<row r="99999"><c r="A99999"><v>1</v></c></row>',
                                 '<row><c r="A99999"><v>1</v></c></row>',  # the cell alone says where
                                 '<row r="99999"><c><v>1</v></c></row>'])  # the row alone: column A
def test_a_far_row_and_a_wide_column_in_different_chunks_are_refused_before_reading(tmp_path, far_first, far):
    """Row 99999 and column CV: a dense range of 10 million cells, whichever part of the XML holds which."""
    wide = '<row r="5"><c r="CV5"><v>1</v></c></row>'
    filler = _filler(9000, first=10, width=200)  # 2 MB, every row number below 10000
    rows = (wide + filler + far) if not far_first else (far + filler + wide)
    path = write_xlsx(tmp_path / "jauh.xlsx", {"Data": _sheet(rows)})
    with pytest.raises(WorkbookError, match="terlalu besar \\(sedikitnya"):  # the pre-scan's words: nothing read yet
        read_workbook(path)
    assert 99999 * 100 > MAX_CELLS


@pytest.mark.parametrize("columns", [255, 256])
def test_a_small_wide_sheet_is_read_the_size_limit_counts_cells(tmp_path, columns):
    path = wide_sheet(tmp_path / "lebar.xlsx", columns=columns, rows=10)
    sheet = read_workbook(path).sheets[0]
    assert (sheet.height, len(sheet.columns)) == (10, columns) and sheet.rows[9][-1] == 10 * columns - 1


def test_a_long_narrow_sheet_within_the_bounds_is_read(tmp_path):
    path = write_xlsx(tmp_path / "panjang.xlsx", {"Data": _sheet(_filler(20000))})
    sheet = read_workbook(path).sheets[0]
    assert len(sheet.rows) == 20000 and sheet.rows[-1] == ("x" * 40, 20000.0)


_XML_PIECES = [b"<row", b"<row ", b'<row r="7">', b"<rowBreaks ", b"</row>", b"<c", b"<c ", b"<c>", b"<c/>", b"</c>",
               b'<c r="B7">', b' r="', b'\tr="', b'r="', b'xmlns:r="', b"<cx ", b"<v>1</v>", b"A", b"7", b'"', b"<", b">",
               b" ", b"\n", b"="]


def _counted_plainly(xml: bytes) -> dict:
    """What the sheet counter must find, by regular expressions over the whole XML at once."""
    ends = rb"(?=[ \t\n\r>/])"
    rows = [m.start() for m in re.finditer(rb"<row" + ends, xml)]
    cells = [m.start() for m in re.finditer(rb"<c" + ends, xml)]
    refs = len(re.findall(rb'(?<=[ \t\n\r])r="', xml))
    per_row = [sum(a <= c < b for c in cells) for a, b in zip([-1] + rows, rows + [len(xml)])]
    return {"rows": len(rows), "cells": len(cells), "unreferenced": len(cells) > refs - len(rows),
            "widest": max(per_row)}


@given(st.lists(st.sampled_from(_XML_PIECES), max_size=80), st.integers(1, 64))  # under 1 KB: no tag is cut
def test_the_sheet_counter_finds_what_plain_regular_expressions_find_whatever_the_chunks(pieces, size):
    xml = b"".join(pieces)
    counter = _SheetCounter("Sheet1", declared_size=4 * MAX_CELLS + 1)  # large: cells are counted too
    for start in range(0, len(xml), size):
        counter.feed(xml[start:start + size])
    counter.finish()
    found = {"rows": counter.rows, "cells": counter.cells, "unreferenced": counter.unreferenced_cells,
             "widest": counter.most_cells_in_a_row}
    plain = _counted_plainly(xml)
    assert {k: found[k] for k in ("rows", "cells", "widest")} == {k: plain[k] for k in ("rows", "cells", "widest")}
    # cells without a reference are looked for piece by piece, which may only see more of them
    assert found["unreferenced"] >= plain["unreferenced"]


@pytest.mark.parametrize("index, letters", [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA"),
                                            (16383, "XFD")])
def test_column_letters_are_excel_s(index, letters):
    assert column_letter(index) == letters


def test_a_missing_file_is_named_in_indonesian(tmp_path):
    with pytest.raises(WorkbookError, match=r"^File 'hilang.xlsx' tidak ditemukan\. Periksa nama"):
        read_workbook(tmp_path / "hilang.xlsx")


def test_an_excel_2_to_4_file_is_named_as_an_old_excel_format(tmp_path):
    with pytest.raises(WorkbookError, match=r"format Excel lama \(Excel 2\.x-4\.0\).*simpan ulang sebagai \.xlsx"):
        read_workbook(old_excel(tmp_path / "lama.xls"))


def test_an_xls_renamed_to_xlsx_is_not_called_password_protected(tmp_path):
    path = tmp_path / "lama.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    with pytest.raises(WorkbookError, match="berformat lama \\(Excel 97-2003") as refused:
        read_workbook(path)
    assert "kata sandi" not in str(refused.value)


def test_a_reader_panic_becomes_the_files_message(shared_dir, monkeypatch):
    """fastexcel raises pyo3's PanicException (a BaseException, not an Exception) for some broken .xls files."""
    path = shared_dir / "corpus" / "files" / "calamine__tests_ptgexp-truncated-operand.xls"
    if not path.exists():
        pytest.skip("../shared/corpus not present")
    monkeypatch.setattr(workers, "_IN_WORKER", True)  # read here, as a worker does, so the panic is raised here
    with pytest.raises(WorkbookError, match=r"rusak atau tidak dapat dibaca sebagai spreadsheet\. Buka") as refused:
        read_workbook(path)
    assert type(refused.value.__cause__).__name__ == "PanicException"
    assert not isinstance(refused.value.__cause__, Exception)


def test_an_xls_or_ods_is_read_in_a_worker_whoever_calls(tmp_path):
    # a memory bomb read by a caller in its own process (the upload page, inspect) would take that process down
    bomb = sector_loop_xls(tmp_path / "bom.xls")
    with pytest.raises(WorkbookError, match="tidak dapat dibaca dengan aman"):
        read_workbook(bomb)
    assert not workers._reuse_freed_memory.cache_info().currsize  # the worker's allocator settings stay there
