"""The one way to change the database: a single writer works on a copy that is swapped in atomically.

DuckDB lets one process write a file, and a read-only open fails while a writer holds it (and a writer cannot
open a file that readers hold). So a change never opens the live file for writing: under an exclusive lock file
it copies the live file, snapshots it (etl.backups), changes the copy, checkpoints it and ``os.replace``s it over
the live file. Readers keep whatever file they opened (the old one or the new one), so a viewer never sees half a
load and browsing never makes a load fail.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from etl import backups, database_region
from etl import db as dbmod
from etl.model import EtlError

# Another load, undo or rebuild finishes within this; after it the operator is told to try again.
DEFAULT_WAIT_SECONDS = 300.0


class WriterBusy(EtlError):
    """Another process is changing the database and did not finish in time."""


def _lock_file(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


@contextmanager
def exclusive(target: Path, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Iterator[None]:
    """Hold the writer lock of a database file (an advisory flock on a lock file beside it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_file(target), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WriterBusy("Database sedang diubah oleh proses lain (pemuatan, pembatalan atau "
                                     "pembangunan ulang). Coba lagi beberapa menit lagi.") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def swap_in(source: Path, target: Path) -> None:
    """Atomically make ``source`` (a closed, checkpointed database file) the live file ``target``."""
    os.chmod(source, 0o600)
    # a write-ahead log left beside the old file would be replayed onto the new one
    Path(f"{target}.wal").unlink(missing_ok=True)
    os.replace(source, target)


@contextmanager
def writing(db: str | os.PathLike | None = None, *, backup: bool = True,
            wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to a private copy of the database, swapped in when the block ends without error."""
    target = dbmod.db_path(db)
    with exclusive(target, wait_seconds):
        work = target.with_name(f".{target.name}.work-{os.getpid()}")
        work_wal = Path(f"{work}.wal")
        for leftover in (work, work_wal):
            leftover.unlink(missing_ok=True)
        if target.exists():
            database_region.verify_file(target)  # another region's database is refused before anything is copied
            if backup:
                backups.snapshot(target)
            shutil.copyfile(target, work)
            if Path(f"{target}.wal").exists():  # a crashed writer of an older version: keep its log
                shutil.copyfile(f"{target}.wal", work_wal)
        try:
            con = dbmod.connect(work)
        except Exception:
            work.unlink(missing_ok=True)
            work_wal.unlink(missing_ok=True)
            raise
        try:
            # the copy is private until swapped in, so single commits on it need no disk flush and no checkpoint
            # of their own: one checkpoint, flushed to disk, makes the whole change durable before the swap
            con.execute("SET fsync_mode = 'NONE'")
            con.execute("SET checkpoint_threshold = '1GB'")
            yield con
            con.execute("SET fsync_mode = 'STANDARD'")
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            work.unlink(missing_ok=True)
            work_wal.unlink(missing_ok=True)
            raise
        con.close()
        work_wal.unlink(missing_ok=True)
        swap_in(work, target)


def restore(db: str | os.PathLike | None, backup_name: str) -> Path:
    """Make a snapshot the live database (the current one is snapshotted first); return the snapshot used."""
    target = dbmod.db_path(db)
    source = backups.resolve_backup(target, backup_name)
    database_region.verify_file(source)  # a backup of another region's database is refused, nothing changed
    with exclusive(target):
        backups.snapshot(target)
        work = target.with_name(f".{target.name}.restore-{os.getpid()}")
        shutil.copyfile(source, work)
        if Path(f"{source}.wal").exists():
            shutil.copyfile(f"{source}.wal", f"{work}.wal")
            con = duckdb.connect(str(work))  # replay the log into the copy before it goes live
            con.execute("CHECKPOINT")
            con.close()
        swap_in(work, target)
    return source
