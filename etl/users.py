"""Staff accounts: a JSON file of argon2id hashes and roles, with failed-login slowdown and lockout per client.

The file lives next to the database (``data/users.json``) unless ``PPA_USERS`` names another path; it is written
with mode 0600 and never tracked by git. Failure counts and lock times are stored in the same file so they hold
across Streamlit reruns, sessions and processes.

Failures are counted per account *and client* (the address the login came from): a stranger who guesses wrong
only slows and locks themselves out, never the staff member whose name they typed, who still logs in from their
own computer. Each failure waits longer than the one before, each lockout of the same client lasts longer than the
one before, and every lockout is logged with the client's address. ``python -m etl users unlock NAME`` lifts all
of an account's locks.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
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
MAX_FAILURES = 5                      # failed attempts in a row from one client before it is locked out
LOCK_SECONDS = 15 * 60                # the first lockout; each further one of the same client doubles it
MAX_LOCK_SECONDS = 24 * 3600
FAILURE_DELAY_SECONDS = 0.5           # the wait after a first failure; it doubles with each further one
MAX_DELAY_SECONDS = 8.0
FORGET_SECONDS = 7 * 24 * 3600        # a client's record is dropped this long after its last failure or lock
LOCAL_CLIENT = "lokal"                # the client name when the login comes from this machine (or a test)
log = logging.getLogger("ppa.auth")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")

_hasher = PasswordHasher()            # argon2id with the library's current recommended parameters
# verified against when the name is unknown, so an unknown name costs the same time as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(EtlError):
    """An account operation failed (unknown name, duplicate, weak password)."""


class LoginRefused(EtlError):
    """The name or password is wrong (deliberately not saying which)."""


class AccountLocked(EtlError):
    """Too many failed logins from this client: the account is locked for it until ``until``."""

    def __init__(self, until: dt.datetime):
        self.until = until
        super().__init__(f"Terlalu banyak percobaan gagal dari komputer ini: masuk dengan akun ini dari sini dikunci "
                         f"sementara; coba lagi setelah pukul {until.astimezone():%H.%M}, atau minta operator "
                         "menjalankan `python -m etl users unlock NAMA`.")


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
                               "clients": {}}


def remove_user(name: str, path: Path | None = None) -> None:
    """Delete an account."""
    name = name.strip().lower()
    with _locked(path or users_path()) as data:
        if name not in data["users"]:
            raise AccountError(f"Pengguna '{name}' tidak ada.")
        del data["users"][name]


def list_users(path: Path | None = None, now: Callable[[], dt.datetime] = _now) -> list[dict]:
    """Accounts as {name, role, created_at, locked_clients}, sorted by name; never the hashes.

    ``locked_clients`` maps each client now locked out of the account to the end of its lock (ISO time).
    """
    data = _read(path or users_path())
    current = now()
    return [{"name": n, "role": u["role"], "created_at": u.get("created_at"),
             "locked_clients": {c: r["locked_until"] for c, r in sorted(u.get("clients", {}).items())
                                if r.get("locked_until") and dt.datetime.fromisoformat(r["locked_until"]) > current}}
            for n, u in sorted(data["users"].items())]


def unlock(name: str, path: Path | None = None) -> int:
    """Lift every client's lock and failure count on an account; the number of clients that were locked out."""
    name = name.strip().lower()
    with _locked(path or users_path()) as data:
        user = data["users"].get(name)
        if user is None:
            raise AccountError(f"Pengguna '{name}' tidak ada.")
        clients = user.pop("clients", {})
        user.pop("failures", None)
        user.pop("locked_until", None)
    locked = sum(1 for c in clients.values() if c.get("locked_until"))
    log.warning("Akun '%s' dibuka kuncinya lewat `users unlock` (%d klien terkunci).", name, locked)
    return locked


def ensure_demo(path: Path | None = None) -> str | None:
    """Create the demo operator with a random password and return it, or None if it already exists."""
    path = path or users_path()
    with _locked(path) as data:
        if DEMO_USER in data["users"]:
            return None
        password = secrets.token_urlsafe(12)
        data["users"][DEMO_USER] = {"role": "operator", "hash": _hasher.hash(password),
                                    "created_at": _now().isoformat(), "clients": {}}
        return password


