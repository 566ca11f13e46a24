"""Read a workbook (.xlsx, .xlsm, .xls, .ods) into plain cell values with one fast reader (python-calamine).

Cells come back as they are held: text as ``str``, numbers as ``int``/``float``, dates as ``datetime.date`` or
``datetime.datetime``, formula cells as their cached result, empty cells (and formulas without a cached result,
as openpyxl writes them) as ``None``. Nothing is interpreted here; etl.values does that through explicit rules.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import python_calamine
from openpyxl.utils import get_column_letter

from etl.model import WorkbookError

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# Agency workbooks have a few hundred rows; these caps only stop a hostile or broken file from hanging a load or
# exhausting memory. They are the product's only size limits (docs/operations.md states the memory they bound):
# bytes on disk, bytes after unzipping (checked by streaming every member before the reader sees it, so a zip
# bomb's declared or real size is caught), and rows, columns and cells of a sheet (counted in the sheet's XML
# before reading, and again on the reader's dimensions before any cell is converted). The XML pre-scan finds the
# widest column exactly only when a cell lies past column Z: within A-Z the reader's dense range is at most
# MAX_ROWS x 26 cells, so the rows x columns product can wait for the reader's own dimension check.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELLS = 2_000_000
MAX_SHEETS = 100

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its name, position in the workbook, visibility and rows of cells (row 0 is Excel row 1)."""

    name: str
    index: int
    visible: bool
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Workbook:
    """All sheets of one file, in workbook order."""

    file_name: str
    sheets: list[Sheet]


def _format_problem(path: Path, head: bytes) -> str | None:
    """Why the bytes cannot be a spreadsheet of the kind the suffix claims, or None if they might be."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return (f"File '{path.name}' bukan workbook yang didukung (akhiran '{path.suffix or '-'}'). "
                "Simpan sebagai .xlsx, .xlsm, .xls atau .ods lalu kirim ulang.")
    if suffix in (".xlsx", ".xlsm") and head.startswith(_OLE_MAGIC):
        # An .xlsx protected with a password is stored as an OLE container holding the encrypted package.
        return (f"File '{path.name}' dilindungi kata sandi (terenkripsi) sehingga tidak dapat dibaca. "
                "Buka di Excel, hapus kata sandinya (File > Info > Protect Workbook), simpan, lalu kirim ulang.")
    if suffix in (".xlsx", ".xlsm", ".ods") and not head.startswith(_ZIP_MAGIC):
        return (f"File '{path.name}' bukan workbook {suffix} yang sah (isinya bukan format spreadsheet). "
                "Buka file di Excel atau LibreOffice, simpan ulang sebagai .xlsx, lalu kirim ulang.")
    if suffix == ".xls" and not head.startswith(_OLE_MAGIC):
        return (f"File '{path.name}' bukan workbook .xls yang sah (isinya bukan format spreadsheet). "
                "Buka file di Excel atau LibreOffice, simpan ulang sebagai .xlsx, lalu kirim ulang.")
    return None


def _clean_rows(raw: list[list]) -> list[list[Cell]]:
    """Empty strings as None and text stripped (whitespace-only text is None), each distinct text once."""
    texts = {v for v in set().union(*raw) if v.__class__ is str}
    cleaned = {text: text.strip() or None for text in texts}
    return [list(map(cleaned.get, row, row)) for row in raw]  # dict.get(v, v): non-text cells stay as they are


def read_workbook(path: str | Path, file_name: str | None = None) -> Workbook:
    """Read every sheet of a workbook file; raise WorkbookError (Indonesian, naming the file) if it can't be read."""
    path = Path(path)
    name = file_name or path.name
    shown = Path(name)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise WorkbookError(f"File '{name}' tidak dapat dibuka ({exc.strerror or exc}). Periksa nama dan lokasinya.") from exc
    if size == 0:
        raise WorkbookError(f"File '{name}' kosong (0 byte). Kirim ulang file yang benar.")
    if size > MAX_FILE_BYTES:
        raise WorkbookError(f"File '{name}' terlalu besar ({size // (1024 * 1024)} MB; batas "
                            f"{MAX_FILE_BYTES // (1024 * 1024)} MB). Pecah menjadi beberapa file per bulan.")
    problem = _format_problem(shown if file_name else path, head)
    if problem:
        raise WorkbookError(problem)
    if head.startswith(_ZIP_MAGIC):
        _check_zip(path, name)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several private error types for broken files
        raise WorkbookError(f"File '{name}' rusak atau tidak dapat dibaca sebagai spreadsheet ({_short(exc)}). "
                            "Buka di Excel atau LibreOffice, simpan ulang sebagai .xlsx, lalu kirim ulang.") from exc
    try:
        metadata = list(book.sheets_metadata)
        if len(metadata) > MAX_SHEETS:
            raise WorkbookError(f"File '{name}' berisi {len(metadata)} lembar (batas {MAX_SHEETS}). "
                                "Kirim satu file per periode dengan lembar seperlunya.")
        sheets = []
        for index, meta in enumerate(metadata):
            visible = str(meta.visible).rsplit(".", 1)[-1].lower() == "visible"
            if "worksheet" not in str(meta.typ).lower():
                sheets.append(Sheet(meta.name, index, False, []))  # chart sheets hold no cells
                continue
            sheet = book.get_sheet_by_index(index)
            height, width = sheet.total_height, sheet.total_width
            if height > MAX_ROWS or width > MAX_COLUMNS or height * width > MAX_CELLS:
                raise WorkbookError(
                    f"File '{name}', lembar '{meta.name}': terlalu besar ({height} baris x {width} kolom; batas "
                    f"{MAX_ROWS} baris x {MAX_COLUMNS} kolom). Hapus isi di luar tabel data lalu kirim ulang.")
            rows = _clean_rows(sheet.to_python(skip_empty_area=False))
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            sheets.append(Sheet(meta.name, index, visible, rows))
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError(f"File '{name}' rusak atau tidak dapat dibaca sebagai spreadsheet ({_short(exc)}). "
                            "Buka di Excel atau LibreOffice, simpan ulang sebagai .xlsx, lalu kirim ulang.") from exc
    finally:
        book.close()
    return Workbook(name, sheets)


