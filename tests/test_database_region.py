"""A database knows its region: load, rebuild, restore and the dashboard under another region's reference are
refused (exit 2, nothing changed); a changed reference of the same region is accepted and recorded; a rebuild that
ends with fewer records says so and names the backup that keeps the old database."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import auth
from etl import vocab
from loadhelpers import entry, register
from test_region import REGION_NAME, write_region

REPO = Path(__file__).resolve().parents[1]


def etl(*args: str, reference: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPA_")}
    if reference:
        env["PPA_REFERENCE"] = str(reference)
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def checksum(folder: Path) -> str:
    """Every file under the database folder, bytes and names (the database, WAL, raw archive, backups)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture()
def jambi_db(tmp_path) -> Path:
    """A Kota Jambi database with one register of two victims (September 2024)."""
    db = tmp_path / "data" / "ppa.duckdb"
    first = register(tmp_path / "polresta-sep.xlsx", "POLRESTA", dt.date(2024, 9, 1), dt.date(2024, 9, 30),
                     [entry("LP/1", dt.date(2024, 9, 3)), entry("LP/2", dt.date(2024, 9, 12), district="Kota Baru")])
    done = etl("load", str(first), "--db", str(db))
    assert done.returncode == 0, done.stdout + done.stderr
    return db


def records(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM victim_records").fetchone()[0]
    finally:
        con.close()


def test_load_rebuild_and_restore_under_another_regions_reference_are_refused(jambi_db, tmp_path):
    other = write_region(tmp_path / "sukamakmur")
    august = register(tmp_path / "uptd-agu.xlsx", "UPTD_PPA", dt.date(2024, 8, 1), dt.date(2024, 8, 31),
                      [entry("A/1", dt.date(2024, 8, 3))])
    assert etl("load", str(august), "--db", str(jambi_db)).returncode == 0  # the snapshot before it is a backup
    backup = etl("backups", "--db", str(jambi_db)).stdout.split()
    backup_name = next(word for word in backup if word.endswith(".duckdb"))
    more = register(tmp_path / "polresta-okt.xlsx", "POLRESTA", dt.date(2024, 10, 1), dt.date(2024, 10, 31),
                    [entry("LP/3", dt.date(2024, 10, 3), district="Sukamaju")])
    before = checksum(jambi_db.parent)
    for args in (("load", str(more)), ("rebuild",), ("restore", backup_name), ("history",)):
        done = etl(*args, "--db", str(jambi_db), reference=other)
        said = done.stdout + done.stderr
        assert done.returncode == 2, (args, said)
        assert "Kota Jambi (kode 15.71)" in said and f"{REGION_NAME} (kode 99.07)" in said, said
        assert "PPA_REFERENCE" in said and "Traceback" not in said
        assert checksum(jambi_db.parent) == before, args
    assert records(jambi_db) == 3


def test_a_database_of_an_older_version_is_recognised_by_its_kecamatan(jambi_db, tmp_path):
    con = duckdb.connect(str(jambi_db))
    con.execute("DELETE FROM meta WHERE key LIKE 'region_%'")  # as written before the region was recorded
    con.close()
    before = checksum(jambi_db.parent)
    done = etl("rebuild", "--db", str(jambi_db), reference=write_region(tmp_path / "sukamakmur"))
    assert done.returncode == 2 and "kecamatannya tidak ada dalam data rujukan" in done.stderr + done.stdout
    assert checksum(jambi_db.parent) == before
    assert etl("history", "--db", str(jambi_db)).returncode == 0  # under its own reference it opens
    # the next change under its own reference records the region
    assert etl("load", str(tmp_path / "polresta-sep.xlsx"), "--db", str(jambi_db)).returncode == 0
    con = duckdb.connect(str(jambi_db), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'region_code'").fetchone() == ("15.71",)
    con.close()


def test_a_changed_reference_of_the_same_region_is_accepted_and_recorded(jambi_db, tmp_path):
    changed = tmp_path / "rujukan-baru"
    shutil.copytree(REPO / "data" / "reference", changed)
    with open(changed / "agencies.csv", "a", encoding="utf-8") as f:
        f.write("BP3MI,BP3MI Jambi,7,10,bp3mi\n")
    con = duckdb.connect(str(jambi_db), read_only=True)
    old = con.execute("SELECT value FROM meta WHERE key = 'region_fingerprint'").fetchone()[0]
    con.close()
    more = register(tmp_path / "polresta-okt.xlsx", "POLRESTA", dt.date(2024, 10, 1), dt.date(2024, 10, 31),
                    [entry("LP/3", dt.date(2024, 10, 3))])
    done = etl("load", str(more), "--db", str(jambi_db), reference=changed)
    assert done.returncode == 0, done.stdout + done.stderr
    con = duckdb.connect(str(jambi_db), read_only=True)
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    con.close()
    assert meta["region_code"] == "15.71" and meta["region_fingerprint"] != old
    assert meta["region_fingerprint"] in meta["region_reference_history"]
    assert records(jambi_db) == 3


def test_a_rebuild_that_ends_with_fewer_records_says_so_and_keeps_the_old_database(tmp_path):
    # the same region, but the reference no longer knows the spelling one row used: that row is now rejected
    spelling = tmp_path / "rujukan-dengan-ejaan"
    shutil.copytree(REPO / "data" / "reference", spelling)
    with open(spelling / "place_aliases.csv", "a", encoding="utf-8") as f:
        f.write("kecamatan,15.71.01,Telanai Ujung,ejaan uji\n")
    db = tmp_path / "data" / "ppa.duckdb"
    book = register(tmp_path / "uptd-sep.xlsx", "UPTD_PPA", dt.date(2024, 9, 1), dt.date(2024, 9, 30),
                    [entry("A/1", dt.date(2024, 9, 3)), entry("A/2", dt.date(2024, 9, 5), district="Telanai Ujung")])
    assert etl("load", str(book), "--db", str(db), reference=spelling).returncode == 0
    assert records(db) == 2
    done = etl("rebuild", "--db", str(db))
    assert done.returncode == 0, done.stdout + done.stderr
    assert records(db) == 1
    assert "PERHATIAN" in done.stdout and "1 lebih sedikit" in done.stdout, done.stdout
    backup_name = done.stdout.split("cadangan ")[1].split(";")[0]
    assert records(db.parent / "backups" / backup_name) == 2
    assert etl("restore", backup_name, "--db", str(db), reference=spelling).returncode == 0
    assert records(db) == 2


def test_the_dashboard_under_another_regions_reference_says_so_instead_of_showing_no_data(jambi_db, tmp_path,
                                                                                           monkeypatch):
    monkeypatch.setenv("PPA_DB", str(jambi_db))
    monkeypatch.setenv("PPA_REFERENCE", str(write_region(tmp_path / "sukamakmur")))
    vocab.clear_caches()
    st.cache_data.clear()
    try:
        at = AppTest.from_file("../dashboard.py", default_timeout=120)
        at.session_state[auth.SESSION_KEY] = auth.session_record("uji", "operator")
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        shown = " ".join(e.value for e in at.error)
        assert "Kota Jambi (kode 15.71)" in shown and REGION_NAME in shown and "tidak ditampilkan" in shown
        assert "PPA_" not in shown
    finally:
        monkeypatch.undo()
        vocab.clear_caches()
        st.cache_data.clear()
