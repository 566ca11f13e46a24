"""Snapshots of the database file taken before every change, kept up to a retention limit, and their restore.

Backups live in ``<db folder>/backups/ppa-<timestamp>.duckdb`` (owner-only). ``PPA_BACKUP_KEEP`` sets how many are
kept (default 10); the oldest go first. A restore is itself preceded by a snapshot, so it can be undone too.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from etl import db as dbmod
from etl import settings
from etl.model import UsageError

BACKUP_DIR = "backups"
DEFAULT_KEEP = 10
_PREFIX = "ppa-"


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
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    copy = folder / f"{_PREFIX}{stamp}.duckdb"
    shutil.copyfile(target, copy)
    os.chmod(copy, 0o600)
    wal = Path(f"{target}.wal")
    if wal.exists():
        shutil.copyfile(wal, f"{copy}.wal")
        os.chmod(f"{copy}.wal", 0o600)
    prune(target, keep if keep is not None else retention())
    return copy


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
