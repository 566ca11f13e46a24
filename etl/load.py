"""The load pipeline: read → parse → decide (etl.ledger) → store (one transaction per file) → archive.

Every caller enters here: ``python -m etl load`` (load_files), ``rebuild``, the demo, ``python -m etl inspect``
(inspect_files: the same steps stopped before store) and the upload page (check_file when a file is checked,
store_checked when the operator confirms: what was parsed then is stored, nothing is read, parsed or hashed
again). Files are keyed by the sha256 of their bytes.

Statuses of a file: ``loaded`` (new), ``unchanged`` (same bytes seen before: nothing added), ``replaced`` (a new
file of the same agency and shape standing for some months already loaded: that agency's records for those months
are replaced), ``held`` (nothing changed: it would replace records with fewer because rows were rejected, and the
operator has not confirmed), ``failed`` (nothing changed; the reason is in the load log). Which months a file
stands for and what it replaces is the ledger's to decide (etl.ledger).

Reading and parsing failures of a file (whatever library raises them, turned into EtlError by etl.workers) and
database errors while storing it fail that file and the batch goes on; any other exception is a bug and
propagates, so it is never reported as a bad file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from etl import db as dbmod
from etl import archive as archiving
from etl import backups, database_region, dedupe, ledger, vocab, workers, writer
from etl.archive import RAW_DIR, archive_dir, database_file  # noqa: F401 (etl.history and tests use them here)
from etl.compliance import month_label
from etl.model import VICTIM_TABLE_SCHEMA, EtlError, ParsedWorkbook, Problem, UsageError, WorkbookError
from etl.read import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, Workbook, read_workbook

WORKBOOK_EXTENSIONS = SUPPORTED_SUFFIXES  # workbooks and CSV exports of them (etl.read)

# A batch inserts its files' victims together once this many are waiting (load_batch): ~200 bytes each in memory
# (the benchmark's, with their victim_key), and one insert of a million took 0.5-1 s less CPU than two of half a
# million (250-file benchmark).
PENDING_VICTIMS = 1_000_000
# victim_records columns that must not be NULL, checked per file before a batch keeps its victims (_owned)
_REQUIRED_VICTIM_COLUMNS = ("sheet", "sheet_index", "row", "report_date", "district_code", "violence_types")

_RECAP_COLUMNS = ("submission_id", "agency", "month", "district_code", "violence_type", "sex", "victims",
                  "source_sheet", "source_row", "source_column")
_RECAP_SCHEMA = pa.schema([
    ("submission_id", pa.string()), ("agency", pa.string()), ("month", pa.date32()), ("district_code", pa.string()),
    ("violence_type", pa.string()), ("sex", pa.string()), ("victims", pa.int32()), ("source_sheet", pa.string()),
    ("source_row", pa.int32()), ("source_column", pa.string()),
])

Progress = Callable[[int, int, "FileResult"], None]


@dataclass
class FileResult:
    """What happened (or, for inspect, would happen) to one file; ``as_dict`` is its entry in the --json summary."""

    path: Path
    status: str                                  # loaded | unchanged | replaced | held | failed
    submission_id: str | None = None
    agency: str | None = None
    shape: str | None = None
    months: list[dt.date] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    detected: dict = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)   # submission_ids this file replaced (wholly or partly)
    message: str | None = None                          # why the file failed or was held back
    released: list[str] = field(default_factory=list)   # primary records it deleted (duplicates to look at again)
    decision: ledger.Decision | None = None             # what the ledger decided for it

    @property
    def period(self) -> list[str] | None:
        if not self.months:
            return None
        return [self.months[0].strftime("%Y-%m"), self.months[-1].strftime("%Y-%m")]

    def as_dict(self) -> dict:
        errors = [e.as_dict() for e in self.errors]
        if self.status in ("failed", "held") and self.message:
            errors.insert(0, {"sheet": None, "row": None, "column": None, "message": self.message})
        return {
            "path": str(self.path), "status": self.status, "agency": self.agency, "period": self.period,
            "shape": self.shape, "rows_read": self.rows_read, "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected, "errors": errors, "warnings": [w.as_dict() for w in self.warnings],
        }

    def inspection_dict(self) -> dict:
        """``as_dict`` plus what it would replace: each earlier submission's months with the records standing
        now and after (--json of inspect)."""
        decision = self.decision
        replaces = [] if decision is None or self.status == "unchanged" else [
            {"submission_id": r.submission_id, "file_name": r.file_name,
             "loaded_at": r.loaded_at.isoformat(timespec="seconds"),
             "months": [{"month": m.strftime("%Y-%m"), "records_before": decision.before.get(m, 0),
                         "records_after": decision.after.get(m, 0),
                         "change": decision.after.get(m, 0) - decision.before.get(m, 0)} for m in r.months]}
            for r in decision.replaces]
        return {**self.as_dict(), "message": self.message, "replaces": replaces}


@dataclass
class LoadReport:
    """The outcome of a batch of files."""

    files: list[FileResult] = field(default_factory=list)
    leftovers_removed: list[str] = field(default_factory=list)  # files a killed load had left (etl.writer)
    # rebuild: victim records + recap victims of the old and the new database, and the snapshot of the old one
    records_before: int | None = None
    records_after: int | None = None
    backup: Path | None = None

    @property
    def records_lost(self) -> int:
        """How many records a rebuild's new database holds fewer than the old one (0 if none)."""
        if self.records_before is None or self.records_after is None:
            return 0
        return max(self.records_before - self.records_after, 0)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def any_failed(self) -> bool:
        """Whether a file failed or was held back: nothing of it is stored (exit code 1)."""
        return any(f.status in ("failed", "held") for f in self.files)

    def as_dict(self) -> dict:
        out = {"files": [f.as_dict() for f in self.files], "rows_loaded": self.rows_loaded,
               "rows_rejected": self.rows_rejected}
        if self.leftovers_removed:
            out["leftovers_removed"] = self.leftovers_removed
        return out


