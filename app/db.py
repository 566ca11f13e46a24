"""Short-lived read-only connections to the DuckDB file, so a viewer never blocks a load."""

from __future__ import annotations

import time
from contextlib import contextmanager
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
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}")
        except FileNotFoundError:
            parts.append("-")
    return f"{path}|{'|'.join(parts)}"


@contextmanager
def read_only(path: Path | None = None, wait_seconds: float = 5.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one query, closed straight after; waits briefly while a load holds the file."""
    path = Path(path or database_file())
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
    try:
        yield con
    finally:
        con.close()


def database_configured() -> bool:
    """Whether the database file exists."""
    return database_file().exists()


