"""The archive of committed files: a redacted copy of each, named by the sha256 of the file as it was sent.

``<db folder>/raw/<sha256>.cells`` (folder 0700, files 0600) holds what the reader took from the file (every
sheet's cells, name, position and visibility), with what the product must not keep replaced by a blank of the
same kind (text ``[dihapus]``, number 0, date 1 January 2000). In the data rows of the sheets the loader used:
every cell of a personal-data column (names, NIK, addresses, phone numbers, dates of birth), of the free-text
column (Keterangan) and, in registers, of every column the loader does not read; in an address-like column
(kecamatan, kelurahan, tempat kejadian) every cell the loader does not recognise as a place (where an address
would be); in any other column the loader reads, text with a NIK-like or phone number is kept masked when the
loader reads the masked text the same way. Sheets the loader skipped are blanked whole (their title block is kept
only when it is what names the agency). A blank keeps its cell filled and of its kind, so the layout found on the
copy is the original's, and parsing the copy gives the same records, rejected rows and warnings (messages never
quote a blanked cell; a row rejected for a NIK-like number may be worded differently). ``rebuild`` and ``undo``
read the copy.

Why not a redacted workbook: rewriting a 4,000-row register with openpyxl took 4.2-4.7 s on the (busy) build
machine, against ~50 ms of CPU for parsing it; this copy takes ~3.5 ms of CPU (redacting ~2, writing ~1.5), and a copy of
the reader's own cells cannot read back differently. It also records the original's sha256 and extension, so loading the same
original again is still "unchanged" and a rebuilt database names the same submissions.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.model import EtlError, Problem
from etl.read import Column, Sheet, Workbook

if TYPE_CHECKING:  # a parse worker imports this module and never opens a database (duckdb costs ~0.15 s to import)
    import duckdb

RAW_DIR = "raw"
SUFFIX = ".cells"
FORMAT = "ppa-cells/1"
BLANK_TEXT = "[dihapus]"
_BLANK_DATE = dt.date(2000, 1, 1)
_BIG_NUMBER = 999_999_999.0  # what a number of nine or more digits in a read column is kept as
_SIGNATURE_BLANK = "Mengetahui [dihapus]"  # a footer line's text: still read as a signature line (etl.layout)
# with_digit_run: below this many texts, searching each in Python costs less than compiling the pattern in Arrow
_SEARCHES_PER_COMPILE = 200
_MANIFEST = "workbook.json"
_CODES = "codes.bin"
_IDENTITY = "identity.json"
_STAGING_PREFIX = ".pending-"
# the copy of a 100,000-row sheet of 200 columns stays far below this; a larger member is not one of ours
_MAX_MEMBER_BYTES = 200 * 1024 * 1024


class ArchiveError(EtlError):
    """An archived copy is missing, damaged or not one of ours."""


# ---------------------------------------------------------------- where

def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind a connection, or None for an in-memory database."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def archive_dir(con: duckdb.DuckDBPyConnection) -> Path | None:
    """<db folder>/raw, where the redacted copy of every committed file is kept (the source of rebuild)."""
    from etl.db import data_dir

    db_file = database_file(con)
    return data_dir(db_file) / RAW_DIR if db_file else None


def copy_path(folder: Path, submission_id: str) -> Path:
    """Where the redacted copy of a submission is kept."""
    return folder / f"{submission_id}{SUFFIX}"


def is_copy(path: str | os.PathLike) -> bool:
    """Whether a path names a redacted copy (by its extension; its content is checked when it is read)."""
    return Path(path).suffix.lower() == SUFFIX


# ---------------------------------------------------------------- redacting

# The blank of each kind of cell the reader yields (etl.read.cell_value); anything else becomes text.
_BLANKS = {str: BLANK_TEXT, float: 0.0, int: 0.0, bool: False, dt.date: _BLANK_DATE,
           dt.datetime: dt.datetime.combine(_BLANK_DATE, dt.time(0, 0, 1)), dt.time: dt.time(0, 0),
           dt.timedelta: dt.timedelta(0)}
_KINDS = list(_BLANKS)


class _KindIndex(dict):
    """type -> index of its blank in _KINDS (-1 for an empty cell, 0, text, for any other type)."""

    def __missing__(self, kind) -> int:
        return 0


_KIND_OF = _KindIndex({kind: i for i, kind in enumerate(_KINDS)})
_KIND_OF[type(None)] = -1
_JSON_KINDS = {str, float, int, bool, type(None)}


def blank_of(value):
    """The blank that stands for a removed cell: of the same kind, so the sheet's layout reads the same."""
    return None if value is None else _BLANKS.get(value.__class__, BLANK_TEXT)