@dataclass
class Checked:
    """One file read, hashed and parsed: what the pipeline knows of it before deciding and storing, and what the
    upload page holds between checking and loading."""

    path: Path
    file_name: str
    agency: str | None                       # the agency given (--agency, the page's choice), or None
    submission_id: str | None = None
    data: bytes | None = None                # the bytes read, archived once stored
    parsed: ParsedWorkbook | None = None     # None when the file failed, or when its bytes are loaded already
    message: str | None = None               # why the file cannot be loaded
    file_ext: str | None = None              # the original's extension (an archived copy records it)
    # the cells as read, kept when the caller asks (keep_book: the upload page marks the problems and offers
    # unmapped columns to teach from them); None when the file could not be read
    book: Workbook | None = None


@dataclass
class Batch:
    """What storing a batch of files keeps between them (store_checked): the ledger's view of the submissions,
    the victims waiting to be inserted (``pending``, see load_batch), the archive folder and the load-log rows,
    inserted together at the end of the batch (a batch that fails is discarded whole, its log with it)."""

    cache: ledger.Cache
    archive: Path | None
    replace_partial: bool = False
    pending: list[pa.Table] = field(default_factory=list)
    log: list[tuple] = field(default_factory=list)


def workbook_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named, and workbook files inside folders named (recursively, sorted); raises UsageError if missing."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in WORKBOOK_EXTENSIONS
                            and not p.name.startswith(("~$", ".~lock")))
            if not inside:
                raise UsageError(f"Folder {path} tidak berisi file workbook ({', '.join(WORKBOOK_EXTENSIONS)}).")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"File atau folder {path} tidak ditemukan. Periksa ejaan path-nya.")
    return found


def check_agency(agency: str | None) -> str | None:
    """The agency code in upper case, or UsageError when it is not an enabled agency of agencies.csv."""
    if agency is None:
        return None
    code = agency.strip().upper()
    if (problem := vocab.unknown_agency(code)) is not None:
        raise UsageError(problem)
    return code


# ---------------------------------------------------------------- entry points

def load_files(paths: Iterable[str | os.PathLike], agency: str | None = None, db: str | os.PathLike | None = None,
               progress: Progress | None = None, *, replace_partial: bool = False) -> LoadReport:
    """Load files and folders into the database, one transaction per file; a failing file stops nothing else.

    ``replace_partial`` (--ganti-sebagian) confirms revisions that would leave a month with fewer records because
    rows were rejected; without it they are held back.
    """
    agency = check_agency(agency)
    files = workbook_files(paths)
    # a private copy swapped in at the end (etl.writer): viewers never block the load nor see half of it
    removed: list[Path] = []
    # the parse workers start first: they import while the database is copied, opened and migrated
    with workers.started_ahead(len(files)) as started, writer.writing(db, removed=removed) as con:
        report = load_batch(con, [(path, agency, path.name) for path in files], progress,
                            replace_partial=replace_partial, started=started)
    report.leftovers_removed = [str(p) for p in removed]
    return report


def inspect_files(paths: Iterable[str | os.PathLike], agency: str | None = None,
                  db: str | os.PathLike | None = None) -> LoadReport:
    """What loading these files would do, file by file against the database as it is (the pipeline stopped before
    store): nothing is written, not even the load log. Each file is decided on alone, as if loaded first."""
    agency = check_agency(agency)
    files = workbook_files(paths)
    target = dbmod.db_path(db)
    con = dbmod.connect(target, read_only=True) if target.exists() else None
    try:
        report = LoadReport()
        for path in files:
            checked = check_file(path, path.name, agency, con)
            report.files.append(outcome(con, checked))
        return report
    finally:
        if con is not None:
            con.close()


