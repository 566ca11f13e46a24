"""The submission ledger: the one place that decides which submission stands for an agency × shape × month.

Every other module asks here: the loader what storing a file replaces (``decide``, then ``supersede``), inspect
what it would replace, undo what comes back (``restored_by_undo``), compliance which months were received
(``received_months``), the data-quality page which file stands for each month (``standing_by_month``). The rules:

- A submission *stands for* a month of its ``months`` until a later submission of the same agency and shape
  (register or recap) stands for that month too; submissions that are undone stand for nothing. A register and a
  recap of one agency never replace each other (the views let the register win).
- A file stands for the months it brings (``standing_months``): every month where it loaded at least one record
  (a file that declares a period loads no row dated outside it: etl.parse rejects those), and the declared months
  without records only when it declares them NIHIL: it says so ('NIHIL', 'Tidak ada kasus'), or none of its rows
  was rejected except for being dated outside the period (any other rejected row might have been that month's).
  A sheet saying only NIHIL beside data sheets declares its own month NIHIL (``nihil_months``).
  Example rows and instruction sheets are never rows (etl.layout), so they never make a file stand for a month. A file that stands for no month is no submission (etl.load fails
  it): a file whose every row is rejected never replaces anything.
- A revision whose rows were partly rejected and that would leave a month with fewer records than stand now is
  held back until the operator confirms it (``Decision.held``, ``losses``).
- Status in ``submissions``: ``active`` while a submission stands for at least one of its months; ``superseded``
  once later submissions stand for all of them; ``superseded_by`` names the newest file that replaced part of it
  (``statuses``: one rule, replayed oldest first).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from etl.model import OUTSIDE_PERIOD, ParsedWorkbook


@dataclass(frozen=True)
class Replaced:
    """An earlier submission and the months of it that a new file would replace."""

    submission_id: str
    file_name: str
    loaded_at: dt.datetime
    months: list[dt.date]


@dataclass
class Decision:
    """What storing one parsed file does to the ledger, decided before anything is written."""

    submission_id: str
    agency: str
    shape: str
    months: list[dt.date]                                         # the months the file would stand for
    unchanged: bool = False                                       # the same bytes are loaded and not undone
    undone_before: bool = False                                   # the same bytes were loaded once and undone
    replaces: list[Replaced] = field(default_factory=list)
    before: dict[dt.date, int] = field(default_factory=dict)      # records standing now, per month it stands for
    after: dict[dt.date, int] = field(default_factory=dict)       # records the file brings, per month

    rows_rejected: int = 0

    @property
    def losses(self) -> dict[dt.date, int]:
        """Records each month would lose (months whose records would become fewer)."""
        return {m: self.before[m] - self.after.get(m, 0) for m in self.months
                if self.before.get(m, 0) > self.after.get(m, 0)}

    @property
    def held(self) -> bool:
        """Whether storing it waits for the operator's confirmation: rows were rejected and a month would lose
        records (a revision without rejected rows is the agency's correction and replaces at once)."""
        return bool(self.rows_rejected and self.replaces and self.losses)


@dataclass
class Cache:
    """What a batch keeps of the submissions table, so that deciding on a file takes fewer statements.

    ``known``: submission_id -> (agency, shape, months, status) of the batch's files already stored, before the
    batch or by it. ``covered``: (agency, shape) -> every month an active submission covers, or more (months are
    added, never taken out): a file whose months are not among them replaces nothing, so no query asks. Changes
    are made only once a file's transaction has committed (``stored``).
    """

    known: dict[str, tuple[str, str, list[dt.date], str]]
    covered: dict[tuple[str, str], set[dt.date]]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, submission_ids: Iterable[str]) -> "Cache":
        known = {row[0]: row[1:] for row in con.execute(
            "SELECT submission_id, agency, shape, months, status FROM submissions "
            "WHERE list_contains(?::VARCHAR[], submission_id)", [sorted(set(submission_ids))]).fetchall()}
        covered: dict[tuple[str, str], set[dt.date]] = {}
        for agency, shape, months in con.execute(
                "SELECT agency, shape, flatten(list(months)) FROM submissions WHERE status = 'active' "
                "GROUP BY ALL").fetchall():
            covered[(agency, shape)] = set(months)
        return cls(known, covered)

    def stored(self, decision: Decision) -> None:
        self.known[decision.submission_id] = (decision.agency, decision.shape, decision.months, "active")
        self.covered.setdefault((decision.agency, decision.shape), set()).update(decision.months)