def _normaliser(field: str):
    """How the parser reads a field's cell (etl.parse), for comparing a cell with its masked text; None: unread."""
    from etl import tppo, values
    from etl.columns import perpetrator_part

    field = perpetrator_part(field) or field  # a perpetrator's sex, age, relationship read as the victim's are
    today = dt.date.today()  # both texts are read on the same day: what differs is the text alone
    return {
        "report_date": lambda v: values.parse_date(v, today), "incident_date": lambda v: values.parse_date(v, today),
        "age": values.parse_age, "sex": values.parse_sex, "violence": values.parse_violence,
        "legal_basis": lambda v: values.parse_offence(None, v),
        "district": values.parse_district, "subdistrict": values.parse_subdistrict,
        "place_of_incident": lambda v: values.parse_closed(v, "place_of_incident"),
        "relationship": lambda v: values.parse_closed(v, "relationship"), "services": values.parse_services,
        "case_ref": values.case_reference, "count": values.recap_count,
    }.get(field) or tppo.normaliser(field, today)


def _unrecognised_place(field: str):
    """For an address-like field, a test: the cell is not recognised as a place (it may be an address)."""
    from etl.values import parse_closed, parse_district, parse_subdistrict

    if field == "place_of_incident":
        return lambda v: parse_closed(v, "place_of_incident").value is None
    parse = parse_district if field == "district" else parse_subdistrict

    def unrecognised(v) -> bool:
        outcome = parse(v)
        return isinstance(outcome, Problem) and outcome.reason == "wilayah_tidak_dikenal"
    return unrecognised


ADDRESS_LIKE_FIELDS = ("district", "subdistrict", "place_of_incident")


def _field_rewrite(field: str):
    """values -> {index: what the copy keeps instead} for a field the parser reads: a cell of an address-like field
    that is not recognised as a place is blanked; other text with a NIK-like or phone number is kept masked, when
    the parser reads the masked text as it reads the original (a date with a time can look like a phone number:
    it stays)."""
    from etl.values import NIK_MASK, PHONE_MASK, masked_texts

    read = _normaliser(field)
    unrecognised = _unrecognised_place(field) if field in ADDRESS_LIKE_FIELDS else None

    def rewrite(values: list) -> dict[int, object]:
        changes = {}
        if unrecognised is not None:
            changes = {i: blank_of(v) for i, v in enumerate(values) if v is not None and unrecognised(v)}
        # a number of nine digits or more (a NIK or phone number typed as a number) becomes one the parser reads
        # the same way (a rejected age, a count refused as too big), so the copy keeps no such number
        if read is not None:
            changes.update({i: _BIG_NUMBER for i, v in enumerate(values)
                            if v.__class__ in (int, float) and abs(v) >= 100_000_000 and v != _BIG_NUMBER
                            and i not in changes and _same_reading(read(_BIG_NUMBER), read(v))})
        # a NIK or phone number in text needs a run of nine digits, which text rarely has (with_digit_run)
        texts = [i for i in with_digit_run(values) if i not in changes]
        for i, masked in zip(texts, masked_texts([values[i] for i in texts]) if texts else ()):
            v = values[i]
            if (masked is not v and (NIK_MASK in masked or PHONE_MASK in masked) and read is not None
                    and _same_reading(read(masked), read(v))):
                changes[i] = masked
        return changes
    return rewrite


