"""Read a workbook (.xlsx, .xlsm, .xls, .ods) into plain cell values with one fast reader (fastexcel); a .csv
becomes a one-sheet workbook of the same cells (etl.delimited).

Cells come back as they are held: text as ``str``, numbers as ``float`` (more than 15 significant digits, such as
an identity number, as the digits in ``str``), dates as ``datetime.date`` or ``datetime.datetime``, formula cells
as their cached result, empty cells (and formulas without a cached result, as openpyxl writes them) as ``None``,
each at its Excel row and column. Nothing is interpreted here; etl.values does that through explicit rules.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import fastexcel
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.model import WorkbookError

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
# Agency workbooks have a few hundred rows; these caps only stop a hostile or broken file from hanging a load or
# exhausting memory (the worker processes of etl.workers cap what a file may take in any case). They are the
# product's only size limits (docs/operations.md states the memory they bound): bytes on disk, bytes after
# unzipping (checked by streaming every member before the reader sees it, so a zip bomb's declared or real size is
# caught), and rows and cells of a sheet (counted in the sheet's XML before reading, and again on the reader's
# dimensions: before any cell is converted, or for an .xlsx read eagerly, on what the bounded read gave). Columns
# are limited only through cells: a 10 x 256 sheet is small.
# The XML pre-scan finds the highest row number of every reference, and the widest column exactly only when a
# cell lies past column Z: within A-Z the reader's dense range is at most MAX_ROWS x 26 cells, so the rows x
# columns product can wait for the reader's own dimension check.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
MAX_CELLS = 2_000_000
MAX_SHEETS = 100

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None

READER_LOGS_ENV = "PPA_READER_LOGS"


def show_reader_logs(show: bool) -> None:
    """Whether the reader's own log lines reach stderr. It logs what it skips ("'chartsheet' not a valid
    worksheet") through Python's logging, which prints warnings nobody handles on stderr, in English, beside the
    loader's own output: the file's message is enough, and they are shown only on request (``--verbose``).
    Parse workers, spawned fresh, follow through the environment."""
    os.environ[READER_LOGS_ENV] = "1" if show else "0"
    for name in ("calamine", "fastexcel"):
        logger = logging.getLogger(name)
        handler = logging.StreamHandler() if show else logging.NullHandler()
        handler.setFormatter(logging.Formatter("[%(name)s] %(levelname)s: %(message)s"))
        logger.handlers = [handler]
        logger.propagate = False


show_reader_logs(os.environ.get(READER_LOGS_ENV) == "1")


@dataclass(frozen=True, eq=False)
class Column:
    """One column of a sheet, dictionary-encoded: its distinct cells, and for each row which of them it holds.

    Agency registers repeat a few dates, places and forms thousands of times, so the parser reads each distinct
    cell once and maps the outcome back to the rows with ``codes`` (numpy, C speed).
    """

    values: list[Cell]   # distinct cells; empty cells point at a None
    codes: np.ndarray    # one index into ``values`` per row

    @classmethod
    def of(cls, cells: list[Cell]) -> "Column":
        """Encode plain cells (keyed by type too: 1, 1.0 and True are equal in Python but do not read the same)."""
        positions: dict = {}
        codes = [positions.setdefault((v.__class__, v), len(positions)) for v in cells]
        return cls([v for _kind, v in positions] or [None], np.array(codes, np.int32))

    def each(self, function) -> list:
        """function(cell) for each distinct cell, in the order of ``values``."""
        return [function(v) for v in self.values]

    def where(self, test) -> np.ndarray:
        """A boolean per row: test(cell), computed once per distinct cell."""
        return np.array([bool(test(v)) for v in self.values], bool)[self.codes]

    @cached_property
    def filled(self) -> np.ndarray:
        """A boolean per row: the cell holds a value."""
        return self.where(lambda v: v is not None)


@dataclass(frozen=True, eq=False)
class Sheet:
    """One worksheet: its name, position in the workbook, visibility and its cells column by column (row 0 is
    Excel row 1, column 0 is column A); ``height`` counts rows up to the last one holding a value."""

    name: str
    index: int
    visible: bool
    columns: list[Column]
    height: int

    @classmethod
    def from_rows(cls, name: str, index: int, visible: bool, rows: list) -> "Sheet":
        """A sheet from rows of plain cells (trailing empty rows dropped)."""
        rows = list(rows)
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        width = max(map(len, rows), default=0)
        padded = [tuple(row) + (None,) * (width - len(row)) for row in rows]
        return cls(name, index, visible, [Column.of(list(cells)) for cells in zip(*padded)], len(rows))

    def row(self, r: int) -> tuple[Cell, ...]:
        return tuple(column.values[column.codes[r]] for column in self.columns)

    def head(self, count: int) -> list[tuple[Cell, ...]]:
        """The first ``count`` rows (fewer when the sheet is shorter), built column by column."""
        count = max(0, min(count, self.height))
        cells = [list(map(column.values.__getitem__, column.codes[:count].tolist())) for column in self.columns]
        return list(zip(*cells)) if cells else [() for _ in range(count)]

    @cached_property
    def rows(self) -> list[tuple[Cell, ...]]:
        """Every row as a tuple of cells (built on first use: the register parser works on columns)."""
        cells = [list(map(column.values.__getitem__, column.codes[:self.height].tolist()))
                 for column in self.columns]
        return list(zip(*cells)) if cells else [() for _ in range(self.height)]


@dataclass(frozen=True)
class Workbook:
    """All sheets of one file, in workbook order."""

    file_name: str
    sheets: list[Sheet]


_SAVE_AGAIN = "Buka di Excel atau LibreOffice, simpan ulang sebagai .xlsx, lalu kirim ulang."
# the first record (BOF: type and length) of an Excel 2.x-4.0 (BIFF2-4) worksheet or workbook, which has no OLE
# container (some BIFF4 writers give it the later record type 0x0809, with BIFF4's length of 6)
_OLD_EXCEL_BOF = (b"\x09\x00\x04\x00", b"\x09\x02\x06\x00", b"\x09\x04\x06\x00", b"\x09\x08\x06\x00")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted .xlsx keeps in its OLE file


def _password_protected(name: str) -> WorkbookError:
    return WorkbookError(f"File '{name}' dilindungi kata sandi: simpan ulang tanpa kata sandi (di Excel: File > "
                         "Info, hapus kata sandinya), lalu kirim ulang.")


def _format_problem(path: Path, head: bytes, name: str) -> str | None:
    """Why the bytes cannot be a spreadsheet of the kind the suffix of ``name`` claims, or None if they might be."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return (f"File '{name}' bukan workbook yang didukung (akhiran '{Path(name).suffix or '-'}'). "
                "Simpan sebagai .xlsx, .xlsm, .xls, .ods atau .csv lalu kirim ulang.")
    if head[:4] in _OLD_EXCEL_BOF:
        return (f"File '{name}' tersimpan dalam format Excel lama (Excel 2.x-4.0) yang tidak dapat dibaca. "
                f"{_SAVE_AGAIN}")
    if suffix in (".xlsx", ".xlsm") and head.startswith(_OLE_MAGIC):
        if _holds(path, _ENCRYPTED_PACKAGE):  # an .xlsx protected with a password is an OLE file holding it
            return str(_password_protected(name))
        return (f"File '{name}' berformat lama (Excel 97-2003 atau dokumen Office lain), bukan {suffix}. "
                f"{_SAVE_AGAIN}")
    if (suffix in (".xlsx", ".xlsm", ".ods") and not head.startswith(_ZIP_MAGIC)) or (
            suffix == ".xls" and not head.startswith(_OLE_MAGIC)):
        return (f"File '{name}' bukan workbook {suffix} yang sah (isinya bukan format spreadsheet). "
                "Buka file di Excel atau LibreOffice, simpan ulang sebagai .xlsx, lalu kirim ulang.")
    return None


