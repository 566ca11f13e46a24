"""Short-lived read-only connections to the DuckDB file, so a viewer never blocks a load.

A new DuckDB instance costs ~30 ms to make and close, so the process keeps one in-memory instance
(``_instance``); a read attaches the file to it (read-only, a few milliseconds) and takes a cursor, a connection of
its own. Reads of the same file version share the attachment, which is detached when the last of them ends; the
version whose in-memory copies (below) are made stays attached as long as they are, so a page run reading it takes a
cursor without attaching the file again. Inside ``one_connection_per_run()`` (entered by dashboard.py around the
page) every ``read_only()`` gets the same cursor, opened on the run's first cache miss and closed when the run ends.
Loads swap in a new file (etl.writer), which the next read attaches under a new name, so a reader never blocks a
load and a load never shows half its rows.

The dashboard's queries (app/cached.py, through ``reading()``) read the views named in ``COPIED_VIEWS`` from
in-memory copies of their rows for the file version they read (``_Copies``): planning the views' joins and lookups
at every query was most of a page's query time. The copies of a version are made once, in a background thread, on
the first read of that version (until they are ready the queries read the views, so nobody waits for them), and are
dropped when a newer version has been read and their last reader has ended.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb

from etl import db as etl_db

log = logging.getLogger("ppa.dashboard")


class DatabaseMissing(Exception):
    """The database file does not exist yet (nothing has been loaded)."""


class DatabaseBusy(Exception):
    """The database stayed locked by a load for longer than a viewer should wait."""


def database_file() -> Path:
    """The file the dashboard reads: ``PPA_DB`` or data/ppa.duckdb."""
    return etl_db.db_path()


def database_version(path: Path | None = None) -> str:
    """A token that changes whenever the file (or its write-ahead log) changes; part of every cache key."""
    path = path or database_file()
    parts = []
    for candidate in (path, Path(f"{path}.wal")):
        try:
            stat = candidate.stat()
            # the inode too: a load swaps in a new file (etl.writer), which could match the old one's mtime and size
            parts.append(f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}")
        except FileNotFoundError:
            parts.append("-")
    return f"{path}|{'|'.join(parts)}"


_counter_lock = threading.Lock()
_opened = 0
_open_now = 0

# DuckDB threads of the instance. The dashboard's queries read two or three row groups each and their cost is
# mostly planning; a second thread only adds scheduling (docs/performance.md, "Page queries at a million rows").
READER_THREADS = 1


def connections_opened() -> int:
    """How many read-only connections (cursors) this process has opened so far (a page run opens at most one)."""
    return _opened


def connections_open() -> int:
    """How many of them are open right now (none once a page run has ended)."""
    return _open_now


@dataclass
class _Handle:
    """One version of a database file attached to the process's instance, and how many cursors read it."""

    key: tuple[Path, str]
    alias: str
    users: int = 0


_handle_lock = threading.Lock()
_instance: duckdb.DuckDBPyConnection | None = None  # in-memory; files are attached to it while they are read
_handles: dict[tuple[Path, str], _Handle] = {}
_aliases = 0


def _take_cursor(path: Path, version: str, wait_seconds: float,
                 counted: bool = True) -> tuple[_Handle, duckdb.DuckDBPyConnection]:
    """A cursor reading ``path`` at ``version`` (attached now unless another read of that version has it); not
    ``counted`` in connections_opened/connections_open (the copies' builder, which no page run waits for)."""
    global _aliases, _opened, _open_now
    with _handle_lock:
        _start_instance()
        handle = _handles.get((path, version))
        if handle is None:
            _aliases += 1
            handle = _Handle((path, version), f"ppa_{_aliases}")
            _attach(_instance, path, handle.alias, wait_seconds)
            _handles[handle.key] = handle
        cursor = _instance.cursor()  # under the lock: the instance's connection is shared by every thread
        handle.users += 1
    try:
        cursor.execute(f"USE {handle.alias}")  # an alias this module made, never input
    except BaseException:
        cursor.close()
        _release(handle)
        raise
    if counted:
        with _counter_lock:
            _opened += 1
            _open_now += 1
    return handle, cursor


def _start_instance() -> None:
    """The process's in-memory instance, made on first use (call under _handle_lock)."""
    global _instance
    if _instance is None:
        _instance = duckdb.connect(":memory:")
        _instance.execute(f"SET threads = {int(READER_THREADS)}")


def _attach(instance: duckdb.DuckDBPyConnection, path: Path, alias: str, wait_seconds: float) -> None:
    if not path.exists():
        raise DatabaseMissing(
            f"Database belum ada di {path}. Muat data dengan `python -m etl load FILE` "
            "atau buat data contoh dengan `python -m etl demo`."
        )
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            etl_db.attach_read_only(instance, path, alias)
            return
        except duckdb.IOException as exc:  # a loader holds the write lock; it finishes within seconds
            if time.monotonic() > deadline:
                raise DatabaseBusy(
                    "Database sedang diperbarui oleh proses pemuatan data. Muat ulang halaman ini sebentar lagi."
                ) from exc
            time.sleep(0.2)