def with_digit_run(values: list) -> list[int]:
    """Positions of the texts among ``values`` with a run of nine digits (what a NIK or phone number needs).

    A register's number column has thousands of distinct texts: Python's regex search of each cost ~6 ms a file,
    so many texts are searched at once in Arrow (RE2), a few one by one. RE2's \\d is an ASCII digit, Python's any
    Unicode decimal digit: RE2 answers for ASCII texts, Python for the others (a Unicode pattern compiles in
    ~0.3 ms, the ASCII one in ~0.02)."""
    from etl.values import _DIGIT_RUN

    long = [i for i, v in enumerate(values) if v.__class__ is str and len(v) >= 9]
    if len(long) < _SEARCHES_PER_COMPILE:
        return [i for i in long if _DIGIT_RUN.search(values[i])]
    texts = pa.array([values[i] for i in long], pa.string())
    found = pc.match_substring_regex(texts, _DIGIT_RUN.pattern).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(~pc.string_is_ascii(texts).to_numpy(zero_copy_only=False)).tolist():
        found[i] = bool(_DIGIT_RUN.search(values[long[i]]))
    return [long[i] for i in np.flatnonzero(found).tolist()]


def _same_reading(a, b) -> bool:
    """Two outcomes of a normaliser (etl.values) that store the same: the same value and kind of warning, or the
    same kind of error (a message may word it differently: 'Umur [NIK disamarkan] tidak masuk akal' becomes
    '... tidak dapat dibaca' once masked)."""
    if isinstance(a, Problem) or isinstance(b, Problem):
        return isinstance(a, Problem) and isinstance(b, Problem) and a.reason == b.reason
    if hasattr(a, "warning") and hasattr(b, "warning"):
        return a.value == b.value and getattr(a.warning, "reason", None) == getattr(b.warning, "reason", None)
    return a == b


def _blanked(column: Column, rows: np.ndarray, rewrite=None) -> Column:
    """The column with its cells at these rows blanked (``rewrite`` None) or rewritten (values -> {index: new});
    values no row holds any more are dropped, so nothing taken out stays in the copy."""
    values = column.values
    if rewrite is None:  # every cell: vectorised, a register has thousands of names
        kinds = np.fromiter(map(_KIND_OF.__getitem__, map(type, values)), np.int64, len(values))
        present = np.flatnonzero(np.bincount(kinds[kinds >= 0], minlength=len(_KINDS)))
        position = np.zeros(len(_KINDS), np.int64)
        position[present] = len(values) + np.arange(len(present))
        targets = np.where(kinds >= 0, position[np.maximum(kinds, 0)], np.arange(len(values)))
        added = [_BLANKS[_KINDS[k]] for k in present.tolist()]
    else:
        changes = rewrite(values)
        if not changes:
            return column
        targets, added = np.arange(len(values)), list(changes.values())
        targets[list(changes)] = len(values) + np.arange(len(added))
    if not added or not len(rows):
        return column
    codes = column.codes.copy()
    inside = rows[rows < len(codes)]
    codes[inside] = targets[codes[inside]]
    used, codes = np.unique(codes, return_inverse=True)
    pool = list(values) + added
    kept = [pool[i] for i in used.tolist()]
    if None in values and None not in kept:
        kept.append(None)  # the reader's columns always hold one: keep the copy's alike
    return Column(kept, codes.astype(np.int32).reshape(-1))


