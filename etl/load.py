"""Loading parsed workbooks into DuckDB: one transaction per file, keyed by the sha256 of its bytes.

Statuses of a file: ``loaded`` (new), ``unchanged`` (same bytes seen before: nothing added), ``replaced`` (a new
file of the same agency and shape covering some months already loaded: that agency's records for those months are
replaced), ``failed`` (nothing changed; the reason is in the load log).

A submission's status in the ``submissions`` table: ``active`` while it stands for at least one of its months;
``superseded`` once every one of its months is covered by later submissions of the same agency and shape. A
submission replaced only for some months stays ``active`` with ``superseded_by`` naming the newest file that
replaced part of it; the months it still stands for are its ``months`` minus those of later submissions.
A register and a recap of the same agency never replace each other (the views let the register win).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from etl import db as dbmod
from etl import backups, database_region, dedupe, vocab, workers, writer
from etl.model import VICTIM_TABLE_SCHEMA, EtlError, ParsedWorkbook, Problem, UsageError, WorkbookError
from etl.read import MAX_FILE_BYTES

WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
RAW_DIR = "raw"

# A batch inserts its files' victims together once this many are waiting (load_batch): ~150 bytes each in memory,
# and one insert of a million took 0.5-1 s less CPU than two of half a million (250-file benchmark).
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


@dataclass
class FileResult:
    """What happened to one file; ``as_dict`` is its entry in the --json summary."""

    path: Path
    status: str                                  # loaded | unchanged | replaced | failed
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
    message: str | None = None                          # why the file failed
    released: list[str] = field(default_factory=list)   # primary records it deleted (duplicates to look at again)

    @property
    def period(self) -> list[str] | None:
        if not self.months:
            return None
        return [self.months[0].strftime("%Y-%m"), self.months[-1].strftime("%Y-%m")]

    def as_dict(self) -> dict:
        errors = [e.as_dict() for e in self.errors]
        if self.status == "failed" and self.message:
            errors.insert(0, {"sheet": None, "row": None, "column": None, "message": self.message})
        return {
            "path": str(self.path), "status": self.status, "agency": self.agency, "period": self.period,
            "shape": self.shape, "rows_read": self.rows_read, "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected, "errors": errors, "warnings": [w.as_dict() for w in self.warnings],
        }


@dataclass
class LoadReport:
    """The outcome of a batch of files."""

    files: list[FileResult] = field(default_factory=list)
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
        return any(f.status == "failed" for f in self.files)

    def as_dict(self) -> dict:
        return {"files": [f.as_dict() for f in self.files], "rows_loaded": self.rows_loaded,
                "rows_rejected": self.rows_rejected}


@dataclass
class Ledger:
    """What a batch keeps of the submissions table, so that storing a file takes fewer statements (load_batch).

    ``known``: submission_id -> (agency, shape, months, status) of the batch's files already stored, before the
    batch or by it. ``covered``: (agency, shape) -> every month an active submission covers, or more (months are
    added, never taken out): a file whose months are not among them replaces nothing, so its superseding needs no
    query. ``log``: load_log rows, inserted together at the end of the batch (write_log); a batch that fails is
    discarded whole, its log with it. Changes are made only once a file's transaction has committed (stored).
    """

    known: dict[str, tuple[str, str, list[dt.date], str]]
    covered: dict[tuple[str, str], set[dt.date]]
    log: list[tuple] = field(default_factory=list)

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, submission_ids: Iterable[str]) -> "Ledger":
        known = {row[0]: row[1:] for row in con.execute(
            "SELECT submission_id, agency, shape, months, status FROM submissions "
            "WHERE list_contains(?::VARCHAR[], submission_id)", [sorted(set(submission_ids))]).fetchall()}
        covered: dict[tuple[str, str], set[dt.date]] = {}
        for agency, shape, months in con.execute(
                "SELECT agency, shape, flatten(list(months)) FROM submissions WHERE status = 'active' "
                "GROUP BY ALL").fetchall():
            covered[(agency, shape)] = set(months)
        return cls(known, covered)

    def loaded(self, submission_id: str | None) -> bool:
        """Whether these bytes are stored and not undone: a file of them is unchanged."""
        known = self.known.get(submission_id)
        return known is not None and known[3] != "undone"

    def stored(self, submission_id: str, agency: str, shape: str, months: list[dt.date]) -> None:
        self.known[submission_id] = (agency, shape, months, "active")
        self.covered.setdefault((agency, shape), set()).update(months)

    def write_log(self, con: duckdb.DuckDBPyConnection) -> None:
        _insert_log(con, self.log)
        self.log.clear()


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
    """The agency code in upper case, or UsageError when it is not in agencies.csv."""
    if agency is None:
        return None
    code = agency.strip().upper()
    if code not in vocab.agency_codes():
        raise UsageError(f"Kode lembaga '{agency}' tidak dikenal. Pilihan: {', '.join(vocab.agency_codes())} "
                         "(tambahkan lembaga baru di data/reference/agencies.csv).")
    return code


def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind a connection, or None for an in-memory database."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def archive_dir(con: duckdb.DuckDBPyConnection) -> Path | None:
    """<db folder>/raw, where the bytes of every committed file are kept (the source of truth for rebuild)."""
    db_file = database_file(con)
    return dbmod.data_dir(db_file) / RAW_DIR if db_file else None


def load_files(paths: Iterable[str | os.PathLike], agency: str | None = None, db: str | os.PathLike | None = None,
               progress: Callable[[int, int, FileResult], None] | None = None) -> LoadReport:
    """Load files and folders into the database, one transaction per file; a failing file stops nothing else."""
    agency = check_agency(agency)
    files = workbook_files(paths)
    # a private copy swapped in at the end (etl.writer): viewers never block the load nor see half of it
    with writer.writing(db) as con:
        return load_batch(con, [(path, agency, path.name) for path in files], progress)


def load_batch(con: duckdb.DuckDBPyConnection, items: list[tuple[Path, str | None, str]],
               progress: Callable[[int, int, FileResult], None] | None = None, *,
               stop_on_failure: bool = False) -> LoadReport:
    """Load (path, --agency or None, file name) items in order, each in its own transaction, then mark the
    batch's cross-agency duplicates in one more transaction.

    Files are parsed ahead in worker processes (etl.workers) while earlier ones are stored. Duplicates are marked
    once per batch because at volume that is far cheaper than after every file; readers never see the state in
    between, since a batch runs on a private copy that is swapped in only when it ends (etl.writer). If marking
    fails, the exception ends the batch and the copy is discarded: nothing of the batch lands.

    The files' victims are kept in memory (``pending``) and inserted together, after the last file or whenever
    PENDING_VICTIMS are waiting (_insert_pending): large inserts are written straight to the database file,
    compressed once, where a transaction per file would write every row to the write-ahead log and the final
    checkpoint would then compress the whole table again (at a million rows: ~2.2 s instead of ~6.4 s of CPU).
    Each file's own transaction still decides whether its victims are kept, so a failing file leaves nothing.
    """
    report = LoadReport()
    hashes = [_sha256_of(path) for path, _agency, _name in items]
    ledger = Ledger.read(con, filter(None, hashes))
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    # one file's statements are small: DuckDB's own threads would only compete with the parse workers for cores
    con.execute("SET threads = 1")
    pending: list[pa.Table] = []
    archive = archive_dir(con)
    try:
        with workers.Prefetch([item for item, sha in zip(items, hashes)
                               if not ledger.loaded(sha)]) as prefetch:
            for i, (path, agency, name) in enumerate(items, start=1):
                result = load_file(con, path, agency, file_name=name, parse=prefetch.parsed, mark_duplicates=False,
                                   pending=pending, archive=archive, ledger=ledger)
                report.files.append(result)
                if progress:
                    progress(i, len(items), result)
                if stop_on_failure and result.status == "failed":
                    raise EtlError(f"Pemuatan berhenti pada {name}: {result.message}")
                if sum(t.num_rows for t in pending) >= PENDING_VICTIMS:  # bounds the memory a batch holds
                    _insert_pending(con, pending, len(items))
        _insert_pending(con, pending, len(items))
        ledger.write_log(con)
    finally:
        con.execute(f"SET threads = {int(threads)}")
    stored = [f for f in report.files if f.status in ("loaded", "replaced") and f.shape == "register"]
    if stored:
        try:
            with dbmod.transaction(con):
                dedupe.refresh_after_load(con, [f.submission_id for f in stored],
                                          [k for f in stored for k in f.released])
        except Exception as exc:
            raise _batch_failed(exc, len(items)) from exc
    return report


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
    except Exception as exc:
        raise _batch_failed(exc, files) from exc
    pending.clear()


def _batch_failed(exc: Exception, files: int) -> EtlError:
    """What failed when a batch's victims were inserted or its duplicates marked; the caller discards the batch's
    copy, so nothing of it lands: said in a sentence, not a traceback."""
    return EtlError(f"Penyimpanan data korban atau penandaan korban ganda antar-lembaga gagal ({type(exc).__name__}: "
                    f"{exc}); tidak ada file dari pemuatan ini ({files} file) yang disimpan. Muat ulang setelah "
                    "penyebabnya diatasi, atau laporkan pesan ini ke pengelola sistem.")


def _sha256_of(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _now() -> dt.datetime:
    return dt.datetime.now()


_LOG_COLUMNS = ("submission_id", "file_name", "started_at", "finished_at", "outcome", "message")


def _log(con: duckdb.DuckDBPyConnection, ledger: Ledger | None, submission_id: str | None, file_name: str,
         started: dt.datetime, outcome: str, message: str | None) -> None:
    row = (submission_id, file_name, started, _now(), outcome, message)
    if ledger is not None:
        ledger.log.append(row)
    else:
        _insert_log(con, [row])


def _insert_log(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Insert load_log rows (_LOG_COLUMNS), a few hundred per statement, as parameters: registering an Arrow table
    (_insert_arrow) fails while an earlier query's result on the connection is not fetched to its end."""
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        con.execute(f"INSERT INTO load_log ({', '.join(_LOG_COLUMNS)}) VALUES "
                    + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk)), [value for row in chunk for value in row])


