"""History and undo: the undone file's records go, what it replaced comes back, equal to a rebuild; CLI; backups."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from etl import backups, history, load
from etl import db as dbmod
from tests.messy import write_messy_register

REPO_ARGS = dict(capture_output=True, text=True)


def register(path, rows):
    """A DINSOS register with rows (date, age, sex, kecamatan, wording)."""
    return write_messy_register(path, [[i, f"Nama {i}", d, a, s, k, w] for i, (d, a, s, k, w) in enumerate(rows, 1)])


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=cwd, **REPO_ARGS)


def state(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "victims": con.execute("SELECT victim_key, submission_id, duplicate_of FROM victim_records "
                                   "ORDER BY 1").fetchall(),
            "submissions": con.execute("SELECT submission_id, status, superseded_by FROM submissions "
                                       "WHERE status <> 'undone' ORDER BY 1").fetchall(),
            "counts": con.execute("SELECT month, district_code, violence_type, sex, agency, source, victims "
                                  "FROM monthly_counts ORDER BY ALL").fetchall(),
        }


@pytest.fixture()
def loaded(tmp_path):
    """A database with DINSOS Oct–Nov, then a DINSOS Nov correction, then UPTD Nov (a shared victim)."""
    db = tmp_path / "data" / "ppa.duckdb"
    first = register(tmp_path / "dinsos okt-nov.xlsx", [
        (dt.date(2024, 10, 3), 9, "P", "Kotabaru", "Pencabulan"),
        (dt.date(2024, 11, 4), 12, "P", "Jambi Timur", "Penganiayaan"),
        (dt.date(2024, 11, 6), 30, "P", "Telanaipura", "KDRT psikis")])
    second = register(tmp_path / "dinsos nov revisi.xlsx", [
        (dt.date(2024, 11, 4), 12, "P", "Jambi Timur", "Penganiayaan"),
        (dt.date(2024, 11, 6), 30, "P", "Telanaipura", "KDRT psikis"),
        (dt.date(2024, 11, 8), 14, "L", "Alam Barajo", "Penelantaran anak")])
    third = tmp_path / "uptd nov.xlsx"
    register(third, [(dt.date(2024, 11, 10), 12, "P", "Jambi Timur", "Penganiayaan")])
    report = load.load_files([first], db=db)
    report2 = load.load_files([second], db=db)
    report3 = load.load_files([third], agency="UPTD_PPA", db=db)
    assert [f.status for f in report.files + report2.files + report3.files] == ["loaded", "replaced", "loaded"]
    ids = [r.files[0].submission_id for r in (report, report2, report3)]
    return db, ids


def test_history_lists_every_submission_newest_first(loaded):
    db, (first, second, third) = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        entries = history.history(con)
    assert [e["submission_id"] for e in entries] == [third, second, first]
    assert entries[2]["status"] == "active" and entries[2]["superseded_by"] == second
    assert entries[2]["records_standing"] == 1            # only its October row still stands
    assert entries[1]["records_standing"] == 3 and entries[1]["file_name"] == "dinsos nov revisi.xlsx"


def test_undo_brings_back_what_the_file_replaced_and_equals_a_rebuild(loaded, tmp_path):
    db, (first, second, third) = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        uptd_dup = con.execute("SELECT duplicate_of FROM victim_records WHERE agency = 'UPTD_PPA'").fetchone()[0]
    assert uptd_dup is None  # UPTD_PPA is primary: the DINSOS record points at it instead
    result = history.undo(db, second[:10])
    assert result.submission_id == second and result.records_removed == 3
    assert result.restored == {first: [dt.date(2024, 11, 1)]}
    after = state(db)
    assert {sid for _, sid, _ in after["victims"]} == {first, third}
    assert len([v for v in after["victims"] if v[1] == first]) == 3
    assert (first, "active", None) in after["submissions"]
    # the restored DINSOS record of the shared victim is marked as UPTD_PPA's duplicate again
    assert sum(1 for _, sid, dup in after["victims"] if sid == first and dup is not None) == 1

    copy = tmp_path / "copy"
    shutil.copytree(db.parent, copy)
    load.rebuild(copy / db.name)
    assert state(copy / db.name) == after

    with duckdb.connect(str(db), read_only=True) as con:
        status, = con.execute("SELECT status FROM submissions WHERE submission_id = ?", [second]).fetchone()
        logged = con.execute("SELECT outcome, message FROM load_log WHERE submission_id = ? ORDER BY load_id DESC",
                             [second]).fetchone()
    assert status == "undone" and logged[0] == "undone" and first[:12] in logged[1]


def test_undo_of_the_only_file_for_a_month_removes_the_month_and_reload_brings_it_back(loaded, tmp_path):
    db, (first, second, third) = loaded
    history.undo(db, third)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM victims WHERE agency = 'UPTD_PPA'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM victims WHERE duplicate_of IS NOT NULL").fetchone()[0] == 0
    again = load.load_files([tmp_path / "uptd nov.xlsx"], agency="UPTD_PPA", db=db)
    assert again.files[0].status == "loaded"


def test_cli_history_json_and_undo_exit_codes(loaded, repo_root):
    db, (first, second, third) = loaded
    out = cli("history", "--db", str(db), "--json", cwd=repo_root)
    assert out.returncode == 0, out.stderr
    entries = json.loads(out.stdout)
    assert entries[0]["submission_id"] == third and entries[2]["months"] == ["2024-10", "2024-11"]
    assert set(entries[0]) >= {"file_name", "agency", "shape", "status", "loaded_at", "rows_loaded", "rows_rejected"}
    text = cli("history", "--db", str(db), cwd=repo_root)
    assert "dinsos nov revisi.xlsx" in text.stdout and "digantikan" not in text.stdout.splitlines()[0]

    unknown = cli("undo", "ffffff0000", "--db", str(db), cwd=repo_root)
    assert unknown.returncode == 2 and "Tidak ada kiriman dengan ID 'ffffff0000'" in unknown.stderr
    short = cli("undo", "ab", "--db", str(db), cwd=repo_root)
    assert short.returncode == 2 and "minimal 6 karakter" in short.stderr
    done = cli("undo", second[:8], "--db", str(db), cwd=repo_root)
    assert done.returncode == 0 and f"Kiriman {second[:12]}" in done.stdout and first[:12] in done.stdout
    twice = cli("undo", second[:8], "--db", str(db), cwd=repo_root)
    assert twice.returncode == 1 and "sudah dibatalkan" in twice.stderr


def test_a_failed_undo_changes_nothing(loaded):
    db, (first, second, third) = loaded
    before = state(db)
    (db.parent / "raw" / f"{first}.cells").unlink()   # what would be restored is gone from the archive
    with pytest.raises(Exception, match="tidak dapat dipulihkan"):
        history.undo(db, second)
    assert state(db) == before


def test_a_snapshot_is_taken_before_each_change_and_old_ones_are_pruned(loaded, monkeypatch, repo_root, tmp_path):
    db, (first, second, third) = loaded
    snaps = backups.list_backups(db)
    assert len(snaps) == 2          # before the 2nd and 3rd load (the first load had no database yet)
    assert oct(snaps[0].stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("PPA_BACKUP_KEEP", "2")
    before_undo = state(db)
    history.undo(db, second)
    assert len(backups.list_backups(db)) == 2
    newest = backups.list_backups(db)[0]
    restored = cli("restore", newest.name, "--db", str(db), cwd=repo_root)
    assert restored.returncode == 0, restored.stderr
    assert state(db) == before_undo
    listed = cli("backups", "--db", str(db), cwd=repo_root)
    assert listed.returncode == 0 and backups.list_backups(db)[0].name in listed.stdout  # the pre-restore one
    assert len(backups.list_backups(db)) == 2
    missing = cli("restore", "ppa-tidak-ada.duckdb", "--db", str(db), cwd=repo_root)
    assert missing.returncode == 2 and "tidak ditemukan" in missing.stderr
