"""The deployment's settings: one file (``ppa.toml``) read by the command line and the dashboard alike.

Each setting comes from, in order: its environment variable (``PPA_DB`` …), the settings file, the built-in
default. The settings file is ``PPA_CONFIG`` if set, else ``ppa.toml`` in the repository root; a relative path in
it is read relative to the file's own folder, so a deployment is configured once for every shell, cron job and
service. ``python -m etl config`` prints what is in force and where each value came from.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_ENV = "PPA_CONFIG"
CONFIG_FILE = "ppa.toml"


@dataclass(frozen=True)
class Setting:
    """One setting: its key in ppa.toml, its environment variable, its default, whether it names a file, its meaning."""

    key: str
    env: str
    default: str | None
    is_path: bool
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "PPA_DB", "data/ppa.duckdb", True, "file database"),
    Setting("reference", "PPA_REFERENCE", "data/reference", True,
            "folder data rujukan (wilayah, kecamatan, bentuk, lembaga)"),
    Setting("users", "PPA_USERS", None, True, "file akun staf (bawaan: users.json di folder database)"),
    Setting("public", "PPA_PUBLIC", "0", False, "1 = hanya halaman publik, tanpa masuk staf"),
    Setting("boundaries", "PPA_BOUNDARIES", None, True, "GeoJSON batas kecamatan untuk peta"),
    Setting("population", "PPA_POPULATION", None, True, "CSV penduduk per kecamatan (angka per 10.000)"),
    Setting("backup_keep", "PPA_BACKUP_KEEP", "10", False, "jumlah cadangan otomatis yang disimpan"),
    Setting("load_workers", "PPA_LOAD_WORKERS", None, False,
            "jumlah proses pembaca file saat memuat (bawaan: satu per inti CPU, maks. 4)"),
    Setting("parse_memory_mb", "PPA_PARSE_MEMORY_MB", "1024", False,
            "memori (MB) yang boleh dipakai satu proses pembaca file .xls/.ods di atas pemakaiannya sendiri"),
    Setting("parse_seconds", "PPA_PARSE_SECONDS", "60", False,
            "waktu CPU (detik) per file bagi proses pembaca (4x itu waktu jam dinding)"),
    Setting("chromium", "PPA_CHROMIUM", None, True,
            "program Chromium untuk gambar grafik dan PDF (bawaan: dicari di PATH)"),
)
_BY_KEY = {s.key: s for s in SETTINGS}


def config_path() -> Path:
    """The settings file: ``PPA_CONFIG`` if set, else ppa.toml in the repository root (it may not exist)."""
    explicit = os.environ.get(CONFIG_ENV, "").strip()
    return Path(explicit) if explicit else REPO_ROOT / CONFIG_FILE


@lru_cache(maxsize=4)
def _read_file(path: str, mtime: float) -> dict[str, str]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"File pengaturan {path} tidak dapat dibaca: {exc}. Periksa penulisannya "
                         "(contoh: db = \"data/ppa.duckdb\").") from None
    unknown = sorted(set(data) - set(_BY_KEY))
    if unknown:
        raise UsageError(f"File pengaturan {path}: nama pengaturan tidak dikenal {', '.join(unknown)}. "
                         f"Yang dikenal: {', '.join(_BY_KEY)}.")
    folder = Path(path).resolve().parent
    values = {}
    for key, raw in data.items():
        value = ("1" if raw else "0") if isinstance(raw, bool) else str(raw)
        if _BY_KEY[key].is_path and value and not Path(value).is_absolute():
            value = str(folder / value)
        values[key] = value
    return values


def _file_values() -> dict[str, str]:
    path = config_path()
    if not path.is_file():
        if os.environ.get(CONFIG_ENV, "").strip():
            raise UsageError(f"File pengaturan {path} ({CONFIG_ENV}) tidak ditemukan.")
        return {}
    return _read_file(str(path), path.stat().st_mtime)


def resolve(key: str) -> tuple[str | None, str]:
    """(value, where it came from) for one setting: environment variable, settings file, or default."""
    setting = _BY_KEY[key]
    from_env = os.environ.get(setting.env)
    if from_env is not None and from_env.strip() != "":
        return from_env, f"variabel lingkungan {setting.env}"
    from_file = _file_values().get(key)
    if from_file is not None:
        return from_file, f"file pengaturan {config_path()}"
    if setting.default is not None and setting.is_path:
        return str(REPO_ROOT / setting.default), "bawaan"
    return setting.default, "bawaan"


def get(key: str) -> str | None:
    """The value in force for one setting (None when it is not set and has no default)."""
    return resolve(key)[0]


def path(key: str) -> Path | None:
    """A file or folder setting as a Path (None when not set)."""
    value = get(key)
    return Path(value) if value else None


def flag(key: str) -> bool:
    """A yes/no setting: anything but empty, 0 or false means yes."""
    return (get(key) or "").strip().lower() not in ("", "0", "false", "tidak")


def in_force() -> list[tuple[Setting, str | None, str]]:
    """Every setting with its value and where it came from, for ``python -m etl config``."""
    return [(s, *resolve(s.key)) for s in SETTINGS]