def _failed(con, ledger: Ledger | None, path: Path, file_name: str, submission_id: str | None,
            started: dt.datetime, message: str, agency: str | None) -> FileResult:
    _log(con, ledger, submission_id, file_name, started, "failed", message)
    return FileResult(path=path, status="failed", submission_id=submission_id, agency=agency, message=message)


def load_file(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, agency: str | None = None, *,
              file_name: str | None = None, parse: Callable[[Path, str | None, str], ParsedWorkbook] | None = None,
              mark_duplicates: bool = True, pending: list[pa.Table] | None = None,
              archive: Path | None = None, ledger: Ledger | None = None) -> FileResult:
    """Load one workbook in one transaction: whole, or not at all (a failure is logged and changes nothing else).

    ``parse`` (path, agency, file name) -> ParsedWorkbook, raising EtlError, defaults to parsing here
    (etl.workers.parse_file). Without ``mark_duplicates`` the caller marks duplicates later (load_batch). With
    ``pending`` (load_batch) the victims are not inserted but kept in that list for the caller to insert
    (_insert_victims), and records of earlier files of the batch that this one replaces are taken out of it; the
    list changes only when the file's transaction commits. ``archive`` is the connection's archive_dir, found
    here when not given (a batch finds it once). With a ``ledger`` (load_batch) the file's submission is looked up
    there, its superseding skips the query when the ledger shows nothing to replace, and its log entry waits there.
    """
    if pending is not None and mark_duplicates:  # they can only be marked once inserted: the caller's to do
        raise ValueError("pending victims need mark_duplicates=False")
    path = Path(path)
    file_name = file_name or path.name
    started = _now()
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # refuse before reading a hostile file into memory
            return _failed(con, ledger, path, file_name, None, started,
                           f"File '{file_name}' terlalu besar ({path.stat().st_size // (1024 * 1024)} MB; batas "
                           f"{MAX_FILE_BYTES // (1024 * 1024)} MB). Pecah menjadi beberapa file per bulan.", agency)
        data = path.read_bytes()
    except OSError as exc:
        return _failed(con, ledger, path, file_name, None, started,
                       f"File {file_name} tidak dapat dibaca ({exc.strerror or exc}). Periksa izin akses file.", agency)
    submission_id = hashlib.sha256(data).hexdigest()

    known = (ledger.known.get(submission_id) if ledger is not None else
             con.execute("SELECT agency, shape, months, status FROM submissions WHERE submission_id = ?",
                         [submission_id]).fetchone())
    if known and known[3] != "undone":  # these bytes are loaded
        _log(con, ledger, submission_id, file_name, started, "unchanged", "isi file sama dengan yang sudah dimuat")
        return FileResult(path=path, status="unchanged", submission_id=submission_id, agency=known[0],
                          shape=known[1], months=sorted(known[2]))

    try:
        parsed = (parse or workers.parse_file)(path, agency, file_name)
    except EtlError as exc:
        return _failed(con, ledger, path, file_name, submission_id, started, str(exc), agency)

    target_dir = archive if archive is not None else archive_dir(con)
    archiving: Path | None = None
    kept = None if pending is None else list(pending)
    try:
        if target_dir is not None:
            archiving = _stage_archive(target_dir, data)
        with dbmod.transaction(con):
            if known:  # the same bytes were loaded once and undone: load them afresh
                for table in ("rejected_rows", "load_warnings", "submissions"):
                    con.execute(f"DELETE FROM {table} WHERE submission_id = ?", [submission_id])  # fixed names
            months, replaced, released = store_parsed(con, parsed, submission_id, file_name, path.suffix.lower(),
                                                      started, agency_parameter=agency, pending=kept,
                                                      covered=None if ledger is None else ledger.covered)
            if mark_duplicates and parsed.shape == "register":
                dedupe.refresh_after_load(con, [submission_id], released)
            status = "replaced" if replaced else "loaded"
            note = f"menggantikan {', '.join(s[:12] for s in replaced)}" if replaced else None
            if ledger is None:  # a ledger takes the entry once the transaction has committed (below)
                _log(con, None, submission_id, file_name, started, status, note)
    except Exception as exc:
        if archiving is not None:
            archiving.unlink(missing_ok=True)
        message = str(exc) if isinstance(exc, EtlError) else (
            f"File {file_name} gagal disimpan ke database ({type(exc).__name__}: {exc}); tidak ada data yang "
            "berubah. Laporkan pesan ini ke pengelola sistem.")
        return _failed(con, ledger, path, file_name, submission_id, started, message, parsed.agency or agency)
    if pending is not None:
        pending[:] = kept
    if ledger is not None:
        ledger.stored(submission_id, parsed.agency, parsed.shape, months)
        _log(con, ledger, submission_id, file_name, started, status, note)
    if archiving is not None:
        os.replace(archiving, target_dir / f"{submission_id}{path.suffix.lower()}")
    return FileResult(path=path, status=status, submission_id=submission_id, agency=parsed.agency,
                      shape=parsed.shape, months=months, rows_read=parsed.rows_read,
                      rows_loaded=parsed.rows_loaded, rows_rejected=parsed.rows_rejected, errors=list(parsed.errors),
                      warnings=list(parsed.warnings), detected=dict(parsed.detected), replaced=replaced,
                      released=[] if mark_duplicates else released)


