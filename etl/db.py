"""The DuckDB file: where it is, its versioned schema, and the public views ``victims``, ``monthly_counts`` and
``perpetrators``.

The views are the contract documented in docs/data-contract.md; everything else (dashboard, exports, checks) reads
them. Tables behind them may change through a new migration.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from etl import database_region, settings, vocab

DEFAULT_DB = vocab.REPO_ROOT / "data" / "ppa.duckdb"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: ``--db`` if given, else the setting ``db`` (``PPA_DB`` or ppa.toml), else data/ppa.duckdb."""
    return Path(explicit or settings.get("db") or DEFAULT_DB)


def data_dir(db: Path) -> Path:
    """Folder for runtime files belonging to a database (raw archive, backups)."""
    return db.resolve().parent


_REWRITE = "rewrite_file"  # a meta key: the file still holds old contents in free blocks (etl.writer rewrites it)


def needs_rewrite(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a migration asked for the file to be written anew (see copy_database)."""
    return bool(con.execute("SELECT count(*) FROM meta WHERE key = ?", [_REWRITE]).fetchone()[0])


def copy_database(source: Path, target: Path) -> None:
    """Copy a closed database's current contents (tables, views, sequences) into a new file, without the old
    contents DuckDB leaves in free blocks and without the rewrite request."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS old (READ_ONLY)", [str(source)])
        con.execute("ATTACH ? AS new", [str(target)])
        con.execute("COPY FROM DATABASE old TO new")
        con.execute("DELETE FROM new.meta WHERE key = ?", [_REWRITE])
        con.execute("DETACH old")
        con.execute("CHECKPOINT new")
        con.execute("DETACH new")
    finally:
        con.close()


def _forget_personal_data(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 4: clean what older versions stored (docs/operations.md, "Data pribadi").

    Free text (``notes``) is no longer kept: emptied. Messages are reworded as this version words them (no
    address-like cell quoted, NIK-like and phone numbers masked in quotes). Each original file in the archive
    (``raw/<sha256><ext>``) is replaced by its redacted copy (etl.archive); one that can no longer be parsed stays,
    for the operator to deal with. The next writer (etl.writer) writes the file anew, so that the old values are
    not left in its free blocks. The files are changed before the transaction commits; a copy made for a
    transaction that then fails is what the next attempt finds, and it is equally valid.
    """
    from etl import archive, values

    cleaned = con.execute("UPDATE victim_records SET notes = NULL WHERE notes IS NOT NULL").fetchone()[0]
    for table in ("rejected_rows", "load_warnings", "load_log"):  # a fixed list of names
        changed = [(new, old) for (old,) in con.execute(f"SELECT DISTINCT message FROM {table} "
                                                        "WHERE message IS NOT NULL").fetchall()
                   if (new := values.reworded_message(old)) != old]
        if changed:
            con.executemany(f"UPDATE {table} SET message = ? WHERE message = ?", changed)
            cleaned += len(changed)
    if cleaned:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, '4')", [_REWRITE])
    folder = archive.archive_dir(con)
    if folder is not None:
        archive.redact_originals(con, folder)


def _keep_file_names_without_persons(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 7: file names as the database keeps them now (etl.archive.kept_file_name: any word that may name a
    person becomes '…'), in submissions, the load log, stored messages and detection; the next writer writes the
    file anew (etl.writer), so the old names are not left in its free blocks."""
    from etl.archive import kept_file_name

    names = {name for (name,) in con.execute("SELECT file_name FROM submissions UNION SELECT file_name FROM "
                                             "load_log WHERE file_name IS NOT NULL").fetchall()}
    changed = [(name, kept) for name in sorted(names, key=len, reverse=True)  # a name inside a longer one: last
               if (kept := kept_file_name(name)) != name]
    for name, kept in changed:
        for table, column in (("submissions", "file_name"), ("load_log", "file_name")):  # fixed names
            con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [kept, name])
        for table in ("load_log", "rejected_rows", "load_warnings"):
            con.execute(f"UPDATE {table} SET message = replace(message, ?, ?) WHERE contains(message, ?)",
                        [name, kept, name])
        con.execute("UPDATE submissions SET detected = CAST(replace(CAST(detected AS VARCHAR), ?, ?) AS JSON) "
                    "WHERE contains(CAST(detected AS VARCHAR), ?)", [name, kept, name])
    if changed:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, '5')", [_REWRITE])


