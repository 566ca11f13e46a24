"""The agency's own workbook returned with the problems marked: highlighted cells and a "Catatan Pemeriksaan" column.

Built in memory and handed to the operator as a download; never written to the server's disk. .xlsx/.xlsm files
are opened with openpyxl and keep their formatting (macros and external links are dropped, so the copy is a plain
.xlsx); .xls and .ods files are rebuilt as .xlsx from the cells the reader read. Personal-data columns stay as the
agency sent them, because it is their own file going back to them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from etl.layout import detect_layout
from etl.model import EtlError, ParsedWorkbook, Problem
from etl.read import Workbook, read_workbook

MESSAGE_HEADER = "Catatan Pemeriksaan"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")     # light red: the row is rejected
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")   # light yellow: the row is kept, please check
# openpyxl keeps every cell as an object; past this many cells a marked copy would cost too much memory.
MAX_MARKUP_CELLS = 300_000
_INVALID_TITLE = re.compile(r"[\[\]:*?/\\]")


def _writable(value):
    """A cell's value as the copy can hold it: control characters that a file's cells may carry (a terminal's
    escape codes, a bell) and that an .xlsx cannot hold become U+FFFD; openpyxl refused the whole copy before."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


class MarkupTooLarge(EtlError):
    """The workbook is too big to return as a marked copy (the problem table is still shown)."""


class MarkupUnavailable(EtlError):
    """openpyxl cannot open the workbook safely, so no marked copy (the problem table is still shown)."""


def marked_file_name(file_name: str) -> str:
    """'Laporan Okt.xls' -> 'Laporan Okt - catatan pemeriksaan.xlsx'."""
    return f"{Path(file_name).stem} - catatan pemeriksaan.xlsx"


def marked_workbook(path: str | Path, parsed: ParsedWorkbook, book: Workbook | None = None) -> bytes:
    """The original workbook with each problem cell filled and each problem row's messages in an added column;
    ``book`` are its cells as read when the caller kept them (etl.load.check_file, keep_book), else read here."""
    path = Path(path)
    if book is None:
        book = read_workbook(path, parsed.file_name)  # bounded by etl.read before openpyxl sees the file
    cells = sum(len(r) for s in book.sheets for r in s.rows)
    if cells > MAX_MARKUP_CELLS:
        raise MarkupTooLarge(f"File '{parsed.file_name}' terlalu besar ({cells} sel) untuk dibuatkan salinan "
                             "bertanda; kirim daftar masalah di halaman ini kepada lembaga.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        wb = _opened(path, parsed.file_name)
    else:
        wb = _rebuilt(book)
    problems = [(p, True) for p in parsed.errors] + [(p, False) for p in parsed.warnings]
    by_sheet: dict[str, list[tuple[Problem, bool]]] = {}
    for problem, is_error in problems:
        if problem.sheet is not None and problem.row is not None:
            by_sheet.setdefault(problem.sheet, []).append((problem, is_error))
    sheets = {s.name: s for s in book.sheets}
    for sheet_name, items in by_sheet.items():
        if sheet_name not in sheets:
            continue
        ws = wb.worksheets[sheets[sheet_name].index]
        _mark_sheet(ws, sheets[sheet_name], items, parsed.agency)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _opened(path: Path, file_name: str) -> openpyxl.Workbook:
    """The .xlsx/.xlsm as openpyxl reads it, with no macro and no link to follow; MarkupUnavailable when openpyxl
    or the XML parser under it refuses the file (e.g. an entity bomb in docProps/core.xml, which the loader never
    reads): the file itself is still checked and loaded."""
    try:
        return openpyxl.load_workbook(path, keep_vba=False, keep_links=False)
    except Exception as exc:  # whatever openpyxl/lxml raise on untrusted bytes is this file's message, not a crash
        raise MarkupUnavailable(
            f"Salinan bertanda untuk '{file_name}' tidak dapat dibuat: bagian file di luar data sel tidak dapat "
            f"dibaca dengan aman ({type(exc).__name__}). Data sel tetap diperiksa dan dapat dimuat; kirim daftar "
            "masalah di halaman ini kepada lembaga.") from None


def _rebuilt(book: Workbook) -> openpyxl.Workbook:
    """A new .xlsx holding the cells of an .xls/.ods workbook, sheet by sheet, hidden sheets hidden."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets:
        title = _INVALID_TITLE.sub("_", sheet.name)[:31] or f"Lembar{sheet.index + 1}"
        ws = wb.create_sheet(title)
        if not sheet.visible:
            ws.sheet_state = "hidden"
        for row in sheet.rows:
            ws.append([_writable(v if not isinstance(v, str) or not v.startswith("=") else f"'{v}") for v in row])
    return wb


def _mark_sheet(ws, sheet, items: list[tuple[Problem, bool]], agency: str | None) -> None:
    layout = detect_layout(sheet, agency)
    headers = layout.headers
    header_row = (layout.header_rows[-1] + 1) if layout.header_rows else 1
    width = max([ws.max_column, len(headers), *(len(r) for r in sheet.rows)] or [1])
    note_column = width + 1
    title = ws.cell(row=header_row, column=note_column, value=MESSAGE_HEADER)
    title.font = Font(bold=True)
    title.fill = ERROR_FILL
    ws.column_dimensions[get_column_letter(note_column)].width = 80
    notes: dict[int, list[str]] = {}
    rejected: set[int] = set()
    for problem, is_error in sorted(items, key=lambda item: (item[0].row, not item[1])):
        column = _column_index(problem.column, headers)
        fill = ERROR_FILL if is_error else WARNING_FILL
        if column is not None:
            cell = ws.cell(row=problem.row, column=column + 1)
            if is_error or cell.fill != ERROR_FILL:
                cell.fill = fill
        prefix = "DITOLAK" if is_error else "Periksa"
        where = f"[{problem.column}] " if problem.column else ""
        notes.setdefault(problem.row, []).append(f"{prefix}: {where}{problem.message}")
        if is_error:
            rejected.add(problem.row)
    for row, messages in notes.items():
        cell = ws.cell(row=row, column=note_column, value=_writable("\n".join(messages)))
        cell.fill = ERROR_FILL if row in rejected else WARNING_FILL


def _column_index(column: str | None, headers: list[str | None]) -> int | None:
    """0-based column of a problem: its header as written, its last header part, or an Excel column letter."""
    if not column:
        return None
    if column in headers:
        return headers.index(column)
    for i, header in enumerate(headers):
        if header and header.rsplit(" / ", 1)[-1] == column:
            return i
    if re.fullmatch(r"[A-Z]{1,3}", column):
        number = 0
        for ch in column:
            number = number * 26 + ord(ch) - 64
        return number - 1
    return None
