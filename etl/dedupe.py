"""Cross-agency duplicates: the same victim reported by two agencies is counted once, from the primary record.

Rule (issue 3, item 6): two records of *different* agencies describe the same victim when kecamatan and sex are
equal, ages differ by at most one year, report dates are at most 30 days apart and the forms overlap. The record
of the lower-priority agency (etl.vocab.agencies(); UPTD_PPA first) gets ``duplicate_of`` = the primary record's
victim_key; both records are kept. A record with an unknown sex or age is never paired.

Agencies are processed in priority order and a record may only point at a record that is not itself a duplicate,
so ``duplicate_of`` always names a primary record (no chains). Among several candidates the closest report date
wins, then the higher-priority agency, then the smaller victim_key, so the result is deterministic.

Because a record's status depends only on records within 30 days of it, a change between two dates only needs
the agency of priority rank k recomputed within those dates widened by 30*k days (refresh_duplicates, used by
undo). A load goes further (refresh_after_load): it re-evaluates only the records whose candidates changed.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from etl import vocab

MAX_GAP_DAYS = 30
MAX_AGE_GAP = 1

_PAIR_SQL = """
UPDATE victim_records AS v SET duplicate_of = m.primary_key
FROM (
    WITH s AS (
        SELECT victim_key, district_code, sex, age, report_date, violence_types
        FROM victim_records
        WHERE agency = ? AND report_date BETWEEN ? AND ? AND sex IS NOT NULL AND age IS NOT NULL
    ),
    p AS (
        SELECT victim_key, district_code, sex, unnest([age - 1, age, age + 1]) AS age_key, report_date,
               violence_types, list_position(?::VARCHAR[], agency) AS agency_rank
        FROM victim_records
        WHERE list_contains(?::VARCHAR[], agency) AND duplicate_of IS NULL
          AND report_date BETWEEN ? AND ? AND sex IS NOT NULL AND age IS NOT NULL
    )
    SELECT s.victim_key,
           arg_min(p.victim_key, (abs(date_diff('day', p.report_date, s.report_date)), p.agency_rank, p.victim_key))
               AS primary_key
    FROM s JOIN p ON p.district_code = s.district_code AND p.sex = s.sex AND p.age_key = s.age
    WHERE abs(date_diff('day', p.report_date, s.report_date)) <= ? AND list_has_any(s.violence_types, p.violence_types)
    GROUP BY s.victim_key
) AS m
WHERE v.victim_key = m.victim_key
"""


def agency_order(con: duckdb.DuckDBPyConnection, also: str | None = None) -> list[str]:
    """Agencies that sent registers (and ``also``), primary first (unknown codes last, by code)."""
    known = list(vocab.agency_codes())
    # every victim record comes from a register submission; that small table is cheaper to ask than the records,
    # and an agency listed with no records left changes no one's order
    present = {r[0] for r in con.execute("SELECT DISTINCT agency FROM submissions WHERE shape = 'register'")
               .fetchall()} | ({also} if also else set())
    return [a for a in known if a in present] + sorted(present - set(known))


def refresh_duplicates(con: duckdb.DuckDBPyConnection, start: dt.date | None = None,
                       end: dt.date | None = None) -> None:
    """Recompute duplicate_of for every record whose status can depend on records reported between start and end.

    Without dates the whole table is recomputed. Runs inside the caller's transaction.
    """
    order = agency_order(con)
    full = start is None or end is None
    lowest, highest = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    for rank, agency in enumerate(order):
        if full:
            lo, hi = lowest, highest
        else:
            widen = dt.timedelta(days=MAX_GAP_DAYS * rank)
            lo, hi = max(lowest, start - widen), min(highest, end + widen)
        con.execute("UPDATE victim_records SET duplicate_of = NULL "
                    "WHERE agency = ? AND report_date BETWEEN ? AND ? AND duplicate_of IS NOT NULL", [agency, lo, hi])
        if rank == 0:
            continue  # the primary agency's records are never duplicates
        higher = order[:rank]
        gap = dt.timedelta(days=MAX_GAP_DAYS)
        plo = lo if full else max(lowest, lo - gap)
        phi = hi if full else min(highest, hi + gap)
        con.execute(_PAIR_SQL, [agency, lo, hi, higher, higher, plo, phi, MAX_GAP_DAYS])


# The records of one agency to re-evaluate after primaries of higher-priority agencies appeared (_dedupe_added)
# or went away (_dedupe_released), with their current duplicate_of.
_AFFECTED_SQL = """
INSERT INTO _dedupe_eval
SELECT DISTINCT v.victim_key, v.district_code, v.sex, v.age, v.report_date, v.violence_types, v.duplicate_of
FROM (SELECT *, unnest(violence_types) AS form FROM victim_records
      WHERE agency = ? AND report_date BETWEEN ? AND ? AND sex IS NOT NULL AND age IS NOT NULL) v