def unbounded_by_prescan(path: Path, file_name: str | None = None) -> bool:
    """Whether reading this file would hand the reader bytes that nothing here bounds first: an OLE .xls or a
    zipped .ods (.xlsx/.xlsm are streamed and counted before the reader sees them; anything else is refused by
    its first bytes). Such a file may ask the reader for any memory or time: etl.workers reads it in a worker."""
    suffix = Path(file_name or path.name).suffix.lower()
    if suffix not in (".xls", ".ods"):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False  # refused in a sentence before reading
    return head.startswith(_OLE_MAGIC if suffix == ".xls" else _ZIP_MAGIC)


def _holds(path: Path, needle: bytes) -> bool:
    """Whether the file's bytes hold this byte string (files here are at most MAX_FILE_BYTES)."""
    try:
        return needle in path.read_bytes()
    except OSError:
        return False


_BIFF_BOF = re.compile(rb"\x09\x08(..)\x00[\x05\x06]\x05\x00", re.S)  # a BIFF5/8 workbook globals BOF record
_FILEPASS, _RECORDS_BEFORE_FILEPASS = 0x002F, 4


def _xls_encrypted(path: Path) -> bool:
    """Whether an .xls file declares encryption (a FILEPASS record among the first records after the workbook's
    BOF): the reader names most such files itself, but reads some XOR-obfuscated ones as an unknown codepage."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    for bof in _BIFF_BOF.finditer(data):
        at = bof.start()
        for _ in range(_RECORDS_BEFORE_FILEPASS):
            at += 4 + int.from_bytes(data[at + 2:at + 4], "little")
            kind = int.from_bytes(data[at:at + 2], "little")
            if kind == _FILEPASS:
                return True
            if at + 4 > len(data):
                break
    return False


def _reader_failure(path: Path, name: str, exc: BaseException) -> WorkbookError:
    """The file's message for what the reader raised: never the reader's own (English) text."""
    text = str(exc)
    if "password protected" in text or (Path(name).suffix.lower() == ".xls" and _xls_encrypted(path)):
        return _password_protected(name)
    if "Cell limit exceeded" in text:  # an .ods that repeats cells past the reader's own bound
        return WorkbookError(f"File '{name}' berisi lembar yang terlalu besar (lebih dari {MAX_CELLS} sel). "
                             "Hapus isi di luar tabel data (termasuk baris/kolom kosong yang diulang), lalu kirim ulang.")
    return WorkbookError(f"File '{name}' rusak atau tidak dapat dibaca sebagai spreadsheet. {_SAVE_AGAIN}")


# The reader (fastexcel) hands every cell over as text; a cell's own type is read back from the exact form the
# reader writes it in: numbers as Rust prints a float ("56", "-0.1", no exponent, no leading zero), dates and times
# as "YYYY-MM-DD HH:MM:SS[.fraction]" (LibreOffice dates as "YYYY-MM-DD"; a time of day on its own on 1899-12-31),
# booleans as "true"/"false". Text that has one of these exact forms means the same thing, except numbers of more
# than 15 significant digits (a float would change them): they stay text, as identity numbers typed as text are.
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")
_DATE_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?)?")
_BOOLEANS = {"true": True, "false": False}
_TIME_ONLY_DATE = (1899, 12, 31)
_FLOAT_DIGITS = 15


def cell_value(text: str) -> Cell:
    """A cell as the workbook holds it, from the reader's text of it; other text stripped (blank: None)."""
    if text[:1].isdigit() or text[:1] == "-":
        if _NUMBER.fullmatch(text):
            if len(text.replace("-", "").replace(".", "").lstrip("0")) <= _FLOAT_DIGITS:
                return float(text)
            return text
        if match := _DATE_TIME.fullmatch(text):
            year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
            micro = int((match[7] or "0")[:6].ljust(6, "0"))
            try:
                if (year, month, day) == _TIME_ONLY_DATE:
                    return dt.time(hour, minute, second, micro)
                if hour == minute == second == micro == 0:
                    return dt.date(year, month, day)
                return dt.datetime(year, month, day, hour, minute, second, micro)
            except ValueError:
                pass  # not a real date: keep the text
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    return text.strip() or None