def _stage_archive(target_dir: Path, data: bytes) -> Path:
    """Write the bytes to a private temporary file beside the archive; renamed into place after the commit."""
    target_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(target_dir, 0o700)
    fd, name = tempfile.mkstemp(dir=target_dir, prefix=".pending-")  # mkstemp creates it 0600
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return Path(name)


def _month(d: dt.date) -> dt.date:
    return d.replace(day=1)


def store_parsed(con: duckdb.DuckDBPyConnection, parsed: ParsedWorkbook, submission_id: str, file_name: str,
                 file_ext: str, loaded_at: dt.datetime | None = None, *, agency_parameter: str | None = None,
                 pending: list[pa.Table] | None = None, covered: dict[tuple[str, str], set[dt.date]] | None = None
                 ) -> tuple[list[dt.date], list[str], list[str]]:
    """Write one parsed workbook inside the caller's transaction; return (months covered, submissions replaced,
    primary victim records deleted). Duplicates are the caller's to mark (etl.dedupe.refresh_after_load).

    ``agency_parameter`` (the --agency given, if any) is kept in ``detected`` so that rebuild replays the file
    exactly as it was loaded. With ``pending`` the victims go to that list instead (load_file). ``covered`` is a
    Ledger's: with none of the months there, nothing is superseded and no query asks.
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
    loaded_at = loaded_at or _now()
    agency = parsed.agency
    record_months = parsed.record_months
    # rows dated outside the declared period still replace that agency's records for their month,
    # otherwise a resubmission could count them twice
    months = sorted({_month(m) for m in parsed.months} | record_months)
    if not months:
        raise WorkbookError(f"File {file_name}: periode laporan tidak diketahui. Isi sel periode (B3/B4 pada "
                            "register, B3 pada rekap) atau tanggal lapor.")

    if covered is not None and covered.get((agency, parsed.shape), set()).isdisjoint(months):
        replaced, released = [], []
    else:
        replaced, released = _supersede(con, agency, parsed.shape, months, submission_id, pending)

    con.execute(
        "INSERT INTO submissions (submission_id, agency, file_name, file_ext, shape, months, loaded_at, status, "
        "superseded_by, rows_read, rows_loaded, rows_rejected, detected) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', NULL, ?, ?, ?, ?)",
        [submission_id, agency, file_name, file_ext, parsed.shape, months, loaded_at, parsed.rows_read,
         parsed.rows_loaded, parsed.rows_rejected,
         json.dumps({**parsed.detected, "agency_parameter": agency_parameter}, default=str, ensure_ascii=False)])

    if parsed.shape == "register":
        victims = _owned(parsed.victim_table, submission_id, agency)
        if pending is None:
            _insert_victims(con, [victims])
        elif victims.num_rows:
            pending.append(victims)
    else:
        _insert_recap(con, parsed, submission_id)
    _insert_problems(con, "rejected_rows", submission_id, parsed.errors)
    _insert_problems(con, "load_warnings", submission_id, parsed.warnings)
    return months, replaced, released


def _last_day(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _supersede(con: duckdb.DuckDBPyConnection, agency: str, shape: str, months: list[dt.date],
               new_id: str, pending: list[pa.Table] | None = None) -> tuple[list[str], list[str]]:
    """Delete this agency's records of the same shape for these months and mark the submissions they came from;
    records still ``pending`` (earlier files of the batch) are taken out of that list.

    Returns (submissions replaced, deleted victim records that were primaries: their duplicates need a new look).
    Pending records are not among them: no record can point at one before the batch marks its duplicates.
    """
    released: list[str] = []
    older = con.execute(
        "SELECT submission_id, months, loaded_at FROM submissions "
        "WHERE agency = ? AND shape = ? AND status = 'active' AND list_has_any(months, ?::DATE[]) "
        "ORDER BY loaded_at, submission_id", [agency, shape, months]).fetchall()
    # every stored record belongs to an active submission covering its month: none of those, nothing to delete
    if older and shape == "register":
        deleted = con.execute(
            "DELETE FROM victim_records WHERE agency = ? AND report_date BETWEEN ? AND ? "
            "AND list_contains(?::DATE[], CAST(date_trunc('month', report_date) AS DATE)) "
            "RETURNING victim_key, duplicate_of", [agency, months[0], _last_day(months[-1]), months]).fetchall()
        released = [key for key, primary in deleted if primary is None]
        if pending:
            pending[:] = [t for t in (_without_months(t, agency, months) for t in pending) if t.num_rows]
    elif older:
        con.execute("DELETE FROM recap_counts WHERE agency = ? AND list_contains(?::DATE[], month)",
                    [agency, months])
    replaced = []
    for old_id, old_months, old_loaded_at in older:
        later = con.execute(
            "SELECT DISTINCT unnest(months) FROM submissions WHERE agency = ? AND shape = ? AND status <> 'undone' "
            "AND loaded_at > ? AND submission_id <> ?", [agency, shape, old_loaded_at, old_id]).fetchall()
        remaining = set(old_months) - set(months) - {r[0] for r in later}
        con.execute("UPDATE submissions SET superseded_by = ?, status = ? WHERE submission_id = ?",
                    [new_id, "active" if remaining else "superseded", old_id])
        replaced.append(old_id)
    return replaced, released


def _without_months(victims: pa.Table, agency: str, months: list[dt.date]) -> pa.Table:
    """A table made by _owned without the agency's records reported in these months (first days)."""
    month = pc.floor_temporal(victims["report_date"], unit="month")
    replaced = pc.and_(pc.equal(victims["agency"], agency), pc.is_in(month, pa.array(months, pa.date32())))
    return victims.filter(pc.invert(replaced))