def _redacted_sheet(sheet: Sheet, columns: dict[int, object], rows: list[int] | None) -> Sheet:
    """A sheet with the given columns (index -> None to blank every cell, or a rewrite) changed at ``rows``
    (None: every cell of the sheet blanked)."""
    if rows is None:
        everything = np.arange(max((len(c.codes) for c in sheet.columns), default=0))
        new = [_blanked(c, everything) for c in sheet.columns]
    else:
        at = np.array(rows, np.int64)
        new = [_blanked(c, at, columns[j]) if j in columns else c for j, c in enumerate(sheet.columns)]
    return Sheet(sheet.name, sheet.index, sheet.visible, new, sheet.height)


def _examples_marked(sheet: Sheet, rows: list[int]) -> Sheet:
    """The sheet with its example rows rewritten: text says CONTOH (so the copy's rows are examples again, and
    nothing else of them is kept), other cells are blanks of their kind."""
    from etl import layout

    if not rows:
        return sheet
    at = np.array(rows, np.int64)

    def rewrite(values: list) -> dict[int, object]:
        return {i: layout.EXAMPLE_MARK if v.__class__ is str else blank_of(v) for i, v in enumerate(values) if v is not None}
    return Sheet(sheet.name, sheet.index, sheet.visible, [_blanked(c, at, rewrite) for c in sheet.columns],
                 sheet.height)


def redacted(book: Workbook, layouts: list, found_agency: tuple[str, str] | None,
             stand_ins: dict[tuple[int, int], dict[int, object]] | None = None) -> Workbook:
    """The workbook as the archive keeps it (see the module docstring).

    ``layouts``: etl.layout.SheetLayout of every sheet, in order; ``found_agency``: what etl.layout.detect_agency
    found on the original. Sheets without a register or recap layout are blanked whole unless their title block is
    what named the agency; then that block is kept, so the copy names the same agency. ``stand_ins``: {(sheet
    index, column index): {row: cell}}, cells of a blanked personal column the copy holds instead of the blank,
    because the parser read what they stand for (a birth date: a date giving the same age on the report date).
    """
    from etl.layout import is_nihil_text
    from etl import tppo

    sheets: list[Sheet] = []
    skipped: list[int] = []
    for lay in layouts:
        if lay.shape is None and lay.nihil:  # a NIHIL report: its title (the period) and its NIHIL line stay
            last = max(r for r in range(lay.sheet.height) if any(map(is_nihil_text, lay.sheet.row(r))))
            sheets.append(_redacted_sheet(lay.sheet, dict.fromkeys(range(len(lay.sheet.columns))),
                                          list(range(last + 1, lay.sheet.height))))
            continue
        if lay.shape is None and not lay.example_rows:
            skipped.append(len(sheets))
            sheets.append(_redacted_sheet(lay.sheet, {}, None))
            continue
        if lay.shape is None:  # an instruction sheet's example table: read as examples again, never as data
            sheets.append(_examples_marked(lay.sheet, lay.example_rows))
            continue
        cols = lay.columns
        blank: dict[int, object] = {j: None for j in cols.personal}
        if lay.shape == "register":
            blank.update({j: None for j in cols.unknown})
            if "notes" in cols.fields:
                blank[cols.fields["notes"]] = None
            for field, j in cols.fields.items():
                if j not in blank and (special := tppo.archive_rewrite(field, blank_of)) is not None:
                    blank[j] = special
                elif j not in blank and _normaliser(field) is not None:
                    blank[j] = _field_rewrite(field)
        else:
            district = cols.fields.get("district")
            if district is not None and district not in blank:
                blank[district] = _field_rewrite("district")
            counts = _field_rewrite("count")  # every other cell of a data row is a count (or unread)
            blank.update({j: counts for j in range(len(lay.sheet.columns)) if j not in blank})
        sheet = _redacted_sheet(lay.sheet, blank, lay.data_rows)
        for (index, j), cells in (stand_ins or {}).items():
            if index == sheet.index and j in cols.personal:
                sheet = _with_cells(sheet, j, cells)
        sheets.append(_below_the_table(_examples_marked(sheet, lay.example_rows), lay))
    copy = Workbook(book.file_name, sheets)
    if skipped and _agency(copy, layouts) != found_agency:
        for i in skipped:  # keep the title blocks of skipped sheets: one of them names the agency
            lay = layouts[i]
            below = list(range(lay.header_rows[0] if lay.header_rows else 10, lay.sheet.height))
            sheets[i] = _redacted_sheet(lay.sheet, {j: None for j in range(len(lay.sheet.columns))}, below)
        copy = Workbook(book.file_name, sheets)
    return copy


