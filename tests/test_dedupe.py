"""Cross-agency duplicates (issue 3, item 6): the rule, its edges, and that scoped recomputation equals a full one."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
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

    from etl.model import ParsedWorkbook, VictimRow, victims_as_table

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
                                    rows_read=len(victims), victim_table=victims_as_table(victims))
            sid = f"{n:04d}{seed:02d}".ljust(64, "0")
            with dbmod.transaction(con):
                _months, _replaced, released = load.store_parsed(con, parsed, sid, f"f{n}.xlsx", ".xlsx",
                                                                 dt.datetime(2024, 7, 1) + dt.timedelta(minutes=n))
                dedupe.refresh_after_load(con, [sid], released)
            incremental = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
            with dbmod.transaction(con):
                dedupe.refresh_duplicates(con)
            full = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
            assert incremental == full, f"after load {n} ({agency}, {month})"
        assert sum(1 for _k, d in full if d) > 10
    finally:
        con.close()



def _submit(con, submission_id, agency, months, records):
    """A register submission and its records, straight in SQL, duplicate_of left NULL."""
    con.execute("INSERT INTO submissions (submission_id, agency, file_name, file_ext, shape, months, loaded_at, "
                "status, rows_read, rows_loaded, rows_rejected) "
                "VALUES (?, ?, ?, '.xlsx', 'register', ?::DATE[], now(), 'active', ?, ?, 0)",
                [submission_id, agency, f"{submission_id[:8]}.xlsx", months, len(records), len(records)])
    for i, (day, district, sex, age, forms) in enumerate(records):
        key = f"{submission_id[:16]}:0:{i}"
        con.execute("INSERT INTO victim_records (victim_key, submission_id, agency, case_ref, case_key, report_date, "
                    "district_code, age, sex, violence_types, source_sheet, source_row) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Register', ?)",
                    [key, submission_id, agency, f"{agency}/{i}", key, day, district, age, sex, list(forms), 7 + i])


def _replace_month(con, submission_id, agency, month, records):
    """What a load does for a one-month register file: the agency's older records of that month deleted, the new
    ones inserted. Returns the deleted records that were primaries (possibly this batch's own, still unmarked)."""
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    deleted = con.execute("DELETE FROM victim_records WHERE agency = ? AND report_date BETWEEN ? AND ? "
                          "RETURNING victim_key, duplicate_of", [agency, month, last]).fetchall()
    _submit(con, submission_id, agency, [month], records)
    return [key for key, primary in deleted if primary is None]


def _rule_by_hand(con):
    """The rule of the module docstring, record by record in Python: victim_key -> duplicate_of."""
    order = dedupe.agency_order(con)
    rows = con.execute("SELECT victim_key, agency, report_date, district_code, sex, age, violence_types "
                       "FROM victim_records").fetchall()
    marked = {}
    for rank, agency in enumerate(order):
        for key, _agency, day, district, sex, age, forms in (r for r in rows if r[1] == agency):
            candidates = [(abs((p_day - day).days), order.index(p_agency), p_key)
                          for p_key, p_agency, p_day, p_district, p_sex, p_age, p_forms in rows
                          if p_agency in order[:rank] and marked[p_key] is None
                          and sex is not None and age is not None and p_sex == sex and p_district == district
                          and p_age is not None and abs(p_age - age) <= 1 and abs((p_day - day).days) <= 30
                          and set(p_forms) & set(forms)]
            marked[key] = min(candidates)[2] if candidates else None
    return sorted(marked.items())


def _waiting(submission_id, agency, records):
    """A file's records as a batch's victims waiting to be inserted (the columns of etl.load._owned the rule reads),
    keyed as _submit keys them."""
    return pa.table({
        "victim_key": [f"{submission_id[:16]}:0:{i}" for i in range(len(records))], "agency": [agency] * len(records),
        "district_code": [r[1] for r in records], "sex": [r[2] for r in records],
        "age": pa.array([r[3] for r in records], pa.int32()), "report_date": pa.array([r[0] for r in records],
                                                                                        pa.date32()),
        "violence_types": [list(r[4]) for r in records]})


def _insert_marked(con, submission_id, agency, records, marked):
    """Waiting records inserted as _submit inserts them, with the duplicate_of marked for them."""
    for i, ((day, district, sex, age, forms), primary) in enumerate(zip(records, marked.to_pylist())):
        key = f"{submission_id[:16]}:0:{i}"
        con.execute("INSERT INTO victim_records (victim_key, submission_id, agency, case_ref, case_key, report_date, "
                    "district_code, age, sex, violence_types, source_sheet, source_row, duplicate_of) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Register', ?, ?)",
                    [key, submission_id, agency, f"{agency}/{i}", key, day, district, age, sex, list(forms), 7 + i,
                     primary])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("waiting", [False, True])
def test_one_refresh_per_batch_equals_a_full_recomputation(tmp_path, seed, waiting):
    """Batches of several files, each inserted in its own transaction and replacing its agency-month (sometimes
    with no records at all, sometimes twice in one batch), marked by one refresh_after_load per batch. With
    ``waiting``, about half of the files' records wait outside the table, as a load's last victims do, are marked
    there and inserted with their marks."""
    import random

    rng, hold = random.Random(seed), random.Random(-seed)  # the same records with and without waiting ones
    months = [D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1)]
    con = dbmod.connect(tmp_path / "ppa.duckdb")
    changed_old = 0  # records of earlier batches whose duplicate_of a later batch changed: the incremental path
    most = 0  # the most duplicates after any batch
    marked_waiting = 0  # waiting records marked as duplicates
    try:
        n = 0
        for batch in range(15):
            before = dict(con.execute("SELECT victim_key, duplicate_of FROM victim_records").fetchall())
            ids, released, held = [], [], []
            for _ in range(rng.choice([1, 2, 4, 6])):
                n += 1
                agency = rng.choice(["UPTD_PPA", "POLRESTA", "DINSOS", "LSM"])
                month = rng.choice(months)
                records = [(month.replace(day=rng.randint(1, 28)), rng.choice(["15.71.01", "15.71.02"]),
                            rng.choice(["P", "P", "L", None]), rng.choice([10, 11, 12, 13, None]),
                            sorted(rng.sample(["fisik", "psikis", "seksual"], rng.randint(1, 2))))
                           for _ in range(rng.choice([0, 3, 8, 15]))]
                submission_id = f"{n:04d}{seed:02d}".ljust(64, "0")
                # the agency-month's records waiting from an earlier file of the batch are replaced too
                held = [h for h in held if (h[1], h[2]) != (agency, month)]
                with dbmod.transaction(con):
                    if waiting and hold.random() < 0.5:
                        released += _replace_month(con, submission_id, agency, month, [])
                        held.append((submission_id, agency, month, records))
                    else:
                        released += _replace_month(con, submission_id, agency, month, records)
                ids.append(submission_id)
            with dbmod.transaction(con):
                marks = dedupe.refresh_after_load(con, ids, released, [_waiting(h[0], h[1], h[3]) for h in held])
            with dbmod.transaction(con):
                for (submission_id, agency, _month, records), marked in zip(held, marks):
                    _insert_marked(con, submission_id, agency, records, marked)
                    marked_waiting += marked.null_count < len(marked)
            incremental = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
            changed_old += sum(1 for key, primary in incremental if key in before and before[key] != primary)
            with dbmod.transaction(con):
                dedupe.refresh_duplicates(con)
            full = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
            assert incremental == full, f"after batch {batch} ({len(ids)} files, {len(released)} released)"
            assert full == _rule_by_hand(con)
            most = max(most, sum(1 for _k, d in full if d))
        assert most > 10 and changed_old > 0 and (marked_waiting > 3 if waiting else True)
    finally:
        con.close()