def load_batch(con: duckdb.DuckDBPyConnection, items: list[tuple[Path, str | None, str]],
               progress: Progress | None = None, *, stop_on_failure: bool = False,
               replace_partial: bool = False, started: list | None = None) -> LoadReport:
    """Load (path, --agency or None, file name) items in order, each in its own transaction, then mark the
    batch's cross-agency duplicates in one more transaction.

    Files are parsed ahead in worker processes (etl.workers) while earlier ones are stored. Duplicates are marked
    once per batch because at volume that is far cheaper than after every file; readers never see the state in
    between, since a batch runs on a private copy that is swapped in only when it ends (etl.writer). If marking
    fails, the exception ends the batch and the copy is discarded: nothing of the batch lands.

    The files' victims are kept in memory (``Batch.pending``) and inserted together, whenever PENDING_VICTIMS are
    waiting and after the duplicates are marked (_insert_pending): large inserts are written straight to the
    database file, compressed once, where a transaction per file would write every row to the write-ahead log and
    the final checkpoint would then compress the whole table again (at a million rows: ~2.2 s instead of ~6.4 s of
    CPU). The victims still waiting when the last file is stored are marked before they are inserted (their
    duplicate_of inserted with them, not updated after). Each file's own transaction still decides whether its
    victims are kept, so a failing file leaves nothing.
    ``started``: parse workers the caller started ahead (etl.workers.started_ahead), taken over by the batch.
    """
    hashes = [_sha256_of(path) for path, _agency, _name in items]
    cache = ledger.Cache.read(con, filter(None, hashes))
    with closing(_checked_ahead(con, items, hashes, cache, started)) as checks:
        return _store_all(con, checks, len(items), cache, progress, stop_on_failure=stop_on_failure,
                          replace_partial=replace_partial)


def _checked_ahead(con: duckdb.DuckDBPyConnection, items: list[tuple[Path, str | None, str]],
                   hashes: list[str | None], cache: ledger.Cache, started: list | None = None
                   ) -> Iterator[Checked]:
    """The items checked in order, parsed ahead in worker processes; the workers stop once the last file is
    handed over, before the batch's victims are inserted."""
    with workers.Prefetch([item for item, sha in zip(items, hashes)
                           if not ledger.is_loaded(cache.known.get(sha))], started) as prefetch:
        for (path, agency, name), sha in zip(items, hashes):
            yield check_file(path, name, agency, con, submission_id=sha, cache=cache, parse=prefetch.parsed)


def store_checked(con: duckdb.DuckDBPyConnection, checked: list[Checked], progress: Progress | None = None, *,
                  replace_partial: bool = False) -> LoadReport:
    """Store files already checked (check_file), in order, as one batch: the upload page's *Muat*. Each file is
    decided on again against the database as it is now and the files stored before it."""
    cache = ledger.Cache.read(con, filter(None, (c.submission_id for c in checked)))
    return _store_all(con, iter(checked), len(checked), cache, progress, replace_partial=replace_partial)


# ---------------------------------------------------------------- read, parse

def check_file(path: str | os.PathLike, file_name: str, agency: str | None, con: duckdb.DuckDBPyConnection | None,
               *, data: bytes | None = None, submission_id: str | None = None, cache: ledger.Cache | None = None,
               parse: Callable[[Path, str | None, str], ParsedWorkbook] = workers.parse_file,
               keep_book: bool = False) -> Checked:
    """Read, hash and parse one file (the first steps of the pipeline); never raises for a bad file.

    ``data`` are its bytes when the caller has them already (the upload page), ``submission_id`` their sha256 when
    known. With a ``cache`` (a batch) a file whose bytes are loaded is not parsed: storing it changes nothing.
    ``keep_book``: the cells are read here (etl.read sends an .xls/.ods to a capped worker) and kept in
    ``Checked.book``, even when parsing them fails, then parsed from there (instead of ``parse``).
    """
    checked = Checked(Path(path), file_name, agency, submission_id, data)
    try:
        if checked.data is None:
            checked.data = _read(checked.path, file_name)
    except WorkbookError as exc:
        checked.message = str(exc)
        return checked
    if checked.submission_id is None or archiving.is_copy(checked.path):  # a copy records the original's id
        checked.submission_id, checked.file_ext = archiving.identity(checked.path, checked.data)
    checked.file_ext = checked.file_ext or checked.path.suffix.lower()
    if cache is not None and ledger.is_loaded(ledger.known_status(con, checked.submission_id, cache)):
        return checked
    try:
        if keep_book:
            from etl.parse import parse_book  # imported on first use, as etl.workers does: the CLI starts faster

            checked.book = read_workbook(checked.path, file_name)
            checked.parsed = parse_book(checked.book, agency)
        else:
            checked.parsed = parse(checked.path, agency, file_name)
    except vocab.ReferenceFileMissing as exc:  # stored and shown on pages: the file's name, not the server's folder
        checked.message = exc.for_page()
    except EtlError as exc:
        checked.message = str(exc)
    return checked