# Text that cell_value keeps as it is: ASCII, not starting with a digit or '-', without white space (as str.strip
# sees it) at either end, not 'true'/'false', not empty. A column of thousands of distinct texts (a register
# number each row) is sorted out in Arrow first; only the rest is typed one by one.
_MAYBE_TYPED = r"^[0-9-]|^[\t-\r\x1c-\x1f ]|[\t-\r\x1c-\x1f ]$|^(?:true|false)?$"
_TYPED_ONE_BY_ONE = 200  # fewer distinct texts than this: typing each costs less than sorting them out


def _typed_column(column: pa.Array) -> Column:
    """One column of the reader's text, each distinct text typed once."""
    encoded = column.dictionary_encode()
    texts = encoded.dictionary.to_pylist()
    codes = encoded.indices.fill_null(len(texts)).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    if len(texts) < _TYPED_ONE_BY_ONE:
        return Column([cell_value(text) for text in texts] + [None], codes)
    dictionary = encoded.dictionary
    maybe = pc.or_(pc.invert(pc.string_is_ascii(dictionary)), pc.match_substring_regex(dictionary, _MAYBE_TYPED))
    for i in np.flatnonzero(maybe.to_numpy(zero_copy_only=False)).tolist():
        texts[i] = cell_value(texts[i])
    return Column(texts + [None], codes)