def _release(handle: _Handle) -> None:
    with _handle_lock:
        _release_locked(handle)


def _release_locked(handle: _Handle) -> None:
    handle.users -= 1
    if handle.users == 0:
        del _handles[handle.key]
        _instance.execute(f"DETACH {handle.alias}")


def _close_cursor(handle: _Handle, cursor: duckdb.DuckDBPyConnection, counted: bool = True) -> None:
    global _open_now
    try:
        cursor.close()
    finally:
        _release(handle)
        if counted:
            with _counter_lock:
                _open_now -= 1


@dataclass
class _RunConnection:
    """The cursor shared by one script run, and the file version it was opened at."""

    path: Path | None = None
    version: str | None = None
    con: duckdb.DuckDBPyConnection | None = None
    handle: _Handle | None = None
    retired: list[tuple[_Handle, duckdb.DuckDBPyConnection]] = field(default_factory=list)
    results: dict = field(default_factory=dict)  # app/cached.py's frames read more than once in this run

    def replace(self, path: Path, version: str, handle: _Handle, con: duckdb.DuckDBPyConnection) -> None:
        # an older cursor may still be in use by an enclosing block, so it is closed with the rest at the end
        if self.con is not None:
            self.retired.append((self.handle, self.con))
        self.path, self.version, self.handle, self.con = path, version, handle, con

    def close(self) -> None:
        for handle, con in [*self.retired, *([(self.handle, self.con)] if self.con is not None else [])]:
            _close_cursor(handle, con)
        self.path, self.version, self.handle, self.con, self.retired = None, None, None, None, []
        self.results = {}


# Per thread of execution: Streamlit runs each session's script in its own thread, and cached functions run in it.
_run_connection: ContextVar[_RunConnection | None] = ContextVar("ppa_run_connection", default=None)


def run_results() -> dict | None:
    """A dict that lives as long as the current ``one_connection_per_run`` block (None outside one)."""
    shared = _run_connection.get()
    return None if shared is None else shared.results


@contextmanager
def one_connection_per_run() -> Iterator[None]:
    """Within the block, ``read_only()`` shares one connection, opened on first use and closed when the block ends."""
    shared = _RunConnection()
    token = _run_connection.set(shared)
    try:
        yield
    finally:
        _run_connection.reset(token)
        shared.close()


@contextmanager
def read_only(path: Path | None = None, wait_seconds: float = 5.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, closed straight after (or the run's shared one); waits briefly while a load runs."""
    with _reading(path, wait_seconds) as (con, _path, _version):
        yield con


@contextmanager
def reading(path: Path | None = None, wait_seconds: float = 5.0) -> Iterator[tuple[duckdb.DuckDBPyConnection,
                                                                                  dict[str, str]]]:
    """``read_only()``'s connection and the in-memory copies of ``COPIED_VIEWS`` for the same file version, as
    {view: relation} (queries.reading_copies), or {} while they are being made (the first read of a version starts
    making them, in the background). The copies stay while the block runs."""
    with _reading(path, wait_seconds) as (con, path, version):
        copies = _ready_copies(path, version)
        try:
            yield con, dict(copies.relations) if copies is not None else {}
        finally:
            if copies is not None:
                _leave_copies(copies)


@contextmanager
def _reading(path: Path | None, wait_seconds: float) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path, str]]:
    path = Path(path or database_file())
    shared = _run_connection.get()
    # the version is read before opening, so the data read are never older than the version they are cached under
    version = database_version(path)
    if shared is None:
        handle, con = _take_cursor(path, version, wait_seconds)
        try:
            yield con, path, version
        finally:
            _close_cursor(handle, con)
        return
    if shared.con is None or shared.path != path or shared.version != version:
        # first use, another file, or a load swapped in a new file during this run (the upload and undo pages)
        shared.replace(path, version, *_take_cursor(path, version, wait_seconds))
    yield shared.con, path, version


# The views the dashboard's queries read from in-memory copies (``reading()``), each with the order its copy keeps
# the rows in (None: the view's). A copy is the view's rows, every column (CREATE TABLE AS SELECT *), and no query
# depends on the order of the rows it reads (each orders what it returns), so every figure is the same.
# `victims` is kept by year, then kecamatan, then date: a kecamatan's rows of a period lie together, and a page with a
# kecamatan chosen scans and groups ~10 ms less (Tren 0.118 -> 0.105 s at a million); a year's rows still lie
# together for the whole city's periods (docs/performance.md, "Session 21").
# At a million victim rows the copies take ~280 MB and ~2 s CPU to make (sorting `victims` needs ~300 MB more for a
# moment; "rerun17"). `case_stage_events` (the Gugus Tugas funnels; the demo has a stage on half its records, ~100
# bytes an event) would add ~50 MB there. `perpetrators` is not copied: 130 MB more for ~5 ms on two pages.
COPIED_VIEWS = {"victims": "year(report_date), district_code, report_date", "tppo_victims": None,
                "case_stage_events": None}


