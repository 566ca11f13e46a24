"""Accounts: argon2id hashes, 0600 file, wrong passwords refused, lockout and its expiry, the users CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys

import pytest

from etl import users


def run_cli(repo_root, *args, stdin: str = "", env_extra: dict | None = None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=repo_root, input=stdin, text=True,
                          capture_output=True, env=env)


@pytest.fixture()
def accounts(tmp_path):
    return tmp_path / "users.json"


def no_sleep(_seconds):
    pass


def test_password_is_stored_only_as_argon2id_in_a_private_file(accounts):
    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    text = accounts.read_text()
    assert "rahasia-panjang" not in text
    record = json.loads(text)["users"]["rina"]
    assert record["hash"].startswith("$argon2id$")
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert users.authenticate("rina", "rahasia-panjang", accounts, sleep=no_sleep) == "analis"


def test_wrong_password_and_unknown_name_are_refused_alike(accounts):
    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    with pytest.raises(users.LoginRefused, match="Nama pengguna atau kata sandi salah"):
        users.authenticate("rina", "salah-sandi", accounts, sleep=no_sleep)
    with pytest.raises(users.LoginRefused, match="Nama pengguna atau kata sandi salah"):
        users.authenticate("budi", "rahasia-panjang", accounts, sleep=no_sleep)


def test_failures_slow_down_then_lock_and_the_lock_expires(accounts):
    users.add_user("rina", "operator", "rahasia-panjang", accounts)
    waits = []
    clock = [dt.datetime(2024, 11, 1, 8, 0, tzinfo=dt.timezone.utc)]
    now = lambda: clock[0]  # noqa: E731
    for _ in range(users.MAX_FAILURES - 1):
        with pytest.raises(users.LoginRefused):
            users.authenticate("rina", "tebakan", accounts, now=now, sleep=waits.append)
    assert waits == sorted(waits) and waits[-1] > waits[0] > 0
    with pytest.raises(users.AccountLocked):
        users.authenticate("rina", "tebakan", accounts, now=now, sleep=waits.append)
    # locked: even the right password is refused, and the lock is in the file (survives processes)
    with pytest.raises(users.AccountLocked):
        users.authenticate("rina", "rahasia-panjang", accounts, now=now, sleep=no_sleep)
    assert json.loads(accounts.read_text())["users"]["rina"]["locked_until"]
    clock[0] += dt.timedelta(seconds=users.LOCK_SECONDS + 1)
    assert users.authenticate("rina", "rahasia-panjang", accounts, now=now, sleep=no_sleep) == "operator"
    assert json.loads(accounts.read_text())["users"]["rina"]["failures"] == 0


def test_lock_is_shared_between_processes(accounts, repo_root):
    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    code = ("import sys; from etl import users\n"
            "for _ in range(users.MAX_FAILURES):\n"
            "    try: users.authenticate('rina', 'x', users.users_path(), sleep=lambda s: None)\n"
            "    except users.EtlError: pass\n")
    subprocess.run([sys.executable, "-c", code], cwd=repo_root, check=True,
                   env={**os.environ, "PPA_USERS": str(accounts)})
    with pytest.raises(users.AccountLocked):
        users.authenticate("rina", "rahasia-panjang", accounts, sleep=no_sleep)


def test_short_passwords_and_unknown_roles_are_refused(accounts):
    with pytest.raises(users.AccountError, match="terlalu pendek"):
        users.add_user("rina", "analis", "pendek", accounts)
    with pytest.raises(users.UsageError, match="Peran 'admin' tidak dikenal"):
        users.add_user("rina", "admin", "rahasia-panjang", accounts)


def test_cli_add_list_remove_with_password_on_stdin(repo_root, tmp_path):
    env = {"PPA_USERS": str(tmp_path / "akun.json")}
    r = run_cli(repo_root, "users", "add", "Rina", "--role", "analis", stdin="rahasia-panjang\n", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert "rina" in r.stdout
    assert users.authenticate("rina", "rahasia-panjang", tmp_path / "akun.json", sleep=no_sleep) == "analis"
    r = run_cli(repo_root, "users", "add", "rina", "--role", "analis", stdin="rahasia-lain\n", env_extra=env)
    assert r.returncode == 1 and "sudah ada" in r.stderr
    r = run_cli(repo_root, "users", "list", env_extra=env)
    assert r.returncode == 0 and r.stdout.split() == ["rina", "analis"]
    assert "argon2" not in r.stdout
    r = run_cli(repo_root, "users", "remove", "rina", env_extra=env)
    assert r.returncode == 0
    assert run_cli(repo_root, "users", "list", env_extra=env).stdout == ""
    r = run_cli(repo_root, "users", "remove", "rina", env_extra=env)
    assert r.returncode == 1 and "tidak ada" in r.stderr


def test_cli_usage_errors_exit_2(repo_root, tmp_path):
    env = {"PPA_USERS": str(tmp_path / "akun.json")}
    r = run_cli(repo_root, "users", "add", "rina", "--role", "admin", stdin="rahasia-panjang\n", env_extra=env)
    assert r.returncode == 2
    r = run_cli(repo_root, "users", "add", "x y", "--role", "analis", stdin="rahasia-panjang\n", env_extra=env)
    assert r.returncode == 2 and "tidak sah" in r.stderr


def test_accounts_default_beside_the_database(repo_root, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PPA_USERS"}
    db = tmp_path / "sub" / "ppa.duckdb"
    r = subprocess.run([sys.executable, "-m", "etl", "users", "ensure-demo", "--db", str(db)], cwd=repo_root,
                       text=True, capture_output=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "kata sandi" in r.stdout
    password = r.stdout.split("kata sandi '")[1].split("'")[0]
    path = tmp_path / "sub" / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert users.authenticate("demo", password, path, sleep=no_sleep) == "operator"
    again = subprocess.run([sys.executable, "-m", "etl", "users", "ensure-demo", "--db", str(db)], cwd=repo_root,
                           text=True, capture_output=True, env=env)
    assert again.returncode == 0 and again.stdout == ""  # printed once only