def _read_sheet(reader: fastexcel.ExcelReader, index: int, file_name: str, visible: bool | None = None) -> Sheet:
    """One sheet, its cells at Excel's rows and columns (the reader starts at the first filled column).

    ``visible`` known (an .xlsx whose workbook part the pre-scan read): the reader's eager load, which hands the
    cells over without copying each text first (~3 ms less for a 4,000-row register) but says neither the sheet's
    visibility nor where its first column is; the column selector is told the latter."""
    if visible is None:
        sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
        columns = sheet.available_columns()
        first = columns[0].absolute_index if columns else 0
        height, width = sheet.total_height, first + len(columns)
        if height > MAX_ROWS or height * width > MAX_CELLS:
            raise _too_big(file_name, sheet.name, f"{height} baris x {width} kolom")
        table, name, visible = sheet.to_arrow(), sheet.name, sheet.visible == "visible"
    else:
        starts: list[int] = []
        table = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string", eager=True,
                                  use_columns=lambda column: starts.append(column.absolute_index) or True)
        first, name = (starts[0] if starts else 0), reader.sheet_names[index]
        height, width = table.num_rows, first + table.num_columns
        if height > MAX_ROWS or height * width > MAX_CELLS:  # bounded by the pre-scan already: a second guard
            raise _too_big(file_name, name, f"{height} baris x {width} kolom")
    typed = [_typed_column(column) for column in table.columns]
    empty = Column([None], np.zeros(table.num_rows, np.int32))
    filled = np.zeros(table.num_rows, bool)
    for column in typed:
        filled |= column.filled
    height = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0  # trailing empty rows dropped
    return Sheet(name, index, visible, [empty] * first + typed, height)


def _too_big(file_name: str, sheet: str, size: str) -> WorkbookError:
    return WorkbookError(
        f"File '{file_name}', lembar '{sheet}': terlalu besar ({size}; batas {MAX_ROWS} baris dan {MAX_CELLS} sel). "
        "Hapus isi di luar tabel data (termasuk sel kosong berformat di baris/kolom yang jauh) lalu kirim ulang.")


_OPEN_PROBLEMS = {errno.ENOENT: "tidak ditemukan", errno.EACCES: "tidak boleh dibaca (izin akses)",
                  errno.EISDIR: "adalah folder, bukan file"}
# what the reader raises that is not the file's fault: a stop asked for, or the memory the process may use
# (etl.workers gives the file its message); anything else it raises, a Rust panic included, is the file's
_NOT_THE_FILE = (KeyboardInterrupt, SystemExit, MemoryError)


def read_workbook(path: str | Path, file_name: str | None = None) -> Workbook:
    """Read every sheet of a workbook file; raise WorkbookError (Indonesian, naming the file) if it can't be read.

    Whatever the reader raises for a broken file, a Rust panic (pyo3's PanicException, a BaseException) included,
    becomes that message; only a stop (KeyboardInterrupt, SystemExit) and MemoryError pass through. A file that
    no pre-scan here bounds (an OLE .xls, a zipped .ods) is read in a worker process (etl.workers), whoever calls.
    """
    path = Path(path)
    name = file_name or path.name
    if unbounded_by_prescan(path, name):
        from etl import workers
        if not workers.in_worker():  # read where a memory bomb or a crash cannot spread
            return workers.read_in_worker(path, name)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        problem = _OPEN_PROBLEMS.get(exc.errno, "tidak dapat dibuka")
        raise WorkbookError(f"File '{name}' {problem}. Periksa nama, lokasi dan izin aksesnya.") from exc
    if size == 0:
        raise WorkbookError(f"File '{name}' kosong (0 byte). Kirim ulang file yang benar.")
    if size > MAX_FILE_BYTES:
        raise WorkbookError(f"File '{name}' terlalu besar ({size // (1024 * 1024)} MB; batas "
                            f"{MAX_FILE_BYTES // (1024 * 1024)} MB). Pecah menjadi beberapa file per bulan.")
    if _is_delimited(name):
        return _read_delimited(path, name)
    problem = _format_problem(path, head, name)
    if problem:
        raise WorkbookError(problem)
    listed = _check_zip(path, name) if head.startswith(_ZIP_MAGIC) else None
    try:
        reader = fastexcel.read_excel(str(path))
        names = reader.sheet_names
    except _NOT_THE_FILE:
        raise
    except BaseException as exc:  # the reader raises several error types for broken files, and panics
        raise _reader_failure(path, name, exc) from exc
    if len(names) > MAX_SHEETS:
        raise WorkbookError(f"File '{name}' berisi {len(names)} lembar (batas {MAX_SHEETS}). "
                            "Kirim satu file per periode dengan lembar seperlunya.")
    # the workbook part lists the reader's sheets: each sheet's visibility is known, and the eager load may be used
    visibility = [visible for _sheet, visible in listed] if listed and [n for n, _v in listed] == names else None
    try:
        sheets = [_read_sheet(reader, index, name, None if visibility is None else visibility[index])
                  for index in range(len(names))]
    except (WorkbookError, *_NOT_THE_FILE):
        raise
    except BaseException as exc:
        raise _reader_failure(path, name, exc) from exc
    return Workbook(name, sheets)