@dataclass
class _Copies:
    """In-memory copies of COPIED_VIEWS for one version of a file: an attached in-memory database ``alias``."""

    key: tuple[Path, str]
    alias: str
    relations: dict[str, str] = field(default_factory=dict)  # filled when every copy is made
    done: bool = False  # made, or given up (then relations stay empty and the queries read the views)
    stale: bool = False  # a newer version of the file has been read: dropped after its last reader
    users: int = 0
    attached: bool = False  # the in-memory database exists
    dropped: bool = False
    thread: threading.Thread | None = None
    failure: str | None = None  # why they could not be made (logged; the queries read the views)
    # the file version's attachment, held while the copies are in use: a page run's reads then take a cursor on it
    # instead of attaching the file again (~5 ms a run with its region check)
    handle: _Handle | None = None


# The copies of the newest file version read (being made, made, or failed): the dashboard reads one file, so the
# copies of any other file or version are retired when a read of the file now on disk starts new ones.
_current: _Copies | None = None


def _ready_copies(path: Path, version: str) -> _Copies | None:
    """The copies of ``path`` at ``version`` if they are made (counted as in use), else None. The first read of the
    version now on disk starts making them and retires the copies held before; a read of an older version (a run
    that began before a load) gets none and changes nothing."""
    global _aliases, _current
    with _handle_lock:
        copies = _current
        if copies is not None and copies.key == (path, version):
            if not copies.relations:
                return None
            copies.users += 1
            return copies
        if database_version(path) != version:
            return None
        if copies is not None:
            copies.stale = True
            _drop_if_unused(copies)
        _start_instance()
        _aliases += 1
        _current = copies = _Copies((path, version), f"copies_{_aliases}")
        copies.thread = threading.Thread(target=_make_copies, args=(copies,), name=f"ppa-{copies.alias}", daemon=True)
        copies.thread.start()
        return None


def _make_copies(copies: _Copies) -> None:
    """Fill an in-memory database with the rows of every COPIED_VIEWS of the file version (in a background thread)."""
    path, version = copies.key
    made = False
    try:
        handle, cursor = _take_cursor(path, version, wait_seconds=5.0, counted=False)
    except (DatabaseMissing, DatabaseBusy, duckdb.Error) as exc:
        handle = cursor = None
        copies.failure = f"{type(exc).__name__}: {exc}"
    if cursor is not None:
        try:
            cursor.execute(f"ATTACH ':memory:' AS {copies.alias}")  # a name this module made, never input
            copies.attached = True
            for view, order in COPIED_VIEWS.items():  # fixed names and orders, never input
                cursor.execute(f"CREATE TABLE {copies.alias}.{view} AS SELECT * FROM {view}"
                               + (f" ORDER BY {order}" if order else ""))
            made = True
        except duckdb.Error as exc:  # a view this file does not have (an older schema): the queries read the views
            made = False
            copies.failure = f"{type(exc).__name__}: {exc}"
        finally:
            cursor.close()
    if copies.failure is not None:
        log.warning("in-memory copies of %s not made, the pages read the views: %s", path, copies.failure)
    with _handle_lock:
        copies.done, copies.handle = True, handle  # released with the copies (_drop_if_unused)
        if made and not copies.stale:
            copies.relations = {view: f"{copies.alias}.{view}" for view in COPIED_VIEWS}
        if not made or copies.stale:
            _drop_if_unused(copies)


def _leave_copies(copies: _Copies) -> None:
    with _handle_lock:
        copies.users -= 1
        _drop_if_unused(copies)


def _drop_if_unused(copies: _Copies) -> None:
    """Detach retired or failed copies once no read uses them and they are no longer being made (under the lock).
    Failed copies of the current version stay ``_current`` (without relations), so they are not made again."""
    if not copies.done or copies.users > 0 or copies.dropped or not (copies.stale or not copies.relations):
        return
    copies.relations, copies.dropped = {}, True
    if copies.attached:
        _instance.execute(f"DETACH {copies.alias}")
    if copies.handle is not None:
        _release_locked(copies.handle)


def wait_for_copies(timeout: float = 60.0) -> bool:
    """Wait until the copies being made are made (tests, benchmarks); whether copies are ready now."""
    with _handle_lock:
        copies = _current
    if copies is None or copies.thread is None:
        return False
    copies.thread.join(timeout)
    return bool(copies.relations)


# a process that ends while copies are being made waits for them (at most a few seconds) rather than tear DuckDB
# down under a running query
atexit.register(wait_for_copies, 10.0)


def database_configured() -> bool:
    """Whether the database file exists."""
    return database_file().exists()


