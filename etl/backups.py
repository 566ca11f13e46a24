"""Snapshots of the database file taken before every change, kept up to a retention limit, and their restore.

Backups live in ``<db folder>/backups/ppa-<timestamp>.duckdb`` (folder 0700, files 0600 from the moment they
exist). ``PPA_BACKUP_KEEP`` sets how many are kept (default 10); the oldest go first. A restore is itself preceded
by a snapshot, so it can be undone too.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from etl import db as dbmod
from etl import settings
from etl.model import UsageError

BACKUP_DIR = "backups"
DEFAULT_KEEP = 10
_PREFIX = "ppa-"
PARTIAL_PREFIX = ".partial-"


def backup_dir(target: Path) -> Path:
    """<db folder>/backups."""
    return dbmod.data_dir(target) / BACKUP_DIR


def retention() -> int:
    """How many snapshots to keep: ``PPA_BACKUP_KEEP`` or 10 (at least 1)."""
    raw = (settings.get("backup_keep") or "").strip()
    try:
        return max(1, int(raw)) if raw else DEFAULT_KEEP
    except ValueError:
        raise UsageError(f"PPA_BACKUP_KEEP harus berupa angka (sekarang '{raw}').") from None


def snapshot(target: Path, keep: int | None = None) -> Path | None:
    """Copy the database file (and its write-ahead log, if any) into the backup folder; prune old ones."""
    if not target.exists():
        return None
    folder = backup_dir(target)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    copy = folder / f"{_PREFIX}{stamp}.duckdb"
    # written under a name list_backups does not show, then renamed: a killed copy is never taken for a backup
    partial = folder / f"{PARTIAL_PREFIX}{stamp}.duckdb"
    wal = Path(f"{target}.wal")
    if wal.exists():
        private_copy(wal, Path(f"{partial}.wal"))
        os.replace(f"{partial}.wal", f"{copy}.wal")
    private_copy(target, partial)
    os.replace(partial, copy)
    prune(target, keep if keep is not None else retention())
    return copy


def private_copy(source: Path, copy: Path) -> None:
    """Copy a file to a new file that is owner-only (0600) from the moment it exists (a copy of the database holds
    what the database holds, so it must never be readable by other users, not even while being written)."""
    Path(copy).unlink(missing_ok=True)
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with open(source, "rb") as src:
            size, offset = os.fstat(src.fileno()).st_size, 0
            while offset < size:
                sent = os.sendfile(fd, src.fileno(), offset, size - offset)
                if not sent:
                    break
                offset += sent
    finally:
        os.close(fd)


def list_backups(target: Path) -> list[Path]:
    """Snapshots of this database, newest first."""
    folder = backup_dir(target)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{_PREFIX}*.duckdb"), reverse=True)


def prune(target: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` snapshots."""
    for old in list_backups(target)[keep:]:
        old.unlink(missing_ok=True)
        Path(f"{old}.wal").unlink(missing_ok=True)


def resolve_backup(target: Path, name: str) -> Path:
    """A snapshot named by its file name or path; UsageError when there is no such snapshot."""
    candidate = Path(name)
    if not candidate.is_file():
        candidate = backup_dir(target) / Path(name).name
    if not candidate.is_file():
        known = ", ".join(p.name for p in list_backups(target)[:3]) or "belum ada"
        raise UsageError(f"Cadangan '{name}' tidak ditemukan di {backup_dir(target)} (yang terbaru: {known}). "
                         "Lihat daftarnya dengan: python -m etl backups")
    return candidate