def _read(path: Path, file_name: str) -> bytes:
    """The file's bytes; WorkbookError when it is too big (refused before reading) or cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:  # refuse before reading a hostile file into memory
            raise WorkbookError(f"File '{file_name}' terlalu besar ({size // (1024 * 1024)} MB; batas "
                                f"{MAX_FILE_BYTES // (1024 * 1024)} MB). Pecah menjadi beberapa file per bulan.")
        return path.read_bytes()
    except OSError as exc:
        raise WorkbookError(f"File {file_name} tidak dapat dibaca ({exc.strerror or exc}). Periksa izin akses "
                            "file.") from None


def _sha256_of(path: Path) -> str | None:
    """The submission id of a file's bytes, or None when it cannot be read (check_file then says why)."""
    try:
        return archiving.identity(path, _read(path, path.name))[0]
    except WorkbookError:
        return None


# ---------------------------------------------------------------- decide

def outcome(con: duckdb.DuckDBPyConnection | None, checked: Checked, batch: Batch | None = None) -> FileResult:
    """What storing a checked file does (status, months, what it replaces), decided by the ledger; nothing is
    written. ``store`` writes what this says; inspect shows it."""
    result = FileResult(path=checked.path, status="failed", submission_id=checked.submission_id,
                        agency=checked.agency, message=checked.message)
    if checked.message is not None:
        return result
    parsed = checked.parsed
    if parsed is None:  # bytes loaded already, not parsed (a batch)
        known = ledger.known_status(con, checked.submission_id, batch.cache if batch else None)
        return _unchanged(result, known)
    cache, pending = (batch.cache, batch.pending) if batch else (None, ())
    decision = ledger.decide(con, parsed, checked.submission_id, cache, pending)
    result.agency, result.shape, result.months, result.decision = parsed.agency, parsed.shape, decision.months, decision
    if decision.unchanged:
        return _unchanged(result, ledger.known_status(con, checked.submission_id, cache))
    result.rows_read, result.rows_loaded, result.rows_rejected = parsed.rows_read, parsed.rows_loaded, \
        parsed.rows_rejected
    result.errors, result.warnings, result.detected = list(parsed.errors), list(parsed.warnings), dict(parsed.detected)
    if not decision.months:
        result.message = _stands_for_nothing(checked.file_name, parsed)
    elif decision.held and not (batch and batch.replace_partial):
        result.status, result.message = "held", _held_back(checked.file_name, decision)
    else:
        result.replaced = [r.submission_id for r in decision.replaces]
        result.status = "replaced" if decision.replaces else "loaded"
    return result


def _stands_for_nothing(file_name: str, parsed: ParsedWorkbook) -> str:
    """Why a parsed file is no submission (etl.ledger.standing_months found no month for it)."""
    if parsed.rows_read and not parsed.rows_loaded:
        return (f"File '{file_name}': semua {parsed.rows_read} baris ditolak, jadi tidak ada yang dimuat dan data "
                f"lama {parsed.agency} tetap berlaku. Perbaiki baris yang ditolak (lihat daftar) lalu kirim ulang.")
    if parsed.rows_rejected:
        return (f"File '{file_name}': baris yang diterima tidak berisi korban dan {parsed.rows_rejected} baris "
                "ditolak, sehingga tidak jelas apakah bulannya memang nihil; tidak ada yang dimuat dan data lama "
                f"{parsed.agency} tetap berlaku. Perbaiki baris yang ditolak lalu kirim ulang.")
    return (f"File {file_name}: periode laporan tidak diketahui. Isi sel periode (B3/B4 pada register, B3 pada "
            "rekap) atau tanggal lapor.")


def _held_back(file_name: str, decision: ledger.Decision) -> str:
    """Why a revision waits for confirmation, with what each month would lose."""
    losses = "; ".join(f"{month_label(m)}: {decision.before[m]} menjadi {decision.after.get(m, 0)} korban "
                       f"(berkurang {lost})" for m, lost in decision.losses.items())
    return (f"File '{file_name}' ditahan: {decision.rows_rejected} barisnya ditolak dan bila dimuat data "
            f"{decision.agency} berkurang — {losses}. Data lama tetap berlaku sampai penggantian ini dikonfirmasi; "
            "sebaiknya perbaiki baris yang ditolak lalu kirim ulang.")


def _unchanged(result: FileResult, known: tuple) -> FileResult:
    result.status, result.message = "unchanged", None
    result.agency, result.shape, result.months = known[0], known[1], sorted(known[2])
    result.rows_read = result.rows_loaded = result.rows_rejected = 0
    result.errors, result.warnings, result.replaced = [], [], []
    return result