def insert_records(con: duckdb.DuckDBPyConnection, parsed: ParsedWorkbook, submission_id: str) -> None:
    """Insert a parsed workbook's victims or recap counts only (no superseding, no bookkeeping); undo uses it."""
    if parsed.shape == "register":
        _insert_victims(con, [_owned(parsed.victim_table, submission_id, parsed.agency)])
    else:
        _insert_recap(con, parsed, submission_id)


def _owned(victims: pa.Table, submission_id: str, agency: str) -> pa.Table:
    """A parsed victims table with its submission and agency added, in the shape _insert_victims takes.

    Every file's table gets the same schema, and the NOT NULLs of victim_records are checked here, so that a file
    breaking either fails on its own even when its victims are inserted later with the rest of a batch.
    """
    victims = victims.select(VICTIM_TABLE_SCHEMA.names).cast(VICTIM_TABLE_SCHEMA)
    for name in _REQUIRED_VICTIM_COLUMNS:
        if victims[name].null_count:
            raise ValueError(f"kolom {name} kosong pada {victims[name].null_count} baris korban")
    # one value per file: dictionary-encoded, so that a batch's waiting victims do not hold a copy per row
    index = pa.repeat(pa.scalar(0, pa.int32()), victims.num_rows)
    return (victims.append_column("submission_id", pa.DictionaryArray.from_arrays(index, pa.array([submission_id])))
            .append_column("agency", pa.DictionaryArray.from_arrays(index, pa.array([agency]))))


