"""Short-lived read-only connections to the DuckDB file, so a viewer never blocks a load.

Opening the file costs tens of milliseconds, so a page run shares one: inside ``one_connection_per_run()`` (entered
by dashboard.py around the page) every ``read_only()`` gets the same connection, opened on the run's first cache miss
and closed when the run ends. Nothing is held across reruns or while a session is idle, and loads swap in a new file
(etl.writer), so a reader never blocks a load and a load never shows half its rows.
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


def connections_opened() -> int:
    """How many read-only connections this process has opened so far (tests check a page run opens at most one)."""
    return _opened


def connections_open() -> int:
    """How many of them are open right now (none once a page run has ended)."""
    return _open_now


@dataclass
class _RunConnection:
    """The connection shared by one script run, and the file version it was opened at."""

    path: Path | None = None
    version: str | None = None
    con: duckdb.DuckDBPyConnection | None = None
    retired: list[duckdb.DuckDBPyConnection] = field(default_factory=list)

    def replace(self, path: Path, version: str, con: duckdb.DuckDBPyConnection) -> None:
        # an older connection may still be in use by an enclosing block, so it is closed with the rest at the end
        if self.con is not None:
            self.retired.append(self.con)
        self.path, self.version, self.con = path, version, con

    def close(self) -> None:
        for con in [*self.retired, *([self.con] if self.con is not None else [])]:
            _close(con)
        self.path, self.version, self.con, self.retired = None, None, None, []


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
    if shared is None:
        con = _open(path, wait_seconds)
        try:
            yield con
        finally:
            _close(con)
        return
    # the version is read before opening, so the data read are never older than the version they are cached under
    version = database_version(path)
    if shared.con is None or shared.path != path or shared.version != version:
        # first use, another file, or a load swapped in a new file during this run (the upload and undo pages)
        shared.replace(path, version, _open(path, wait_seconds))
    yield shared.con


def _open(path: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    global _opened, _open_now
    if not path.exists():
        raise DatabaseMissing(
            f"Database belum ada di {path}. Muat data dengan `python -m etl load FILE` "
            "atau buat data contoh dengan `python -m etl demo`."
        )
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = etl_db.connect(path, read_only=True)
            break
        except duckdb.IOException as exc:  # a loader holds the write lock; it finishes within seconds
            if time.monotonic() > deadline:
                raise DatabaseBusy(
                    "Database sedang diperbarui oleh proses pemuatan data. Muat ulang halaman ini sebentar lagi."
                ) from exc
            time.sleep(0.2)
    with _counter_lock:
        _opened += 1
        _open_now += 1
    return con


def _close(con: duckdb.DuckDBPyConnection) -> None:
    global _open_now
    con.close()
    with _counter_lock:
        _open_now -= 1


def database_configured() -> bool:
    """Whether the database file exists."""
    return database_file().exists()