def test_a_batch_spanning_years_pairs_only_within_thirty_days(tmp_path):
    """The date buckets: 30 days apart across a bucket edge still pair, 31 days or a year apart don't."""
    child = ("15.71.01", "P", 14, ["seksual"])
    uptd = [(D(2020, 1, 15), *child), (D(2024, 5, 2), *child)]
    dinsos = [(D(2024, 6, 1), *child), (D(2024, 6, 2), *child[:2], 15, child[3])]  # 30 and 31 days after U 2024
    lsm = [(D(2020 + k, 1, 15), *child) for k in (1, 2, 3)]
    con = dbmod.connect(tmp_path / "ppa.duckdb")
    try:
        ids = []
        with dbmod.transaction(con):
            for n, (agency, records) in enumerate([("LSM", lsm), ("DINSOS", dinsos), ("UPTD_PPA", uptd)]):
                ids.append(f"{n:04d}".ljust(64, "0"))
                _submit(con, ids[-1], agency, sorted({r[0].replace(day=1) for r in records}), records)
            dedupe.refresh_after_load(con, ids)
        assert con.execute("SELECT agency, report_date, duplicate_of FROM victim_records "
                           "WHERE duplicate_of IS NOT NULL").fetchall() == [("DINSOS", D(2024, 6, 1),
                                                                             "0002000000000000:0:1")]
    finally:
        con.close()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("waiting", [False, True])