def _insert_victims(con: duckdb.DuckDBPyConnection, tables: list[pa.Table]) -> None:
    """Insert victims tables made by _owned, in one statement."""
    if not any(t.num_rows for t in tables):
        return
    con.register("_incoming", pa.concat_tables(tables))
    try:
        # victim_key '<submission_id[:16]>:<sheet index>:<row>'; case_key the agency's reference, else the key
        con.execute("""
            INSERT INTO victim_records (victim_key, submission_id, agency, case_ref, case_key, report_date,
                incident_date, district_code, subdistrict_code, age, is_child, sex, violence_types,
                place_of_incident, relationship, services, notes, source_sheet, source_row, duplicate_of)
            SELECT key, submission_id, agency, ref, coalesce(agency || ':' || ref, key), report_date,
                   incident_date, district_code, subdistrict_code, age, is_child, sex, violence_types,
                   place_of_incident, relationship, services, notes, sheet, "row", NULL
            FROM (SELECT *, left(submission_id, 16) || ':' || sheet_index || ':' || "row" AS key,
                         nullif(trim(case_ref), '') AS ref
                  FROM _incoming)
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
        "month": [_month(c.month) for c in cells],
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


def rebuild(db: str | os.PathLike | None = None, progress: Callable[[int, int, FileResult], None] | None = None
            ) -> LoadReport:
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


def _rebuild(target: Path, progress: Callable[[int, int, FileResult], None] | None) -> LoadReport:
    src = dbmod.connect(target, read_only=True)
    try:
        plan = src.execute("SELECT submission_id, file_ext, file_name, json_extract_string(detected, "
                           "'$.agency_parameter') FROM submissions "
                           "WHERE status <> 'undone' ORDER BY loaded_at, submission_id").fetchall()
        meta = src.execute("SELECT key, value FROM meta").fetchall()
        records_before = _records(src)
    finally:
        src.close()
    raw = dbmod.data_dir(target) / RAW_DIR
    missing = [f"{sid}{ext}" for sid, ext, _name, _agency in plan if not (raw / f"{sid}{ext}").is_file()]
    if missing:
        raise EtlError(f"Arsip {raw} tidak lengkap: {len(missing)} file hilang (mis. {missing[0]}). "
                       "Database lama dibiarkan apa adanya.")

    fresh = target.with_name(f"{target.name}.rebuild-{os.getpid()}")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = dbmod.connect(fresh)
    try:
        try:
            report = load_batch(con, [(raw / f"{sid}{ext}", agency, name) for sid, ext, name, agency in plan],
                                progress, stop_on_failure=True)
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