def _with_cells(sheet: Sheet, j: int, cells: dict[int, object]) -> Sheet:
    """The sheet with these cells of column ``j`` (row -> cell) set."""
    column = sheet.columns[j]
    row_cells = [column.values[c] for c in column.codes.tolist()]
    for row, cell in cells.items():
        row_cells[row] = cell
    columns = list(sheet.columns)
    columns[j] = Column.of(row_cells)
    return Sheet(sheet.name, sheet.index, sheet.visible, columns, sheet.height)


def _below_the_table(sheet: Sheet, lay) -> Sheet:
    """The sheet with what follows its table blanked: the signature block ('Mengetahui', 'Kepala …', the name, 'NIP
    …') and notes. The line that ends the table stays one (its place and date kept, other text blanked as a
    signature line), so the copy's table ends where the original's did; nothing after it is read."""
    from etl.layout import is_signature_row

    end = lay.footer_row if lay.footer_row is not None else lay.total_row
    if end is None:
        return sheet
    everything = {j: None for j in range(len(sheet.columns))}
    sheet = _redacted_sheet(sheet, everything, list(range(end + 1, sheet.height)))
    if lay.footer_row is None:
        return sheet
    line = _SIGNATURE_BLANK if is_signature_row(lay.sheet.row(end)) else BLANK_TEXT

    def footer(values: list) -> dict[int, object]:
        return {i: line for i, v in enumerate(values) if v.__class__ is str and not _is_place_and_date(v)}
    return _redacted_sheet(sheet, {j: footer for j in everything}, [end])


def _is_place_and_date(text: str) -> bool:
    from etl.layout import _PLACE_DATE

    return bool(_PLACE_DATE.match(" ".join(text.split())))


def _agency(book: Workbook, layouts: list) -> tuple[str, str] | None:
    """The agency detect_agency finds on a copy, with the original's title blocks."""
    from etl.layout import detect_agency

    blocks = {}
    for sheet, lay in zip(book.sheets, layouts):
        blocks[sheet.index] = sheet.head(lay.header_rows[0] if lay.header_rows else 10)
    return detect_agency(book, blocks)


# ---------------------------------------------------------------- the file's name as kept

# Words of a report's file name that name no person: the rest of a name is masked (kept_file_name).
_FILE_NAME_WORDS = frozenset("""
    laporan lap rekap rekapitulasi register data korban kekerasan perempuan anak kasus bulan bulanan triwulan tw
    semester sem tahun tahunan periode revisi rev perbaikan koreksi final baru lama kota kabupaten kab kecamatan
    lembaga dinas uptd ppa tppo perdagangan orang pelaporan pengaduan layanan salinan copy dan per ke s d sd
    template format isian contoh sampel sample demo draf draft xlsx xls xlsm ods""".split())
_FILE_NAME_PARTS = re.compile(r"([^\W_]+)")
_MASKED_PART = "…"


