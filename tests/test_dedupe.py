"""Cross-agency duplicates (issue 3, item 6): the rule, its edges, and that scoped recomputation equals a full one."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from etl import db as dbmod
from etl import dedupe, load
from loadhelpers import entry, register

D = dt.date
BASE = dict(district="Kota Baru", sex="P", age=14, forms=("Seksual",))


def _load(tmp_path, db, agency, name, entries):
    days = [e.report_date for e in entries]
    first, last = min(days).replace(day=1), max(days).replace(day=1)
    path = register(tmp_path / f"{name}.xlsx", agency, first, last, entries)
    result = load.load_files([path], db=db).files[0]
    assert result.rows_rejected == 0, result.errors


def _pairs(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {(p["agency"], p["case_ref"], p["primary_agency"], p["primary_case_ref"])
                for p in dedupe.duplicate_pairs(con)}
    finally:
        con.close()


def test_same_victim_from_two_agencies_is_paired_to_the_primary_agency(tmp_path):
    db = tmp_path / "ppa.duckdb"
    # the police record arrives first; the UPTD record is still the primary one
    _load(tmp_path, db, "POLRESTA", "polresta", [entry("LP/7", D(2024, 5, 20), **{**BASE, "age": 15})])
    _load(tmp_path, db, "UPTD_PPA", "uptd", [entry("U/1", D(2024, 5, 2), **{**BASE, "forms": ("Seksual", "Psikis")})])
    assert _pairs(db) == {("POLRESTA", "LP/7", "UPTD_PPA", "U/1")}
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT case_key) FILTER (WHERE duplicate_of IS NULL) "
                       "FROM victims").fetchone() == (2, 1)
    con.close()


@pytest.mark.parametrize("change, why", [
    ({"age": 16}, "umur berbeda 2 tahun"),
    ({"sex": "L"}, "jenis kelamin berbeda"),
    ({"district": "Jelutung"}, "kecamatan berbeda"),
    ({"forms": ("Fisik",)}, "bentuk kekerasan tidak beririsan"),
    ({"day": D(2024, 6, 2)}, "tanggal lapor berselisih 31 hari"),
    ({"age": None}, "umur tidak diketahui"),
])
def test_records_that_differ_are_not_paired(tmp_path, change, why):
    db = tmp_path / "ppa.duckdb"
    _load(tmp_path, db, "UPTD_PPA", "uptd", [entry("U/1", D(2024, 5, 2), **BASE)])
    other = {**BASE, **{k: v for k, v in change.items() if k != "day"}}
    _load(tmp_path, db, "DINSOS", "dinsos", [entry("DS/1", change.get("day", D(2024, 5, 9)), **other)])
    assert _pairs(db) == set(), why


def test_thirty_days_apart_is_still_paired(tmp_path):
    db = tmp_path / "ppa.duckdb"
    _load(tmp_path, db, "UPTD_PPA", "uptd", [entry("U/1", D(2024, 5, 2), **BASE)])
    _load(tmp_path, db, "DINSOS", "dinsos", [entry("DS/1", D(2024, 6, 1), **BASE)])
    assert _pairs(db) == {("DINSOS", "DS/1", "UPTD_PPA", "U/1")}


def test_records_of_one_agency_are_never_paired(tmp_path):
    db = tmp_path / "ppa.duckdb"
    _load(tmp_path, db, "UPTD_PPA", "uptd", [entry("U/1", D(2024, 5, 2), **BASE), entry("U/2", D(2024, 5, 3), **BASE)])
    assert _pairs(db) == set()


def test_the_closest_report_date_wins_and_points_at_a_primary_record(tmp_path):
    db = tmp_path / "ppa.duckdb"
    _load(tmp_path, db, "UPTD_PPA", "uptd", [entry("U/1", D(2024, 5, 1), **BASE)])
    _load(tmp_path, db, "POLRESTA", "polresta", [entry("LP/1", D(2024, 5, 12), **BASE)])
    # LSM's record matches both; the police record is itself a duplicate, so it can't be a primary
    _load(tmp_path, db, "LSM", "lsm", [entry("L/1", D(2024, 5, 13), **BASE)])
    assert _pairs(db) == {("POLRESTA", "LP/1", "UPTD_PPA", "U/1"), ("LSM", "L/1", "UPTD_PPA", "U/1")}


def test_closest_of_two_primary_candidates(tmp_path):
    db = tmp_path / "ppa.duckdb"
    _load(tmp_path, db, "UPTD_PPA", "uptd", [entry("U/1", D(2024, 5, 1), **BASE), entry("U/2", D(2024, 5, 20), **BASE)])
    _load(tmp_path, db, "DINSOS", "dinsos", [entry("DS/1", D(2024, 5, 16), **BASE)])
    assert _pairs(db) == {("DINSOS", "DS/1", "UPTD_PPA", "U/2")}


def test_replacing_the_primary_file_releases_its_duplicates(tmp_path):
    db = tmp_path / "ppa.duckdb"
    _load(tmp_path, db, "UPTD_PPA", "uptd-v1", [entry("U/1", D(2024, 5, 2), **BASE)])
    _load(tmp_path, db, "POLRESTA", "polresta", [entry("LP/7", D(2024, 5, 20), **BASE)])
    assert len(_pairs(db)) == 1
    _load(tmp_path, db, "UPTD_PPA", "uptd-v2", [entry("U/1", D(2024, 5, 2), **{**BASE, "district": "Jelutung"})])
    assert _pairs(db) == set()


def test_scoped_recomputation_equals_a_full_one(demo_db):
    con = dbmod.connect(demo_db)
    incremental = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
    with dbmod.transaction(con):
        dedupe.refresh_duplicates(con)
    full = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
    con.close()
    assert sum(1 for _k, d in full if d) > 20
    assert incremental == full