# Each migration is applied once, in order, inside one transaction; never edit one that has shipped. A migration
# is SQL, or a function of the connection where SQL alone cannot do it (files, Python rules).
MIGRATIONS: list = [
    # 1: initial model
    """
    CREATE TABLE submissions (
        submission_id VARCHAR PRIMARY KEY,      -- sha256 of the file's bytes
        agency        VARCHAR NOT NULL,
        file_name     VARCHAR NOT NULL,
        file_ext      VARCHAR NOT NULL,
        shape         VARCHAR NOT NULL,         -- 'register' | 'recap'
        months        DATE[] NOT NULL,          -- first day of each month the file covers
        loaded_at     TIMESTAMP NOT NULL,
        status        VARCHAR NOT NULL,         -- 'active' | 'superseded' | 'undone'
        superseded_by VARCHAR,                  -- submission_id of the newer file
        rows_read     INTEGER NOT NULL,
        rows_loaded   INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        detected      JSON                      -- what the reader detected (layout, columns, ...)
    );
    CREATE SEQUENCE load_id_seq;
    CREATE TABLE load_log (
        load_id       BIGINT PRIMARY KEY DEFAULT nextval('load_id_seq'),
        submission_id VARCHAR,
        file_name     VARCHAR NOT NULL,
        started_at    TIMESTAMP NOT NULL,
        finished_at   TIMESTAMP,
        outcome       VARCHAR NOT NULL,         -- 'loaded' | 'unchanged' | 'replaced' | 'failed' | 'undone'
        message       VARCHAR
    );
    CREATE TABLE rejected_rows (
        submission_id VARCHAR NOT NULL,
        sheet         VARCHAR,
        row_number    INTEGER,
        column_name   VARCHAR,
        reason        VARCHAR NOT NULL,         -- short machine code, e.g. 'tanggal', 'wilayah_luar', 'bentuk_tidak_dikenal'
        message       VARCHAR NOT NULL          -- Indonesian; never quotes a personal-data cell
    );
    CREATE TABLE load_warnings (
        submission_id VARCHAR NOT NULL,
        sheet         VARCHAR,
        row_number    INTEGER,
        column_name   VARCHAR,
        reason        VARCHAR NOT NULL,         -- e.g. 'ejaan_mirip', 'total_rekap'
        message       VARCHAR NOT NULL
    );
    CREATE TABLE victim_records (
        victim_key        VARCHAR PRIMARY KEY,  -- '<submission_id[:16]>:<sheet index>:<row>'
        submission_id     VARCHAR NOT NULL,
        agency            VARCHAR NOT NULL,
        case_ref          VARCHAR,              -- the agency's register / LP number
        case_key          VARCHAR NOT NULL,     -- agency + case_ref, or the victim_key when there is no ref
        report_date       DATE NOT NULL,
        incident_date     DATE,
        district_code     VARCHAR NOT NULL,
        subdistrict_code  VARCHAR,
        age               INTEGER,
        is_child          BOOLEAN,              -- known even when only a coarse age band was given
        sex               VARCHAR,              -- 'L' | 'P' | NULL
        violence_types    VARCHAR[] NOT NULL,
        place_of_incident VARCHAR,
        relationship      VARCHAR,
        services          VARCHAR[],
        notes             VARCHAR,              -- free text with NIK-like numbers masked
        source_sheet      VARCHAR NOT NULL,
        source_row        INTEGER NOT NULL,
        duplicate_of      VARCHAR               -- victim_key of the primary record of the same victim
    );
    CREATE TABLE recap_counts (
        submission_id  VARCHAR NOT NULL,
        agency         VARCHAR NOT NULL,
        month          DATE NOT NULL,
        district_code  VARCHAR NOT NULL,
        violence_type  VARCHAR NOT NULL,
        sex            VARCHAR,                 -- NULL when the recap has no L/P split
        victims        INTEGER NOT NULL,
        source_sheet   VARCHAR NOT NULL,
        source_row     INTEGER NOT NULL,
        source_column  VARCHAR NOT NULL
    );
    CREATE TABLE ref_districts (district_code VARCHAR PRIMARY KEY, district VARCHAR NOT NULL);
    CREATE TABLE ref_subdistricts (subdistrict_code VARCHAR PRIMARY KEY, subdistrict VARCHAR NOT NULL,
                                   district_code VARCHAR NOT NULL);
    CREATE TABLE ref_age_bands (age_band VARCHAR PRIMARY KEY, min_age INTEGER, max_age INTEGER, is_child BOOLEAN);
    CREATE TABLE ref_agencies (agency VARCHAR PRIMARY KEY, name VARCHAR, priority INTEGER, report_due_day INTEGER);
    CREATE TABLE ref_violence_types (violence_type VARCHAR PRIMARY KEY, label VARCHAR, sort_order INTEGER);
    CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

    CREATE VIEW victims AS
    SELECT v.victim_key, v.case_key, v.agency, v.case_ref, v.report_date,
           CAST(date_trunc('month', v.report_date) AS DATE) AS month,
           v.district_code, d.district, v.subdistrict_code, s.subdistrict,
           v.age, b.age_band, COALESCE(b.is_child, v.is_child) AS is_child, v.sex, v.violence_types,
           list_contains(v.violence_types, 'tppo') AS is_tppo, v.duplicate_of,
           v.incident_date, v.place_of_incident, v.relationship, v.services,
           v.submission_id, v.source_sheet, v.source_row
    FROM victim_records v
    LEFT JOIN ref_districts d USING (district_code)
    LEFT JOIN ref_subdistricts s USING (subdistrict_code)
    LEFT JOIN ref_age_bands b ON v.age BETWEEN b.min_age AND b.max_age;

    CREATE VIEW monthly_counts AS
    WITH register AS (
        SELECT month, district_code, unnest(violence_types) AS violence_type, sex, agency
        FROM victims WHERE duplicate_of IS NULL
    ),
    register_months AS (SELECT DISTINCT agency, month FROM victims)
    SELECT month, district_code, violence_type, sex, agency, 'register' AS source, count(*) AS victims
    FROM register GROUP BY ALL
    UNION ALL
    SELECT r.month, r.district_code, r.violence_type, r.sex, r.agency, 'recap' AS source, sum(r.victims) AS victims
    FROM recap_counts r
    ANTI JOIN register_months m ON m.agency = r.agency AND m.month = r.month
    WHERE r.victims > 0
    GROUP BY ALL;
    """,
    # 2: victims finds the age band by equality on a whole-number age lookup built from ref_age_bands, instead of a
    # range join of every row against the bands (a full scan at a million rows: 0.32 s -> 0.07 s). The same
    # columns and rows: an age outside every band, or NULL, still has no band; overlapping bands still match twice.
    """
    CREATE OR REPLACE VIEW victims AS
    WITH age_lookup AS (
        SELECT CAST(a.age AS INTEGER) AS age, b.age_band, b.is_child
        FROM range((SELECT min(min_age) FROM ref_age_bands), (SELECT max(max_age) FROM ref_age_bands) + 1) a(age)
        JOIN ref_age_bands b ON a.age BETWEEN b.min_age AND b.max_age
    )
    SELECT v.victim_key, v.case_key, v.agency, v.case_ref, v.report_date,
           CAST(date_trunc('month', v.report_date) AS DATE) AS month,
           v.district_code, d.district, v.subdistrict_code, s.subdistrict,
           v.age, b.age_band, COALESCE(b.is_child, v.is_child) AS is_child, v.sex, v.violence_types,
           list_contains(v.violence_types, 'tppo') AS is_tppo, v.duplicate_of,
           v.incident_date, v.place_of_incident, v.relationship, v.services,
           v.submission_id, v.source_sheet, v.source_row
    FROM victim_records v
    LEFT JOIN ref_districts d USING (district_code)
    LEFT JOIN ref_subdistricts s USING (subdistrict_code)
    LEFT JOIN age_lookup b ON v.age = b.age;
    """,
    # 3: victim_records without the PRIMARY KEY on victim_key. The key is unique by construction (the file's
    # sha256 prefix, sheet and row; a file's bytes are loaded once, guarded by submissions' key), and the index
    # behind the constraint made every load slower (at a million rows: insert 10.5 -> 5.8 ms and commit 7.6 ->
    # 4.1 ms per 4,000-row file) and the database file 2.7 times larger (110 -> 40 MB), which every load's copy
    # and backup pays for. Same columns, order and NOT NULLs; the views read the new table by name.
    """
    CREATE TABLE victim_records_v3 (
        victim_key        VARCHAR NOT NULL,
        submission_id     VARCHAR NOT NULL,
        agency            VARCHAR NOT NULL,
        case_ref          VARCHAR,
        case_key          VARCHAR NOT NULL,
        report_date       DATE NOT NULL,
        incident_date     DATE,
        district_code     VARCHAR NOT NULL,
        subdistrict_code  VARCHAR,
        age               INTEGER,
        is_child          BOOLEAN,
        sex               VARCHAR,
        violence_types    VARCHAR[] NOT NULL,
        place_of_incident VARCHAR,
        relationship      VARCHAR,
        services          VARCHAR[],
        notes             VARCHAR,
        source_sheet      VARCHAR NOT NULL,
        source_row        INTEGER NOT NULL,
        duplicate_of      VARCHAR
    );
    INSERT INTO victim_records_v3 SELECT * FROM victim_records;
    DROP TABLE victim_records;
    ALTER TABLE victim_records_v3 RENAME TO victim_records;
    """,
    # 4: nothing personal on disk: notes emptied, old messages reworded, archived originals replaced by redacted
    # copies (etl.archive); the tables keep their columns.
    _forget_personal_data,
    # 5 (issue 23): case details. The stage of a case (tahap penanganan) on every record that states one, and the
    # TPPO block of TPPO victims, as columns of victim_records (so replacing, undoing and rebuilding a file take them
    # with its records); the contract views tppo_victims, case_stage_events and case_stages (docs/data-contract.md).
    """
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS stage VARCHAR;
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS stage_date DATE;
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS tppo_purpose VARCHAR;
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS tppo_channel VARCHAR;
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS destination_kind VARCHAR;
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS destination VARCHAR;
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS recruited_as_child BOOLEAN;
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS repatriated BOOLEAN;
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS repatriated_from VARCHAR;

    -- the record's own columns where it has them, so that filters reach the scan of victim_records (0.10 -> 0.08 s
    -- for a breakdown of ten months at a million records)
    CREATE OR REPLACE VIEW tppo_victims AS
    SELECT r.victim_key, r.case_key, r.agency, r.report_date, v.month, r.district_code, v.district, r.age,
           v.age_band, v.is_child, r.sex, r.violence_types, r.tppo_purpose AS purpose, r.tppo_channel AS channel,
           r.destination_kind, r.destination, coalesce(r.recruited_as_child, v.is_child) AS child_when_recruited,
           r.repatriated, r.repatriated_from, r.duplicate_of, r.submission_id, r.source_sheet, r.source_row
    FROM (SELECT * FROM victim_records WHERE list_contains(violence_types, 'tppo')) r
    JOIN victims v USING (victim_key);

    CREATE OR REPLACE VIEW case_stage_events AS
    SELECT DISTINCT coalesce(p.case_key, r.case_key) AS case_key, r.stage, r.stage_date, r.agency,
           r.submission_id, s.loaded_at
    FROM (SELECT * FROM victim_records WHERE stage IS NOT NULL) r
    LEFT JOIN victim_records p ON p.victim_key = r.duplicate_of
    JOIN submissions s ON s.submission_id = r.submission_id;

    CREATE OR REPLACE VIEW case_stages AS
    WITH cases AS (
        SELECT case_key, min(report_date) AS report_date, bool_or(list_contains(violence_types, 'tppo')) AS is_tppo,
               min(submission_id) AS first_submission
        FROM victim_records WHERE duplicate_of IS NULL GROUP BY case_key
    ),
    latest AS (
        SELECT case_key, stage, stage_date, submission_id FROM case_stage_events
        QUALIFY row_number() OVER (PARTITION BY case_key
                                   ORDER BY loaded_at DESC, stage_date DESC NULLS LAST, stage) = 1
    )
    SELECT c.case_key, coalesce(l.stage, 'reported') AS stage,
           CASE WHEN l.case_key IS NULL THEN c.report_date ELSE l.stage_date END AS stage_date,
           coalesce(l.submission_id, c.first_submission) AS submission_id,
           c.report_date, c.is_tppo, l.case_key IS NOT NULL AS stated
    FROM cases c LEFT JOIN latest l USING (case_key);
    """,
    # 6: perpetrators (pelaku), written on the victim's row, are stored with it (a list per victim record): a
    # revision or an undo that takes a victim record out takes its perpetrators with it, by the ledger's one rule.
    # The view `perpetrators` has one row per perpetrator with the victim row's date, place, forms and duplicate
    # mark, so the victims' filters apply to it as they are (report/queries.py). A perpetrator repeated on several
    # rows of one case in a sheet is kept once by the parser (etl/parse.py). Older records have NULL (none).
    # Safe to apply twice.
    """
    ALTER TABLE victim_records ADD COLUMN IF NOT EXISTS perpetrators
        STRUCT(slot TINYINT, sex VARCHAR, age INTEGER, is_child BOOLEAN, relationship VARCHAR)[];
    CREATE OR REPLACE VIEW perpetrators AS
    WITH age_lookup AS (
        SELECT CAST(a.age AS INTEGER) AS age, b.age_band, b.is_child
        FROM range((SELECT min(min_age) FROM ref_age_bands), (SELECT max(max_age) FROM ref_age_bands) + 1) a(age)
        JOIN ref_age_bands b ON a.age BETWEEN b.min_age AND b.max_age
    ),
    written AS (
        SELECT v.victim_key, v.case_key, v.agency, v.report_date, v.district_code, v.violence_types,
               v.duplicate_of, v.submission_id, v.source_sheet, v.source_row, unnest(v.perpetrators) AS p
        FROM victim_records v
    )
    SELECT w.victim_key || ':' || w.p.slot AS perpetrator_key, w.case_key, w.agency, w.p.slot AS slot,
           w.p.sex AS sex, w.p.age AS age, b.age_band, COALESCE(b.is_child, w.p.is_child) AS is_child,
           w.p.relationship AS relationship, w.victim_key, w.report_date,
           CAST(date_trunc('month', w.report_date) AS DATE) AS month, w.district_code, w.violence_types,
           w.duplicate_of, w.submission_id, w.source_sheet, w.source_row
    FROM written w
    LEFT JOIN age_lookup b ON w.p.age = b.age;
    """,
    # 7: file names without words that may name a person (etl.archive.kept_file_name); the tables keep their columns.
    _keep_file_names_without_persons,
    # 8: tppo_victims in one scan of victim_records, with victims' own lookups (age band, kecamatan name), instead of
    # a join of the TPPO records to the whole victims view: the join planned two scans and six joins and read the
    # victims side unfiltered (at a million records 21-35 -> 10-11 ms CPU a query; the Gugus Tugas page makes six).
    # Same columns and rows (tests/test_queries.py compares it with the former definition): month, age_band and
    # is_child as victims derives them, and the perpetrators view looks ages up the same way.
    """
    CREATE OR REPLACE VIEW tppo_victims AS
    WITH age_lookup AS (
        SELECT CAST(a.age AS INTEGER) AS age, b.age_band, b.is_child
        FROM range((SELECT min(min_age) FROM ref_age_bands), (SELECT max(max_age) FROM ref_age_bands) + 1) a(age)
        JOIN ref_age_bands b ON a.age BETWEEN b.min_age AND b.max_age
    )
    SELECT r.victim_key, r.case_key, r.agency, r.report_date, CAST(date_trunc('month', r.report_date) AS DATE) AS month,
           r.district_code, d.district, r.age, b.age_band, COALESCE(b.is_child, r.is_child) AS is_child, r.sex,
           r.violence_types, r.tppo_purpose AS purpose, r.tppo_channel AS channel, r.destination_kind, r.destination,
           COALESCE(r.recruited_as_child, COALESCE(b.is_child, r.is_child)) AS child_when_recruited,
           r.repatriated, r.repatriated_from, r.duplicate_of, r.submission_id, r.source_sheet, r.source_row
    FROM victim_records r
    LEFT JOIN ref_districts d USING (district_code)
    LEFT JOIN age_lookup b ON r.age = b.age
    WHERE list_contains(r.violence_types, 'tppo');
    """,
]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the schema up to date, one transaction per migration."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    current = schema_version(con)
    for version, sql in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if callable(sql):
                sql(con)
            else:
                con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def sync_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Copy the reference CSVs into the ref_* tables the views join (the CSVs are the source of truth)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("ref_districts", "ref_subdistricts", "ref_age_bands", "ref_agencies", "ref_violence_types"):
            con.execute(f"DELETE FROM {table}")  # fixed allow-list of table names
        con.executemany("INSERT INTO ref_districts VALUES (?, ?)", [(d.code, d.name) for d in vocab.districts()])
        con.executemany("INSERT INTO ref_subdistricts VALUES (?, ?, ?)",
                        [(s.code, s.name, s.district_code) for s in vocab.subdistricts()])
        con.executemany("INSERT INTO ref_age_bands VALUES (?, ?, ?, ?)",
                        [(b.label, b.min_age, b.max_age, b.is_child) for b in vocab.age_bands()])
        con.executemany("INSERT INTO ref_agencies VALUES (?, ?, ?, ?)",
                        [(a.code, a.name, a.priority, a.report_due_day) for a in vocab.agencies()])
        con.executemany("INSERT INTO ref_violence_types VALUES (?, ?, ?)",
                        [(v.code, v.label, i) for i, v in enumerate(vocab.violence_types())])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def connect(path: str | os.PathLike | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database; a writable connection also migrates and refreshes the reference tables."""
    target = db_path(path)
    if read_only:
        # A fresh in-memory instance attaching the file, not duckdb.connect(file): DuckDB shares one instance per
        # path within a process, and an instance still open elsewhere keeps reading the old file after a load has
        # swapped a new one in (etl.writer), so a new reader would be handed stale data.
        con = duckdb.connect(":memory:")
        try:
            attach_read_only(con, target, "ppa")
            con.execute("USE ppa")
        except BaseException:
            con.close()
            raise
        return con
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target))
    try:
        migrate(con)
        database_region.check(con, record=True)  # before the reference tables are overwritten
        sync_reference(con)
    except BaseException:
        con.close()
        raise
    return con


def attach_read_only(instance: duckdb.DuckDBPyConnection, path: Path, alias: str) -> None:
    """Attach the database file read-only to an in-memory ``instance`` under ``alias`` (a name the caller made,
    never input), and refuse another region's database (database_region.check), detaching it again."""
    instance.execute(f"ATTACH ? AS {alias} (READ_ONLY)", [str(path)])
    checker = instance.cursor()
    try:
        checker.execute(f"USE {alias}")
        database_region.check(checker, record=False)
    except BaseException:
        checker.close()
        instance.execute(f"DETACH {alias}")
        raise
    checker.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
