"""The one way to change the database: a single writer works on a copy that is swapped in atomically.

DuckDB lets one process write a file, and a read-only open fails while a writer holds it (and a writer cannot
open a file that readers hold). So a change never opens the live file for writing: under an exclusive lock file
it copies the live file, snapshots it (etl.backups), changes the copy, checkpoints it and ``os.replace``s it over
the live file. Readers keep whatever file they opened (the old one or the new one), so a viewer never sees half a
load and browsing never makes a load fail.

Every file a writer makes while it holds the lock (copies, write-ahead logs, staged archive copies, backups) is
owner-only (0600) from the moment it exists: the lock holder's umask is 077. A writer killed half-way leaves such
files behind; the next writer removes them once it holds the lock (no other writer can be using them then) and
says which (``exclusive`` yields them; a load reports them).
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

from etl import archive, backups, database_region
from etl import db as dbmod
from etl.model import EtlError

# Another load, undo or rebuild finishes within this; after it the operator is told to try again.
DEFAULT_WAIT_SECONDS = 300.0


class WriterBusy(EtlError):
    """Another process is changing the database and did not finish in time."""


def _lock_file(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


def work_file(target: Path, kind: str) -> Path:
    """The private copy of ``target`` a writer of this process makes (kind: 'work', 'restore', 'rebuild' or
    'rewrite')."""
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}")


def leftovers(target: Path) -> list[Path]:
    """Files a killed writer of this database left: its copies (and their logs and temporary folders, and those of
    older versions: '<name>.rebuild-<pid>'), staged archive copies and half-written backups."""
    folder = target.parent
    found = [p for kind in ("work", "restore", "rebuild", "rewrite") for p in folder.glob(f".{target.name}.{kind}-*")]
    found += folder.glob(f"{target.name}.rebuild-*")
    found += archive.staged_leftovers(dbmod.data_dir(target) / archive.RAW_DIR)
    backup_folder = backups.backup_dir(target)
    if backup_folder.is_dir():
        found += backup_folder.glob(f"{backups.PARTIAL_PREFIX}*")
    return sorted(found)


def remove_leftovers(target: Path) -> list[Path]:
    """Remove what leftovers() finds; return what was removed. Only for the holder of the writer lock."""
    removed = []
    for path in leftovers(target):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


@contextmanager
def exclusive(target: Path, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Iterator[list[Path]]:
    """Hold the writer lock of a database file (an advisory flock on a lock file beside it), with umask 077, after
    removing what a killed writer left; yield what was removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_file(target), os.O_RDWR | os.O_CREAT, 0o600)
    umask = os.umask(0o077)  # process-wide: files other threads create meanwhile are owner-only too
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
        yield remove_leftovers(target)
    finally:
        os.umask(umask)
        os.close(fd)  # closing the descriptor releases the lock


def swap_in(source: Path, target: Path) -> None:
    """Atomically make ``source`` (a closed, checkpointed database file) the live file ``target``."""
    os.chmod(source, 0o600)
    # a write-ahead log left beside the old file would be replayed onto the new one
    Path(f"{target}.wal").unlink(missing_ok=True)
    os.replace(source, target)


@contextmanager
def writing(db: str | os.PathLike | None = None, *, backup: bool = True,
            wait_seconds: float = DEFAULT_WAIT_SECONDS,
            removed: list[Path] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to a private copy of the database, swapped in when the block ends without error;
    ``removed`` (a list) is given what a killed writer had left and was removed first."""
    target = dbmod.db_path(db)
    with exclusive(target, wait_seconds) as cleaned:
        if removed is not None:
            removed.extend(cleaned)
        work = work_file(target, "work")
        work_wal = Path(f"{work}.wal")
        if target.exists():
            database_region.verify_file(target)  # another region's database is refused before anything is copied
            if backup:
                backups.snapshot(target)
            backups.private_copy(target, work)
            if Path(f"{target}.wal").exists():  # a crashed writer of an older version: keep its log
                backups.private_copy(Path(f"{target}.wal"), work_wal)
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
            rewrite = dbmod.needs_rewrite(con)
        except BaseException:
            con.close()
            work.unlink(missing_ok=True)
            work_wal.unlink(missing_ok=True)
            raise
        con.close()
        work_wal.unlink(missing_ok=True)
        if rewrite:
            work = _rewritten(work, target)
        swap_in(work, target)


def _rewritten(work: Path, target: Path) -> Path:
    """A fresh file holding only the current rows of ``work`` (which is removed): DuckDB leaves the old contents
    of changed and deleted rows in the file's free blocks, so a database a migration cleaned is copied anew."""
    fresh = work_file(target, "rewrite")
    try:
        dbmod.copy_database(work, fresh)
    except BaseException:
        fresh.unlink(missing_ok=True)
        Path(f"{fresh}.wal").unlink(missing_ok=True)
        work.unlink(missing_ok=True)
        raise
    work.unlink(missing_ok=True)
    return fresh


def restore(db: str | os.PathLike | None, backup_name: str) -> Path:
    """Make a snapshot the live database (the current one is snapshotted first); return the snapshot used."""
    target = dbmod.db_path(db)
    source = backups.resolve_backup(target, backup_name)
    database_region.verify_file(source)  # a backup of another region's database is refused, nothing changed
    with exclusive(target):
        backups.snapshot(target)
        work = work_file(target, "restore")
        backups.private_copy(source, work)
        if Path(f"{source}.wal").exists():
            backups.private_copy(Path(f"{source}.wal"), Path(f"{work}.wal"))
            con = duckdb.connect(str(work))  # replay the log into the copy before it goes live
            con.execute("CHECKPOINT")
            con.close()
        swap_in(work, target)
    return source