# ---------------------------------------------------------------- store, archive

def _store_all(con: duckdb.DuckDBPyConnection, checks: Iterator[Checked], count: int, cache: ledger.Cache,
               progress: Progress | None, *, stop_on_failure: bool = False, replace_partial: bool = False
               ) -> LoadReport:
    """Store checked files in order (store) and insert their log, mark the batch's duplicates, then insert the
    victims still waiting."""
    report = LoadReport()
    batch = Batch(cache, archive_dir(con), replace_partial)
    with _single_threaded(con):
        for i, checked in enumerate(checks, start=1):
            result = store(con, batch, checked)
            report.files.append(result)
            if progress:
                progress(i, count, result)
            # a file that stands for no month (every row rejected) is left out: an older version stored such files
            if stop_on_failure and result.status in ("failed", "held") and result.decision is None:
                raise EtlError(f"Pemuatan berhenti pada {checked.file_name}: {result.message}")
            # bounds the memory a batch holds; the last file's victims wait for their duplicates to be marked
            if i < count and sum(t.num_rows for t in batch.pending) >= PENDING_VICTIMS:
                _insert_pending(con, batch.pending, count)
        _insert_log(con, batch.log)
    stored = [f for f in report.files if f.status in ("loaded", "replaced") and f.shape == "register"]
    if stored:
        # the victims still waiting are marked before they are inserted: no UPDATE of them, so no write-ahead log
        # of it and no second compression at the checkpoint (victims inserted earlier, and older records, are
        # marked in the database)
        try:
            with dbmod.transaction(con):
                marks = dedupe.refresh_after_load(con, [f.submission_id for f in stored],
                                                  [k for f in stored for k in f.released], batch.pending)
        except duckdb.Error as exc:
            raise _batch_failed(exc, count) from exc
        batch.pending[:] = [t.set_column(t.schema.get_field_index("duplicate_of"), "duplicate_of", marked)
                            for t, marked in zip(batch.pending, marks)]
    with _single_threaded(con):
        _insert_pending(con, batch.pending, count)
    return report


@contextmanager
def _single_threaded(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB on one thread for the block: one file's statements are small, and DuckDB's own threads would only
    compete with the parse workers for cores (and cost an insert of waiting victims more CPU: _insert_pending)."""
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(threads)}")


def store(con: duckdb.DuckDBPyConnection, batch: Batch, checked: Checked) -> FileResult:
    """Store one checked file in one transaction, whole or not at all, and archive its bytes once it committed.

    Its victims wait in ``batch.pending`` (load_batch); records of earlier files of the batch that it replaces are
    taken out of that list, which changes only when the file's transaction commits. A database error fails the
    file alone; any other exception is a bug and propagates.
    """
    started = _now()
    result = outcome(con, checked, batch)
    if result.status in ("failed", "held", "unchanged"):
        note = "isi file sama dengan yang sudah dimuat" if result.status == "unchanged" else result.message
        batch.log.append(_log_row(checked, started, result.status, note))
        return result
    parsed, decision = checked.parsed, result.decision
    kept = list(batch.pending)
    try:
        with _archived(batch.archive, checked), dbmod.transaction(con):
            if decision.undone_before:  # the same bytes were loaded once and undone: load them afresh
                for table in ("rejected_rows", "load_warnings", "submissions"):
                    con.execute(f"DELETE FROM {table} WHERE submission_id = ?",  # fixed names
                                [checked.submission_id])
            _months, _replaced, result.released = store_parsed(
                con, parsed, checked.submission_id, checked.file_name, checked.file_ext, started,
                agency_parameter=checked.agency, pending=kept, decision=decision)
    except (duckdb.Error, WorkbookError) as exc:
        message = str(exc) if isinstance(exc, EtlError) else (
            f"File {checked.file_name} gagal disimpan ke database ({type(exc).__name__}: {exc}); tidak ada data "
            "yang berubah. Laporkan pesan ini ke pengelola sistem.")
        batch.log.append(_log_row(checked, started, "failed", message))
        return FileResult(path=checked.path, status="failed", submission_id=checked.submission_id,
                          agency=parsed.agency, message=message)
    batch.pending[:] = kept
    batch.cache.stored(decision)
    note = f"menggantikan {', '.join(s[:12] for s in result.replaced)}" if result.replaced else None
    batch.log.append(_log_row(checked, started, result.status, note))
    return result


@contextmanager
def _archived(target_dir: Path | None, checked: Checked) -> Iterator[None]:
    """Archive the file's redacted copy as raw/<submission_id>.cells (etl.archive) once the block (its transaction)
    has succeeded: staged in a private temporary file first, renamed into place at the end, removed if it fails."""
    if target_dir is None:
        yield
        return
    staged = archiving.stage(target_dir, checked.parsed.archive_copy, checked.submission_id, checked.file_ext)
    try:
        yield
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    archiving.keep(staged, target_dir, checked.submission_id)


def _insert_pending(con: duckdb.DuckDBPyConnection, pending: list[pa.Table], files: int) -> None:
    """Insert a batch's waiting victims and empty the list: the tables are shared out over one cursor per core,
    each inserting its share in a transaction of its own, at the same time (DuckDB appends to one table from
    several transactions at once; at a million rows this takes about half as long as one insert).

    Each insert runs single-threaded: the same insert took ~30 % more CPU on DuckDB's own threads. If one fails
    the batch ends (its copy is discarded, so no share lands alone), as when marking duplicates fails.
    """
    if not pending:
        return
    shares = [pending[i::workers.cores()] for i in range(min(workers.cores(), len(pending)))]

    def insert(share: list[pa.Table]) -> None:
        cursor = con.cursor()
        try:
            with dbmod.transaction(cursor):
                _insert_victims(cursor, share)
        finally:
            cursor.close()

    try:
        with ThreadPoolExecutor(len(shares)) as pool:
            list(pool.map(insert, shares))
    except duckdb.Error as exc:
        raise _batch_failed(exc, files) from exc
    pending.clear()


def _batch_failed(exc: Exception, files: int) -> EtlError:
    """What failed when a batch's victims were inserted or its duplicates marked; the caller discards the batch's
    copy, so nothing of it lands: said in a sentence, not a traceback."""
    return EtlError(f"Penyimpanan data korban atau penandaan korban ganda antar-lembaga gagal ({type(exc).__name__}: "
                    f"{exc}); tidak ada file dari pemuatan ini ({files} file) yang disimpan. Muat ulang setelah "
                    "penyebabnya diatasi, atau laporkan pesan ini ke pengelola sistem.")


def _now() -> dt.datetime:
    return dt.datetime.now()


_LOG_COLUMNS = ("submission_id", "file_name", "started_at", "finished_at", "outcome", "message")


def _log_row(checked: Checked, started: dt.datetime, outcome: str, message: str | None) -> tuple:
    """A load_log row; the file's name as the archive rules keep it (archive.kept_file_name), in the message too."""
    return (checked.submission_id, archiving.kept_file_name(checked.file_name), started, _now(), outcome,
            archiving.kept_text(message, checked.file_name))


def _insert_log(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Insert load_log rows (_LOG_COLUMNS), a few hundred per statement, as parameters: registering an Arrow table
    (_insert_arrow) fails while an earlier query's result on the connection is not fetched to its end."""
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        con.execute(f"INSERT INTO load_log ({', '.join(_LOG_COLUMNS)}) VALUES "
                    + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk)), [value for row in chunk for value in row])
    rows.clear()


