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


STRANGER, STAFF_PC = "203.0.113.7", "10.20.0.15"


def test_failures_slow_down_then_lock_the_client_out_and_the_lock_expires(accounts):
    users.add_user("rina", "operator", "rahasia-panjang", accounts)
    waits = []
    clock = [dt.datetime(2024, 11, 1, 8, 0, tzinfo=dt.timezone.utc)]
    now = lambda: clock[0]  # noqa: E731
    for _ in range(users.MAX_FAILURES - 1):
        with pytest.raises(users.LoginRefused):
            users.authenticate("rina", "tebakan", accounts, client=STRANGER, now=now, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0, 4.0]  # each failure waits twice as long as the one before
    with pytest.raises(users.AccountLocked):
        users.authenticate("rina", "tebakan", accounts, client=STRANGER, now=now, sleep=waits.append)
    # locked for that client: even the right password is refused there, and the lock is in the file
    with pytest.raises(users.AccountLocked, match="dari komputer ini"):
        users.authenticate("rina", "rahasia-panjang", accounts, client=STRANGER, now=now, sleep=no_sleep)
    assert json.loads(accounts.read_text())["users"]["rina"]["clients"][STRANGER]["locked_until"]
    clock[0] += dt.timedelta(seconds=users.LOCK_SECONDS + 1)
    assert users.authenticate("rina", "rahasia-panjang", accounts, client=STRANGER, now=now,
                              sleep=no_sleep) == "operator"
    assert "failures" not in json.loads(accounts.read_text())["users"]["rina"]["clients"][STRANGER]


def test_a_stranger_cannot_lock_staff_out_from_their_own_computer(accounts, caplog):
    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    with caplog.at_level("WARNING", logger="ppa.auth"):
        for _ in range(users.MAX_FAILURES):
            with pytest.raises((users.LoginRefused, users.AccountLocked)):
                users.authenticate("rina", "tebakan", accounts, client=STRANGER, sleep=no_sleep)
    assert users.authenticate("rina", "rahasia-panjang", accounts, client=STAFF_PC, sleep=no_sleep) == "analis"
    assert users.authenticate("rina", "rahasia-panjang", accounts, sleep=no_sleep) == "analis"  # this machine
    with pytest.raises(users.AccountLocked):
        users.authenticate("rina", "rahasia-panjang", accounts, client=STRANGER, sleep=no_sleep)
    # the lockout is logged with the stranger's address
    lockouts = [r.getMessage() for r in caplog.records if "dikunci" in r.getMessage()]
    assert len(lockouts) == 1 and STRANGER in lockouts[0] and "'rina'" in lockouts[0]


def test_each_lockout_of_the_same_client_lasts_longer(accounts):
    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    clock = [dt.datetime(2024, 11, 1, 8, 0, tzinfo=dt.timezone.utc)]
    now = lambda: clock[0]  # noqa: E731
    lengths = []
    for _ in range(3):
        for _ in range(users.MAX_FAILURES):
            try:
                users.authenticate("rina", "tebakan", accounts, client=STRANGER, now=now, sleep=no_sleep)
            except users.AccountLocked as exc:
                lengths.append((exc.until - clock[0]).total_seconds())
            except users.LoginRefused:
                pass
        clock[0] += dt.timedelta(days=2)
    assert lengths == [users.LOCK_SECONDS, 2 * users.LOCK_SECONDS, 4 * users.LOCK_SECONDS]


def test_unknown_names_are_slowed_per_client_too(accounts):
    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    waits = []
    for name in ("budi", "sari", "andi"):
        with pytest.raises(users.LoginRefused):
            users.authenticate(name, "tebakan", accounts, client=STRANGER, sleep=waits.append)
    with pytest.raises(users.LoginRefused):
        users.authenticate("joko", "tebakan", accounts, client=STAFF_PC, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0, 0.5]


def test_cli_unlock_lifts_every_lock_of_an_account(accounts, repo_root):
    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    for _ in range(users.MAX_FAILURES):
        with pytest.raises((users.LoginRefused, users.AccountLocked)):
            users.authenticate("rina", "tebakan", accounts, client=STRANGER, sleep=no_sleep)
    env = {"PPA_USERS": str(accounts)}
    listed = run_cli(repo_root, "users", "list", env_extra=env)
    assert f"terkunci untuk {STRANGER}" in listed.stdout
    r = run_cli(repo_root, "users", "unlock", "Rina", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert "kunci 1 alamat dihapus" in r.stdout and "unlock" in r.stderr  # the unlock is logged too
    assert users.authenticate("rina", "rahasia-panjang", accounts, client=STRANGER, sleep=no_sleep) == "analis"
    assert run_cli(repo_root, "users", "unlock", "budi", env_extra=env).returncode == 1


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


def _login_sidebar():
    from app import auth
    st_role = auth.sidebar_login()
    import streamlit as st
    st.write(f"peran: {st_role}")


def test_the_sidebar_login_counts_failures_for_the_browser_s_address(accounts, monkeypatch):
    from streamlit.testing.v1 import AppTest

    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    monkeypatch.setenv("PPA_USERS", str(accounts))
    monkeypatch.delenv("PPA_PUBLIC", raising=False)
    monkeypatch.setattr(users, "FAILURE_DELAY_SECONDS", 0.01)  # keep the test quick; the doubling stays
    at = AppTest.from_function(_login_sidebar, default_timeout=60).run()
    for _ in range(users.MAX_FAILURES):
        at.sidebar.text_input(key="login_name").input("rina")
        at.sidebar.text_input(key="login_password").input("tebakan")
        at.sidebar.button[0].click().run()
    assert "dari komputer ini" in at.sidebar.error[0].value
    clients = json.loads(accounts.read_text())["users"]["rina"]["clients"]
    assert list(clients) == [users.LOCAL_CLIENT] and clients[users.LOCAL_CLIENT]["locked_until"]
    # another computer still gets in with the right password
    assert users.authenticate("rina", "rahasia-panjang", accounts, client=STAFF_PC, sleep=no_sleep) == "analis"