def first_day(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_day(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def records_by_month(parsed: ParsedWorkbook) -> dict[dt.date, int]:
    """The records a parsed file brings per month: victims of a register, victims counted in a recap's cells."""
    if parsed.shape == "register":
        months = pc.floor_temporal(parsed.victim_table.column("report_date"), unit="month")
        return {row["values"]: row["counts"] for row in pc.value_counts(months).to_pylist()}
    counts: dict[dt.date, int] = {}
    for cell in parsed.recap:
        counts[first_day(cell.month)] = counts.get(first_day(cell.month), 0) + cell.victims
    return counts


def standing_months(parsed: ParsedWorkbook, records: dict[dt.date, int] | None = None) -> list[dt.date]:
    """The months a parsed file would stand for once stored (see the module's rules); ``records`` are its
    records_by_month when already counted."""
    months = {m for m, n in (records_by_month(parsed) if records is None else records).items() if n}
    # declared months without records: NIHIL, unless a rejected row might have been theirs (a row rejected for
    # being dated outside the declared period cannot)
    if parsed.nihil or all(p.reason == OUTSIDE_PERIOD for p in parsed.errors):
        months |= {first_day(m) for m in parsed.months}
    return sorted(months | set(parsed.nihil_months))  # a NIHIL sheet beside data sheets declares its month


def known_status(con: duckdb.DuckDBPyConnection, submission_id: str, cache: Cache | None = None
                 ) -> tuple[str, str, list[dt.date], str] | None:
    """(agency, shape, months, status) of a stored submission, or None."""
    if cache is not None:
        return cache.known.get(submission_id)
    return con.execute("SELECT agency, shape, months, status FROM submissions WHERE submission_id = ?",
                       [submission_id]).fetchone()


def is_loaded(known: tuple | None) -> bool:
    """Whether a submission's bytes are stored and not undone: a file of them changes nothing."""
    return known is not None and known[3] != "undone"


def decide(con: duckdb.DuckDBPyConnection | None, parsed: ParsedWorkbook, submission_id: str,
           cache: Cache | None = None, pending: Sequence[pa.Table] = ()) -> Decision:
    """What storing this parsed file would do; with no connection (no database yet) nothing is there to replace.

    ``pending`` are victims of earlier files of a batch not inserted yet (etl.load): they stand too.
    """
    records = records_by_month(parsed)
    months = standing_months(parsed, records)
    decision = Decision(submission_id, parsed.agency, parsed.shape, months,
                        after={m: records.get(m, 0) for m in months},
                        rows_rejected=parsed.rows_rejected)
    if con is None:
        return decision
    known = known_status(con, submission_id, cache)
    decision.unchanged, decision.undone_before = is_loaded(known), known is not None and not is_loaded(known)
    if decision.unchanged or not months:
        return decision
    if cache is not None and cache.covered.get((parsed.agency, parsed.shape), set()).isdisjoint(months):
        return decision
    rows = con.execute(
        "SELECT submission_id, file_name, loaded_at, months FROM submissions WHERE agency = ? AND shape = ? "
        "AND status = 'active' AND list_has_any(months, ?::DATE[]) ORDER BY loaded_at, submission_id",
        [parsed.agency, parsed.shape, months]).fetchall()
    decision.replaces = [Replaced(sid, name, at, sorted(set(old) & set(months))) for sid, name, at, old in rows]
    if decision.replaces:
        decision.before = standing_records(con, parsed.agency, parsed.shape, months, pending)
    return decision


def standing_records(con: duckdb.DuckDBPyConnection, agency: str, shape: str, months: list[dt.date],
                     pending: Sequence[pa.Table] = ()) -> dict[dt.date, int]:
    """Records standing now for an agency and shape, per month (victims; for recaps, victims counted)."""
    if shape == "register":
        rows = con.execute(
            "SELECT CAST(date_trunc('month', report_date) AS DATE), count(*) FROM victim_records "
            "WHERE agency = ? AND report_date BETWEEN ? AND ? GROUP BY 1",
            [agency, months[0], last_day(months[-1])]).fetchall()
    else:
        rows = con.execute("SELECT month, sum(victims) FROM recap_counts WHERE agency = ? "
                           "AND list_contains(?::DATE[], month) GROUP BY 1", [agency, months]).fetchall()
    counts = {m: int(n) for m, n in rows if m in months}
    for table in pending:
        mine = table.filter(pc.equal(table["agency"], agency))
        for row in pc.value_counts(pc.floor_temporal(mine["report_date"], unit="month")).to_pylist():
            if row["values"] in months:
                counts[row["values"]] = counts.get(row["values"], 0) + row["counts"]
    return {m: counts.get(m, 0) for m in months}


def supersede(con: duckdb.DuckDBPyConnection, decision: Decision, pending: list[pa.Table] | None = None
              ) -> list[str]:
    """Take out the records the decision replaces, inside the caller's transaction, after the new submission's
    row is inserted, and recompute the statuses of its agency and shape. Records still ``pending`` (earlier files
    of a batch) are taken out of that list.

    Returns the deleted victim records that were primaries (their duplicates need a new look). Pending records
    are not among them: no record can point at one before the batch marks its duplicates.
    """
    if not decision.replaces:
        return []
    agency, months, released = decision.agency, decision.months, []
    if decision.shape == "register":
        deleted = con.execute(
            "DELETE FROM victim_records WHERE agency = ? AND report_date BETWEEN ? AND ? "
            "AND list_contains(?::DATE[], CAST(date_trunc('month', report_date) AS DATE)) "
            "RETURNING victim_key, duplicate_of", [agency, months[0], last_day(months[-1]), months]).fetchall()
        released = [key for key, primary in deleted if primary is None]
        if pending:
            pending[:] = [t for t in (_without_months(t, agency, months) for t in pending) if t.num_rows]
    else:
        con.execute("DELETE FROM recap_counts WHERE agency = ? AND list_contains(?::DATE[], month)",
                    [agency, months])
    recompute_statuses(con, agency, decision.shape)
    return released


def _without_months(victims: pa.Table, agency: str, months: list[dt.date]) -> pa.Table:
    """A victims table (etl.load's, with an agency column) without the agency's records reported in these months."""
    month = pc.floor_temporal(victims["report_date"], unit="month")
    replaced = pc.and_(pc.equal(victims["agency"], agency), pc.is_in(month, pa.array(months, pa.date32())))
    return victims.filter(pc.invert(replaced))


def statuses(submissions: Sequence[tuple[str, Sequence[dt.date]]]) -> dict[str, tuple[str, str | None]]:
    """The status rule: (submission_id, months) of one agency and shape, oldest first, not undone ->
    submission_id -> (status, superseded_by)."""
    status = {sid: "active" for sid, _ in submissions}
    replaced_by: dict[str, str | None] = {sid: None for sid, _ in submissions}
    for i, (new_id, new_months) in enumerate(submissions):
        for j, (old_id, old_months) in enumerate(submissions[:i]):
            if status[old_id] != "active" or not set(old_months) & set(new_months):
                continue
            later = set().union(*(set(m) for _, m in submissions[j + 1:i + 1]))
            status[old_id] = "active" if set(old_months) - later else "superseded"
            replaced_by[old_id] = new_id
    return {sid: (status[sid], replaced_by[sid]) for sid, _ in submissions}


def recompute_statuses(con: duckdb.DuckDBPyConnection, agency: str, shape: str) -> None:
    """Set status and superseded_by of every remaining submission of one agency and shape (``statuses``)."""
    subs = con.execute("SELECT submission_id, months, status, superseded_by FROM submissions WHERE agency = ? "
                       "AND shape = ? AND status <> 'undone' ORDER BY loaded_at, submission_id",
                       [agency, shape]).fetchall()
    wanted = statuses([(sid, months) for sid, months, _, _ in subs])
    changed = [(*wanted[sid], sid) for sid, _, status, by in subs if wanted[sid] != (status, by)]
    if changed:
        con.executemany("UPDATE submissions SET status = ?, superseded_by = ? WHERE submission_id = ?", changed)


def restored_by_undo(con: duckdb.DuckDBPyConnection, submission_id: str) -> dict[str, list[dt.date]]:
    """For each month the submission stands for, the earlier submission that stands for it again once it is
    undone (submission_id -> months); months a later file already stands for are not restored."""
    agency, shape, months, loaded_at = con.execute(
        "SELECT agency, shape, months, loaded_at FROM submissions WHERE submission_id = ?", [submission_id]).fetchone()
    restored: dict[str, list[dt.date]] = {}
    for month in sorted(months):
        row = con.execute(
            "SELECT submission_id, loaded_at FROM submissions WHERE agency = ? AND shape = ? AND status <> 'undone' "
            "AND submission_id <> ? AND list_contains(months, ?::DATE) ORDER BY loaded_at DESC, submission_id DESC "
            "LIMIT 1", [agency, shape, submission_id, month]).fetchone()
        # a later file for this month already stands in for the undone one: its records are in place
        if row and (row[1], row[0]) < (loaded_at, submission_id):
            restored.setdefault(row[0], []).append(month)
    return restored


@dataclass(frozen=True)
class Standing:
    """The submission that stands for one agency × shape × month, and how many others (not undone) it replaced
    for that month."""

    agency: str
    shape: str
    month: dt.date
    submission_id: str
    replaced: int


def standing_by_month(con: duckdb.DuckDBPyConnection, start: dt.date | None = None,
                      end: dt.date | None = None) -> list[Standing]:
    """Per agency × shape × month (from ``start``, before ``end`` when given) that some submission was loaded
    for: the one that stands (the latest of those not undone, as ``statuses`` decides) and how many it replaced.
    A submission partly replaced stands only for the months no later file of its agency and shape brings."""
    rows = con.execute("""
        SELECT agency, shape, month, arg_max(submission_id, (loaded_at, submission_id)), count(*) - 1
        FROM (SELECT agency, shape, loaded_at, submission_id, CAST(unnest(months) AS DATE) AS month
              FROM submissions WHERE status <> 'undone')
        WHERE (CAST(? AS DATE) IS NULL OR month >= ?) AND (CAST(? AS DATE) IS NULL OR month < ?)
        GROUP BY agency, shape, month ORDER BY agency, shape, month""", [start, start, end, end]).fetchall()
    return [Standing(*row) for row in rows]


def received_months(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, dt.date], dt.datetime]:
    """(agency, month) -> when the first submission standing for that month, or once standing for it, arrived
    (undone submissions never count)."""
    return {(a, m): t for a, m, t in con.execute(
        "SELECT agency, m, min(loaded_at) FROM (SELECT agency, unnest(months) AS m, loaded_at FROM submissions "
        "WHERE status <> 'undone') GROUP BY ALL").fetchall()}


def first_month(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The earliest month any submission that is not undone stands for (when the deployment started)."""
    return con.execute("SELECT min(m) FROM (SELECT unnest(months) AS m FROM submissions "
                       "WHERE status <> 'undone')").fetchall()[0][0]


def latest_month(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The latest month any submission that is not undone stands for."""
    return con.execute("SELECT max(m) FROM (SELECT unnest(months) AS m FROM submissions "
                       "WHERE status <> 'undone')").fetchall()[0][0]