def store_parsed(con: duckdb.DuckDBPyConnection, parsed: ParsedWorkbook, submission_id: str, file_name: str,
                 file_ext: str, loaded_at: dt.datetime | None = None, *, agency_parameter: str | None = None,
                 pending: list[pa.Table] | None = None, decision: ledger.Decision | None = None
                 ) -> tuple[list[dt.date], list[str], list[str]]:
    """Write one parsed workbook inside the caller's transaction; return (months it stands for, submissions
    replaced, primary victim records deleted). Duplicates are the caller's to mark (etl.dedupe.refresh_after_load).

    ``agency_parameter`` (the --agency given, if any) is kept in ``detected`` so that rebuild replays the file
    exactly as it was loaded. With ``pending`` the victims go to that list instead (store). ``decision`` is the
    ledger's for this file, asked here when not given.
    """
    if not parsed.agency:
        raise WorkbookError(f"File {file_name}: lembaga pengirim tidak diketahui. Isi sel Lembaga (B2) atau "
                            "jalankan ulang dengan --agency KODE.")
    if parsed.shape not in ("register", "recap"):
        raise WorkbookError(f"File {file_name}: bentuk file '{parsed.shape}' tidak dikenal (harus register atau "
                            "rekap).")
    if parsed.rows_read != parsed.rows_loaded + parsed.rows_rejected:
        raise WorkbookError(f"File {file_name}: jumlah baris tidak konsisten (dibaca {parsed.rows_read}, dimuat "
                            f"{parsed.rows_loaded}, ditolak {parsed.rows_rejected}).")
    decision = decision or ledger.decide(con, parsed, submission_id, pending=pending or ())
    if not decision.months:
        raise WorkbookError(f"File {file_name}: periode laporan tidak diketahui. Isi sel periode (B3/B4 pada "
                            "register, B3 pada rekap) atau tanggal lapor.")
    con.execute(
        "INSERT INTO submissions (submission_id, agency, file_name, file_ext, shape, months, loaded_at, status, "
        "superseded_by, rows_read, rows_loaded, rows_rejected, detected) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', NULL, ?, ?, ?, ?)",
        [submission_id, parsed.agency, archiving.kept_file_name(file_name), file_ext, parsed.shape, decision.months,
         loaded_at or _now(),
         parsed.rows_read, parsed.rows_loaded, parsed.rows_rejected,
         archiving.kept_text(json.dumps({**parsed.detected, "agency_parameter": agency_parameter}, default=str,
                                        ensure_ascii=False), file_name)])
    released = ledger.supersede(con, decision, pending)
    if parsed.shape == "register":
        victims = _owned(parsed.victim_table, submission_id, parsed.agency)
        if pending is None:
            _insert_victims(con, [victims])
        elif victims.num_rows:
            pending.append(victims)
    else:
        _insert_recap(con, parsed, submission_id)
    _insert_problems(con, "rejected_rows", submission_id, _named(parsed.errors, file_name))
    _insert_problems(con, "load_warnings", submission_id, _named(parsed.warnings, file_name))
    return decision.months, [r.submission_id for r in decision.replaces], released


