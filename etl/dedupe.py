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
duplicate on to the agencies below. The batch's records still waiting to be inserted (etl.load) are searched with
those in the table, by the same search, and get their duplicate_of before they are inserted: a new database's load
updates nothing.

A record's primary is found by a sorted search (best_primaries): each form of every candidate primary becomes one
integer (kecamatan, sex, form, age, report date), the integers are sorted, and a record's candidates for each of
the ages age-1, age, age+1 are one run of them, found by binary search; the best candidate is the smallest of one
integer per pair (date gap, agency rank, key order); two threads search half the seekers each. At the benchmark's
million records this took ~20-30 % less CPU than the hash join on the same equalities (seekers unnested to
neighbouring ages and 30-day buckets) that it replaced (docs/performance.md, "loader-store"). Which old records
to look at again after primaries appeared is still such a hash join (_AFFECTED_SQL): kecamatan, sex, age, one
shared form and a 30-day date bucket (one side unnested to the bucket before, its own and the one after), then
the 30-day gap as a filter.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl import vocab

MAX_GAP_DAYS = 30
MAX_AGE_GAP = 1

# Two dates at most MAX_GAP_DAYS apart fall in the same or adjacent buckets as long as every bucket is at least
# MAX_GAP_DAYS wide (DuckDB's // truncates toward zero, so the bucket around 1970-01-01 is twice as wide: harmless).
BUCKET_DAYS = MAX_GAP_DAYS


def _bucket(column: str) -> str:
    return f"(({column} - DATE '1970-01-01') // {BUCKET_DAYS})"


_PRIMARY_SQL = """
SELECT victim_key, district_code, sex, age, report_date, violence_types, list_position(?::VARCHAR[], agency) AS rank
FROM victim_records
WHERE list_contains(?::VARCHAR[], agency) AND duplicate_of IS NULL
  AND report_date BETWEEN ? AND ? AND sex IS NOT NULL AND age IS NOT NULL
"""
_NO_AGE = np.iinfo(np.int64).min


def _candidates(waiting: pa.Table, start: dt.date, end: dt.date) -> pa.Table:
    """The waiting records _PRIMARY_SQL would find in the database: with sex and age, reported between start and
    end."""
    day = waiting["report_date"]
    can = pc.and_(pc.and_(pc.is_valid(waiting["sex"]), pc.is_valid(waiting["age"])),
                  pc.and_(pc.greater_equal(day, pa.scalar(start, pa.date32())),
                          pc.less_equal(day, pa.scalar(end, pa.date32()))))
    can = pc.fill_null(can, False)
    return waiting if pc.all(can).as_py() else waiting.filter(can)


def _key_order(keys: pa.ChunkedArray) -> np.ndarray:
    """Each victim_key's place in the order of the keys."""
    order = np.empty(len(keys), np.int64)
    order[pc.sort_indices(keys).to_numpy()] = np.arange(len(keys))
    return order


def _forms(table: pa.Table) -> tuple[np.ndarray, pa.Array]:
    """(record of each form row, the forms) of a table's violence_types, one row per form."""
    lists = table["violence_types"].combine_chunks()
    return pc.list_parent_indices(lists).to_numpy(), pc.list_flatten(lists)