JOIN (SELECT district_code, sex, unnest([age - 1, age, age + 1]) AS age_key, report_date, form
      FROM (SELECT *, unnest(violence_types) AS form FROM _dedupe_added)) a
  ON a.district_code = v.district_code AND a.sex = v.sex AND a.age_key = v.age AND a.form = v.form
WHERE abs(date_diff('day', a.report_date, v.report_date)) <= ?
UNION
SELECT victim_key, district_code, sex, age, report_date, violence_types, duplicate_of
FROM victim_records
WHERE agency = ? AND duplicate_of IN (SELECT victim_key FROM _dedupe_released)
"""

# The primary of each record in _dedupe_eval now (NULL when none), next to its previous one. Sharing a form is
# an equality on one unnested form each (two unnests in one SELECT would be zipped, hence the subqueries);
# a pair sharing two forms appears twice, which arg_min does not mind.
_EVAL_PAIR_SQL = """
INSERT INTO _dedupe_result
WITH p AS (
    SELECT victim_key, district_code, sex, unnest([age - 1, age, age + 1]) AS age_key, report_date, form,
           list_position(?::VARCHAR[], agency) AS agency_rank
    FROM (SELECT *, unnest(violence_types) AS form FROM victim_records
          WHERE list_contains(?::VARCHAR[], agency) AND duplicate_of IS NULL
            AND report_date BETWEEN ? AND ? AND sex IS NOT NULL AND age IS NOT NULL)
),
s AS (SELECT victim_key, district_code, sex, age, report_date, unnest(violence_types) AS form FROM _dedupe_eval),
m AS (
    SELECT s.victim_key,
           arg_min(p.victim_key, (abs(date_diff('day', p.report_date, s.report_date)), p.agency_rank, p.victim_key))
               AS primary_key
    FROM s JOIN p ON p.district_code = s.district_code AND p.sex = s.sex AND p.age_key = s.age AND p.form = s.form
    WHERE abs(date_diff('day', p.report_date, s.report_date)) <= ?
    GROUP BY s.victim_key
)
SELECT e.victim_key, e.district_code, e.sex, e.age, e.report_date, e.violence_types, e.old_primary, m.primary_key
FROM _dedupe_eval e LEFT JOIN m USING (victim_key)
"""

_TEMP_TABLES = """
CREATE OR REPLACE TEMP TABLE _dedupe_eval (victim_key VARCHAR, district_code VARCHAR, sex VARCHAR, age INTEGER,
    report_date DATE, violence_types VARCHAR[], old_primary VARCHAR);
CREATE OR REPLACE TEMP TABLE _dedupe_result (victim_key VARCHAR, district_code VARCHAR, sex VARCHAR, age INTEGER,
    report_date DATE, violence_types VARCHAR[], old_primary VARCHAR, new_primary VARCHAR);
CREATE OR REPLACE TEMP TABLE _dedupe_added (victim_key VARCHAR, district_code VARCHAR, sex VARCHAR, age INTEGER,
    report_date DATE, violence_types VARCHAR[]);
