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
undo). A load goes further (refresh_after_load, once per batch of files): it re-evaluates only the records whose
candidates changed — the batch's new records, records whose primary was deleted, and records that pair with a
primary that appeared — agency by agency down the priority order, passing every change between primary and
duplicate on to the agencies below.

Pairs are found with a hash join on equalities only: kecamatan, sex, age (one side unnested to age-1, age, age+1),
one shared form (both sides unnested) and a 30-day date bucket (one side unnested to the bucket before, its own and
the one after); the 30-day gap is then a filter on the few candidates left. Without the bucket a batch spanning
years would pair every record with every same-age record of those years.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

import duckdb

from etl import vocab

MAX_GAP_DAYS = 30
MAX_AGE_GAP = 1

# Two dates at most MAX_GAP_DAYS apart fall in the same or adjacent buckets as long as every bucket is at least
# MAX_GAP_DAYS wide (DuckDB's // truncates toward zero, so the bucket around 1970-01-01 is twice as wide: harmless).
BUCKET_DAYS = MAX_GAP_DAYS


def _bucket(column: str) -> str:
    return f"(({column} - DATE '1970-01-01') // {BUCKET_DAYS})"


# Candidate primaries: records of the agencies in the first two parameters (a VARCHAR[] of higher-priority agencies,
# whose position is the agency's rank) that are not duplicates, reported between the next two parameters; one row
# per form.
_PRIMARIES = f"""
    SELECT victim_key, district_code, sex, age, report_date, unnest(violence_types) AS form,
           {_bucket("report_date")} AS bucket, list_position(?::VARCHAR[], agency) AS agency_rank
    FROM victim_records
    WHERE list_contains(?::VARCHAR[], agency) AND duplicate_of IS NULL
      AND report_date BETWEEN ? AND ? AND sex IS NOT NULL AND age IS NOT NULL
"""


def _seekers(source: str) -> str:
    """The records of ``source`` (victim_key, district_code, sex, age, report_date, violence_types) that look for a
    primary: one row per form, neighbouring age and neighbouring bucket. Two unnests in one SELECT would be zipped,
    hence the subquery for the form and the cross join for the bucket. This side is expanded rather than the
    primaries: it is usually the smaller one, and the hash table is then built on the unexpanded primaries (1.5x
    faster at the benchmark's million records)."""
    return f"""
    SELECT victim_key, district_code, sex, unnest([age - 1, age, age + 1]) AS age_key, report_date, form,
           bucket + shift AS bucket_key
    FROM (SELECT victim_key, district_code, sex, age, report_date, unnest(violence_types) AS form,
                 {_bucket("report_date")} AS bucket
          FROM {source})
    CROSS JOIN (VALUES (-1), (0), (1)) AS shifts(shift)
    """


# The best primary of each record in s (records without one are absent); the last parameter is MAX_GAP_DAYS.
# A pair sharing two forms appears twice, which arg_min does not mind.
_MATCH = """
    SELECT s.victim_key,
           arg_min(p.victim_key, (abs(date_diff('day', p.report_date, s.report_date)), p.agency_rank, p.victim_key))
               AS primary_key
    FROM s JOIN p ON p.district_code = s.district_code AND p.sex = s.sex AND p.age = s.age_key AND p.form = s.form
                 AND p.bucket = s.bucket_key
    WHERE abs(date_diff('day', p.report_date, s.report_date)) <= ?
    GROUP BY s.victim_key
"""

# Full recomputation of one agency between two dates: every record there gets its best primary or NULL; only
# the records whose value changes are written.
_PAIR_SQL = f"""
UPDATE victim_records AS v SET duplicate_of = r.primary_key
FROM (
    WITH p AS ({_PRIMARIES}),
    s AS ({_seekers("victim_records WHERE agency = ? AND report_date BETWEEN ? AND ? "
                    "AND sex IS NOT NULL AND age IS NOT NULL")}),
    m AS ({_MATCH})
    SELECT o.victim_key, m.primary_key
    FROM victim_records o LEFT JOIN m USING (victim_key)
    WHERE o.agency = ? AND o.report_date BETWEEN ? AND ?
) AS r
WHERE v.victim_key = r.victim_key AND v.duplicate_of IS DISTINCT FROM r.primary_key
"""


def agency_order(con: duckdb.DuckDBPyConnection, also: Iterable[str] = ()) -> list[str]:
    """Agencies that sent registers (and those in ``also``), primary first (unknown codes last, by code)."""
    known = list(vocab.agency_codes())
    # every victim record comes from a register submission; that small table is cheaper to ask than the records,
    # and an agency listed with no records left changes no one's order
    present = ({r[0] for r in con.execute("SELECT DISTINCT agency FROM submissions WHERE shape = 'register'")
                .fetchall()} | ({also} if isinstance(also, str) else set(also)))
    return [a for a in known if a in present] + sorted(present - set(known))