def _is_delimited(name: str) -> bool:
    return Path(name).suffix.lower() == ".csv"


def _read_delimited(path: Path, name: str) -> Workbook:
    """A CSV file as a one-sheet workbook (pure Python, bounded: read here, never in a worker)."""
    from etl.delimited import read_delimited  # it builds on this module's cells

    return read_delimited(path, name)


_SHEET_MEMBER = re.compile(r"xl/worksheets/[^/]+\.xml")
_CELL_COLUMN = re.compile(rb'\sr="([A-Z]{1,3})\d')  # cells are the only elements whose r holds a column
_CHUNK = 1 << 20


def _check_zip(path: Path, name: str) -> list[tuple[str, bool]] | None:
    """Stream every member of a zip-based workbook and refuse it before reading if it is broken or too big; return
    its sheets as its workbook part lists them, (name, visible) in order (None when there is no such part)."""
    corrupt = f"File '{name}' rusak atau terpotong sehingga tidak dapat dibaca. {_SAVE_AGAIN}"
    limit_mb = MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
    too_big = (f"File '{name}' berisi data yang terlalu besar setelah dibuka (lebih dari {limit_mb} MB; workbook "
               "laporan biasanya di bawah 5 MB). Hapus isi di luar tabel data atau pecah per bulan, lalu kirim ulang.")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
                raise WorkbookError(too_big)  # the declared size alone is enough to refuse a zip bomb
            total = 0
            names, listed = _sheet_names(archive)
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
    return listed


class _SheetCounter:
    """Rows, highest row number, widest column and cells of a worksheet's XML, counted chunk by chunk.

    Tags and references are found with vectorised byte comparisons (a pass over the XML costs about as much as
    decompressing it), and so is the highest row number any reference names. Only a reference past column Z can
    make the columns matter: within A-Z a range holds at most MAX_ROWS x 26 cells. Such a reference is rare (no
    agency workbook has one), and the chunk holding it is then measured exactly with a regular expression.
    """

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
        xml = np.frombuffer(text + bytes(_PAD), np.uint8)  # zero padding: lookahead past the end reads zeros
        n = len(text)
        # whole-chunk comparisons, then a closer look only at the few positions they leave
        tags, name = xml[:n] == _LT, xml[1:n + 1]
        rows = np.flatnonzero(tags & (name == _R))
        rows = rows[(xml[rows + 2] == _O) & (xml[rows + 3] == _W) & _END_OF_NAME[xml[rows + 4]]]
        cells = np.flatnonzero(tags & (name == _C))
        cells = cells[_END_OF_NAME[xml[cells + 2]]]
        # r="…" after white space: the references of rows and cells (xmlns:r=" has a colon before it)
        m = max(n - 2, 0)
        refs = np.flatnonzero((xml[2:2 + m] == _EQ) & (xml[1:1 + m] == _R) & (xml[3:3 + m] == _QUOTE)) + 2
        refs = refs[_SPACE[xml[refs - 2]]]
        self.rows += len(rows)
        if self._count_cells:
            self.cells += len(cells)
        if len(cells) > len(refs) - len(rows):  # each row carries at most one reference of its own
            self.unreferenced_cells = True
        # the cells of each row lie between its start and the next row's; [0]: those of the row left open
        per_row = np.diff(np.searchsorted(cells, rows), prepend=0, append=len(cells))
        per_row[0] += self._open_row_cells
        self.most_cells_in_a_row = max(self.most_cells_in_a_row, int(per_row.max()))
        self._open_row_cells = int(per_row[-1])
        # past Z: a second letter; row 10000 or further: a fifth digit after no letter or after one letter
        # (anything else that matches is measured exactly below, so a false alarm costs time, not correctness)
        if len(refs):
            self.max_row = max(self.max_row, _highest_row(xml, refs + 2))
        if _LETTER[xml[refs + 3]].any():  # past Z: a second letter
            self.max_column = max(self.max_column, *map(_column_number, set(_CELL_COLUMN.findall(text)) or [b""]))

    def finish(self) -> None:
        """Count what is left of the last chunk."""
        self.feed(b"<")

    def check(self, name: str) -> None:
        """Raise WorkbookError when the sheet passes a bound."""
        rows = max(self.rows, self.max_row)
        columns = self.max_column  # 0 unless a reference lies past Z
        if self.unreferenced_cells:  # such a cell may follow a referenced one: beyond the widest reference
            columns = (columns or 26) + self.most_cells_in_a_row
        if rows > MAX_ROWS or self.cells > MAX_CELLS or rows * columns > MAX_CELLS:
            size = f"{rows} baris x {columns} kolom" if columns else f"{rows} baris"
            raise _too_big(name, self.sheet, f"sedikitnya {size}")