def insert_records(con: duckdb.DuckDBPyConnection, parsed: ParsedWorkbook, submission_id: str) -> None:
    """Insert a parsed workbook's victims or recap counts only (no superseding, no bookkeeping); undo uses it."""
    if parsed.shape == "register":
        _insert_victims(con, [_owned(parsed.victim_table, submission_id, parsed.agency)])
    else:
        _insert_recap(con, parsed, submission_id)


def _owned(victims: pa.Table, submission_id: str, agency: str) -> pa.Table:
    """A parsed victims table with its submission, agency and victim_key added, duplicate_of still NULL, in the
    shape _insert_victims takes.

    Every file's table gets the same schema, and the NOT NULLs of victim_records are checked here, so that a file
    breaking either fails on its own even when its victims are inserted later with the rest of a batch.
    """
    victims = victims.select(VICTIM_TABLE_SCHEMA.names).cast(VICTIM_TABLE_SCHEMA)
    for name in _REQUIRED_VICTIM_COLUMNS:
        if victims[name].null_count:
            raise WorkbookError(f"kolom {name} kosong pada {victims[name].null_count} baris korban")
    # one value per file: dictionary-encoded, so that a batch's waiting victims do not hold a copy per row
    index = pa.repeat(pa.scalar(0, pa.int32()), victims.num_rows)
    # the key '<submission_id[:16]>:<sheet index>:<row>' is known before the insert, so that duplicates can be
    # marked on a batch's waiting victims (etl.dedupe.refresh_after_load)
    key = pc.binary_join_element_wise(submission_id[:16], victims["sheet_index"].cast(pa.string()),
                                      victims["row"].cast(pa.string()), ":")
    return (victims.append_column("submission_id", pa.DictionaryArray.from_arrays(index, pa.array([submission_id])))
            .append_column("agency", pa.DictionaryArray.from_arrays(index, pa.array([agency])))
            .append_column("victim_key", key).append_column("duplicate_of", pa.nulls(victims.num_rows, pa.string())))


def _insert_victims(con: duckdb.DuckDBPyConnection, tables: list[pa.Table]) -> None:
    """Insert victims tables made by _owned (their duplicate_of marked or not), in one statement."""
    if not any(t.num_rows for t in tables):
        return
    con.register("_incoming", pa.concat_tables(tables))
    try:
        # case_key the agency's reference, else the victim_key
        con.execute("""
            INSERT INTO victim_records (victim_key, submission_id, agency, case_ref, case_key, report_date,
                incident_date, district_code, subdistrict_code, age, is_child, sex, violence_types,
                place_of_incident, relationship, services, notes, source_sheet, source_row, duplicate_of,
                stage, stage_date, tppo_purpose, tppo_channel, destination_kind, destination, recruited_as_child,
                repatriated, repatriated_from, perpetrators)
            SELECT victim_key, submission_id, agency, ref, coalesce(agency || ':' || ref, victim_key), report_date,
                   incident_date, district_code, subdistrict_code, age, is_child, sex, violence_types,
                   place_of_incident, relationship, services, notes, sheet, "row", duplicate_of,
                   stage, stage_date, tppo_purpose, tppo_channel, destination_kind, destination, recruited_as_child,
                   repatriated, repatriated_from, perpetrators
            FROM (SELECT *, nullif(trim(case_ref), '') AS ref FROM _incoming)
            """)
    finally:
        con.unregister("_incoming")


def _insert_recap(con: duckdb.DuckDBPyConnection, parsed: ParsedWorkbook, submission_id: str) -> None:
    cells = parsed.recap
    if not cells:
        return
    columns = {
        "submission_id": [submission_id] * len(cells),
        "agency": [parsed.agency] * len(cells),
        "month": [ledger.first_day(c.month) for c in cells],
        "district_code": [c.district_code for c in cells],
        "violence_type": [c.violence_type for c in cells],
        "sex": [c.sex for c in cells],
        "victims": [c.victims for c in cells],
        "source_sheet": [c.sheet for c in cells],
        "source_row": [c.row for c in cells],
        "source_column": [c.column for c in cells],
    }
    _insert_arrow(con, "recap_counts", pa.table(columns, schema=_RECAP_SCHEMA), _RECAP_COLUMNS)