_SHEET_MEMBER = re.compile(r"xl/worksheets/[^/]+\.xml")
_ROW_NUMBER = re.compile(rb'<row[^>]*?\sr="(\d+)"')
_CELL_COLUMN = re.compile(rb'\sr="([A-Z]{1,3})\d')  # cells are the only elements whose r holds a column
# Cells past column Z, and cells on row 100000 or further (a row need not carry its number: the cell's reference
# alone places it). A literal first byte lets the regex engine skip ahead; the \s variants are slow and only run
# on XML that separates attributes with something else than a space.
_WIDE_COLUMN = re.compile(rb' r="[A-Z]{2}')
_WIDE_COLUMN_ANY_SPACE = re.compile(rb'\sr="[A-Z]{2}')
_FAR_CELL_ROW = re.compile(rb' r="[A-Z]{1,3}(\d{6,})"')
_FAR_CELL_ROW_ANY_SPACE = re.compile(rb'\sr="[A-Z]{1,3}(\d{6,})"')
_CHUNK = 1 << 20


def _check_zip(path: Path, name: str) -> None:
    """Stream every member of a zip-based workbook and refuse it before reading if it is broken or too big."""
    corrupt = (f"File '{name}' rusak atau terpotong sehingga tidak dapat dibaca. Buka di Excel atau LibreOffice, "
               "simpan ulang sebagai .xlsx, lalu kirim ulang.")
    limit_mb = MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
    too_big = (f"File '{name}' berisi data yang terlalu besar setelah dibuka (lebih dari {limit_mb} MB; workbook "
               "laporan biasanya di bawah 5 MB). Hapus isi di luar tabel data atau pecah per bulan, lalu kirim ulang.")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
                raise WorkbookError(too_big)  # the declared size alone is enough to refuse a zip bomb
            total = 0
            names = _sheet_names(archive)
            for member in members:
                counter = (_SheetCounter(names.get(member.filename, member.filename), member.file_size)
                           if _SHEET_MEMBER.fullmatch(member.filename) else None)
                with archive.open(member) as stream:  # zipfile stops at the declared size and checks the CRC
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_UNCOMPRESSED_BYTES:
                            raise WorkbookError(too_big)
                        if counter:
                            counter.feed(chunk)
                            counter.check(name)  # refuse as soon as a bound is passed
                if counter:
                    counter.finish()
                    counter.check(name)
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError) as exc:
        raise WorkbookError(corrupt) from exc


