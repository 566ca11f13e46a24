"""Check files before anything is stored: what was detected, every row-level problem, and what loading would do.

The upload page calls ``inspect_file``: the load pipeline (etl.load.check_file, then etl.load.outcome, which asks
the ledger) stopped before store; nothing here writes to the database. Uploaded bytes are written
only to a private temporary folder under a generated name (``staged_upload``) and deleted when the check or the
load is done; the agency's file name is kept as a label, never used as a path.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb

from etl import load, markup, vocab
from etl.compliance import month_label
from etl.columns import FIELDS
from etl.layout import cell_text, detect_layout, is_blank
from etl.model import EtlError, ParsedWorkbook
from etl.read import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, Workbook

_WORDING = re.compile(r"Jenis kekerasan '([^']+)' tidak dikenal")


@dataclass
class UnmappedSheet:
    """A sheet whose columns the loader could not map: its header texts, for the operator to map by hand."""

    sheet: str
    header_row: int            # 1-based
    headers: list[str]
    mapped: dict[str, str] = field(default_factory=dict)   # header -> field already recognised


@dataclass
class Inspection:
    """The outcome of checking one file without storing it: the load pipeline stopped before store."""

    file_name: str
    submission_id: str | None
    checked: load.Checked | None = None      # what the upload page stores when the operator confirms
    result: load.FileResult | None = None    # what storing it would do (etl.load.outcome)
    notices: list[str] = field(default_factory=list)
    unmapped: list[UnmappedSheet] = field(default_factory=list)
    error: str | None = None
    marked: bytes | None = None              # the agency's file with its problems marked (check_upload)
    marked_error: str | None = None          # why there is no marked copy

    @property
    def parsed(self) -> ParsedWorkbook | None:
        return self.checked.parsed if self.checked else None

    @property
    def status(self) -> str:
        """What loading it would do: etl.load's status (loaded, replaced, unchanged, held, failed)."""
        return self.result.status if self.result else "failed"

    @property
    def loadable(self) -> bool:
        """Whether it goes to the loader when the operator confirms (held files wait for a confirmation there)."""
        return self.status != "failed"

    @property
    def outcome(self) -> str | None:
        """'baru' | 'sudah_dimuat' | 'mengganti' (None when the file cannot be loaded)."""
        return {"unchanged": "sudah_dimuat", "replaced": "mengganti", "loaded": "baru"}.get(self.status)

    @property
    def replaces(self) -> list[dict]:
        """Earlier submissions this file would replace: submission_id, file_name, months, loaded_at, and the
        records of those months standing now (before) and after loading it."""
        decision = self.result.decision if self.result else None
        if not decision or self.outcome != "mengganti":
            return []
        return [{"submission_id": r.submission_id, "file_name": r.file_name, "months": r.months,
                 "loaded_at": r.loaded_at, "before": sum(decision.before.get(m, 0) for m in r.months),
                 "after": sum(decision.after.get(m, 0) for m in r.months)} for r in decision.replaces]

    @property
    def unknown_wordings(self) -> list[str]:
        """Violence wordings the vocabulary does not know yet, in order of appearance."""
        if not self.parsed:
            return []
        found = [m.group(1) for p in self.parsed.errors if p.reason == "bentuk_tidak_dikenal"
                 for m in [_WORDING.search(p.message)] if m]
        return list(dict.fromkeys(found))