def test_the_sorted_search_finds_the_rule_by_hand_on_crowded_records(tmp_path, seed, waiting):
    """best_primaries (the sorted search) on records crowded into few kecamatan, ages and days, so that candidates
    tie on date gap and agency and the key order decides; dates and ages at the ends of the searched ranges
    (gaps of 30 and 31 days, the youngest and oldest ages), records without sex or age, forms shared or not. With
    ``waiting``, a batch's records all wait outside the table (a new database's load) and are marked there."""
    import random

    rng = random.Random(seed)
    days = [D(2019, 12, 31), D(2020, 1, 1), D(2020, 1, 30), D(2020, 1, 31), D(2020, 3, 1), D(2021, 6, 15)]
    con = dbmod.connect(tmp_path / "ppa.duckdb")
    try:
        held = []
        with dbmod.transaction(con):
            for n, agency in enumerate(["UPTD_PPA", "POLRESTA", "DINSOS", "LSM"] * 2):
                records = [(rng.choice(days) + dt.timedelta(days=rng.choice([0, 0, 1])),
                            rng.choice(["15.71.01", "15.71.02"]),
                            rng.choice(["P", "L", None]), rng.choice([0, 1, 2, 69, 70, None]),
                            sorted(rng.sample(["fisik", "psikis", "seksual", "tppo"], rng.randint(1, 3))))
                           for _ in range(40)]
                held.append((f"{n:04d}{seed:02d}".ljust(64, "0"), agency, records))
                _submit(con, held[-1][0], agency, sorted({r[0].replace(day=1) for r in records}),
                        [] if waiting else records)
            if waiting:
                marks = dedupe.refresh_after_load(con, [h[0] for h in held], (),
                                                  [_waiting(*h) for h in held])
                for h, marked in zip(held, marks):
                    _insert_marked(con, *h, marked)
            else:
                dedupe.refresh_duplicates(con)
        marked = con.execute("SELECT victim_key, duplicate_of FROM victim_records ORDER BY 1").fetchall()
        assert marked == _rule_by_hand(con)
        assert sum(1 for _k, d in marked if d) > 40
    finally:
        con.close()


def test_the_sorted_search_pairs_no_records_on_a_missing_kecamatan():
    """As the SQL rule's equality (NULL = NULL is not true): two records alike but without a kecamatan are no pair,
    even where a table other than victim_records (whose district_code is NOT NULL) is searched."""
    con = duckdb.connect()
    con.execute("CREATE TABLE victim_records (victim_key VARCHAR, agency VARCHAR, district_code VARCHAR, sex VARCHAR,"
                " age INTEGER, report_date DATE, violence_types VARCHAR[], duplicate_of VARCHAR)")
    con.execute("INSERT INTO victim_records VALUES "
                "('a', 'UPTD_PPA', NULL, 'P', 10, '2024-03-01', ['fisik'], NULL),"
                "('b', 'POLRESTA', NULL, 'P', 10, '2024-03-02', ['fisik'], NULL),"
                "('c', 'UPTD_PPA', '15.71.01', 'P', 10, '2024-03-01', ['fisik'], NULL),"
                "('d', 'POLRESTA', '15.71.01', 'P', 11, '2024-03-02', ['fisik'], NULL)")
    seekers = con.sql("SELECT * FROM victim_records WHERE agency = 'POLRESTA' ORDER BY victim_key").to_arrow_table()
    found = dedupe.best_primaries(con, ["UPTD_PPA"], D(2024, 1, 1), D(2024, 12, 31), seekers)
    assert found.to_pylist() == [None, "c"]