@functools.lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Words a file name may keep: the fixed ones, month names, and the words of the region's agency and kecamatan
    names (reference data, no person's)."""
    from etl import vocab

    names = [a.code for a in vocab.agencies()] + [a.name for a in vocab.agencies()]
    names += [d.name for d in vocab.districts()] + [vocab.region().name]
    words = {w.lower() for n in names for w in _FILE_NAME_PARTS.findall(n)}
    return _FILE_NAME_WORDS | words | frozenset(vocab.MONTH_SPELLINGS)


def kept_file_name(file_name: str) -> str:
    """A file's name as the database keeps it: words that name no person (report words, months, agencies,
    kecamatan, words of one or two letters, numbers of up to eight digits, codes like 'v2' or 'tw3', roman numerals)
    stay; any other word (a victim's
    name, an address) becomes '…'. 'Laporan_korban_Siti_Aminah.xlsx' -> 'Laporan_korban_….xlsx'. The operator
    still recognises the file by agency, month and the time it was loaded; the same name gives the same result."""
    known = _known_words()

    def part(match: re.Match) -> str:
        word = match.group(1)
        keep = len(word) <= 2 or word.lower() in known or re.fullmatch(
            r"[A-Za-z]{0,4}\d{1,8}|\d{1,8}[A-Za-z]{0,2}|[IVXivx]{1,4}", word)
        return word if keep else _MASKED_PART
    kept = _FILE_NAME_PARTS.sub(part, file_name)
    # neighbouring masked words become one
    return re.sub(rf"{_MASKED_PART}(?:[\W_]{{1,3}}{_MASKED_PART})+", _MASKED_PART, kept)


def kept_text(text: str | None, file_name: str) -> str | None:
    """A message as the database keeps it: the file's name as kept_file_name keeps it."""
    if not text or file_name not in text:
        return text
    return text.replace(file_name, kept_file_name(file_name))


# ---------------------------------------------------------------- the copy's bytes

def _encode(value):
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"timedelta": value.total_seconds()}
    return value


def _decode(value):
    if isinstance(value, dict):
        (kind, text), = value.items()
        if kind == "datetime":
            return dt.datetime.fromisoformat(text)
        if kind == "date":
            return dt.date.fromisoformat(text)
        if kind == "time":
            return dt.time.fromisoformat(text)
        if kind == "timedelta":
            return dt.timedelta(seconds=text)
        raise ValueError(kind)
    return value


def _code_type(values: list) -> np.dtype:
    return np.dtype("<u1") if len(values) <= 256 else np.dtype("<u2") if len(values) <= 65536 else np.dtype("<i4")


def copy_bytes(book: Workbook) -> bytes:
    """A workbook's cells as the archive stores them: a zip of a JSON manifest and the columns' row codes."""
    manifest = {"format": FORMAT, "sheets": []}
    codes = io.BytesIO()
    for sheet in book.sheets:
        columns = []
        for column in sheet.columns:
            kind = _code_type(column.values)
            plain = _JSON_KINDS.issuperset(map(type, column.values))
            columns.append({"values": column.values if plain else [_encode(v) for v in column.values], "codes": kind.str,
                            "rows": len(column.codes)})
            codes.write(column.codes.astype(kind, copy=False).tobytes())
        manifest["sheets"].append({"name": sheet.name, "index": sheet.index, "visible": sheet.visible,
                                   "height": sheet.height, "columns": columns})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(_MANIFEST, json.dumps(manifest, ensure_ascii=False, separators=(",", ":")))
        zf.writestr(_CODES, codes.getvalue())
    return out.getvalue()


def read_copy(path: str | os.PathLike, file_name: str | None = None) -> Workbook:
    """The workbook an archived copy holds (its sheets, cells, names and visibility)."""
    path = Path(path)
    name = file_name or path.name
    try:
        with zipfile.ZipFile(path) as zf:
            if any(zf.getinfo(m).file_size > _MAX_MEMBER_BYTES for m in (_MANIFEST, _CODES)):
                raise ValueError("member too large")
            manifest = json.loads(zf.read(_MANIFEST))
            raw = zf.read(_CODES)
        if manifest.get("format") != FORMAT:
            raise ValueError(manifest.get("format"))
        sheets, offset = [], 0
        for s in manifest["sheets"]:
            columns = []
            for c in s["columns"]:
                kind = np.dtype(c["codes"])
                size = c["rows"] * kind.itemsize
                codes = np.frombuffer(raw, kind, c["rows"], offset).astype(np.int32)
                offset += size
                values = [_decode(v) for v in c["values"]]
                if len(codes) and int(codes.max()) >= len(values):
                    raise ValueError("code out of range")
                columns.append(Column(values, codes))
            sheets.append(Sheet(s["name"], int(s["index"]), bool(s["visible"]), columns, int(s["height"])))
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ArchiveError(f"Salinan arsip {path.name} ('{name}') rusak atau bukan salinan arsip ({exc}). Muat "
                           "ulang file aslinya dari lembaga.") from exc
    return Workbook(name, sheets)


