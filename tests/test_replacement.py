"""A month is replaced only by what actually loaded (issue 21, item 1), and `python -m etl inspect` (item 4)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys

import duckdb
import openpyxl
import pytest

from etl import history, load, vocab
from loadhelpers import entry, recap, register, snapshot

D = dt.date
OUTSIDE = ["Sungai Gelam", "Mestong", "Kumpeh", "Sekernan", "Jambi Luar Kota"]


def etl(repo_root, *args):
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=repo_root, capture_output=True,
                          text=True, timeout=300)


def count(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def polresta_september(path, districts):
    return register(path, "POLRESTA", D(2024, 9, 1), D(2024, 9, 1),
                    [entry(f"LP/{i}", D(2024, 9, 3 + i), district=d) for i, d in enumerate(districts, 1)])


def outside_the_city(source, target):
    """The recap with every kecamatan cell replaced by a place outside the city: every row is rejected."""
    names = {d.name.lower() for d in vocab.districts()}
    wb = openpyxl.load_workbook(source)
    replaced = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip().lower() in names:
                    cell.value = OUTSIDE[replaced % len(OUTSIDE)]
                    replaced += 1
    assert replaced >= 11
    wb.save(target)
    return target


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "data" / "ppa.duckdb"


def test_a_register_whose_rows_are_all_rejected_leaves_the_earlier_one_standing(repo_root, tmp_path, db):
    first = polresta_september(tmp_path / "polresta-sep.xlsx", ["Jelutung", "Kota Baru"])
    assert etl(repo_root, "load", first, "--db", db).returncode == 0
    before = snapshot(db)
    bad = polresta_september(tmp_path / "polresta-sep-luar.xlsx", ["Sungai Gelam", "Mestong"])
    run = etl(repo_root, "load", bad, "--db", db, "--json")
    assert run.returncode == 1, run.stderr
    (f,) = json.loads(run.stdout)["files"]
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("failed", 2, 0, 2)
    assert "semua 2 baris ditolak" in f["errors"][0]["message"] and "tetap berlaku" in f["errors"][0]["message"]
    assert [e["row"] for e in f["errors"][1:]] == [7, 8]  # the rows' own messages are shown too
    assert count(db, "SELECT count(*) FROM victims WHERE agency = 'POLRESTA'") == 2
    after = snapshot(db)
    assert {k: v for k, v in after.items() if k != "load_log"} == {k: v for k, v in before.items() if k != "load_log"}
    text = etl(repo_root, "load", bad, "--db", db)
    assert text.returncode == 1 and "semua 2 baris ditolak" in text.stdout and "baris 7" in text.stdout


def test_a_recap_whose_rows_are_all_rejected_leaves_the_earlier_one_standing(tmp_path, db):
    good = recap(tmp_path / "uptd-rekap-des.xlsx", "UPTD_PPA",
                 {D(2022, 12, 1): {("15.71.01", "seksual", "P"): 3, ("15.71.02", "fisik", "L"): 2}})
    assert load.load_files([good], db=db).files[0].status == "loaded"
    bad = outside_the_city(good, tmp_path / "uptd-rekap-des-luar.xlsx")
    result = load.load_files([bad], db=db).files[0]
    assert result.status == "failed" and result.rows_loaded == 0 and result.rows_rejected >= 11
    assert "baris ditolak" in result.message and result.errors
    assert count(db, "SELECT sum(victims) FROM recap_counts") == 5
    assert count(db, "SELECT count(*) FROM submissions") == 1


def test_a_recap_of_zeros_declares_nihil_and_replaces(tmp_path, db):
    good = recap(tmp_path / "rsud-okt.xlsx", "RSUD", {D(2024, 10, 1): {("15.71.01", "fisik", "P"): 4}})
    nihil = recap(tmp_path / "rsud-okt-nihil.xlsx", "RSUD", {D(2024, 10, 1): {}})
    load.load_files([good], db=db)
    result = load.load_files([nihil], db=db).files[0]
    assert result.status == "replaced" and result.rows_rejected == 0
    assert count(db, "SELECT count(*) FROM recap_counts") == 0


def test_a_revision_that_loses_records_to_rejected_rows_is_held_until_confirmed(repo_root, tmp_path, db):
    first = register(tmp_path / "uptd-maret.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1),
                     [entry(f"R{i}", D(2024, 3, 4 + i)) for i in range(1, 6)])
    revision = register(tmp_path / "uptd-maret-revisi.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1), [
        entry("R1", D(2024, 3, 5)), entry("R2", D(2024, 3, 6)), entry("R6", D(2024, 3, 7)),
        entry("R3", D(2024, 3, 8), district="Sungai Gelam"), entry("R4", D(2024, 3, 9), district="Mestong")])
    assert etl(repo_root, "load", first, "--db", db).returncode == 0
    before = snapshot(db)

    held = etl(repo_root, "load", revision, "--db", db)
    assert held.returncode == 1, held.stderr
    assert "DITAHAN" in held.stdout and "Maret 2024: 5 menjadi 3 korban (berkurang 2)" in held.stdout
    assert "--ganti-sebagian" in held.stdout
    after = snapshot(db)
    assert {k: v for k, v in after.items() if k != "load_log"} == {k: v for k, v in before.items() if k != "load_log"}
    assert count(db, "SELECT outcome FROM load_log ORDER BY load_id DESC LIMIT 1") == "held"

    confirmed = etl(repo_root, "load", revision, "--db", db, "--ganti-sebagian", "--json")
    assert confirmed.returncode == 0, confirmed.stderr
    replaced = json.loads(confirmed.stdout)["files"][0]
    assert replaced["status"] == "replaced"
    assert count(db, "SELECT string_agg(case_ref, ',' ORDER BY case_ref) FROM victims") == "R1,R2,R6"
    # undo works as before: the confirmed revision goes, the first file stands again
    revision_id = hashlib.sha256(revision.read_bytes()).hexdigest()
    assert list(history.undo(db, revision_id).restored.values()) == [[D(2024, 3, 1)]]
    assert count(db, "SELECT string_agg(case_ref, ',' ORDER BY case_ref) FROM victims") == "R1,R2,R3,R4,R5"


def test_a_revision_without_rejected_rows_replaces_at_once_even_with_fewer_records(tmp_path, db):
    first = register(tmp_path / "v1.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1),
                     [entry("R1", D(2024, 3, 5)), entry("R2", D(2024, 3, 6))])
    fewer = register(tmp_path / "v2.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1), [entry("R1", D(2024, 3, 5))])
    load.load_files([first], db=db)
    assert load.load_files([fewer], db=db).files[0].status == "replaced"
    assert count(db, "SELECT count(*) FROM victims") == 1


def test_months_without_records_are_replaced_only_when_no_row_was_rejected(tmp_path, db):
    quarter = register(tmp_path / "q1.xlsx", "UPTD_PPA", D(2024, 1, 1), D(2024, 3, 1),
                       [entry("R1", D(2024, 1, 10)), entry("R2", D(2024, 2, 10)), entry("R3", D(2024, 3, 10))])
    # January and March again; February has no record, and one row (whose month cannot be trusted) is rejected
    revision = register(tmp_path / "q1-revisi.xlsx", "UPTD_PPA", D(2024, 1, 1), D(2024, 3, 1), [
        entry("R1", D(2024, 1, 10)), entry("R3", D(2024, 3, 10)), entry("R9", D(2024, 2, 12), district="Mestong")])
    load.load_files([quarter], db=db)
    result = load.load_files([revision], db=db).files[0]
    assert result.status == "replaced" and result.months == [D(2024, 1, 1), D(2024, 3, 1)]
    assert count(db, "SELECT string_agg(case_ref, ',' ORDER BY case_ref) FROM victims") == "R1,R2,R3"


def database_checksum(db):
    """sha256 over every file under the database folder (database, WAL, raw/, backups/), names included."""
    digest = hashlib.sha256()
    for path in sorted(p for p in db.parent.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(db.parent)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_inspect_shows_what_loading_would_do_and_changes_nothing(repo_root, tmp_path, db):
    first = register(tmp_path / "uptd-maret.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1),
                     [entry(f"R{i}", D(2024, 3, 4 + i)) for i in range(1, 4)])
    load.load_files([first], db=db)
    revision = register(tmp_path / "uptd-maret-revisi.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1), [
        entry("R1", D(2024, 3, 5)), entry("R2", D(2024, 3, 6), district="Mestong")])
    growing = register(tmp_path / "uptd-april.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 4, 1), [
        entry(f"R{i}", D(2024, 3, 4 + i)) for i in range(1, 6)] + [entry("A1", D(2024, 4, 2))])
    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"bukan workbook")
    checksum = database_checksum(db)

    run = etl(repo_root, "inspect", revision, growing, broken, first, "--db", db, "--json")
    assert run.returncode == 1, run.stderr  # one file would be held, one would fail
    held, grows, failed, same = json.loads(run.stdout)["files"]
    assert (held["status"], held["rows_loaded"], held["rows_rejected"]) == ("held", 1, 1)
    assert held["replaces"][0]["file_name"] == "uptd-maret.xlsx"
    assert held["replaces"][0]["months"] == [
        {"month": "2024-03", "records_before": 3, "records_after": 1, "change": -2}]
    assert "3 menjadi 1 korban (berkurang 2)" in held["message"] and held["errors"][1]["row"] == 8
    assert grows["status"] == "replaced" and grows["period"] == ["2024-03", "2024-04"]
    assert grows["replaces"][0]["months"] == [
        {"month": "2024-03", "records_before": 3, "records_after": 5, "change": 2}]
    assert failed["status"] == "failed" and failed["errors"][0]["message"]
    assert same["status"] == "unchanged" and same["replaces"] == []

    text = etl(repo_root, "inspect", revision, growing, "--db", db)
    assert "Mengganti  : Maret 2024 dari kiriman" in text.stdout and "3 → 1 korban (−2)" in text.stdout
    assert "3 → 5 korban (+2)" in text.stdout and "Tidak ada yang disimpan" in text.stdout
    assert database_checksum(db) == checksum

    fresh = tmp_path / "baru" / "ppa.duckdb"
    alone = etl(repo_root, "inspect", growing, "--db", fresh, "--json")
    assert alone.returncode == 0 and json.loads(alone.stdout)["files"][0]["status"] == "loaded"
    assert not fresh.parent.exists()  # inspecting against no database creates none


def test_rebuild_leaves_out_an_archived_file_that_stands_for_no_month(repo_root, tmp_path, db):
    """An older version stored files whose every row was rejected; rebuilding says so and goes on without them."""
    kept = register(tmp_path / "uptd-maret.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1), [entry("R1", D(2024, 3, 5))])
    stored = load.load_files([polresta_september(tmp_path / "polresta-sep.xlsx", ["Jelutung"]), kept], db=db)
    archived = db.parent / "raw" / f"{stored.files[0].submission_id}.xlsx"
    archived.write_bytes(polresta_september(tmp_path / "luar.xlsx", ["Sungai Gelam"]).read_bytes())
    run = etl(repo_root, "rebuild", "--db", db)
    assert run.returncode == 0, run.stderr
    assert "Dilewati: File 'polresta-sep.xlsx': semua 1 baris ditolak" in run.stdout
    assert count(db, "SELECT string_agg(agency || ':' || case_ref, ',') FROM victims") == "UPTD_PPA:R1"