def refresh_duplicates(con: duckdb.DuckDBPyConnection, start: dt.date | None = None,
                       end: dt.date | None = None) -> None:
    """Recompute duplicate_of for every record whose status can depend on records reported between start and end.

    Without dates the whole table is recomputed. Runs inside the caller's transaction.
    """
    order = agency_order(con)
    full = start is None or end is None
    lowest, highest = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    gap = dt.timedelta(days=MAX_GAP_DAYS)
    for rank, agency in enumerate(order):
        if full:
            lo, hi = lowest, highest
        else:
            widen = dt.timedelta(days=MAX_GAP_DAYS * rank)
            lo, hi = max(lowest, start - widen), min(highest, end + widen)
        if rank == 0:  # the primary agency's records are never duplicates
            con.execute("UPDATE victim_records SET duplicate_of = NULL WHERE agency = ? "
                        "AND report_date BETWEEN ? AND ? AND duplicate_of IS NOT NULL", [agency, lo, hi])
            continue
        higher = order[:rank]
        plo = lo if full else max(lowest, lo - gap)
        phi = hi if full else min(highest, hi + gap)
        con.execute(_PAIR_SQL, [higher, higher, plo, phi, agency, lo, hi, MAX_GAP_DAYS, agency, lo, hi])


# The old records (not of the batch) of one agency to re-evaluate after primaries of higher-priority agencies
# appeared (_dedupe_added) or went away (_dedupe_released), with their current duplicate_of. Here the old records
# are unnested to neighbouring buckets and the added ones to neighbouring ages, which keeps both sides small.
_AFFECTED_SQL = f"""
INSERT INTO _dedupe_eval
SELECT DISTINCT v.victim_key, v.district_code, v.sex, v.age, v.report_date, v.violence_types, v.duplicate_of, false
FROM (SELECT *, bucket + shift AS bucket_key
      FROM (SELECT *, unnest(violence_types) AS form, {_bucket("report_date")} AS bucket
            FROM victim_records
            WHERE agency = ? AND report_date BETWEEN ? AND ? AND sex IS NOT NULL AND age IS NOT NULL
              AND submission_id NOT IN (SELECT submission_id FROM _dedupe_batch))
      CROSS JOIN (VALUES (-1), (0), (1)) AS shifts(shift)) v
JOIN (SELECT district_code, sex, unnest([age - 1, age, age + 1]) AS age_key, report_date, form, bucket
      FROM (SELECT *, unnest(violence_types) AS form, {_bucket("report_date")} AS bucket FROM _dedupe_added)) a
  ON a.district_code = v.district_code AND a.sex = v.sex AND a.age_key = v.age AND a.form = v.form
     AND a.bucket = v.bucket_key
WHERE abs(date_diff('day', a.report_date, v.report_date)) <= ?
UNION
SELECT victim_key, district_code, sex, age, report_date, violence_types, duplicate_of, false
FROM victim_records
WHERE agency = ? AND duplicate_of IN (SELECT victim_key FROM _dedupe_released)
"""

# The batch's own records of one agency that can be paired: all new, none marked yet.
_NEW_RECORDS = """
SELECT victim_key, district_code, sex, age, report_date, violence_types
FROM victim_records
WHERE agency = ? AND submission_id IN (SELECT submission_id FROM _dedupe_batch)
  AND sex IS NOT NULL AND age IS NOT NULL
"""
_NEW_SQL = f"INSERT INTO _dedupe_eval SELECT *, NULL, true FROM ({_NEW_RECORDS})"

# The primary of each record in _dedupe_eval now (NULL when none), next to its previous one.
_EVAL_PAIR_SQL = f"""
INSERT INTO _dedupe_result
WITH p AS ({_PRIMARIES}),
s AS ({_seekers("_dedupe_eval")}),
m AS ({_MATCH})
SELECT e.*, m.primary_key
FROM _dedupe_eval e LEFT JOIN m USING (victim_key)
"""

_TEMP_TABLES = """
CREATE OR REPLACE TEMP TABLE _dedupe_batch (submission_id VARCHAR);
CREATE OR REPLACE TEMP TABLE _dedupe_eval (victim_key VARCHAR, district_code VARCHAR, sex VARCHAR, age INTEGER,
    report_date DATE, violence_types VARCHAR[], old_primary VARCHAR, is_new BOOLEAN);
CREATE OR REPLACE TEMP TABLE _dedupe_result (victim_key VARCHAR, district_code VARCHAR, sex VARCHAR, age INTEGER,
    report_date DATE, violence_types VARCHAR[], old_primary VARCHAR, is_new BOOLEAN, new_primary VARCHAR);
CREATE OR REPLACE TEMP TABLE _dedupe_added (victim_key VARCHAR, district_code VARCHAR, sex VARCHAR, age INTEGER,
    report_date DATE, violence_types VARCHAR[]);
CREATE OR REPLACE TEMP TABLE _dedupe_released (victim_key VARCHAR);
"""
_TEMP_NAMES = ("_dedupe_batch", "_dedupe_eval", "_dedupe_result", "_dedupe_added", "_dedupe_released")