def identity(path: Path, data: bytes) -> tuple[str, str]:
    """(submission id, file extension) of a file: the original's, recorded in an archived copy; else the sha256
    of its bytes and its own extension."""
    if is_copy(path):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                recorded = json.loads(zf.read(_IDENTITY))
            return str(recorded["sha256"]), str(recorded["ext"])
        except (KeyError, ValueError, zipfile.BadZipFile):
            pass  # not an archived copy after all: the file is what it is
    return hashlib.sha256(data).hexdigest(), path.suffix.lower()


# ---------------------------------------------------------------- writing into the archive

def private_folder(folder: Path) -> Path:
    """Create the folder (and parents) if needed and make it owner-only (0700)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def stage(folder: Path, copy: bytes, submission_id: str, ext: str) -> Path:
    """Write a redacted copy, with the original's sha256 and extension, to a private temporary file in the archive
    folder (mkstemp: 0600); ``keep`` renames it into place once the file's transaction has committed."""
    if copy is None:  # a parse that did not go through etl.parse.parse_workbook: nothing redacted to keep
        raise ValueError("tidak ada salinan tersamarkan untuk arsip")
    private_folder(folder)
    fd, name = tempfile.mkstemp(dir=folder, prefix=_STAGING_PREFIX)
    with os.fdopen(fd, "wb") as f:
        f.write(copy)
    with zipfile.ZipFile(name, "a") as zf:  # appended: the copy's members are not compressed again
        zf.writestr(_IDENTITY, json.dumps({"sha256": submission_id, "ext": ext}))
    return Path(name)


def keep(staged: Path, folder: Path, submission_id: str) -> Path:
    """Move a staged copy to its place in the archive."""
    target = copy_path(folder, submission_id)
    os.replace(staged, target)
    return target


def staged_leftovers(folder: Path) -> list[Path]:
    """Staged copies left by a load that was killed before it could keep or remove them."""
    return sorted(folder.glob(f"{_STAGING_PREFIX}*")) if folder.is_dir() else []


def archive_original(folder: Path, submission_id: str, ext: str, file_name: str, agency: str | None) -> bool:
    """Replace an original kept by an older version (``<sha256><ext>``) by its redacted copy; False when it can
    no longer be parsed (it is then left as it is, for the operator to deal with: docs/operations.md)."""
    from etl.parse import parse_workbook

    original = folder / f"{submission_id}{ext}"
    if not original.is_file():
        return True
    try:
        parsed = parse_workbook(original, agency, file_name=file_name)
    except Exception:  # any reason at all: the original stays, and the migration says so
        return False
    keep(stage(folder, parsed.archive_copy, submission_id, ext), folder, submission_id)
    original.unlink()
    return True


def redact_originals(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """Replace every original an older version archived for this database's submissions by its redacted copy
    (archive_original); return the names of those left as they were."""
    if not folder.is_dir():
        return []
    left = []
    for sid, ext, name, agency in con.execute(
            "SELECT submission_id, file_ext, file_name, json_extract_string(detected, '$.agency_parameter') "
            "FROM submissions ORDER BY loaded_at, submission_id").fetchall():
        if not archive_original(folder, sid, ext, name, agency):
            left.append(f"{sid}{ext}")
    return left