class _SheetCounter:
    """Rows, highest row number, widest column and cells of a worksheet's XML, counted chunk by chunk."""

    def __init__(self, sheet: str, declared_size: int) -> None:
        self.sheet = sheet
        self.rows = self.cells = self.max_row = self.max_column = 0
        # cells without a reference are placed one after another: a row of them is as wide as it has cells
        self.unreferenced_cells = False
        self.most_cells_in_a_row = 0
        self._open_row_cells = 0  # cells so far of the row cut off at the end of the previous chunk
        self._tail = b""
        # zipfile yields at most the declared size, and a cell takes at least 4 bytes of XML ('<c/>'): a smaller
        # part cannot hold too many cells, so they need no counting
        self._count_cells = declared_size > 4 * MAX_CELLS

    def feed(self, chunk: bytes) -> None:
        # carry a tag cut off at the end of a chunk into the next one, so it is seen whole and once
        data = self._tail + chunk
        cut = data.rfind(b"<")
        if cut < 0 or len(data) - cut > 1024:
            text, self._tail = data, b""
        else:
            text, self._tail = data[:cut], data[cut:]
        self.rows += text.count(b"<row")  # also counts a <rowBreaks>: one too many at worst
        tags = _cell_tags(text)
        if self._count_cells:
            self.cells += tags
        odd_spaces = [space for space in (b"\t", b"\n", b"\r") if space + b'r="' in text]
        far = _FAR_CELL_ROW.findall(text) + (_FAR_CELL_ROW_ANY_SPACE.findall(text) if odd_spaces else [])
        row_numbers = _ROW_NUMBER.findall(text)
        self.max_row = max(self.max_row, *map(int, row_numbers + far or [0]))
        references = text.count(b' r="') + sum(text.count(space + b'r="') for space in odd_spaces)
        if tags > references - len(row_numbers):
            self.unreferenced_cells = True
        if self.unreferenced_cells:
            counts = [_cell_tags(row) for row in text.split(b"<row")]
            counts[0] += self._open_row_cells
            self.most_cells_in_a_row = max(self.most_cells_in_a_row, *counts)
        last_row = text.rfind(b"<row")
        self._open_row_cells = (_cell_tags(text[last_row:]) if last_row >= 0
                                else self._open_row_cells + _cell_tags(text))
        if _WIDE_COLUMN.search(text) or (odd_spaces and _WIDE_COLUMN_ANY_SPACE.search(text)):
            # a cell past column Z: find the widest exactly
            self.max_column = max(self.max_column, *map(_column_number, set(_CELL_COLUMN.findall(text))))

    def finish(self) -> None:
        """Count what is left of the last chunk."""
        self.feed(b"<")

    def check(self, name: str) -> None:
        """Raise WorkbookError when the sheet passes a bound."""
        rows = max(self.rows, self.max_row)
        columns = self.max_column  # 0 while every cell is within A-Z (then rows x columns is the reader's check)
        if self.unreferenced_cells:  # such a cell may follow a referenced one: beyond the widest reference
            columns = (columns or 26) + self.most_cells_in_a_row
        if rows > MAX_ROWS or columns > MAX_COLUMNS or self.cells > MAX_CELLS or rows * columns > MAX_CELLS:
            size = f"{rows} baris x {columns} kolom" if columns else f"{rows} baris"
            raise WorkbookError(
                f"File '{name}', lembar '{self.sheet}': terlalu besar (sedikitnya {size}; "
                f"batas {MAX_ROWS} baris x {MAX_COLUMNS} kolom). Hapus isi di luar tabel data (termasuk sel kosong "
                "berformat di baris/kolom yang jauh) lalu kirim ulang.")


def _cell_tags(xml: bytes) -> int:
    return xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/>")


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> the sheet's name as Excel shows it (empty when the package does not say)."""
    import xml.etree.ElementTree as ET

    try:
        if max((archive.getinfo(n).file_size for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")),
               default=0) > 5 * 1024 * 1024:
            return {}
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, zlib.error, OSError, ValueError):
        return {}
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    names = {}
    for sheet in book.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"):
        part = target.get(sheet.get(rel_id), "").lstrip("/")
        names[part if part.startswith("xl/") else f"xl/{part}"] = sheet.get("name", "")
    return names


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:160] if text else type(exc).__name__


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 -> 'A', 27 -> 'AB')."""
    return get_column_letter(index + 1)
