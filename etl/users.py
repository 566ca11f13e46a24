"""Staff accounts: a JSON file of argon2id hashes and roles, with failed-login slowdown and lockout.

The file lives next to the database (``data/users.json``) unless ``PPA_USERS`` names another path; it is written
with mode 0600 and never tracked by git. Failure counts and lock times are stored in the same file so they hold
across Streamlit reruns, sessions and processes.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from etl import db as dbmod
from etl import settings
from etl.model import EtlError, UsageError

ROLES = ("analis", "operator")
DEMO_USER = "demo"
MIN_PASSWORD = 8
MAX_FAILURES = 5                      # failed attempts in a row before the account locks
LOCK_SECONDS = 15 * 60
FAILURE_DELAY_SECONDS = 0.5           # extra wait per earlier failure, capped below
MAX_DELAY_SECONDS = 3.0
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")

_hasher = PasswordHasher()            # argon2id with the library's current recommended parameters
# verified against when the name is unknown, so an unknown name costs the same time as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(EtlError):
    """An account operation failed (unknown name, duplicate, weak password)."""


class LoginRefused(EtlError):
    """The name or password is wrong (deliberately not saying which)."""


class AccountLocked(EtlError):
    """Too many failed logins: the account is locked until ``until``."""

    def __init__(self, until: dt.datetime):
        self.until = until
        super().__init__(f"Akun dikunci sementara karena terlalu banyak percobaan gagal; coba lagi setelah "
                         f"pukul {until.astimezone():%H.%M}.")


def users_path(db: str | os.PathLike | None = None) -> Path:
    """The accounts file: ``PPA_USERS`` if set, else users.json beside the database."""
    explicit = settings.get("users")
    if explicit:
        return Path(explicit)
    return dbmod.data_dir(dbmod.db_path(db)) / "users.json"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@contextmanager
def _locked(path: Path) -> Iterator[dict]:
    """Read-modify-write the accounts file under an exclusive lock; written atomically with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = _read(path)
        before = json.dumps(data, sort_keys=True)
        yield data
        if json.dumps(data, sort_keys=True) != before:
            _write(path, data)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read(path: Path) -> dict:
    if not path.exists():
        return {"version": 1, "users": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AccountError(f"File akun {path} tidak dapat dibaca ({exc}); perbaiki atau hapus file itu.") from exc
    data.setdefault("users", {})
    return data


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _check_name(name: str) -> str:
    name = name.strip().lower()
    if not NAME_PATTERN.match(name):
        raise UsageError(f"Nama pengguna '{name}' tidak sah: 2–32 huruf kecil, angka, titik, minus atau garis bawah.")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(f"Peran '{role}' tidak dikenal; pilih salah satu: {', '.join(ROLES)}.")
    return role


def add_user(name: str, role: str, password: str, path: Path | None = None, replace: bool = False) -> None:
    """Create an account (or, with ``replace``, reset its password and role)."""
    name, role = _check_name(name), _check_role(role)
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Kata sandi terlalu pendek: paling sedikit {MIN_PASSWORD} karakter.")
    path = path or users_path()
    with _locked(path) as data:
        if name in data["users"] and not replace:
            raise AccountError(f"Pengguna '{name}' sudah ada; hapus dulu dengan `users remove {name}`.")
        data["users"][name] = {"role": role, "hash": _hasher.hash(password), "created_at": _now().isoformat(),
                               "failures": 0, "locked_until": None}


def remove_user(name: str, path: Path | None = None) -> None:
    """Delete an account."""
    name = name.strip().lower()
    with _locked(path or users_path()) as data:
        if name not in data["users"]:
            raise AccountError(f"Pengguna '{name}' tidak ada.")
        del data["users"][name]


def list_users(path: Path | None = None) -> list[dict]:
    """Accounts as {name, role, created_at, locked_until}, sorted by name; never the hashes."""
    data = _read(path or users_path())
    return [{"name": n, "role": u["role"], "created_at": u.get("created_at"), "locked_until": u.get("locked_until")}
            for n, u in sorted(data["users"].items())]


def ensure_demo(path: Path | None = None) -> str | None:
    """Create the demo operator with a random password and return it, or None if it already exists."""
    path = path or users_path()
    with _locked(path) as data:
        if DEMO_USER in data["users"]:
            return None
        password = secrets.token_urlsafe(12)
        data["users"][DEMO_USER] = {"role": "operator", "hash": _hasher.hash(password),
                                    "created_at": _now().isoformat(), "failures": 0, "locked_until": None}
        return password


def authenticate(name: str, password: str, path: Path | None = None,
                 now: Callable[[], dt.datetime] = _now, sleep: Callable[[float], None] = time.sleep) -> str:
    """The account's role if name and password match; LoginRefused or AccountLocked otherwise.

    Each failure is recorded; after MAX_FAILURES in a row the account locks for LOCK_SECONDS, and every failure
    waits a little longer than the one before, so guessing is slow even below the lock.
    """
    name = (name or "").strip().lower()
    path = path or users_path()
    with _locked(path) as data:
        user = data["users"].get(name)
        if user is None:
            try:
                _hasher.verify(_DUMMY_HASH, password or "")
            except VerificationError:
                pass
            sleep(FAILURE_DELAY_SECONDS)
            raise LoginRefused("Nama pengguna atau kata sandi salah.")
        current = now()
        locked_until = user.get("locked_until")
        if locked_until and dt.datetime.fromisoformat(locked_until) > current:
            raise AccountLocked(dt.datetime.fromisoformat(locked_until))
        try:
            _hasher.verify(user["hash"], password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            user["failures"] = int(user.get("failures", 0)) + 1
            if user["failures"] >= MAX_FAILURES:
                until = current + dt.timedelta(seconds=LOCK_SECONDS)
                user["locked_until"] = until.isoformat()
                user["failures"] = 0
                locked = AccountLocked(until)
            else:
                user["locked_until"] = None
                locked = None
            delay = min(FAILURE_DELAY_SECONDS * user["failures"], MAX_DELAY_SECONDS)
        else:
            user["failures"] = 0
            user["locked_until"] = None
            if _hasher.check_needs_rehash(user["hash"]):
                user["hash"] = _hasher.hash(password)
            return user["role"]
    # wait outside the file lock so one guesser does not stall everyone else's login
    sleep(delay)
    if locked is not None:
        raise locked
    raise LoginRefused("Nama pengguna atau kata sandi salah.")
