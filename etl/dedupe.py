"""Cross-agency duplicates: the same victim reported by two agencies is counted once, from the primary record.

Rule (issue 3, item 6): two records of *different* agencies describe the same victim when kecamatan and sex are
equal, ages differ by at most one year, report dates are at most 30 days apart and the forms overlap. The record
of the lower-priority agency (etl.vocab.agencies(); UPTD_PPA first) gets ``duplicate_of`` = the primary record's
victim_key; both records are kept. A record with an unknown sex or age is never paired.

Agencies are processed in priority order and a record may only point at a record that is not itself a duplicate,
so ``duplicate_of`` always names a primary record (no chains). Among several candidates the closest report date
wins, then the higher-priority agency, then the smaller victim_key, so the result is deterministic.

Because a record's status depends only on records within 30 days of it, a load that changed records between two
dates only needs to recompute the agency of priority rank k within those dates widened by 30*k days.
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


def agency_order(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Agencies holding victim records, primary first (unknown codes last, by code)."""
    known = list(vocab.agency_codes())
    present = {r[0] for r in con.execute("SELECT DISTINCT agency FROM victim_records").fetchall()}
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