def failure_delay(failures: int) -> float:
    """Seconds to wait after the n-th failure in a row from one client: 0.5, 1, 2, 4, 8, 8, …"""
    return min(FAILURE_DELAY_SECONDS * 2 ** max(failures - 1, 0), MAX_DELAY_SECONDS)


def lock_seconds(lockouts: int) -> int:
    """How long the n-th lockout of one client lasts: 15 min, 30 min, 1 h, … at most a day."""
    return min(LOCK_SECONDS * 2 ** max(lockouts - 1, 0), MAX_LOCK_SECONDS)


def _forget_old(records: dict, current: dt.datetime) -> None:
    """Drop client records with no lock in force and no failure for FORGET_SECONDS (the file stays small)."""
    for client in [c for c, r in records.items()
                   if dt.datetime.fromisoformat(r.get("last") or r.get("locked_until") or "1970-01-01T00:00:00+00:00")
                   + dt.timedelta(seconds=FORGET_SECONDS) < current
                   and not (r.get("locked_until") and dt.datetime.fromisoformat(r["locked_until"]) > current)]:
        del records[client]


def authenticate(name: str, password: str, path: Path | None = None, client: str | None = None,
                 now: Callable[[], dt.datetime] = _now, sleep: Callable[[float], None] = time.sleep) -> str:
    """The account's role if name and password match; LoginRefused or AccountLocked otherwise.

    ``client`` is where the attempt comes from (an IP address; None means this machine). Failures are counted per
    account and client: each waits longer than the one before, and after MAX_FAILURES in a row that client (only)
    is locked out of the account, for longer each time. Unknown names are counted per client too, so trying names
    is as slow as trying passwords.
    """
    name = (name or "").strip().lower()
    client = (client or LOCAL_CLIENT).strip()[:64] or LOCAL_CLIENT
    path = path or users_path()
    locked = None
    with _locked(path) as data:
        current = now()
        user = data["users"].get(name)
        if user is None:
            try:
                _hasher.verify(_DUMMY_HASH, password or "")
            except VerificationError:
                pass
            strangers = data.setdefault("unknown_names", {})
            _forget_old(strangers, current)
            record = strangers.setdefault(client, {"failures": 0})
            record["failures"] = int(record.get("failures", 0)) + 1
            record["last"] = current.isoformat()
            delay = failure_delay(record["failures"])
        else:
            user.pop("failures", None)      # the account-wide counters of before: a stranger locked everyone out
            user.pop("locked_until", None)
            records = user.setdefault("clients", {})
            _forget_old(records, current)
            record = records.get(client, {})
            until = record.get("locked_until")
            if until and dt.datetime.fromisoformat(until) > current:
                raise AccountLocked(dt.datetime.fromisoformat(until))
            try:
                _hasher.verify(user["hash"], password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                record = records.setdefault(client, {"failures": 0, "lockouts": 0})
                record["failures"] = int(record.get("failures", 0)) + 1
                record["last"] = current.isoformat()
                delay = failure_delay(record["failures"])
                if record["failures"] >= MAX_FAILURES:
                    record["lockouts"] = int(record.get("lockouts", 0)) + 1
                    seconds = lock_seconds(record["lockouts"])
                    ends = current + dt.timedelta(seconds=seconds)
                    record["locked_until"] = ends.isoformat()
                    record["failures"] = 0
                    locked = AccountLocked(ends)
                    log.warning("Akun '%s' dikunci untuk klien %s selama %d menit (penguncian ke-%d) setelah %d "
                                "percobaan gagal.", name, client, seconds // 60, record["lockouts"], MAX_FAILURES)
            else:
                if client in records:  # a success clears this client's failures; past lockouts still count
                    records[client] = {k: v for k, v in records[client].items() if k in ("lockouts", "last")}
                    if not records[client]:
                        del records[client]
                if _hasher.check_needs_rehash(user["hash"]):
                    user["hash"] = _hasher.hash(password)
                return user["role"]
    # wait outside the file lock so one guesser does not stall everyone else's login
    sleep(delay)
    if locked is not None:
        raise locked
    raise LoginRefused("Nama pengguna atau kata sandi salah.")