def _shared_codes(a: pa.ChunkedArray | pa.Array, b: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of two string columns over one dictionary (null: -1), and the dictionary's size."""
    both = pa.chunked_array([*_chunks(a), *_chunks(b)], pa.string()).combine_chunks().dictionary_encode()
    codes = both.indices.fill_null(-1).to_numpy().astype(np.int64)
    return codes[:len(a)], codes[len(a):], len(both.dictionary)


def _chunks(column: pa.ChunkedArray | pa.Array) -> list[pa.Array]:
    return column.chunks if isinstance(column, pa.ChunkedArray) else [column]


def _days(column: pa.ChunkedArray) -> np.ndarray:
    return column.cast(pa.int32()).to_numpy().astype(np.int64)


def best_primaries(con: duckdb.DuckDBPyConnection, higher: list[str], start: dt.date, end: dt.date,
                   seekers: pa.Table, waiting: pa.Table | None = None) -> pa.Array:
    """The victim_key of each seeker's primary record, or null, row for row.

    ``seekers`` (victim_key, district_code, sex, age, report_date, violence_types …) look among the records of
    the agencies ``higher`` (primary first) reported between start and end that are not duplicates, those of the
    database and those of ``waiting`` (records not inserted yet, not duplicates, of agencies in ``higher``: the
    columns of _PRIMARY_SQL, ``rank`` their agency's place in ``higher`` counted from 1). The rule (module
    docstring): same kecamatan and sex, ages at most MAX_AGE_GAP apart, report dates at most MAX_GAP_DAYS apart, a
    shared form; the closest report date wins, then the higher-priority agency, then the smaller victim_key.

    A sorted search instead of a join: every form of a primary gets one integer (kecamatan, sex, form, age, report
    date, in that order of significance), so the candidates of a seeker's form for one age (a-1, a, a+1) are one
    run of the sorted integers, found by binary search; each candidate is scored by one integer (date gap, then
    agency rank, then key order) and each seeker takes the smallest.
    """
    primaries = con.sql(_PRIMARY_SQL, params=[higher, higher, start, end]).to_arrow_table()
    if waiting is not None and waiting.num_rows:
        primaries = pa.concat_tables([primaries, _candidates(waiting, start, end).cast(primaries.schema)])
    if not primaries.num_rows or not seekers.num_rows:
        return pa.nulls(seekers.num_rows, pa.string())
    with ThreadPoolExecutor(2) as pool:  # numpy and Arrow let go of the interpreter while they work
        return _search(pool, primaries, seekers)


def _search(pool: ThreadPoolExecutor, primaries: pa.Table, seekers: pa.Table) -> pa.Array:
    """best_primaries' search, on two threads: the key order (a sort of strings) beside the integers, the seekers'
    sort beside the primaries', then half of the seekers each."""
    nothing = pa.nulls(seekers.num_rows, pa.string())
    order = pool.submit(_key_order, primaries["victim_key"])
    p_record, p_forms = _forms(primaries)
    s_record, s_forms = _forms(seekers)
    p_district, s_district, districts = _shared_codes(primaries["district_code"], seekers["district_code"])
    p_sex, s_sex, sexes = _shared_codes(primaries["sex"], seekers["sex"])
    p_form, s_form, forms = _shared_codes(p_forms, s_forms)
    p_age = primaries["age"].to_numpy().astype(np.int64)
    s_age = seekers["age"].cast(pa.int64()).fill_null(_NO_AGE).to_numpy()
    p_day, s_day = _days(primaries["report_date"]), _days(seekers["report_date"])
    # form rows that cannot pair (no form or kecamatan, as SQL's NULL = NULL; a seeker without sex or age) are left
    # out of the search
    keep = (p_form >= 0) & (p_district[p_record] >= 0)
    p_record, p_form = p_record[keep], p_form[keep]
    keep = (s_form >= 0) & (s_district[s_record] >= 0) & (s_sex[s_record] >= 0) & (s_age[s_record] != _NO_AGE)
    s_record, s_form = s_record[keep], s_form[keep]
    if not len(s_record) or not len(p_record):
        return nothing
    # each field offset so that its neighbours (age +-MAX_AGE_GAP, date +-MAX_GAP_DAYS) stay in its own slot
    low_age = min(p_age.min(), s_age[s_record].min()) - MAX_AGE_GAP
    ages = max(p_age.max(), s_age[s_record].max()) + MAX_AGE_GAP - low_age + 1
    low_day = min(p_day.min(), s_day.min()) - MAX_GAP_DAYS
    days = max(p_day.max(), s_day.max()) + MAX_GAP_DAYS - low_day + 1
    if districts * sexes * forms * ages * days >= 1 << 62:
        raise ValueError("ages or report dates too far apart to be searched as one integer")

    def keys(district, sex, form, age, day):
        return (((district * sexes + sex) * forms + form) * ages + (age - low_age)) * days + (day - low_day)

    s_key = keys(s_district[s_record], s_sex[s_record], s_form, s_age[s_record], s_day[s_record])
    s_by_key = pool.submit(np.argsort, s_key)  # sorted needles: the binary searches stay in the cache
    p_key = keys(p_district[p_record], p_sex[p_record], p_form, p_age[p_record], p_day[p_record])
    by_key = np.argsort(p_key)
    p_key, p_row = p_key[by_key], p_record[by_key]
    by_key = s_by_key.result()
    s_key, s_row = s_key[by_key], s_record[by_key]
    order = order.result()
    ranks = primaries["rank"].to_numpy().astype(np.int64)

    def best_of(part: slice) -> np.ndarray:
        """The best score of each seeker whose form rows are in ``part`` (others: the largest integer)."""
        best = np.full(seekers.num_rows, np.iinfo(np.int64).max)
        queries = np.concatenate([s_key[part] + shift * days for shift in range(-MAX_AGE_GAP, MAX_AGE_GAP + 1)])
        first = np.searchsorted(p_key, queries - MAX_GAP_DAYS, "left")
        counts = np.searchsorted(p_key, queries + MAX_GAP_DAYS, "right") - first
        found = counts > 0
        if not found.any():
            return best
        first, counts = first[found], counts[found]
        seeker = np.tile(s_row[part], 2 * MAX_AGE_GAP + 1)[found]
        # every (query, candidate) pair, query by query; a candidate's score: date gap, agency rank, key order
        starts = np.cumsum(counts) - counts
        candidate = p_row[np.repeat(first - starts, counts) + np.arange(int(counts.sum()))]
        score = ((np.abs(p_day[candidate] - s_day[np.repeat(seeker, counts)]) * (ranks.max() + 1)
                  + ranks[candidate]) * primaries.num_rows + order[candidate])
        np.minimum.at(best, seeker, np.minimum.reduceat(score, starts))
        return best

    # two halves of the seekers' form rows side by side
    middle = len(s_key) // 2
    best = np.minimum(*pool.map(best_of, [slice(0, middle), slice(middle, None)]))
    paired = best != np.iinfo(np.int64).max
    rows = np.empty(primaries.num_rows, np.int64)
    rows[order] = np.arange(primaries.num_rows)
    position = np.where(paired, rows[best % primaries.num_rows], 0)
    index = pa.Array.from_buffers(pa.int64(), seekers.num_rows, [pa.py_buffer(np.packbits(paired, bitorder="little")),
                                                                 pa.py_buffer(position)])
    return primaries["victim_key"].take(index).combine_chunks()


# Full recomputation of one agency between two dates: every record there gets its best primary or NULL
# (_dedupe_pairs: each record's victim_key and primary_key, from best_primaries); only changed values are written.
_PAIR_SQL = """
UPDATE victim_records AS v SET duplicate_of = r.primary_key FROM _dedupe_pairs r
WHERE v.agency = ? AND v.report_date BETWEEN ? AND ? AND v.victim_key = r.victim_key
  AND v.duplicate_of IS DISTINCT FROM r.primary_key
"""


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """An Arrow table visible to the connection's SQL as ``name`` (a fixed name of this module) for the block."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


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
        records = con.sql("SELECT victim_key, district_code, sex, age, report_date, violence_types FROM "
                          "victim_records WHERE agency = ? AND report_date BETWEEN ? AND ?",
                          params=[agency, lo, hi]).to_arrow_table()
        pairs = records.select(["victim_key"]).append_column(
            "primary_key", best_primaries(con, higher, plo, phi, records))
        with _registered(con, "_dedupe_pairs", pairs):
            con.execute(_PAIR_SQL, [agency, lo, hi])


# The old records (not of the batch) of one agency to re-evaluate after primaries of higher-priority agencies
# appeared (_dedupe_added) or went away (_dedupe_released), with their current duplicate_of. Here the old records
# are unnested to neighbouring buckets and the added ones to neighbouring ages, which keeps both sides small.
_AFFECTED_SQL = f"""
SELECT DISTINCT v.victim_key, v.district_code, v.sex, v.age, v.report_date, v.violence_types,
    v.duplicate_of AS old_primary, false AS is_new
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
# the same as records to evaluate (_AFFECTED_SQL's columns): no previous primary, new
_NEW_SQL = f"SELECT *, NULL::VARCHAR AS old_primary, true AS is_new FROM ({_NEW_RECORDS})"

_TEMP_TABLES = """
CREATE OR REPLACE TEMP TABLE _dedupe_batch (submission_id VARCHAR);
CREATE OR REPLACE TEMP TABLE _dedupe_added (victim_key VARCHAR, district_code VARCHAR, sex VARCHAR, age INTEGER,
    report_date DATE, violence_types VARCHAR[]);
CREATE OR REPLACE TEMP TABLE _dedupe_released (victim_key VARCHAR);
"""
_TEMP_NAMES = ("_dedupe_batch", "_dedupe_added", "_dedupe_released")


def refresh_after_load(con: duckdb.DuckDBPyConnection, submission_ids: Sequence[str],
                       released: Sequence[str] = (), waiting: Sequence[pa.Table] = ()) -> list[pa.Array]:
    """Mark duplicates after a batch of files: their records inserted or ``waiting``, ``released`` primary records
    deleted; return the duplicate_of of the waiting records, one array per table.

    ``submission_ids`` are the batch's submissions; their records in the table (inserted in one or several earlier
    transactions) all still have duplicate_of NULL. ``waiting`` are the batch's records not inserted yet (etl.load:
    tables with victim_key, agency, district_code, sex, age, report_date and violence_types, each of one agency):
    they are searched as if they were in the table, and the caller inserts them with the duplicate_of returned.
    ``released`` are the victim_keys deleted from these agencies while they were primary records (their duplicates
    need a new look); keys of records that no longer exist or that nothing points at are harmless. Runs inside the
    caller's transaction. The result, once the waiting records are inserted, equals refresh_duplicates() over the
    whole table.

    Only records whose candidates changed are re-evaluated, agency by agency from the highest-priority agency of
    the batch down: that agency's new records, its old records that pointed at a primary that went away and its
    old records that pair with a primary that appeared. New records that end up primary, and old records that
    become primary, are primaries that appeared for the agencies below; old records that become duplicates went
    away for them.
    """
    submission_ids, released, waiting = list(submission_ids), list(released), list(waiting)
    marks = [pa.nulls(t.num_rows, pa.string()) for t in waiting]
    if not submission_ids and not released:
        return marks
    con.execute(_TEMP_TABLES)  # dropped at the end; on an error the caller's rollback removes them
    _refresh_batch(con, submission_ids, released, waiting, marks)
    for table in _TEMP_NAMES:  # fixed names
        con.execute(f"DROP TABLE {table}")
    return marks


# a record's columns the rule reads, as the search takes them (etl.load's waiting victims, records fetched)
_RULE_SCHEMA = pa.schema([("victim_key", pa.string()), ("district_code", pa.string()), ("sex", pa.string()),
                          ("age", pa.int32()), ("report_date", pa.date32()), ("violence_types", pa.list_(pa.string()))])


def _by_agency(waiting: list[pa.Table]) -> dict[str, list[int]]:
    """agency -> the indexes of its waiting tables (each table holds one agency's records)."""
    found: dict[str, list[int]] = {}
    for i, table in enumerate(waiting):
        agencies = pc.unique(table["agency"]).to_pylist() if table.num_rows else []
        if len(agencies) > 1:
            raise ValueError("a waiting table holds records of several agencies")
        for agency in agencies:
            found.setdefault(agency, []).append(i)
    return found


def _refresh_batch(con: duckdb.DuckDBPyConnection, submission_ids: list[str], released: list[str],
                   waiting: list[pa.Table], marks: list[pa.Array]) -> None:
    con.execute("INSERT INTO _dedupe_batch SELECT DISTINCT unnest(?::VARCHAR[])", [submission_ids])
    if released:
        con.execute("INSERT INTO _dedupe_released SELECT DISTINCT unnest(?::VARCHAR[])", [released])
    # a submission may have no records (left), yet have released some
    agencies = {r[0] for r in con.execute("SELECT DISTINCT agency FROM submissions "
                                          "WHERE submission_id IN (SELECT submission_id FROM _dedupe_batch)")
                .fetchall()}
    order = agency_order(con, also=agencies)
    first = min((order.index(a) for a in agencies), default=0)  # released without a known agency: start at the top
    # agencies with records from before the batch: only theirs can need a new look, so only for the agencies above
    # them are the primaries that appeared and went away collected (a new database has none)
    old = {r[0] for r in con.execute("SELECT DISTINCT agency FROM victim_records "
                                     "WHERE submission_id NOT IN (SELECT submission_id FROM _dedupe_batch)").fetchall()}
    waiting_of = _by_agency(waiting)
    appeared: list[pa.Table] = []  # waiting records found primary, with their agency's rank (best_primaries)
    gap = dt.timedelta(days=MAX_GAP_DAYS)
    for rank in range(first, len(order)):
        current, higher = order[rank], order[:rank]
        passed_on = not old.isdisjoint(order[rank + 1:])  # an agency below has old records
        mine = waiting_of.get(current, [])
        new = pa.concat_tables([waiting[i].select(_RULE_SCHEMA.names).cast(_RULE_SCHEMA) for i in mine]) \
            if mine else _RULE_SCHEMA.empty_table()
        if not higher:
            # the primary agency's records are never duplicates: nothing of it changes, and its new records are
            # primaries that appeared (~0.25 s less at the benchmark's million records than the general path)
            if passed_on:
                con.execute(f"INSERT INTO _dedupe_added {_NEW_RECORDS}", [current])
                _add(con, new)
            appeared.append(_ranked(new, rank))
            continue
        # the records to evaluate, fetched as Arrow (no temporary table in between: ~0.3 s of CPU less at the
        # benchmark's million records): the agency's new ones in the table, and its old ones whose candidates
        # changed; then its new ones waiting
        parts = []
        if current in agencies:
            parts.append(con.sql(_NEW_SQL, params=[current]).to_arrow_table())
        if rank > first and current in old:
            [(lo, hi)] = con.execute("SELECT min(report_date), max(report_date) FROM _dedupe_added").fetchall()
            lo = lo - gap if lo else dt.date(9999, 12, 31)
            hi = hi + gap if hi else dt.date(1, 1, 1)
            parts.append(con.sql(_AFFECTED_SQL, params=[current, lo, hi, MAX_GAP_DAYS, current]).to_arrow_table())
        evaluated = pa.concat_tables(parts) if parts else None
        stored = evaluated.num_rows if evaluated is not None else 0
        if not stored and not new.num_rows:
            continue
        seekers = pa.concat_tables([evaluated.select(_RULE_SCHEMA.names).cast(_RULE_SCHEMA), new]) if stored else new
        dates = pc.min_max(seekers["report_date"])
        lo, hi = dates["min"].as_py(), dates["max"].as_py()
        found = best_primaries(con, higher, lo - gap, hi + gap, seekers,
                               pa.concat_tables(appeared) if appeared else None)
        if new.num_rows:
            marked, at = found.slice(stored), 0
            for i in mine:
                marks[i], at = marked.slice(at, waiting[i].num_rows), at + waiting[i].num_rows
            primary = pc.is_null(marked)
            new = new if pc.all(primary).as_py() else new.filter(primary)
            appeared.append(_ranked(new, rank))
            if passed_on:
                _add(con, new)
        if not stored:
            continue
        evaluated = evaluated.append_column("new_primary", found.slice(0, stored))
        with _registered(con, "_dedupe_evaluated", evaluated):
            con.execute("UPDATE victim_records AS v SET duplicate_of = r.new_primary FROM _dedupe_evaluated r "
                        "WHERE v.agency = ? AND v.report_date BETWEEN ? AND ? AND v.victim_key = r.victim_key "
                        "AND r.new_primary IS DISTINCT FROM r.old_primary", [current, lo, hi])
            if not passed_on:
                continue  # no agency below has records this could change
            con.execute("INSERT INTO _dedupe_added SELECT victim_key, district_code, sex, age, report_date, "
                        "violence_types FROM _dedupe_evaluated "
                        "WHERE new_primary IS NULL AND (is_new OR old_primary IS NOT NULL)")
            con.execute("INSERT INTO _dedupe_released SELECT victim_key FROM _dedupe_evaluated "
                        "WHERE new_primary IS NOT NULL AND old_primary IS NULL AND NOT is_new")


def _ranked(records: pa.Table, rank: int) -> pa.Table:
    """Waiting records as candidate primaries of an agency at place ``rank`` (from 0) of the priority order."""
    return records.append_column("rank", pa.repeat(pa.scalar(rank + 1, pa.int32()), records.num_rows))


def _add(con: duckdb.DuckDBPyConnection, records: pa.Table) -> None:
    """Waiting records that are primaries, to _dedupe_added (primaries that appeared)."""
    if records.num_rows:
        with _registered(con, "_dedupe_waiting", records):
            con.execute("INSERT INTO _dedupe_added SELECT victim_key, district_code, sex, age, report_date, "
                        "violence_types FROM _dedupe_waiting")


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