@contextmanager
def staged_upload(data: bytes, original_name: str) -> Iterator[Path]:
    """The uploaded bytes in a private temporary file with a generated name; deleted when the block ends."""
    suffix = Path(original_name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        suffix = ".bin"  # the reader then refuses it with a sentence naming the original file
    if len(data) > MAX_FILE_BYTES:
        raise EtlError(f"File '{original_name}' terlalu besar ({len(data) // (1024 * 1024)} MB; batas "
                       f"{MAX_FILE_BYTES // (1024 * 1024)} MB). Pecah menjadi beberapa file per bulan.")
    folder = Path(tempfile.mkdtemp(prefix="ppa-upload-"))  # 0700
    try:
        path = folder / f"{hashlib.sha256(data).hexdigest()[:32]}{suffix}"
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def inspect_file(path: str | os.PathLike, file_name: str | None = None, agency: str | None = None,
                 con: duckdb.DuckDBPyConnection | None = None, *, data: bytes | None = None) -> Inspection:
    """Read, parse and decide on one file as the loader would, without storing it; never raises for a bad file
    (the error is a sentence). ``data`` are the file's bytes when the caller holds them (an upload). The cells
    read are kept (``checked.book``): the marked copy and the columns to teach are made from them, not re-read."""
    path = Path(path)
    file_name = file_name or path.name
    checked = load.check_file(path, file_name, agency, con, data=data, keep_book=True)
    result = Inspection(file_name=file_name, submission_id=checked.submission_id, checked=checked,
                        error=checked.message)
    if checked.parsed is None:
        if checked.book is not None:  # read but not understood: perhaps a layout to teach
            result.unmapped = _unmapped_sheets(checked.book, agency)
        return result
    result.notices = _content_notices(path, file_name)  # only now: the reader's size bounds have passed
    result.result = load.outcome(con, checked)
    return result


def check_upload(data: bytes, file_name: str, agency: str | None, con: duckdb.DuckDBPyConnection | None
                 ) -> Inspection:
    """An uploaded file checked as the loader would (inspect_file) and, when rows have problems, its marked copy
    (etl.markup); meanwhile the bytes live only in a private temporary file (staged_upload)."""
    try:
        with staged_upload(data, file_name) as path:
            result = inspect_file(path, file_name, agency, con, data=data)
            if result.parsed and (result.parsed.errors or result.parsed.warnings):
                try:
                    result.marked = markup.marked_workbook(path, result.parsed, result.checked.book)
                except EtlError as exc:
                    result.marked_error = str(exc)
    except vocab.ReferenceFileMissing as exc:  # the page names the file, not the server's folder
        result = Inspection(file_name, None, error=exc.for_page())
    except EtlError as exc:  # refused before it was written (too big)
        result = Inspection(file_name, None, error=str(exc))
    return result


def problems_table(inspection: Inspection) -> list[dict]:
    """Rejected rows and warnings as rows for a table: Lembar, Baris, Kolom, Jenis, Pesan."""
    if not inspection.parsed:
        return []
    rows = [(p, "ditolak") for p in inspection.parsed.errors] + [(p, "peringatan") for p in inspection.parsed.warnings]
    rows.sort(key=lambda item: (item[0].sheet or "", item[0].row or 0, item[1]))
    return [{"Lembar": p.sheet, "Baris": p.row, "Kolom": p.column, "Jenis": kind, "Pesan": p.message}
            for p, kind in rows]


def detected_summary(inspection: Inspection) -> dict[str, str]:
    """What was detected, as label -> text in Bahasa Indonesia."""
    parsed = inspection.parsed
    if not parsed:
        return {}
    d = parsed.detected
    agencies = {a.code: a.name for a in vocab.agencies()}
    months = parsed.months
    period = "-" if not months else (month_label(months[0]) if len(months) == 1
                                     else f"{month_label(months[0])} – {month_label(months[-1])}")
    columns = []
    for sheet in d.get("sheets", []):
        for header, name in sheet.get("columns", {}).items():
            label = FIELDS.get(name, name)
            columns.append(f"{header} → {label}")
    return {
        "Lembaga": f"{agencies.get(parsed.agency, parsed.agency)} ({d.get('agency_source', '-')})",
        "Periode": f"{period} ({d.get('period_source') or '-'})",
        "Bentuk": ("register (satu baris per korban)" if parsed.shape == "register" else "rekap bulanan")
                  + ("; laporan NIHIL (tidak ada kasus)" if parsed.nihil else ""),
        "Lembar dibaca": ", ".join(s["sheet"] for s in d.get("sheets", [])) or "-",
        "Baris": f"{parsed.rows_read} dibaca, {parsed.rows_loaded} dapat dimuat, {parsed.rows_rejected} ditolak",
        "Kolom dikenali": "; ".join(dict.fromkeys(columns)) or "-",
        "Kolom data pribadi (dibuang)": ", ".join(
            h for s in d.get("sheets", []) for h in s.get("personal_columns_dropped", [])) or "-",
    }


def _content_notices(path: Path, file_name: str) -> list[str]:
    """Sentences about macros, external links and formulas in a zip-based workbook (none is run or followed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            has_formula = any(_contains(archive, n, (b"<f>", b"<f ")) for n in sheets[:MAX_SHEETS_SCANNED])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return []
    notices = []
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        notices.append(f"File '{file_name}' berisi makro (VBA). Makro tidak pernah dijalankan; hanya isi sel yang "
                       "dibaca, dan salinan bertanda dikirim balik tanpa makro.")
    if any(n.startswith("xl/externalLinks/") for n in names):
        notices.append(f"File '{file_name}' berisi tautan ke file/alamat lain. Tautan tidak pernah dibuka; yang "
                       "dipakai adalah nilai terakhir yang tersimpan di sel.")
    if has_formula:
        notices.append(f"File '{file_name}' berisi rumus. Rumus tidak dihitung ulang; yang dipakai adalah hasil "
                       "terakhir yang tersimpan saat file disimpan di Excel.")
    return notices


MAX_SHEETS_SCANNED = 20


def _contains(archive: zipfile.ZipFile, member: str, needles: tuple[bytes, ...]) -> bool:
    """Whether a zip member holds one of the byte strings, read in chunks."""
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if any(n in window for n in needles):
                return True
            tail = chunk[-8:]
    return False


def _unmapped_sheets(book: Workbook, agency: str | None) -> list[UnmappedSheet]:
    """Header rows of visible sheets the loader could not use, so the operator can map them by hand."""
    found = []
    for sheet in book.sheets:
        if not sheet.visible or not sheet.height:
            continue
        layout = detect_layout(sheet, agency)
        if layout.header_rows:
            row, headers = layout.header_rows[-1], [h for h in layout.headers if h]
            mapped = {layout.columns.headers[i]: name for name, i in layout.columns.fields.items()}
        else:
            row = _header_candidate(sheet.rows)
            if row is None:
                continue
            headers, mapped = [cell_text(v) for v in sheet.rows[row] if cell_text(v)], {}
        found.append(UnmappedSheet(sheet.name, row + 1, list(dict.fromkeys(headers)), mapped))
    return found


def _header_candidate(rows: list[list]) -> int | None:
    """The first row of three or more texts directly above a row holding numbers or dates (never a data row)."""
    for r in range(min(len(rows) - 1, 15)):
        texts = [v for v in rows[r] if v is not None]
        if len(texts) < 3 or not all(isinstance(v, str) for v in texts):
            continue
        below = next((row for row in rows[r + 1:] if not is_blank(row)), None)
        if below is not None and any(v is not None and not isinstance(v, str) for v in below):
            return r
        return None  # looking further down could quote a data row, which might hold a name
    return None
