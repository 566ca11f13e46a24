"""The marked copy for .xls/.ods workbooks: rebuilt as .xlsx from the cells read, problems marked the same way."""

from __future__ import annotations

import io
import shutil
import subprocess

import openpyxl
import pytest

from etl import inspect, markup
from tests.messy import NAMES, TERMINAL_CODES, write_messy_register, write_register_with_wording


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is needed to write .ods/.xls")
@pytest.mark.parametrize("suffix, filter_name", [("ods", "ods"), ("xls", "xls:MS Excel 97")])
def test_legacy_formats_come_back_as_marked_xlsx(tmp_path, suffix, filter_name):
    source = write_messy_register(tmp_path / "Dinsos November 2024.xlsx")
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                    filter_name, "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=120)
    legacy = out / f"Dinsos November 2024.{suffix}"
    checked = inspect.inspect_file(legacy)
    assert checked.parsed is not None, checked.error
    assert {p.row for p in checked.parsed.errors} == {6, 7, 8}
    wb = openpyxl.load_workbook(io.BytesIO(markup.marked_workbook(legacy, checked.parsed)))
    ws = wb["Nov 2024"]
    assert ws["H4"].value == markup.MESSAGE_HEADER
    assert "Umur 130" in ws["H6"].value and "Sungai Gelam" in ws["H7"].value
    assert ws["D6"].fill.fgColor.rgb.endswith("FFC7CE") and ws["A5"].fill.fgColor.rgb in ("00000000", None)
    assert ws["B5"].value == NAMES[0]   # the agency's own data goes back to them unchanged
    assert markup.marked_file_name(legacy.name) == "Dinsos November 2024 - catatan pemeriksaan.xlsx"


def test_a_clean_file_has_no_note_column(tmp_path):
    rows = [[1, "Nama", __import__("datetime").date(2024, 11, 4), 9, "P", "Kotabaru", "Pencabulan"]]
    path = write_messy_register(tmp_path / "bersih.xlsx", rows)
    checked = inspect.inspect_file(path)
    assert checked.parsed.errors == [] and inspect.problems_table(checked) == []
    ws = openpyxl.load_workbook(io.BytesIO(markup.marked_workbook(path, checked.parsed))).active
    assert all(c.value != markup.MESSAGE_HEADER for row in ws.iter_rows() for c in row)



def test_a_rebuilt_copy_holds_a_cell_s_control_characters_as_replacement_characters(tmp_path):
    """An .xls may hold a terminal's escape codes in a cell (LibreOffice drops them when it converts, and XML cannot
    hold them, so the cells come from the .xlsx reader here, as the .xls reader would give them): the copy rebuilt
    as .xlsx, which cannot hold control characters, shows them as U+FFFD in the agency's cell and in the message."""
    from etl.read import read_workbook

    source = write_register_with_wording(tmp_path / "kode.xlsx", TERMINAL_CODES)
    checked = inspect.inspect_file(source)
    book = read_workbook(source, source.name)
    assert "KDRT \x1b[31mmerah\x1b[0m\x07" in [v for s in book.sheets for r in s.rows for v in r]
    wb = openpyxl.load_workbook(io.BytesIO(markup.marked_workbook(tmp_path / "kode.xls", checked.parsed, book)))
    ws = wb["Nov 2024"]
    assert ws["G8"].value == "KDRT \ufffd[31mmerah\ufffd[0m\ufffd"
    assert "'KDRT \ufffd[31mmerah\ufffd[0m\ufffd' tidak dikenal" in ws["H8"].value