_LT, _EQ, _QUOTE, _R, _O, _W, _C = b'<="row' b"c"


def _table(members: bytes) -> np.ndarray:
    """A lookup table by byte value: True for the given bytes."""
    table = np.zeros(256, bool)
    table[list(members)] = True
    return table


_SPACE = _table(b" \t\n\r")
_END_OF_NAME = _table(b" \t\n\r>/")  # what may follow a tag's name ('<rowBreaks' is no row)
_LETTER = _table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_PAD = 16


def _sheet_names(archive: zipfile.ZipFile) -> tuple[dict[str, str], list[tuple[str, bool]] | None]:
    """Worksheet part -> the sheet's name as Excel shows it (empty when the package does not say), and the sheets
    the reader will list, (name, visible) in order, when the package leaves no doubt which they are (else None)."""
    import xml.etree.ElementTree as ET

    try:
        if max((archive.getinfo(n).file_size for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")),
               default=0) > 5 * 1024 * 1024:
            return {}, None
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, zlib.error, OSError, ValueError):
        return {}, None
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    names, listed = {}, []
    for sheet in book.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"):
        part = target.get(sheet.get(rel_id), "").lstrip("/")
        names[part if part.startswith("xl/") else f"xl/{part}"] = sheet.get("name", "")
        # as the reader reads it (calamine): 'hidden' and 'veryHidden' hide a sheet; it refuses any other value
        listed.append((sheet.get("name", ""), sheet.get("state") not in ("hidden", "veryHidden")))
    return names, listed if _reader_reads_this_workbook_part(archive) else None


_OFFICE_DOCUMENT = "/relationships/officeDocument"


def _reader_reads_this_workbook_part(archive: zipfile.ZipFile) -> bool:
    """Whether the reader takes its sheets from xl/workbook.xml, the part read here: it looks a part up by its
    name in any case (so no two names may differ only so), in the folder of the package's main document."""
    import xml.etree.ElementTree as ET

    parts = [m.filename.replace("\\", "/").lower() for m in archive.infolist()]
    if len(set(parts)) != len(parts):
        return False
    try:
        if archive.getinfo("_rels/.rels").file_size > 1024 * 1024:
            return False
        package = ET.fromstring(archive.read("_rels/.rels"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, zlib.error, OSError, ValueError):
        return False
    folders = set()
    for relation in package.iter():
        if relation.tag.rsplit("}", 1)[-1] == "Relationship" and relation.get("Type", "").endswith(_OFFICE_DOCUMENT):
            target = relation.get("Target", "")
            folder = target[:target.rfind("/") + 1]
            folders.add(folder[1:] if folder.startswith("/") else folder)
    return folders == {"xl/"}


def _highest_row(xml: np.ndarray, values: np.ndarray) -> int:
    """The highest row number among references starting at these positions ('7' of a row, 'AB7' of a cell; up
    to 7 digits, which is past any sheet's last row)."""
    letters = _LETTER[xml[values]].astype(np.intp)
    for k in (1, 2):  # a column has at most three letters
        letters += _LETTER[xml[values + k]] & (letters == k)
    digits = values + letters
    number = np.zeros(len(values), np.int32)
    going = np.ones(len(values), bool)
    for k in range(7):
        digit = xml[digits + k] - np.uint8(48)  # a byte below '0' wraps past 9
        going &= digit < 10
        if not going.any():  # every reference has ended (most rows have four digits or fewer)
            break
        number = np.where(going, number * 10 + digit, number)
    return int(number.max())


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 -> 'A', 27 -> 'AB')."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