def _insert_arrow(con: duckdb.DuckDBPyConnection, table_name: str, rows: pa.Table, column_names: tuple[str, ...]) -> None:
    """Bulk-insert an Arrow table; table and column names come only from this module's fixed lists."""
    con.register("_incoming", rows)
    try:
        con.execute(f"INSERT INTO {table_name} ({', '.join(column_names)}) "
                    f"SELECT {', '.join(column_names)} FROM _incoming")
    finally:
        con.unregister("_incoming")


def _named(problems: list[Problem], file_name: str) -> list[Problem]:
    """Problems whose messages name the file as the database keeps its name (archive.kept_text)."""
    return [p if file_name not in (p.message or "") else replace(p, message=archiving.kept_text(p.message, file_name))
            for p in problems]


def _insert_problems(con: duckdb.DuckDBPyConnection, table: str, submission_id: str,
                     problems: list[Problem]) -> None:
    if not problems:
        return
    if table not in ("rejected_rows", "load_warnings"):  # identifiers only from this allow-list
        raise ValueError(table)
    arrow = pa.table({
        "submission_id": [submission_id] * len(problems),
        "sheet": [p.sheet for p in problems],
        "row_number": pa.array([p.row for p in problems], pa.int32()),
        "column_name": [p.column for p in problems],
        "reason": [p.reason for p in problems],
        "message": [p.message for p in problems],
    })
    con.register("_incoming_problems", arrow)
    try:
        con.execute(f"INSERT INTO {table} (submission_id, sheet, row_number, column_name, reason, message) "
                    "SELECT submission_id, sheet, row_number, column_name, reason, message FROM _incoming_problems")
    finally:
        con.unregister("_incoming_problems")


def rebuild(db: str | os.PathLike | None = None, progress: Progress | None = None) -> LoadReport:
    """Replay the raw archive into a fresh database in the original load order, then swap it in atomically."""
    target = dbmod.db_path(db)
    if not target.exists():
        raise UsageError(f"Database {target} tidak ada; tidak ada yang bisa dibangun ulang.")
    database_region.verify_file(target)  # under another region's reference every row would be rejected
    with writer.exclusive(target):  # no load may land in the old file while it is being replayed
        backup = backups.snapshot(target)
        report = _rebuild(target, progress)
    report.backup = backup
    return report


def _records(con: duckdb.DuckDBPyConnection) -> int:
    """Victim records plus recap victims: what a rebuild must not lose without saying so."""
    return con.execute("SELECT (SELECT count(*) FROM victim_records) "
                       "+ (SELECT coalesce(sum(victims), 0) FROM recap_counts)").fetchone()[0]


def _rebuild(target: Path, progress: Progress | None) -> LoadReport:
    src = dbmod.connect(target, read_only=True)
    try:
        plan = src.execute("SELECT submission_id, file_ext, file_name, json_extract_string(detected, "
                           "'$.agency_parameter') FROM submissions "
                           "WHERE status <> 'undone' ORDER BY loaded_at, submission_id").fetchall()
        meta = src.execute("SELECT key, value FROM meta").fetchall()
        raw = dbmod.data_dir(target) / RAW_DIR
        archiving.redact_originals(src, raw)  # what an older version archived: redacted before the replay
        records_before = _records(src)
    finally:
        src.close()
    missing = [p.name for p in (archiving.copy_path(raw, sid) for sid, *_ in plan) if not p.is_file()]
    if missing:
        raise EtlError(f"Arsip {raw} tidak lengkap: {len(missing)} file hilang (mis. {missing[0]}). "
                       "Database lama dibiarkan apa adanya.")

    fresh = writer.work_file(target, "rebuild")  # created 0600: the lock holder's umask (etl.writer)
    con = dbmod.connect(fresh)
    try:
        try:
            items = [(archiving.copy_path(raw, sid), agency, name) for sid, _ext, name, agency in plan]
            report = load_batch(con, items, progress, stop_on_failure=True, replace_partial=True)  # confirmed once
        except EtlError as exc:
            raise EtlError(f"Membangun ulang gagal. {exc}. Database lama dibiarkan apa adanya.") from exc
        if meta:
            con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta)
        con.execute("CHECKPOINT")
        report.records_before, report.records_after = records_before, _records(con)
    except BaseException:
        con.close()
        fresh.unlink(missing_ok=True)
        fresh.with_name(fresh.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    # a stale write-ahead log of the old file would be replayed onto the new one
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(fresh, target)
    return report
