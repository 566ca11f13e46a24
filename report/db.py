"""Short-lived read-only connections to the DuckDB file, so a viewer never blocks a load.

A new DuckDB instance costs ~30 ms to make and close, so the process keeps one in-memory instance that holds no
file (``_instance``); a read attaches the file to it (read-only, a few milliseconds) and takes a cursor, a
connection of its own. Reads of the same file version share the attachment, which is detached when the last of
them ends: nothing of the file is held across reruns or while a session is idle. Inside ``one_connection_per_run()``
(entered by dashboard.py around the page) every ``read_only()`` gets the same cursor, opened on the run's first
cache miss and closed when the run ends. Loads swap in a new file (etl.writer), which the next read attaches under a
new name, so a reader never blocks a load and a load never shows half its rows.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb

from etl import db as etl_db


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


def _take_cursor(path: Path, version: str, wait_seconds: float) -> tuple[_Handle, duckdb.DuckDBPyConnection]:
    """A cursor reading ``path`` at ``version`` (attached now unless another read of that version has it)."""
    global _instance, _aliases, _opened, _open_now
    with _handle_lock:
        if _instance is None:
            _instance = duckdb.connect(":memory:")
            _instance.execute(f"SET threads = {int(READER_THREADS)}")
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
    with _counter_lock:
        _opened += 1
        _open_now += 1
    return handle, cursor


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
        handle.users -= 1
        if handle.users == 0:
            del _handles[handle.key]
            _instance.execute(f"DETACH {handle.alias}")


def _close_cursor(handle: _Handle, cursor: duckdb.DuckDBPyConnection) -> None:
    global _open_now
    try:
        cursor.close()
    finally:
        _release(handle)
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

    def replace(self, path: Path, version: str, handle: _Handle, con: duckdb.DuckDBPyConnection) -> None:
        # an older cursor may still be in use by an enclosing block, so it is closed with the rest at the end
        if self.con is not None:
            self.retired.append((self.handle, self.con))
        self.path, self.version, self.handle, self.con = path, version, handle, con

    def close(self) -> None:
        for handle, con in [*self.retired, *([(self.handle, self.con)] if self.con is not None else [])]:
            _close_cursor(handle, con)
        self.path, self.version, self.handle, self.con, self.retired = None, None, None, None, []


# Per thread of execution: Streamlit runs each session's script in its own thread, and cached functions run in it.
_run_connection: ContextVar[_RunConnection | None] = ContextVar("ppa_run_connection", default=None)


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
    path = Path(path or database_file())
    shared = _run_connection.get()
    # the version is read before opening, so the data read are never older than the version they are cached under
    version = database_version(path)
    if shared is None:
        handle, con = _take_cursor(path, version, wait_seconds)
        try:
            yield con
        finally:
            _close_cursor(handle, con)
        return
    if shared.con is None or shared.path != path or shared.version != version:
        # first use, another file, or a load swapped in a new file during this run (the upload and undo pages)
        shared.replace(path, version, *_take_cursor(path, version, wait_seconds))
    yield shared.con


def database_configured() -> bool:
    """Whether the database file exists."""
    return database_file().exists()