def refresh_after_load(con: duckdb.DuckDBPyConnection, submission_ids: Sequence[str],
                       released: Sequence[str] = ()) -> None:
    """Mark duplicates after a batch of files: their records inserted, ``released`` primary records deleted.

    ``submission_ids`` are the batch's submissions; their records (inserted in one or several earlier transactions)
    all still have duplicate_of NULL. ``released`` are the victim_keys deleted from these agencies while they were
    primary records (their duplicates need a new look); keys of records that no longer exist or that nothing
    points at are harmless. Runs inside the caller's transaction. The result equals refresh_duplicates() over the
    whole table.

    Only records whose candidates changed are re-evaluated, agency by agency from the highest-priority agency of
    the batch down: that agency's new records, its old records that pointed at a primary that went away and its
    old records that pair with a primary that appeared. New records that end up primary, and old records that
    become primary, are primaries that appeared for the agencies below; old records that become duplicates went
    away for them.
    """
    submission_ids, released = list(submission_ids), list(released)
    if not submission_ids and not released:
        return
    con.execute(_TEMP_TABLES)  # dropped at the end; on an error the caller's rollback removes them
    _refresh_batch(con, submission_ids, released)
    for table in _TEMP_NAMES:  # fixed names
        con.execute(f"DROP TABLE {table}")


def _refresh_batch(con: duckdb.DuckDBPyConnection, submission_ids: list[str], released: list[str]) -> None:
    con.execute("INSERT INTO _dedupe_batch SELECT DISTINCT unnest(?::VARCHAR[])", [submission_ids])
    if released:
        con.execute("INSERT INTO _dedupe_released SELECT DISTINCT unnest(?::VARCHAR[])", [released])
    # a submission may have no records (left), yet have released some
    agencies = {r[0] for r in con.execute("SELECT DISTINCT agency FROM submissions "
                                          "WHERE submission_id IN (SELECT submission_id FROM _dedupe_batch)")
                .fetchall()}
    order = agency_order(con, also=agencies)
    first = min((order.index(a) for a in agencies), default=0)  # released without a known agency: start at the top
    gap = dt.timedelta(days=MAX_GAP_DAYS)
    for rank in range(first, len(order)):
        current, higher, last = order[rank], order[:rank], rank == len(order) - 1
        if not higher:
            # the primary agency's records are never duplicates: nothing of it changes, and its new records are
            # primaries that appeared (~0.25 s less at the benchmark's million records than the general path)
            if not last:
                con.execute(f"INSERT INTO _dedupe_added {_NEW_RECORDS}", [current])
            continue
        con.execute("DELETE FROM _dedupe_eval")
        if current in agencies:
            con.execute(_NEW_SQL, [current])
        if rank > first:
            lo, hi = con.execute("SELECT min(report_date), max(report_date) FROM _dedupe_added").fetchone()
            lo = lo - gap if lo else dt.date(9999, 12, 31)
            hi = hi + gap if hi else dt.date(1, 1, 1)
            con.execute(_AFFECTED_SQL, [current, lo, hi, MAX_GAP_DAYS, current])
        lo, hi, count = con.execute("SELECT min(report_date), max(report_date), count(*) "
                                    "FROM _dedupe_eval").fetchone()
        if count == 0:
            continue
        con.execute("DELETE FROM _dedupe_result")
        con.execute(_EVAL_PAIR_SQL, [higher, higher, lo - gap, hi + gap, MAX_GAP_DAYS])
        con.execute("UPDATE victim_records AS v SET duplicate_of = r.new_primary FROM _dedupe_result r "
                    "WHERE v.agency = ? AND v.report_date BETWEEN ? AND ? AND v.victim_key = r.victim_key "
                    "AND r.new_primary IS DISTINCT FROM r.old_primary", [current, lo, hi])
        if last:
            break  # no agency below to pass changes on to
        con.execute("INSERT INTO _dedupe_added SELECT victim_key, district_code, sex, age, report_date, "
                    "violence_types FROM _dedupe_result "
                    "WHERE new_primary IS NULL AND (is_new OR old_primary IS NOT NULL)")
        con.execute("INSERT INTO _dedupe_released SELECT victim_key FROM _dedupe_result "
                    "WHERE new_primary IS NOT NULL AND old_primary IS NULL AND NOT is_new")


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