CREATE OR REPLACE TEMP TABLE _dedupe_released (victim_key VARCHAR);
"""


def refresh_after_load(con: duckdb.DuckDBPyConnection, agency: str, submission_id: str,
                       released: list[str] | tuple[str, ...] = ()) -> None:
    """Mark duplicates after one file's records were inserted and ``released`` primary records deleted.

    Runs inside the caller's transaction. Only records whose candidates changed are re-evaluated: the file's own
    records, then, agency by agency down the priority order, records that pointed at a primary that went away and
    records that pair with a primary that appeared. A record that changes between primary and duplicate passes
    the change on to the agencies below. The result equals refresh_duplicates() over the whole table.
    """
    order = agency_order(con, also=agency)  # the file may have no records left, yet have released some
    con.execute(_TEMP_TABLES)  # dropped at the end; on an error the caller's rollback removes them
    if released:
        con.execute("INSERT INTO _dedupe_released SELECT unnest(?::VARCHAR[])", [list(released)])
    gap = MAX_GAP_DAYS
    for rank in range(order.index(agency), len(order)):
        current = order[rank]
        con.execute("DELETE FROM _dedupe_eval")
        if current == agency:
            con.execute("INSERT INTO _dedupe_eval SELECT victim_key, district_code, sex, age, report_date, "
                        "violence_types, NULL FROM victim_records WHERE submission_id = ? AND sex IS NOT NULL "
                        "AND age IS NOT NULL", [submission_id])
        else:
            lo, hi = con.execute("SELECT min(report_date), max(report_date) FROM _dedupe_added").fetchone()
            lo = lo - dt.timedelta(days=gap) if lo else dt.date(9999, 12, 31)
            hi = hi + dt.timedelta(days=gap) if hi else dt.date(1, 1, 1)
            con.execute(_AFFECTED_SQL, [current, lo, hi, gap, current])
        lo, hi, count = con.execute("SELECT min(report_date), max(report_date), count(*) "
                                    "FROM _dedupe_eval").fetchone()
        if count == 0:
            continue
        con.execute("DELETE FROM _dedupe_result")
        higher = order[:rank]
        if higher:
            con.execute(_EVAL_PAIR_SQL, [higher, higher, lo - dt.timedelta(days=gap),
                                         hi + dt.timedelta(days=gap), gap])
        else:  # the primary agency's records are never duplicates
            con.execute("INSERT INTO _dedupe_result SELECT *, NULL FROM _dedupe_eval")
        con.execute("UPDATE victim_records AS v SET duplicate_of = r.new_primary FROM _dedupe_result r "
                    "WHERE v.agency = ? AND v.report_date BETWEEN ? AND ? AND v.victim_key = r.victim_key "
                    "AND r.new_primary IS DISTINCT FROM r.old_primary", [current, lo, hi])
        if current == agency:  # new records: every one that is not a duplicate is a new primary
            con.execute("INSERT INTO _dedupe_added SELECT victim_key, district_code, sex, age, report_date, "
                        "violence_types FROM _dedupe_result WHERE new_primary IS NULL")
        else:
            con.execute("INSERT INTO _dedupe_added SELECT victim_key, district_code, sex, age, report_date, "
                        "violence_types FROM _dedupe_result WHERE new_primary IS NULL AND old_primary IS NOT NULL")
            con.execute("INSERT INTO _dedupe_released SELECT victim_key FROM _dedupe_result "
                        "WHERE new_primary IS NOT NULL AND old_primary IS NULL")
    for table in ("_dedupe_eval", "_dedupe_result", "_dedupe_added", "_dedupe_released"):  # fixed names
        con.execute(f"DROP TABLE {table}")


def duplicate_pairs(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every (duplicate, primary) pair for review, oldest primary report first."""
    rows = con.execute("""
        SELECT s.victim_key, s.agency, s.case_ref, s.report_date,
               p.victim_key, p.agency, p.case_ref, p.report_date,
               p.district_code, d.district, p.sex, s.age, p.age,
               abs(date_diff('day', s.report_date, p.report_date)) AS gap_days,
               list_intersect(s.violence_types, p.violence_types) AS shared_types
        FROM victim_records s
        JOIN victim_records p ON p.victim_key = s.duplicate_of
        LEFT JOIN ref_districts d ON d.district_code = p.district_code
        ORDER BY p.report_date, p.victim_key, s.victim_key
    """).fetchall()
    keys = ("victim_key", "agency", "case_ref", "report_date", "primary_victim_key", "primary_agency",
            "primary_case_ref", "primary_report_date", "district_code", "district", "sex", "age", "primary_age",
            "gap_days", "shared_types")
    pairs = []
    for row in rows:
        pair = dict(zip(keys, row))
        pair["shared_types"] = sorted(pair["shared_types"] or [])
        pairs.append(pair)
    return pairs
