"""Read a CSV file as Excel writes it (in Indonesia: ``;``, Windows-1252 or UTF-8 with BOM, dd/mm/yyyy, decimal
commas) into a one-sheet Workbook with the cells a workbook of the same table gives.

A CSV holds the text Excel showed, so a cell is typed the way etl.read types what the workbook reader hands over
(etl.read.cell_value: numbers as floats, ISO dates as dates, anything else text), after one locale rule: in a file
separated by ``;`` or tabs (a locale whose decimal mark is the comma) "12,5" is 12.5 and "1.234" is 1234; in a file
separated by ``,`` the point is the decimal mark. Day-first dates ("12/05/2024") stay text, as a text date in a
workbook does, for etl.values.parse_date to read; a column an English-locale Excel wrote month first (it holds a
5/13/2024) is rewritten day first.

Pure Python over at most etl.read.MAX_FILE_BYTES, with the workbook limits on rows and cells checked before a row
is kept, so it is read in the caller's process (no worker: nothing here can allocate without bound or crash).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from pathlib import Path

from etl.model import WorkbookError
from etl.read import MAX_CELLS, MAX_ROWS, Cell, Sheet, Workbook, cell_value
from etl.read import _too_big as too_big  # the workbooks' own message for a sheet past the limits

SUFFIX = ".csv"
_DELIMITERS = (";", ",", "\t", "|")
_SNIFF_LINES = 50
_SEP_LINE = re.compile(r'"?sep=(.)"?[;,\t|]*\r?\n', re.I)  # Excel's own hint on the first line: sep=;
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
# text may hold tabs, line ends and form feeds; other control characters mean the bytes are not text
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SAVE_AS_CSV = "Buka di Excel, simpan sebagai 'CSV (dipisah koma/titik koma)' atau .xlsx, lalu kirim ulang."
# numbers as a locale with the decimal comma shows them: 12 / 12,5 / 1.234 / 1.234,5 (no leading zero: "0812…" is
# text, as Excel keeps it); as a decimal-point locale shows them, etl.read.cell_value reads them
_COMMA_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,2}(?:\.\d{3})+|[1-9]\d*)(?:,\d+)?")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?", re.I)
_POINT_NUMBER = re.compile(r"-?\d+\.\d+")
_THOUSANDS_POINT = re.compile(r"-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")


def read_delimited(path: Path, name: str) -> Workbook:
    """A CSV file as a one-sheet Workbook named after the file; WorkbookError (Indonesian) when it is no text
    table or passes the workbook limits."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkbookError(f"File '{name}' tidak dapat dibaca ({exc.strerror or 'akses ditolak'}). "
                            "Periksa izin akses file.") from None
    text = decoded_text(data, name)
    sheet_name = Path(name).stem.strip()[:31] or "CSV"
    rows = _rows(text, name, sheet_name)
    return Workbook(name, [Sheet.from_rows(sheet_name, 0, True, rows)])


def decoded_text(data: bytes, name: str) -> str:
    """The file's text: by its byte-order mark, else UTF-8, else Windows-1252 (what Excel writes in Indonesia)."""
    if data.startswith(_WORKBOOK_MAGIC):
        raise WorkbookError(f"File '{name}' berisi workbook Excel/LibreOffice, bukan teks CSV. Ganti akhiran nama "
                            "filenya menjadi .xlsx (atau .xls/.ods), lalu kirim ulang.")
    text = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                break
            break
    else:
        for encoding in ("utf-8", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None or _mostly_control(text):
        raise WorkbookError(f"File '{name}' bukan teks CSV (isinya data biner atau pengodean yang tidak dikenal). "
                            f"{_SAVE_AS_CSV}")
    return text


def _mostly_control(text: str) -> bool:
    """Whether text holds a NUL or more than one control character per hundred: binary bytes, not a table."""
    sample = text[:65536]
    found = len(_CONTROL.findall(sample))
    return "\x00" in sample or found * 100 > max(len(sample), 1)


def _delimiter(text: str) -> tuple[str, str]:
    """(delimiter, text without Excel's 'sep=' line): the delimiter from that line, else the candidate that splits
    the most of the first lines into the same number (above one) of fields."""
    if match := _SEP_LINE.match(text):
        if match[1] in _DELIMITERS:
            return match[1], text[match.end():]
    sample = "\n".join(text.splitlines()[:_SNIFF_LINES])
    best, best_score = ";", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(row)]
        except csv.Error:
            continue
        width, count = Counter(widths).most_common(1)[0] if widths else (1, 0)
        score = (count if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best, text


def _rows(text: str, name: str, sheet: str) -> list[list[Cell]]:
    """The rows of the table, typed, within the workbook limits on rows and cells."""
    delimiter, text = _delimiter(text)
    if text.count(delimiter) + text.count("\n") > 2 * MAX_CELLS:  # bound the fields before any is split out
        raise too_big(name, sheet, f"lebih dari {MAX_CELLS} sel")
    typed = _typer(decimal_comma=delimiter != ",")
    rows: list[list[Cell]] = []
    width = 0
    try:
        for fields in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            width = max(width, len(fields))
            if len(rows) >= MAX_ROWS or (len(rows) + 1) * width > MAX_CELLS:
                raise too_big(name, sheet, f"sedikitnya {len(rows) + 1} baris x {width} kolom")
            rows.append([typed(field) for field in fields])
    except csv.Error as exc:
        raise WorkbookError(f"File '{name}' baris {len(rows) + 1}: isi CSV tidak dapat dipisahkan menjadi kolom "
                            f"(tanda kutip atau sel terlalu panjang). {_SAVE_AS_CSV}") from exc
    _day_first(rows, width)
    return rows


def _day_first(rows: list[list[Cell]], width: int) -> None:
    """Rewrite, day first, the slashed dates of a column that an English-locale Excel wrote month first: a column
    where some date has a second part above 12 and none a first part above 12 (5/13/2024). Any other column is
    left day first, as Indonesian Excel writes it (an ambiguous 05/06/2024 is 5 June)."""
    for j in range(width):
        matches = [(row, m) for row in rows if j < len(row) and isinstance(row[j], str)
                   and (m := _SLASH_DATE.fullmatch(row[j]))]
        if any(int(m[2]) > 12 for _, m in matches) and not any(int(m[1]) > 12 for _, m in matches):
            for row, m in matches:
                row[j] = f"{m[2]}/{m[1]}/{m[3]}"


def _typer(decimal_comma: bool):
    """cell(text) -> the cell a workbook holds for what Excel showed as this text, each distinct text typed once."""
    seen: dict[str, Cell] = {}

    def typed(text: str) -> Cell:
        if text in seen:
            return seen[text]
        value = text.strip()
        if decimal_comma and _COMMA_NUMBER.fullmatch(value) and ("," in value or "." in value):
            value = value.replace(".", "").replace(",", ".")
        elif not decimal_comma and _THOUSANDS_POINT.fullmatch(value):
            value = value.replace(",", "")
        elif decimal_comma and _POINT_NUMBER.fullmatch(value):
            seen[text] = text.strip() or None  # "2.5" under the decimal comma is no number Excel showed: text
            return seen[text]
        cell = cell_value(value) if value else None
        seen[text] = cell
        return cell

    return typed
