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


@pytest.mark.parametrize("seed", range(6))
def test_incremental_marking_after_each_load_equals_a_full_recomputation(tmp_path, seed):
    """Loads in random order, resubmissions (partly and wholly empty) included, on a crowded small city."""
    import random

    from etl.model import ParsedWorkbook, VictimRow

    rng = random.Random(seed)
    months = [D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1)]
    con = dbmod.connect(tmp_path / "ppa.duckdb")
    try:
        for n in range(40):
            agency = rng.choice(["UPTD_PPA", "POLRESTA", "DINSOS", "LSM"])
            month = rng.choice(months)
            victims = [VictimRow(
                sheet="Register", sheet_index=0, row=7 + i, case_ref=f"{agency}/{n}/{i}",
                report_date=month.replace(day=rng.randint(1, 28)),
                district_code=rng.choice(["15.71.01", "15.71.02"]), violence_types=tuple(sorted(rng.sample(
                    ["fisik", "psikis", "seksual"], rng.randint(1, 2)))), sex=rng.choice(["P", "P", "L", None]),
                age=rng.choice([10, 11, 12, 13, None])) for i in range(rng.choice([0, 3, 8, 15]))]
            parsed = ParsedWorkbook(file_name=f"f{n}.xlsx", agency=agency, shape="register", months=[month],
                                    rows_read=len(victims), victims=victims)
            with dbmod.transaction(con):
                load.store_parsed(con, parsed, f"{n:04d}{seed:02d}".ljust(64, "0"), f"f{n}.xlsx", ".xlsx",
                                  dt.datetime(2024, 7, 1) + dt.timedelta(minutes=n))
            incremental = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
            with dbmod.transaction(con):
                dedupe.refresh_duplicates(con)
            full = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
            assert incremental == full, f"after load {n} ({agency}, {month})"
        assert sum(1 for _k, d in full if d) > 10
    finally:
        con.close()
