"""The loader's rules (issue 2, item 5), each on real workbooks and a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from contextlib import contextmanager
from dataclasses import replace

import duckdb
import pyarrow as pa
import pytest
from openpyxl import Workbook

from etl import db as dbmod
from etl import archive as archiving
from etl import load, workers, writer
from etl.model import EtlError
from loadhelpers import entry, recap, register, snapshot

D = dt.date


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "data" / "ppa.duckdb"


def query(db, sql, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def march(tmp_path, name="uptd-maret.xlsx", refs=("R1", "R2")):
    return register(tmp_path / name, "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1),
                    [entry(ref, D(2024, 3, 5 + i)) for i, ref in enumerate(refs)])


def test_new_file_is_loaded_with_one_record_per_row(tmp_path, db):
    report = load.load_files([march(tmp_path)], db=db)
    assert [f.status for f in report.files] == ["loaded"]
    assert query(db, "SELECT case_key, agency, month FROM victims ORDER BY case_key") == [
        ("UPTD_PPA:R1", "UPTD_PPA", D(2024, 3, 1)), ("UPTD_PPA:R2", "UPTD_PPA", D(2024, 3, 1))]


def test_same_bytes_again_is_unchanged_and_adds_nothing(tmp_path, db):
    path = march(tmp_path)
    load.load_files([path], db=db)
    before = snapshot(db)
    report = load.load_files([path], db=db)
    assert report.files[0].status == "unchanged"
    after = snapshot(db)
    assert {k: v for k, v in after.items() if k != "load_log"} == {k: v for k, v in before.items() if k != "load_log"}
    assert [r[0] for r in query(db, "SELECT outcome FROM load_log ORDER BY load_id")] == ["loaded", "unchanged"]


def test_resubmission_replaces_overlapping_months_and_keeps_the_others(tmp_path, db):
    first = register(tmp_path / "q1.xlsx", "UPTD_PPA", D(2024, 1, 1), D(2024, 3, 1),
                     [entry("R1", D(2024, 1, 10)), entry("R2", D(2024, 2, 10)), entry("R3", D(2024, 3, 10))])
    second = register(tmp_path / "feb-mar.xlsx", "UPTD_PPA", D(2024, 2, 1), D(2024, 3, 1),
                      [entry("R2", D(2024, 2, 10)), entry("R9", D(2024, 3, 11))])
    load.load_files([first], db=db)
    report = load.load_files([second], db=db)
    assert report.files[0].status == "replaced"
    assert query(db, "SELECT case_ref, month FROM victims ORDER BY month") == [
        ("R1", D(2024, 1, 1)), ("R2", D(2024, 2, 1)), ("R9", D(2024, 3, 1))]
    old, new = report.files[0].replaced[0], report.files[0].submission_id
    # partly replaced: the old file still stands for January, so it stays active and names its successor
    assert query(db, "SELECT status, superseded_by FROM submissions WHERE submission_id = ?", [old]) == [
        ("active", new)]


def test_fully_covered_submission_is_marked_superseded(tmp_path, db):
    first = march(tmp_path, "v1.xlsx", refs=("R1", "R2"))
    second = march(tmp_path, "v2.xlsx", refs=("R1", "R2", "R3"))
    r1 = load.load_files([first], db=db).files[0]
    r2 = load.load_files([second], db=db).files[0]
    assert query(db, "SELECT submission_id, status, superseded_by FROM submissions ORDER BY loaded_at") == [
        (r1.submission_id, "superseded", r2.submission_id), (r2.submission_id, "active", None)]
    assert query(db, "SELECT count(*) FROM victims")[0][0] == 3


def test_another_agency_for_the_same_month_replaces_nothing(tmp_path, db):
    mine = march(tmp_path)
    theirs = register(tmp_path / "polresta.xlsx", "POLRESTA", D(2024, 3, 1), D(2024, 3, 1),
                      [entry("LP/1", D(2024, 3, 6), district="Jelutung", sex="L", age=40, forms=("Fisik",))])
    report = load.load_files([mine, theirs], db=db)
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    assert query(db, "SELECT count(*) FROM victims")[0][0] == 3


def test_register_and_recap_of_one_agency_do_not_replace_each_other(tmp_path, db):
    reg = march(tmp_path)
    rec = recap(tmp_path / "uptd-rekap-maret.xlsx", "UPTD_PPA", {D(2024, 3, 1): {("15.71.01", "seksual", "P"): 2}})
    report = load.load_files([reg, rec], db=db)
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    # both stay; the view lets the register win for that agency and month
    assert query(db, "SELECT source, sum(victims) FROM monthly_counts GROUP BY 1") == [("register", 2)]


def test_rows_read_equals_loaded_plus_rejected(tmp_path, db):
    path = register(tmp_path / "mixed.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1), [
        entry("R1", D(2024, 3, 5)),
        entry("R2", D(2024, 3, 6), district="Sungai Gelam"),        # outside the city
        entry("R3", D(2024, 3, 7), sex=None),                        # required field missing
        entry("R4", D(2024, 3, 8), forms=("Dipukul pakai sapu",)),   # unknown wording
        entry("R5", D(2024, 3, 9), age=None),                        # unknown age is allowed
    ])
    result = load.load_files([path], db=db).files[0]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 2, 3)
    stored = query(db, "SELECT rows_read, rows_loaded, rows_rejected FROM submissions")[0]
    assert stored == (5, 2, 3)
    assert query(db, "SELECT count(*) FROM victim_records")[0][0] == stored[1]
    assert query(db, "SELECT count(DISTINCT (sheet, row_number)) FROM rejected_rows")[0][0] == stored[2]
    assert all(r[0] and r[1] and r[2] for r in query(db, "SELECT sheet, row_number, message FROM rejected_rows"))


def test_failure_mid_file_changes_nothing(tmp_path, db, monkeypatch):
    load.load_files([march(tmp_path, "v1.xlsx")], db=db)
    before = snapshot(db)
    archived = sorted((db.parent / "raw").iterdir())

    def explode(*args, **kwargs):  # the last step of storing a file, after old records were deleted, new inserted
        raise duckdb.IOException("disk penuh (simulasi)")

    monkeypatch.setattr(load, "_insert_problems", explode)
    result = load.load_files([march(tmp_path, "v2.xlsx", refs=("R1", "R2", "R3"))], db=db).files[0]
    assert result.status == "failed" and "disk penuh" in result.message
    after = snapshot(db)
    assert {k: v for k, v in after.items() if k != "load_log"} == {k: v for k, v in before.items() if k != "load_log"}
    assert query(db, "SELECT outcome FROM load_log ORDER BY load_id DESC LIMIT 1") == [("failed",)]
    assert sorted((db.parent / "raw").iterdir()) == archived


@pytest.mark.parametrize("step, pending_victims", [
    ("refresh_after_load", load.PENDING_VICTIMS),  # duplicates are marked once, after every file of the batch
    ("_insert_victims", load.PENDING_VICTIMS),     # the batch's victims are inserted together, at its end ...
    ("_insert_victims", 1),                        # ... or once enough of them wait
])
def test_failure_while_inserting_victims_or_marking_duplicates_lands_nothing_of_the_batch(tmp_path, db, monkeypatch,
                                                                                       step, pending_victims):
    load.load_files([march(tmp_path, "v1.xlsx")], db=db)
    before = snapshot(db)

    def explode(*args, **kwargs):
        raise duckdb.IOException("disk penuh (simulasi)")

    monkeypatch.setattr(load.dedupe if step == "refresh_after_load" else load, step, explode)
    monkeypatch.setattr(load, "PENDING_VICTIMS", pending_victims)
    with pytest.raises(EtlError, match=r"disk penuh.*tidak ada file dari pemuatan ini \(1 file\) yang disimpan"):
        load.load_files([march(tmp_path, "v2.xlsx", refs=("R1", "R2", "R3"))], db=db)
    assert snapshot(db) == before  # the batch's copy was discarded: not even its load log landed
    assert not list(db.parent.glob(".*.work-*"))


def _one_batch_of_replacements(tmp_path):
    """UPTD_PPA's first quarter, then POLRESTA's victims that pair with UPTD_PPA's, then two later UPTD_PPA files
    replacing February-March and March again: later files of a batch replace records of earlier ones."""
    return [
        register(tmp_path / "q1.xlsx", "UPTD_PPA", D(2024, 1, 1), D(2024, 3, 1),
                 [entry("R1", D(2024, 1, 10)), entry("R2", D(2024, 2, 10)), entry("R3", D(2024, 3, 10))]),
        register(tmp_path / "polresta.xlsx", "POLRESTA", D(2024, 2, 1), D(2024, 3, 1),
                 [entry("LP/1", D(2024, 2, 12)), entry("LP/2", D(2024, 3, 12)), entry("LP/3", D(2024, 3, 14))]),
        register(tmp_path / "feb-mar.xlsx", "UPTD_PPA", D(2024, 2, 1), D(2024, 3, 1),
                 [entry("R2", D(2024, 2, 10)), entry("R9", D(2024, 3, 11))]),
        register(tmp_path / "mar.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1), [entry("R10", D(2024, 3, 13))]),
    ]


@pytest.mark.parametrize("pending_victims", [1, 4, load.PENDING_VICTIMS])
def test_a_batch_stores_what_loading_file_by_file_stores(tmp_path, monkeypatch, pending_victims):
    """A batch keeps its victims in memory and inserts them together (at its end, or whenever enough wait);
    loading the same files one at a time, each a batch of its own, gives the same tables."""
    files = _one_batch_of_replacements(tmp_path)
    one_by_one, batch = tmp_path / "satu" / "ppa.duckdb", tmp_path / "batch" / "ppa.duckdb"
    singles = [load.load_files([f], db=one_by_one).files[0] for f in files]
    monkeypatch.setattr(load, "PENDING_VICTIMS", pending_victims)
    report = load.load_files(files, db=batch)

    statuses = ["loaded", "loaded", "replaced", "replaced"]
    assert [f.status for f in singles] == [f.status for f in report.files] == statuses
    assert query(batch, "SELECT agency, case_ref FROM victims ORDER BY report_date") == [
        ("UPTD_PPA", "R1"), ("UPTD_PPA", "R2"), ("POLRESTA", "LP/1"), ("POLRESTA", "LP/2"), ("UPTD_PPA", "R10"),
        ("POLRESTA", "LP/3")]
    assert query(batch, "SELECT count(*) FROM victims WHERE duplicate_of IS NOT NULL")[0][0] == 3
    for sql in ("SELECT * FROM victims ORDER BY victim_key",
                "SELECT * EXCLUDE (loaded_at) FROM submissions ORDER BY submission_id",
                # a batch keeps its log entries and writes them at its end, in the files' order
                "SELECT submission_id, file_name, outcome, message FROM load_log ORDER BY load_id"):
        assert query(batch, sql) == query(one_by_one, sql)


def test_a_file_failing_after_replacing_records_of_its_batch_leaves_them(tmp_path, db, monkeypatch):
    first, second = march(tmp_path, "v1.xlsx", refs=("R1", "R2")), march(tmp_path, "v2.xlsx", refs=("R1", "R9"))
    second_id = hashlib.sha256(second.read_bytes()).hexdigest()
    insert_problems = load._insert_problems

    def explode_on_second(con, table, submission_id, problems):  # after it took v1's records out of the batch
        if submission_id == second_id:
            raise duckdb.IOException("disk penuh (simulasi)")
        insert_problems(con, table, submission_id, problems)

    monkeypatch.setattr(load, "_insert_problems", explode_on_second)
    report = load.load_files([first, second], db=db)
    assert [f.status for f in report.files] == ["loaded", "failed"]
    assert query(db, "SELECT case_ref FROM victims ORDER BY case_ref") == [("R1",), ("R2",)]
    assert query(db, "SELECT file_name, status FROM submissions") == [("v1.xlsx", "active")]


def test_a_file_whose_commit_fails_in_a_batch_is_logged_once_as_failed(tmp_path, db, monkeypatch):
    first = march(tmp_path, "v1.xlsx", refs=("R1",))
    second = register(tmp_path / "v2.xlsx", "UPTD_PPA", D(2024, 4, 1), D(2024, 4, 1), [entry("R2", D(2024, 4, 5))])
    transaction, calls = load.dbmod.transaction, []

    @contextmanager
    def commit_fails_for_the_second_file(con):
        calls.append(con)
        with transaction(con):
            yield con
            if len(calls) == 2:  # the second file's transaction: rolled back as a failed COMMIT would leave it
                raise duckdb.TransactionException("commit gagal (simulasi)")

    monkeypatch.setattr(load.dbmod, "transaction", commit_fails_for_the_second_file)
    report = load.load_files([first, second], db=db)
    assert [f.status for f in report.files] == ["loaded", "failed"]
    assert query(db, "SELECT file_name, outcome FROM load_log ORDER BY load_id") == [("v1.xlsx", "loaded"),
                                                                                   ("v2.xlsx", "failed")]
    assert query(db, "SELECT file_name FROM submissions") == [("v1.xlsx",)]


def test_a_file_breaking_a_not_null_of_victim_records_fails_alone_in_a_batch(tmp_path, db, monkeypatch):
    path, other = march(tmp_path), register(tmp_path / "april.xlsx", "UPTD_PPA", D(2024, 4, 1), D(2024, 4, 1),
                                            [entry("R7", D(2024, 4, 5))])
    parsed = workers.parse_file(path, None, path.name)
    districts = parsed.victim_table.column("district_code").to_pylist()
    broken = replace(parsed, victim_table=parsed.victim_table.set_column(
        parsed.victim_table.schema.get_field_index("district_code"), "district_code",
        pa.array([None] + districts[1:], pa.string())))
    parse_here = workers._parse_here  # a batch this small parses in the loader's own process
    monkeypatch.setattr(workers, "_parse_here", lambda item: broken if item[0] == path else parse_here(item))
    report = load.load_files([path, other], db=db)
    assert [f.status for f in report.files] == ["failed", "loaded"]
    assert "district_code" in report.files[0].message
    assert query(db, "SELECT file_name FROM submissions") == [("april.xlsx",)]
    assert query(db, "SELECT case_ref FROM victims") == [("R7",)]


def test_a_bug_in_the_loader_is_not_reported_as_a_bad_file(tmp_path, db, monkeypatch):
    """Only reading/parsing failures and database errors fail a file; an error in the project's own code ends the
    load with its traceback and nothing of the batch lands."""
    load.load_files([march(tmp_path, "v1.xlsx")], db=db)
    before = snapshot(db)

    def broken(*args, **kwargs):  # called inside the file's transaction, where database errors fail the file
        raise TypeError("bug (simulasi)")

    monkeypatch.setattr(load.ledger, "supersede", broken)
    with pytest.raises(TypeError, match="bug"):
        load.load_files([march(tmp_path, "v2.xlsx", refs=("R1", "R2", "R3"))], db=db)
    assert snapshot(db) == before
    assert not list(db.parent.glob(".*.work-*")) and not list((db.parent / "raw").glob(".pending-*"))


def test_a_failing_file_does_not_stop_the_batch(tmp_path, db):
    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"bukan workbook sama sekali")
    report = load.load_files([broken, march(tmp_path)], db=db)
    assert [f.status for f in report.files] == ["failed", "loaded"]
    assert report.files[0].message
    # names as the database keeps them (etl.archive.kept_file_name: a word that may name a person is masked)
    assert query(db, "SELECT file_name, outcome FROM load_log ORDER BY load_id") == [
        (archiving.kept_file_name("rusak.xlsx"), "failed"), ("uptd-maret.xlsx", "loaded")]
    assert query(db, "SELECT count(*) FROM submissions")[0][0] == 1


def test_folders_expand_to_workbook_files(tmp_path, db):
    folder = tmp_path / "masuk"
    march(folder, "a.xlsx")
    register(folder / "sub" / "b.xlsx", "POLRESTA", D(2024, 3, 1), D(2024, 3, 1),
             [entry("LP/1", D(2024, 3, 6), district="Jelutung", sex="L", age=40, forms=("Fisik",))])
    (folder / "catatan.txt").write_text("bukan workbook")
    report = load.load_files([folder], db=db)
    assert sorted(f.path.name for f in report.files) == ["a.xlsx", "b.xlsx"]


def test_archive_is_owner_only_and_named_by_hash(tmp_path, db):
    path = march(tmp_path)
    result = load.load_files([path], db=db).files[0]
    raw = db.parent / "raw"
    assert stat.S_IMODE(raw.stat().st_mode) == 0o700
    archived = raw / f"{result.submission_id}.cells"   # the redacted copy (etl.archive), named by the original
    assert stat.S_IMODE(archived.stat().st_mode) == 0o600
    assert archived.read_bytes() != path.read_bytes()
    assert archiving.identity(archived, archived.read_bytes()) == (result.submission_id, ".xlsx")
    assert [p.name for p in raw.iterdir()] == [archived.name]


def test_rebuild_reproduces_the_database(tmp_path, db):
    files = [
        register(tmp_path / "q1.xlsx", "UPTD_PPA", D(2024, 1, 1), D(2024, 3, 1),
                 [entry("R1", D(2024, 1, 10)), entry("R2", D(2024, 2, 10)), entry("R3", D(2024, 3, 10))]),
        register(tmp_path / "polresta.xlsx", "POLRESTA", D(2024, 2, 1), D(2024, 2, 1),
                 [entry("LP/1", D(2024, 2, 20), age=13, forms=("Seksual", "Fisik"))]),
        recap(tmp_path / "rsud-rekap.xlsx", "RSUD", {D(2024, 2, 1): {("15.71.08", "fisik", "L"): 3}}),
        register(tmp_path / "mar.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1), [entry("R7", D(2024, 3, 3))]),
    ]
    for f in files:
        load.load_files([f], db=db)
    con = dbmod.connect(db)
    con.execute("INSERT INTO meta VALUES ('dataset', 'uji')")
    con.close()
    compare = ["SELECT * EXCLUDE (loaded_at) FROM submissions ORDER BY submission_id",
               "SELECT * FROM victims ORDER BY victim_key", "SELECT * FROM recap_counts ORDER BY ALL",
               "SELECT * FROM rejected_rows ORDER BY ALL", "SELECT * FROM meta ORDER BY key"]
    before = [query(db, q) for q in compare]
    assert query(db, "SELECT count(*) FROM victims WHERE duplicate_of IS NOT NULL")[0][0] == 1

    report = load.rebuild(db)
    assert [f.status for f in report.files] == ["loaded", "loaded", "loaded", "replaced"]
    assert [query(db, q) for q in compare] == before


PERSONAL = {"name": "Siti Aminah Binti Rahmat", "nik": "1571024509120003", "address": "Jl. Kenanga No. 17 RT 05",
            "phone": "081366554433"}


def test_no_personal_data_reaches_any_table(tmp_path, db):
    wb = Workbook()
    ws = wb.active
    ws.title = "Data Korban"
    ws.append(["REGISTER KORBAN UPTD PPA MARET 2024"])
    ws.append([])
    ws.append(["No. Register", "Nama Korban", "NIK", "Alamat", "No HP", "Tanggal Lapor", "Kecamatan", "Umur",
               "Jenis Kelamin", "Jenis Kekerasan", "Keterangan"])
    ws.append(["R1", PERSONAL["name"], PERSONAL["nik"], PERSONAL["address"], PERSONAL["phone"], "05/03/2024",
               "Telanaipura", 12, "P", "Seksual", f"korban dirujuk, NIK {PERSONAL['nik']}"])
    ws.append(["R2", PERSONAL["name"] + " II", PERSONAL["nik"][:-1] + "9", PERSONAL["address"], PERSONAL["phone"],
               "05/03/2054", "Telanaipura", 12, "P", "Seksual", None])  # a future date: this row is rejected
    path = tmp_path / "register-nama.xlsx"
    wb.save(path)
    result = load.load_files([path], agency="UPTD_PPA", db=db).files[0]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1)

    con = duckdb.connect(str(db), read_only=True)
    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE t.table_type = 'BASE TABLE' AND (c.data_type LIKE 'VARCHAR%' OR c.data_type = 'JSON')").fetchall()
    assert len(columns) > 20
    needles = [PERSONAL["name"].split()[0].lower(), PERSONAL["nik"][:12], "kenanga", PERSONAL["phone"][2:]]
    found = []
    for table, column in columns:
        values = con.execute(f'SELECT CAST("{column}" AS VARCHAR) FROM "{table}"').fetchall()
        for (value,) in values:
            text = (value or "").lower()
            found += [(table, column, n) for n in needles if n in text]
    con.close()
    assert found == []
