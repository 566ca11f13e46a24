"""The only code that runs SQL for the dashboard: parameterised, aggregated in DuckDB, small DataFrames out.

Every function takes an open (read-only) connection and, where it depends on the sidebar, a frozen ``Filters``.
Headline counts (kasus, korban) come from registers through the ``victims`` view; recap-only agencies are
returned by their own functions from ``monthly_counts`` (source 'recap') and are never added to a register total.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import itertools
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from dataclasses import dataclass, replace
from typing import Callable, Iterator

import duckdb
import pandas as pd

from etl import vocab

# The form code behind the victims view's is_tppo column (etl/db.py) and the TPPO section.
TPPO_CODE = "tppo"

# Months this close to the latest report month are still filling up with late reports.
PROVISIONAL_MONTHS = 2

# Reason codes (rejected_rows / load_warnings) that mean "a wording we do not know yet", as etl/values.py and
# etl/parse.py emit them: an unknown form, kecamatan/kelurahan or closed-list entry (tempat kejadian, hubungan,
# layanan), or a place name read as its closest spelling.
UNKNOWN_WORDING_REASONS = ("bentuk_tidak_dikenal", "wilayah_tidak_dikenal", "kelurahan_tidak_dikenal",
                           "wilayah_mirip", "daftar_tidak_dikenal")
# Reason code for recap tables whose printed totals do not match their cells (etl/parse.py _total_warning).
RECAP_TOTAL_REASONS = ("jumlah_tidak_cocok",)


def first_of_month(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Filters:
    """What the sidebar selected: a month range (inclusive) and optional kecamatan, form and agency."""

    start: dt.date
    end: dt.date
    district_code: str | None = None
    violence_type: str | None = None
    agency: str | None = None
    include_duplicates: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", first_of_month(self.start))
        object.__setattr__(self, "end", first_of_month(self.end))
        if self.end < self.start:
            raise ValueError("akhir periode sebelum awal periode")

    def previous_year(self) -> "Filters":
        """The same months one year earlier, for 'compared with last year'."""
        return replace(self, start=add_months(self.start, -12), end=add_months(self.end, -12))

    def only_tppo(self) -> "Filters":
        """The same selection restricted to trafficking (TPPO) victims."""
        return replace(self, violence_type=TPPO_CODE)

    @property
    def end_exclusive(self) -> dt.date:
        return add_months(self.end, 1)


def _victim_where(f: Filters, table: str = "") -> tuple[str, list]:
    """WHERE clause over the ``victims`` view for a Filters (fixed SQL text, values as ? parameters)."""
    p = f"{table}." if table else ""
    clauses = [f"{p}report_date >= ?", f"{p}report_date < ?"]
    params: list = [f.start, f.end_exclusive]
    if not f.include_duplicates:
        clauses.append(f"{p}duplicate_of IS NULL")
    if f.district_code:
        clauses.append(f"{p}district_code = ?")
        params.append(f.district_code)
    if f.violence_type:
        clauses.append(f"list_contains({p}violence_types, ?)")
        params.append(f.violence_type)
    if f.agency:
        clauses.append(f"{p}agency = ?")
        params.append(f.agency)
    return " AND ".join(clauses), params


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _typed_frame(text: dict[str, list], counts: dict[str, list]) -> pd.DataFrame:
    """Text columns, then count columns, typed as DuckDB's ``.df()`` types a result: text object (also when empty),
    counts int64. For the functions that fetch DuckDB's few counts and label or order them in Python."""
    return pd.DataFrame({**{name: values if values else pd.Series([], dtype=object) for name, values in text.items()},
                         **{name: pd.Series(values, dtype="int64") for name, values in counts.items()}})


# Sections (below): a page section's queries read the same rows of a contract view. Most of a query's time is
# DuckDB planning the view (its joins and age-band lookup, 5-10 ms at a million rows, about as much on the demo),
# so a section reads the view once into a temporary table of its connection and its queries, unchanged, read that
# table instead (docs/performance.md, "run-table"). Outside a section every query reads the view itself.
_kept: ContextVar[dict[str, str] | None] = ContextVar("ppa_kept_rows", default=None)
_kept_names = itertools.count(1)
# In-memory copies of views (the same rows, report/db.py ``reading``), read instead of the views.
_copies: ContextVar[dict[str, str] | None] = ContextVar("ppa_view_copies", default=None)


@contextmanager
def reading_copies(relations: dict[str, str]) -> Iterator[None]:
    """Within the block, queries and sections read each view in ``relations`` ({view: relation}) from its relation:
    a table holding exactly the view's rows (report/db.py makes them; the names are its own, never input)."""
    token = _copies.set(dict(relations))
    try:
        yield
    finally:
        _copies.reset(token)


def _source(view: str) -> str:
    """Where ``view``'s rows are read from: its in-memory copy, or the view."""
    return (_copies.get() or {}).get(view, view)


def _filter_columns(filters: list[Filters]) -> list[str]:
    """The columns the WHERE clauses of ``filters`` read (_victim_where)."""
    wanted = {"report_date": True, "duplicate_of": any(not f.include_duplicates for f in filters),
              "district_code": any(f.district_code for f in filters),
              "violence_types": any(f.violence_type for f in filters), "agency": any(f.agency for f in filters)}
    return [column for column, read in wanted.items() if read]


def _from(view: str) -> str:
    """The relation a query reads ``view`` (a fixed view name) from: the rows a section kept of it, its in-memory copy,
    or the view."""
    return (_kept.get() or {}).get(view) or _source(view)


@contextmanager
def _keeping(con: duckdb.DuckDBPyConnection, view: str, columns: tuple[str, ...],
             filters: list[Filters]) -> Iterator[None]:
    """Within the block, queries read ``view`` from a temporary table of its rows matching any of ``filters``.

    Every query run inside must filter by one of ``filters`` (its WHERE clause runs again on the kept rows, so it
    selects the rows it would select from the view) and read only ``columns`` (another column fails to bind)."""
    clauses = [_victim_where(f) for f in dict.fromkeys(filters)]  # each once: Tren's comparison period is by
    # default the previous year's months, which it keeps already (one OR term fewer to test on every row scanned)
    name = f"kept_{view}_{next(_kept_names)}"  # fixed text and a number: never input
    # the columns the filters read, then the section's (dict: each once, in order); all fixed names, never input
    read = dict.fromkeys([*_filter_columns(filters), *columns])
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT {', '.join(read)} FROM {_source(view)} "
                f"WHERE {' OR '.join(f'({where})' for where, _ in clauses)}",
                [value for _, params in clauses for value in params])
    token = _kept.set({**(_kept.get() or {}), view: f"temp.{name}"})
    try:
        yield
    finally:
        _kept.reset(token)
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")


# A section's independent parts run at once, each on a connection of its own (DuckDB runs each of these queries on
# the thread that asks, threads = 1, and lets go of Python's lock meanwhile): a rerun waits for the longest part
# instead of all of them (docs/performance.md, "Session 20"). Threads shared by every page run of the process.
_parts = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="ppa-section-part")

Part = Callable[[duckdb.DuckDBPyConnection], dict[str, pd.DataFrame]]


def _at_once(con: duckdb.DuckDBPyConnection, here: Part, *elsewhere: Part) -> dict[str, pd.DataFrame]:
    """The frames of ``here`` (run on ``con``) and of each of ``elsewhere`` (run meanwhile on other threads, each on
    a new cursor of ``con``'s database reading the same catalog), in that order. Each part keeps its own rows
    (_keeping: a temporary table is its connection's own) and reads the copies ``con``'s caller reads. A part does
    not call _at_once itself: with the pool's threads all busy, parts would wait for parts queued behind them."""
    def on_its_cursor(part: Part, cursor: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
        with cursor:
            return part(cursor)

    database, schema = con.execute("SELECT current_database(), current_schema()").fetchone()
    cursors: list[duckdb.DuckDBPyConnection] = []
    others: list[concurrent.futures.Future] = []
    try:
        for _ in elsewhere:  # made on this thread: a connection refuses a call while another thread uses it
            cursors.append(con.cursor())
            cursors[-1].execute(f"USE {_quoted(database)}.{_quoted(schema)}")
        for part, cursor in zip(elsewhere, cursors):  # before ``here`` keeps rows of its own, with the caller's
            # copies (ContextVars do not cross threads by themselves)
            others.append(_parts.submit(copy_context().run, on_its_cursor, part, cursor))
        frames = here(con)
    finally:
        concurrent.futures.wait(others)  # they read the caller's copies until they end, an error or not
        for cursor in cursors[len(others):]:  # never handed to a thread
            cursor.close()
    for other in others:
        frames.update(other.result())
    return frames


def _quoted(name: str) -> str:
    """A catalog or schema name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def data_span(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """First and last month with any register or recap data (one row; NULLs when the database is empty)."""
    # min/max straight from the fact tables: the victims view's age-band join makes a full scan of it cost
    # ~0.5 s at a million rows, while the view's month is only date_trunc('month', report_date) of these rows.
    return _df(con, """
        SELECT CAST(date_trunc('month', min(day)) AS DATE) AS first_month,
               CAST(date_trunc('month', max(day)) AS DATE) AS last_month
        FROM (SELECT min(report_date) AS day FROM victim_records UNION ALL SELECT max(report_date) FROM victim_records
              UNION ALL SELECT min(month) FROM recap_counts UNION ALL SELECT max(month) FROM recap_counts)
    """)


def database_facts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """What the footer says: dataset kind ('demo' or NULL), last completed load, latest report month."""
    return _df(con, """
        SELECT (SELECT value FROM meta WHERE key = 'dataset') AS dataset,
               (SELECT max(coalesce(finished_at, started_at)) FROM load_log
                 WHERE outcome IN ('loaded', 'replaced')) AS last_load,
               (SELECT CAST(date_trunc('month', max(report_date)) AS DATE) FROM victim_records) AS last_month
    """)


def headline(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """One row: kasus, korban, kasus_tppo, korban_tppo, korban_anak for the period (registers only)."""
    where, params = _victim_where(f)
    return _df(con, _headline_sql(f"(SELECT case_key, is_tppo, is_child FROM {_from('victims')} WHERE {where})"),
               params)


# The headline's counts (the columns of ``headline``), in order.
HEADLINE_COUNTS = ("kasus", "korban", "kasus_tppo", "korban_tppo", "korban_anak")


def _headline_sql(rows: str, counted: str = "TRUE") -> str:
    """A query of one row, the HEADLINE_COUNTS of the victims among ``rows`` (fixed SQL: a relation with case_key,
    is_tppo and is_child) for which ``counted`` (a fixed boolean expression) holds; a case counts when one of its
    victims does. Per case first, then over cases: one grouping instead of two DISTINCT counts (one filtered)."""
    return f"""
        SELECT count(*) FILTER (WHERE korban > 0) AS kasus, coalesce(CAST(sum(korban) AS BIGINT), 0) AS korban,
               count(*) FILTER (WHERE korban_tppo > 0) AS kasus_tppo,
               coalesce(CAST(sum(korban_tppo) AS BIGINT), 0) AS korban_tppo,
               coalesce(CAST(sum(korban_anak) AS BIGINT), 0) AS korban_anak
        FROM (SELECT case_key, count(*) FILTER (WHERE {counted}) AS korban,
                     count(*) FILTER (WHERE {counted} AND is_tppo) AS korban_tppo,
                     count(*) FILTER (WHERE {counted} AND is_child) AS korban_anak
              FROM {rows} GROUP BY case_key)"""


def monthly_totals(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Per month of the period (zeros included): kasus, korban, 3-month moving average of korban, provisional."""
    where, params = _victim_where(f)
    return _df(con, f"""
        WITH months AS (
            SELECT CAST(m AS DATE) AS month FROM range(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 MONTH) t(m)
        ), counts AS (
            SELECT month, count(DISTINCT case_key) AS kasus, count(*) AS korban
            FROM {_from('victims')} WHERE {where} GROUP BY month
        ), latest AS (SELECT CAST(date_trunc('month', max(report_date)) AS DATE) AS last_month
                      FROM victim_records)
        SELECT m.month, coalesce(c.kasus, 0) AS kasus, coalesce(c.korban, 0) AS korban,
               avg(coalesce(c.korban, 0)) OVER (ORDER BY m.month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
                   AS korban_rata3,
               m.month > latest.last_month - INTERVAL {PROVISIONAL_MONTHS} MONTH AS provisional
        FROM months m LEFT JOIN counts c USING (month) CROSS JOIN latest
        ORDER BY m.month
    """, [f.start, f.end_exclusive, *params])


def year_over_year(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Kasus and korban per month for the period's months and the same months a year earlier, with running totals."""
    current, previous = _victim_where(f), _victim_where(f.previous_year())
    return _df(con, f"""
        WITH months AS (
            SELECT CAST(m AS DATE) AS month FROM range(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 MONTH) t(m)
        ), frame AS (
            SELECT 'ini' AS which, month FROM months
            UNION ALL SELECT 'lalu', CAST(month - INTERVAL 12 MONTH AS DATE) FROM months
        ), counts AS (
            SELECT month, count(DISTINCT case_key) AS kasus, count(*) AS korban FROM {_from('victims')}
            WHERE ({current[0]}) OR ({previous[0]}) GROUP BY month
        )
        SELECT fr.which, fr.month, year(fr.month) AS year, month(fr.month) AS month_number,
               coalesce(c.kasus, 0) AS kasus, coalesce(c.korban, 0) AS korban,
               CAST(sum(coalesce(c.kasus, 0)) OVER (PARTITION BY fr.which ORDER BY fr.month) AS BIGINT)
                   AS kasus_kumulatif,
               CAST(sum(coalesce(c.korban, 0)) OVER (PARTITION BY fr.which ORDER BY fr.month) AS BIGINT)
                   AS korban_kumulatif
        FROM frame fr LEFT JOIN counts c USING (month)
        ORDER BY fr.which DESC, fr.month
    """, [f.start, f.end_exclusive, *current[1], *previous[1]])


def _form_rows(f: Filters) -> tuple[str, list]:
    """A subquery yielding one row per (victim, form) for the filters (month, district_code, violence_type); the
    form filter keeps only that form."""
    where, params = _victim_where(f)
    form_clause = ""
    if f.violence_type:
        form_clause = "WHERE violence_type = ?"
        params = [*params, f.violence_type]
    return (f"""(SELECT * FROM (SELECT month, district_code, unnest(violence_types) AS violence_type
                                 FROM {_from('victims')} WHERE {where}) {form_clause})""", params)


def form_totals(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban per form (a victim counts once per form) for every form in display order."""
    rows, params = _form_rows(f)
    return _df(con, f"""
        SELECT t.violence_type, t.label, coalesce(c.victims, 0) AS victims
        FROM ref_violence_types t
        LEFT JOIN (SELECT violence_type, count(*) AS victims FROM {rows} GROUP BY 1) c USING (violence_type)
        WHERE ? IS NULL OR t.violence_type = ?
        ORDER BY t.sort_order
    """, [*params, f.violence_type, f.violence_type])


def form_months(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban per form per month (zeros included), forms in display order."""
    rows, params = _form_rows(f)
    return _df(con, f"""
        WITH months AS (
            SELECT CAST(m AS DATE) AS month FROM range(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 MONTH) t(m)
        ), counts AS (SELECT month, violence_type, count(*) AS victims FROM {rows} GROUP BY ALL)
        SELECT m.month, t.violence_type, t.label, coalesce(c.victims, 0) AS victims
        FROM months m CROSS JOIN ref_violence_types t
        LEFT JOIN counts c ON c.month = m.month AND c.violence_type = t.violence_type
        WHERE ? IS NULL OR t.violence_type = ?
        ORDER BY t.sort_order, m.month
    """, [f.start, f.end_exclusive, *params, f.violence_type, f.violence_type])


def form_districts(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban per form per kecamatan (only non-zero cells)."""
    rows, params = _form_rows(f)
    return _df(con, f"""
        SELECT r.district_code, d.district, r.violence_type, t.label, count(*) AS victims
        FROM {rows} r JOIN ref_districts d USING (district_code)
        JOIN ref_violence_types t USING (violence_type)
        GROUP BY r.district_code, d.district, r.violence_type, t.label, t.sort_order
        ORDER BY r.district_code, t.sort_order
    """, params)


def district_totals(con: duckdb.DuckDBPyConnection, f: Filters,
                    population: tuple[tuple[str, int], ...] | None = None) -> pd.DataFrame:
    """Kasus and korban per kecamatan (all kecamatan, zeros included), most cases first; rates when given population."""
    where, params = _victim_where(f)
    codes = [c for c, _ in population] if population else []
    people = [p for _, p in population] if population else []
    return _df(con, f"""
        WITH counts AS (
            SELECT district_code, count(DISTINCT case_key) AS kasus, count(*) AS korban
            FROM {_from('victims')} WHERE {where} GROUP BY district_code
        ), pop AS (
            SELECT unnest(CAST(? AS VARCHAR[])) AS district_code, unnest(CAST(? AS BIGINT[])) AS population
        )
        SELECT d.district_code, d.district, coalesce(c.kasus, 0) AS kasus, coalesce(c.korban, 0) AS korban,
               p.population,
               CASE WHEN p.population > 0 THEN coalesce(c.korban, 0) * 10000.0 / p.population END
                   AS korban_per_10rb
        FROM ref_districts d LEFT JOIN counts c USING (district_code) LEFT JOIN pop p USING (district_code)
        WHERE ? IS NULL OR d.district_code = ?
        ORDER BY kasus DESC, korban DESC, d.district_code
    """, [*params, codes, people, f.district_code, f.district_code])


def subdistrict_totals(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Kasus and korban per kelurahan that has any (unknown kelurahan grouped per kecamatan), most first."""
    where, params = _victim_where(f)
    return _df(con, f"""
        SELECT district_code, district, subdistrict_code,
               coalesce(subdistrict, 'Kelurahan tidak diketahui') AS subdistrict,
               count(DISTINCT case_key) AS kasus, count(*) AS korban
        FROM {_from('victims')} WHERE {where}
        GROUP BY ALL ORDER BY korban DESC, district_code, subdistrict_code NULLS LAST
    """, params)


def age_sex(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban per age band and sex; bands in order, unknown age and unknown sex kept as their own rows."""
    where, params = _victim_where(f)
    return _age_band_sex_counts(con, "victims", where, params, "victims")


def _age_band_sex_counts(con: duckdb.DuckDBPyConnection, view: str, where: str, params: list,
                         counted: str) -> pd.DataFrame:
    """Rows of a contract view (``victims`` or ``perpetrators``, fixed names) per age band and sex, as ``counted``."""
    return _df(con, f"""
        WITH bands AS (
            SELECT age_band, min_age AS band_order FROM ref_age_bands
            UNION ALL SELECT 'Tidak diketahui', 999
        )
        SELECT b.age_band, s.sex, coalesce(c.n, 0) AS {counted}
        FROM bands b CROSS JOIN (VALUES ('P'), ('L'), ('?')) s(sex)
        LEFT JOIN (SELECT coalesce(age_band, 'Tidak diketahui') AS age_band, coalesce(sex, '?') AS sex,
                          count(*) AS n
                   FROM {_from(view)} WHERE {where} GROUP BY ALL) c USING (age_band, sex)
        ORDER BY b.band_order, s.sex
    """, params)


def victim_groups(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban by group (perempuan dewasa, anak perempuan, anak laki-laki, laki-laki dewasa, tidak diketahui)."""
    where, params = _victim_where(f)
    return _df(con, f"""
        WITH groups AS (
            SELECT * FROM (VALUES (1, 'Anak perempuan'), (2, 'Anak laki-laki'), (3, 'Perempuan dewasa'),
                                  (4, 'Laki-laki dewasa'), (5, 'Usia atau jenis kelamin tidak diketahui'))
                          g(group_order, victim_group)
        ), counts AS (
            SELECT CASE WHEN is_child AND sex = 'P' THEN 'Anak perempuan'
                        WHEN is_child AND sex = 'L' THEN 'Anak laki-laki'
                        WHEN NOT is_child AND sex = 'P' THEN 'Perempuan dewasa'
                        WHEN NOT is_child AND sex = 'L' THEN 'Laki-laki dewasa'
                        ELSE 'Usia atau jenis kelamin tidak diketahui' END AS victim_group,
                   count(*) AS victims
            FROM {_from('victims')} WHERE {where} GROUP BY 1
        )
        SELECT g.victim_group, coalesce(c.victims, 0) AS victims
        FROM groups g LEFT JOIN counts c USING (victim_group) ORDER BY g.group_order
    """, params)


def child_adult(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban anak (< 18), dewasa and of unknown age."""
    where, params = _victim_where(f)
    return _child_adult_counts(con, "victims", where, params, "victims")


def _child_adult_counts(con: duckdb.DuckDBPyConnection, view: str, where: str, params: list,
                        counted: str) -> pd.DataFrame:
    """Rows of a contract view (``victims`` or ``perpetrators``, fixed names): anak, dewasa, unknown age."""
    return _df(con, f"""
        WITH groups AS (SELECT * FROM (VALUES (1, 'Anak (< 18 tahun)'), (2, 'Dewasa'), (3, 'Usia tidak diketahui'))
                        g(group_order, age_group))
        SELECT g.age_group, coalesce(c.n, 0) AS {counted}
        FROM groups g LEFT JOIN (
            SELECT CASE WHEN is_child THEN 'Anak (< 18 tahun)' WHEN NOT is_child THEN 'Dewasa'
                        ELSE 'Usia tidak diketahui' END AS age_group, count(*) AS n
            FROM {_from(view)} WHERE {where} GROUP BY 1) c USING (age_group)
        ORDER BY g.group_order
    """, params)


def _closed_list_counts(con: duckdb.DuckDBPyConnection, f: Filters, column: str, list_name: str) -> pd.DataFrame:
    where, params = _victim_where(f)
    # column is one of two fixed names chosen by the public functions below, never user input
    return _labelled_counts(con, list_name, f"SELECT {column} AS code FROM {_from('victims')} WHERE {where}", params,
                            "victims")


def _labelled_counts(con: duckdb.DuckDBPyConnection, list_name: str, rows_sql: str, params: list,
                     counted: str) -> pd.DataFrame:
    """Rows (one ``code`` column, fixed SQL) counted per entry of a closed list: code, label and ``counted``, list
    order, codes outside the list after it, 'Tidak diisi' (NULL) last."""
    entries = vocab.closed_lists().get(list_name, ())
    codes = [c for c, _ in entries] + ["__kosong__"]
    labels = [label for _, label in entries] + ["Tidak diisi"]
    return _df(con, f"""
        WITH entries AS (
            SELECT unnest(CAST(? AS VARCHAR[])) AS code, unnest(CAST(? AS VARCHAR[])) AS label,
                   unnest(range(len(CAST(? AS VARCHAR[])))) AS entry_order
        ), counts AS (
            SELECT coalesce(code, '__kosong__') AS code, count(*) AS n FROM ({rows_sql}) GROUP BY 1
        )
        SELECT coalesce(e.code, c.code) AS code, coalesce(e.label, c.code) AS label, coalesce(c.n, 0) AS {counted}
        FROM entries e FULL JOIN counts c USING (code)
        ORDER BY coalesce(e.entry_order, 999), code
    """, [codes, labels, codes, *params])


def places_of_incident(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban per place of incident (tempat kejadian), list order, 'Tidak diisi' last."""
    return _closed_list_counts(con, f, "place_of_incident", "place_of_incident")


def relationships(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban per relationship to the perpetrator (hubungan pelaku), list order, 'Tidak diisi' last."""
    return _closed_list_counts(con, f, "relationship", "relationship")


def recap_months(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Korban per form summed per month and agency from recaps of agency-months without a register.

    The recap branch of the ``monthly_counts`` view, written out so the register months it leaves out are looked up
    only within the period: the view anti-joins the months of every register record through ``victims`` (0.17 s at
    a million rows). Same rows: tests/test_queries.py compares it with the view."""
    clauses = ["r.victims > 0", "r.month >= ?", "r.month < ?"]
    params: list = [f.start, f.end_exclusive, f.start, f.end_exclusive]
    for column, value in (("district_code", f.district_code), ("violence_type", f.violence_type),
                          ("agency", f.agency)):
        if value:
            clauses.append(f"r.{column} = ?")  # column names from the fixed tuple above
            params.append(value)
    return _df(con, f"""
        WITH register_months AS (  -- start and end are first days of months, so whole months are kept
            SELECT DISTINCT agency, CAST(date_trunc('month', report_date) AS DATE) AS month FROM victim_records
            WHERE report_date >= ? AND report_date < ?
        )
        SELECT r.month, r.agency, CAST(sum(r.victims) AS BIGINT) AS victims
        FROM recap_counts r ANTI JOIN register_months m ON m.agency = r.agency AND m.month = r.month
        WHERE {' AND '.join(clauses)} GROUP BY ALL ORDER BY agency, month
    """, params)


def _standing(con: duckdb.DuckDBPyConnection, start: dt.date | None = None, end: dt.date | None = None) -> list[dict]:
    """etl.ledger's standing submission per agency × shape × month, as a parameter a query unnests."""
    from etl import ledger
    return [{"agency": r.agency, "shape": r.shape, "month": r.month, "replaced": r.replaced}
            for r in ledger.standing_by_month(con, start, end)]


_STANDING = "STRUCT(agency VARCHAR, shape VARCHAR, month DATE, replaced BIGINT)[]"


def submission_matrix(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """For every agency and month of the period: 'diterima', 'diganti' (a corrected file replaced one) or 'belum ada'.

    Which file stands for a month is the ledger's to say (etl.ledger.standing_by_month): a file partly replaced by
    a later one counts for the months it still stands for, and as replaced for the others."""
    return _df(con, f"""
        WITH months AS (
            SELECT CAST(m AS DATE) AS month FROM range(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 MONTH) t(m)
        ), per_month AS (
            SELECT s.agency, s.month, count(*) AS active_files, sum(s.replaced) AS replaced_files,
                   string_agg(DISTINCT s.shape, ', ' ORDER BY s.shape) AS shapes
            FROM (SELECT unnest(CAST(? AS {_STANDING}), recursive := true)) s GROUP BY ALL
        )
        SELECT a.agency, a.name AS agency_name, m.month,
               CASE WHEN coalesce(p.active_files, 0) = 0 THEN 'belum ada'
                    WHEN p.replaced_files > 0 THEN 'diganti' ELSE 'diterima' END AS status,
               coalesce(p.active_files, 0) AS active_files, coalesce(p.replaced_files, 0) AS replaced_files,
               p.shapes
        FROM ref_agencies a CROSS JOIN months m
        LEFT JOIN per_month p ON p.agency = a.agency AND p.month = m.month
        WHERE ? IS NULL OR a.agency = ?
        ORDER BY a.priority, m.month
    """, [f.start, f.end_exclusive, _standing(con, f.start, f.end_exclusive), f.agency, f.agency])


def _problem_counts(con: duckdb.DuckDBPyConnection, f: Filters, table: str, reasons: tuple[str, ...] | None,
                    ) -> pd.DataFrame:
    # table is 'rejected_rows' or 'load_warnings', fixed by the public functions below
    reason_clause = "AND list_contains(CAST(? AS VARCHAR[]), p.reason)" if reasons is not None else ""
    params: list = [f.start, f.end_exclusive, f.agency, f.agency]
    if reasons is not None:
        params.append(list(reasons))
    return _df(con, f"""
        SELECT p.reason, s.agency, count(*) AS rows, min(p.message) AS example_message,
               count(DISTINCT p.submission_id) AS files
        FROM {table} p JOIN submissions s USING (submission_id)
        WHERE s.status = 'active'
          AND list_has_any(s.months, (SELECT list(CAST(m AS DATE)) FROM range(CAST(? AS DATE), CAST(? AS DATE),
                                                                           INTERVAL 1 MONTH) t(m)))
          AND (? IS NULL OR s.agency = ?) {reason_clause}
        GROUP BY ALL ORDER BY rows DESC, p.reason, s.agency
    """, params)


def rejected_by_reason(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Rejected rows of active files covering the period, per reason and agency, with an example message."""
    return _problem_counts(con, f, "rejected_rows", None)


def warnings_by_reason(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Load warnings (rows kept) of active files covering the period, per reason and agency."""
    return _problem_counts(con, f, "load_warnings", None)


def unknown_wordings(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Rows rejected or flagged because a wording (form, place, list entry) was not recognised."""
    rejected = _problem_counts(con, f, "rejected_rows", UNKNOWN_WORDING_REASONS).assign(kept="tidak")
    warned = _problem_counts(con, f, "load_warnings", UNKNOWN_WORDING_REASONS).assign(kept="ya")
    return pd.concat([rejected, warned], ignore_index=True)


def recap_total_mismatches(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Recap tables whose printed totals did not add up, per agency."""
    return _problem_counts(con, f, "load_warnings", RECAP_TOTAL_REASONS)


def duplicate_pairs(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Victims reported by two agencies in the period: pairs per (reporting agency, primary agency)."""
    where, params = _victim_where(replace(f, include_duplicates=True), "d")
    # the primary's agency straight from its record (victims shows it unchanged, one row per record): a second
    # pass over the view planned its lookups again and read every record (at 1 M 23-30 -> 17-21 ms CPU)
    return _df(con, f"""
        SELECT d.agency, p.agency AS primary_agency, count(*) AS pairs
        FROM victims d JOIN victim_records p ON p.victim_key = d.duplicate_of
        WHERE d.duplicate_of IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY pairs DESC, d.agency, primary_agency  -- ties in a fixed order, run after run
    """, params)


def load_history(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The most recent loads, newest first."""
    return _df(con, """
        SELECT l.started_at, l.file_name, s.agency, l.outcome, s.rows_loaded, s.rows_rejected, l.message
        FROM load_log l LEFT JOIN submissions s USING (submission_id)
        ORDER BY l.started_at DESC LIMIT ?
    """, [limit])


# How far back a default period may step to find a month every expected agency has reported.
COMPLETE_MONTH_SEARCH = 6


def missing_recent_reports(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """month, agency, agency_name: every expected agency without a file for one of the latest months with data.

    'Expected' is the compliance rule (etl.compliance.first_expected_months): from the agency's first expected
    month on; a file stands for a month as the ledger says (etl.ledger.standing_by_month). Only the last
    COMPLETE_MONTH_SEARCH months up to the latest month any file stands for are looked at.
    """
    from etl import compliance, ledger
    first = compliance.first_expected_months(con)
    # in Python: the standing months are a Python list already, and binding them as a parameter of a query cost
    # more than the query (~10 ms a page run at a million rows)
    covered = {(s.agency, s.month) for s in ledger.standing_by_month(con)}
    if not covered:
        return pd.DataFrame([], columns=["month", "agency", "agency_name"])
    latest = max(month for _, month in covered)  # a first day of a month, as every standing month is
    candidates = [add_months(latest, k) for k in range(-(COMPLETE_MONTH_SEARCH - 1), 1)]
    agencies = con.execute("SELECT agency, name FROM ref_agencies ORDER BY priority, agency").fetchall()
    kept = [(m, a, n) for m in candidates for a, n in agencies
            if (a, m) not in covered and first.get(a) is not None and m >= first[a]]
    return pd.DataFrame(kept, columns=["month", "agency", "agency_name"])


def last_complete_month(latest: dt.date, missing: pd.DataFrame) -> dt.date | None:
    """The latest month, at most COMPLETE_MONTH_SEARCH back from ``latest``, that no expected agency is missing."""
    gaps = {pd.Timestamp(m).date() for m in missing["month"]} if not missing.empty else set()
    month = first_of_month(latest)
    for _ in range(COMPLETE_MONTH_SEARCH):
        if month not in gaps:
            return month
        month = add_months(month, -1)
    return None


def agencies_missing(missing: pd.DataFrame, month: dt.date) -> list[str]:
    """Names of the expected agencies with no file for ``month``."""
    if missing.empty:
        return []
    at = missing[[pd.Timestamp(m).date() == first_of_month(month) for m in missing["month"]]]
    return [n or a for a, n in zip(at["agency"], at["agency_name"])]
# --------------------------------------------------------------------------------------------------------------
# Planning (issue 18): two periods side by side, services, time to report, rates per 10,000.

def _two_period_flags(f: Filters, baseline: Filters) -> tuple[str, str, list]:
    """Boolean SQL for 'in the period' and 'in the comparison period', and their parameters in that order."""
    now, before = _victim_where(f), _victim_where(baseline)
    return now[0], before[0], [*now[1], *before[1]]


# The per-kecamatan and per-form tables of two_periods: their code and name columns.
COMPARISON_TABLES = {"district_comparison": ("district_code", "district"),
                     "form_comparison": ("violence_type", "label")}


def two_periods(con: duckdb.DuckDBPyConnection, f: Filters, baseline: Filters) -> dict[str, pd.DataFrame]:
    """Two periods side by side (Tren, Perencanaan), in one statement:
    - ``headline`` and ``headline_baseline``: the ``headline`` of the period and of the comparison period;
    - ``district_comparison`` (district_code, district, ini, banding): kasus per kecamatan in the period (ini) and the
      comparison period (banding), every kecamatan in code order, zeros kept (only the chosen one when filtered);
    - ``form_comparison`` (violence_type, label, ini, banding): kasus per form, a case once for each form among its
      victims, in the list's order (only the chosen form when filtered).

    One statement instead of four statements on a temporary table: 61 -> 39 ms at a million records; on the rows Tren's
    section keeps, as fast as the four were (docs/performance.md, "Session 19")."""
    now, before, params = _two_period_flags(f, baseline)
    rows = con.execute(f"""
        WITH flagged AS MATERIALIZED (
            SELECT case_key, district_code, violence_types, is_tppo, is_child,
                   ({now}) AS in_now, ({before}) AS in_before
            FROM {_from('victims')} WHERE ({now}) OR ({before})
        ), headline_now AS ({_headline_sql("flagged", "in_now")}
        ), headline_before AS ({_headline_sql("flagged", "in_before")}
        ), grouped AS (  -- one row per group and case: two filtered DISTINCT counts cost more (15-20 %)
            SELECT 'district_comparison' AS part, district_code AS code, bool_or(in_now) AS in_now,
                   bool_or(in_before) AS in_before
            FROM flagged GROUP BY district_code, case_key
            UNION ALL
            SELECT 'form_comparison', code, bool_or(in_now), bool_or(in_before)
            FROM (SELECT unnest(violence_types) AS code, case_key, in_now, in_before FROM flagged)
            GROUP BY code, case_key
        ), counts AS (
            SELECT part, code, count(*) FILTER (WHERE in_now) AS ini, count(*) FILTER (WHERE in_before) AS banding
            FROM grouped GROUP BY ALL
        ), names AS (
            SELECT 'district_comparison' AS part, district_code AS code, district AS name,
                   row_number() OVER (ORDER BY district_code) AS sort_order
            FROM ref_districts WHERE ? IS NULL OR district_code = ?
            UNION ALL
            SELECT 'form_comparison', violence_type, label, sort_order
            FROM ref_violence_types WHERE ? IS NULL OR violence_type = ?
        )
        SELECT part, code, name, ini, banding FROM (
            SELECT n.part, n.code, n.name, n.sort_order, coalesce(c.ini, 0) AS ini, coalesce(c.banding, 0) AS banding
            FROM names n LEFT JOIN counts c USING (part, code)
            UNION ALL
            SELECT 'headline', unnest({list(HEADLINE_COUNTS)}), NULL, unnest(range({len(HEADLINE_COUNTS)})),
                   unnest([{", ".join(f"n.{c}" for c in HEADLINE_COUNTS)}]),
                   unnest([{", ".join(f"b.{c}" for c in HEADLINE_COUNTS)}])
            FROM headline_now n, headline_before b
        ) ORDER BY part, sort_order, code
    """, [*params, *params, f.district_code, f.district_code, f.violence_type, f.violence_type]).fetchall()
    parts = {name: [row[1:] for row in rows if row[0] == name] for name in ("headline", *COMPARISON_TABLES)}
    headlines = {code: (now, before) for code, _, now, before in parts["headline"]}
    frames = {name: _typed_frame({}, {code: [counts[i]] for code, counts in headlines.items()})
              for i, name in enumerate(("headline", "headline_baseline"))}
    for name, (code_column, name_column) in COMPARISON_TABLES.items():
        codes, names, now, before = (list(column) for column in zip(*parts[name])) if parts[name] else ([],) * 4
        frames[name] = _typed_frame({code_column: codes, name_column: names}, {"ini": now, "banding": before})
    return frames


# Breakdowns the planning tables offer: the key column (fixed SQL over `victims`) and where its labels come from.
PLANNING_GROUPS = {
    "semua": ("'semua'", "SELECT 'semua' AS group_code, 'Semua korban' AS group_label, 0 AS group_order"),
    "kecamatan": ("district_code", "SELECT district_code, district, row_number() OVER (ORDER BY district_code) "
                                   "FROM ref_districts"),
    "bentuk": ("unnest(violence_types)", "SELECT violence_type, label, sort_order FROM ref_violence_types"),
    "lembaga": ("agency", "SELECT agency, name, priority FROM ref_agencies"),
}
ANY_SERVICE = "__semua__"


def _grouped_victims(f: Filters, by: str, columns: str) -> tuple[str, list]:
    """Victims of the filters with a group_code per breakdown (a victim once per form for 'bentuk')."""
    if by not in PLANNING_GROUPS:
        raise ValueError(f"pengelompokan tidak dikenal: {by}")
    where, params = _victim_where(f)
    sql = f"SELECT {PLANNING_GROUPS[by][0]} AS group_code, {columns} FROM {_from('victims')} WHERE {where}"
    if by == "bentuk" and f.violence_type:
        sql = f"SELECT * FROM ({sql}) WHERE group_code = ?"
        params = [*params, f.violence_type]
    return sql, params


def service_coverage(con: duckdb.DuckDBPyConnection, f: Filters, by: str = "semua") -> pd.DataFrame:
    """Per group and service: korban, penerima (victims who received it) and their share; service '__semua__' is
    the coverage, victims with at least one service. Groups: semua, kecamatan, bentuk (korban-bentuk), lembaga."""
    rows, params = _grouped_victims(f, by, "victim_key, coalesce(services, []) AS services")
    entries = [(ANY_SERVICE, "Layanan apa pun (cakupan)"), *vocab.closed_lists().get("service", ())]
    codes, labels = [c for c, _ in entries], [label for _, label in entries]
    return _df(con, f"""
        WITH base AS ({rows}),
        groups AS (
            SELECT group_code, count(*) AS korban, count(*) FILTER (WHERE len(services) > 0) AS dengan_layanan
            FROM base GROUP BY 1
        ), received AS (
            SELECT group_code, service, count(*) AS penerima
            FROM (SELECT group_code, victim_key, unnest(list_distinct(services)) AS service FROM base)
            GROUP BY ALL
        ), entries AS (
            SELECT unnest(CAST(? AS VARCHAR[])) AS service, unnest(CAST(? AS VARCHAR[])) AS service_label,
                   unnest(range(len(CAST(? AS VARCHAR[])))) AS service_order
        ), names AS ({PLANNING_GROUPS[by][1]})
        SELECT g.group_code, coalesce(n.group_label, g.group_code) AS group_label, e.service, e.service_label,
               g.korban,
               CASE WHEN e.service = ? THEN g.dengan_layanan ELSE coalesce(r.penerima, 0) END AS penerima,
               CASE WHEN e.service = ? THEN g.dengan_layanan ELSE coalesce(r.penerima, 0) END / g.korban AS share
        FROM groups g CROSS JOIN entries e
        LEFT JOIN received r ON r.group_code = g.group_code AND r.service = e.service
        LEFT JOIN (SELECT * FROM names) n(group_code, group_label, group_order) ON n.group_code = g.group_code
        ORDER BY n.group_order NULLS LAST, g.group_code, e.service_order
    """, [*params, codes, labels, codes, ANY_SERVICE, ANY_SERVICE])


def reporting_delay(con: duckdb.DuckDBPyConnection, f: Filters, by: str = "semua") -> pd.DataFrame:
    """Days from incident to report per group: korban, dengan_tanggal (both dates, incident not after the report),
    tanggal_terbalik (incident after the report, left out), median and quartiles q1, q3."""
    rows, params = _grouped_victims(f, by, "date_diff('day', incident_date, report_date) AS days")
    return _df(con, f"""
        WITH base AS ({rows}), names AS ({PLANNING_GROUPS[by][1]}),
        stats AS (
            SELECT group_code, count(*) AS korban,
                   count(days) FILTER (WHERE days >= 0) AS dengan_tanggal,
                   count(days) FILTER (WHERE days < 0) AS tanggal_terbalik,
                   quantile_cont(days, 0.5) FILTER (WHERE days >= 0) AS median,
                   quantile_cont(days, 0.25) FILTER (WHERE days >= 0) AS q1,
                   quantile_cont(days, 0.75) FILTER (WHERE days >= 0) AS q3
            FROM base GROUP BY 1
        )
        SELECT s.group_code, coalesce(n.group_label, s.group_code) AS group_label, s.korban, s.dengan_tanggal,
               s.tanggal_terbalik, s.median, s.q1, s.q3
        FROM stats s LEFT JOIN (SELECT * FROM names) n(group_code, group_label, group_order)
             ON n.group_code = s.group_code
        ORDER BY n.group_order NULLS LAST, s.group_code
    """, params)


def district_rates(con: duckdb.DuckDBPyConnection, f: Filters,
                   population: tuple[tuple[str, int | None, int | None, int | None], ...]) -> pd.DataFrame:
    """Per kecamatan: korban, korban perempuan, korban anak and each per 10,000 of its population (total, female,
    children) where the population table gives it; population rows are (district_code, total, female, child)."""
    where, params = _victim_where(f)
    columns = list(zip(*population)) if population else [[], [], [], []]
    return _df(con, f"""
        WITH counts AS (
            SELECT district_code, count(*) AS korban, count(*) FILTER (WHERE sex = 'P') AS korban_perempuan,
                   count(*) FILTER (WHERE is_child) AS korban_anak
            FROM {_from('victims')} WHERE {where} GROUP BY 1
        ), pop AS (
            SELECT unnest(CAST(? AS VARCHAR[])) AS district_code, unnest(CAST(? AS BIGINT[])) AS population,
                   unnest(CAST(? AS BIGINT[])) AS female_population, unnest(CAST(? AS BIGINT[])) AS child_population
        )
        SELECT d.district_code, d.district, coalesce(c.korban, 0) AS korban,
               coalesce(c.korban_perempuan, 0) AS korban_perempuan, coalesce(c.korban_anak, 0) AS korban_anak,
               p.population, p.female_population, p.child_population,
               CASE WHEN p.population > 0 THEN coalesce(c.korban, 0) * 10000.0 / p.population END AS korban_per_10rb,
               CASE WHEN p.female_population > 0
                    THEN coalesce(c.korban_perempuan, 0) * 10000.0 / p.female_population END
                   AS korban_perempuan_per_10rb,
               CASE WHEN p.child_population > 0
                    THEN coalesce(c.korban_anak, 0) * 10000.0 / p.child_population END AS korban_anak_per_10rb
        FROM ref_districts d LEFT JOIN counts c USING (district_code) LEFT JOIN pop p USING (district_code)
        WHERE ? IS NULL OR d.district_code = ?
        ORDER BY d.district_code
    """, [*params, list(columns[0]), list(columns[1]), list(columns[2]), list(columns[3]),
          f.district_code, f.district_code])


# --------------------------------------------------------------------------------------------------------------
# TPPO and case stages (issue 23): the views tppo_victims, case_stage_events and case_stages (docs/data-contract.md).

# Columns of tppo_victims a breakdown may use, and the vocabulary list of their codes (fixed names, never input).
TPPO_BREAKDOWNS = {"purpose": "exploitation", "channel": "recruitment", "destination_kind": "destination_kind"}
NOT_FILLED = "__kosong__"


def tppo_two_periods(con: duckdb.DuckDBPyConnection, f: Filters, baseline: Filters) -> pd.DataFrame:
    """Kasus and korban TPPO in the period (ini) and the comparison period (banding): rows 'kasus', 'korban'."""
    now, before, params = _two_period_flags(f, baseline)
    return _df(con, f"""
        WITH cases AS (  -- one row per case, as in two_periods
            SELECT case_key, count(*) FILTER (WHERE in_now) AS now_victims,
                   count(*) FILTER (WHERE in_before) AS before_victims
            FROM (SELECT case_key, ({now}) AS in_now, ({before}) AS in_before
                  FROM {_from('victims')} WHERE is_tppo AND (({now}) OR ({before})))
            GROUP BY case_key
        )
        SELECT 'kasus' AS unit, count(*) FILTER (WHERE now_victims > 0) AS ini,
               count(*) FILTER (WHERE before_victims > 0) AS banding FROM cases
        UNION ALL
        SELECT 'korban', coalesce(CAST(sum(now_victims) AS BIGINT), 0), coalesce(CAST(sum(before_victims) AS BIGINT), 0)
        FROM cases
    """, [*params, *params])


# The tables of TPPO victims on the Gugus Tugas page and in its briefing (tppo_details). DuckDB counts them all in
# one grouping (a statement's planning is most of its time on a period's few hundred TPPO rows: the six statements of
# session 17 took 37 ms at a million records, this statement ~5 and the whole function ~13; docs/performance.md,
# "Session 18"), and the few counts are labelled and ordered here.
TPPO_GROUPINGS = {"purpose": ("purpose",), "channel": ("channel",), "destination_kind": ("destination_kind",),
                  "destinations": ("destination",), "children": ("child_when_recruited",),
                  "repatriations": ("repatriated", "repatriated_from")}
CHILD_GROUPS = {True: "Anak saat direkrut", False: "Dewasa saat direkrut", None: "Tidak diketahui"}
# repatriated -> its code in the table and its label (the repatriated are listed per place), in the table's order
REPATRIATION_ANSWERS = {True: ("ya", None), False: ("tidak", "Belum/tidak dipulangkan"),
                        None: ("tidak_diisi", "Tidak diisi")}


def tppo_details(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Korban TPPO of the filters, one table per key of TPPO_GROUPINGS:
    - ``purpose``, ``channel``, ``destination_kind`` (the keys of TPPO_BREAKDOWNS): code, label, victims per entry of
      the purpose of exploitation, recruitment channel and kind of destination lists, in the list's order with
      'Tidak diisi' (code NOT_FILLED) last;
    - ``destinations``: destination, label, destination_kind, kind_label, victims per destination named, most victims
      first (then by kind, then label);
    - ``children``: age_group, victims for children when recruited, adults and unknown, in that order;
    - ``repatriations``: label, repatriated (ya, tidak, tidak_diisi), victims: the repatriated per place brought back
      from ('Tidak disebut' when not named), most first, then 'Belum/tidak dipulangkan' and 'Tidak diisi'."""
    where, params = _victim_where(f)
    columns = list(dict.fromkeys(c for grouping in TPPO_GROUPINGS.values() for c in grouping))  # fixed names
    # grouping_id: a bit per column, set where the grouping leaves the column out (the first column highest)
    grouping_ids = {sum(1 << (len(columns) - 1 - i) for i, c in enumerate(columns) if c not in grouping): name
                    for name, grouping in TPPO_GROUPINGS.items()}
    rows = con.execute(f"""
        SELECT grouping_id({", ".join(columns)}), {", ".join(columns)}, count(*)
        FROM {_from('tppo_victims')} WHERE {where}
        GROUP BY GROUPING SETS ({", ".join(f"({', '.join(g)})" for g in TPPO_GROUPINGS.values())})
    """, params).fetchall()
    counts = {name: {} for name in TPPO_GROUPINGS}
    for grouping_id, *values, victims in rows:
        name = grouping_ids[grouping_id]
        key = tuple(values[columns.index(c)] for c in TPPO_GROUPINGS[name])
        counts[name][key if len(key) > 1 else key[0]] = victims

    tables = {}
    for column, list_name in TPPO_BREAKDOWNS.items():
        entries = {**vocab.case_detail_labels(list_name), NOT_FILLED: "Tidak diisi"}
        found = {NOT_FILLED if code is None else code: n for code, n in counts[column].items()}
        tables[column] = _typed_frame({"code": list(entries), "label": list(entries.values())},
                                      {"victims": [found.get(code, 0) for code in entries]})
    places = {p.code: p for p in vocab.destinations()}
    kinds = vocab.case_detail_labels("destination_kind")
    kind_order = {kind: i for i, kind in enumerate(kinds)}
    named = []  # destination, label, kind, kind's label, victims
    for code, n in counts["destinations"].items():
        if code is not None:
            place = places.get(code)
            kind = place.kind if place else None
            named.append((code, place.label if place else code, kind, kinds.get(kind), n))
    # most victims first, then in the kinds' order (a kind not in the list last), then by label
    named.sort(key=lambda row: (-row[4], kind_order.get(row[2], len(kind_order)), row[1]))
    values = [list(column) for column in zip(*named)] or [[]] * 5
    tables["destinations"] = _typed_frame(
        dict(zip(("destination", "label", "destination_kind", "kind_label"), values)), {"victims": values[4]})
    tables["children"] = _typed_frame({"age_group": list(CHILD_GROUPS.values())},
                                      {"victims": [counts["children"].get(child, 0) for child in CHILD_GROUPS]})
    answers = {}  # (answer, label) -> victims
    for (repatriated, place), n in counts["repatriations"].items():
        label = REPATRIATION_ANSWERS[repatriated][1] or (places[place].label if place in places else "Tidak disebut")
        answers[repatriated, label] = answers.get((repatriated, label), 0) + n
    order = list(REPATRIATION_ANSWERS)
    ordered = sorted(answers.items(), key=lambda item: (order.index(item[0][0]), -item[1], item[0][1]))
    tables["repatriations"] = _typed_frame(
        {"label": [label for (_, label), _ in ordered],
         "repatriated": [REPATRIATION_ANSWERS[answer][0] for (answer, _), _ in ordered]},
        {"victims": [n for _, n in ordered]})
    return tables



# The funnel's steps: stage codes whose step (case_detail_lists.csv) is the step, in order; stages that end a case
# before a verdict (dihentikan, di luar pengadilan) are shown beside it.
FUNNEL_ENDINGS = ("stopped", "settled")
# the stage of a case no agency stated a stage for (as the case_stages view has it)
UNSTATED_STAGE = "reported"


def stage_funnels(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Kasus of the filters per stage, of all cases (``"all"``) and of TPPO cases (``"tppo"``: a case with a TPPO
    victim among the selected rows, dated by those rows): for the funnel stages (dilaporkan … putusan) the cases that
    reached it (their current stage is that step or further; a case stopped after investigation reached
    investigation), for the endings the cases that ended so; with the median days from the case's first report in
    the selection to the first date the stage was stated (cases with such a date, ``cases_dated``). Columns: stage,
    label, step, cases, median_days, cases_dated, ending."""
    labels = vocab.case_detail_labels("stage")
    steps = vocab.stage_steps()
    codes = list(labels)
    where, params = _victim_where(f)
    # The current stage is taken as case_stages takes it (docs/data-contract.md), but only for the chosen cases:
    # case_stages groups every case of the database (0.8 s at a million records), this 0.1-0.2 s. `chosen` and
    # `events` are read twice or more: MATERIALIZED plans and runs each view once (an inlined CTE is planned anew
    # at every reference, and planning the views is most of this query's time). Both funnels in one statement
    # (`part`): planning it is most of its time, so two took ~20 ms at a million records and one ~11.
    funnels = _df(con, f"""
        WITH chosen AS MATERIALIZED (SELECT case_key, min(report_date) AS report_date,
                                            min(report_date) FILTER (WHERE is_tppo) AS tppo_date
                                     FROM {_from('victims')} WHERE {where} GROUP BY case_key),
        members AS (
            SELECT 'all' AS part, case_key, report_date FROM chosen
            UNION ALL
            SELECT 'tppo' AS part, case_key, tppo_date AS report_date FROM chosen WHERE tppo_date IS NOT NULL
        ),
        parts AS (SELECT unnest(['all', 'tppo']) AS part),
        events AS MATERIALIZED (SELECT e.* FROM {_from('case_stage_events')} e SEMI JOIN chosen USING (case_key)),
        latest AS (
            SELECT e.case_key, e.stage FROM events e
            QUALIFY row_number() OVER (PARTITION BY e.case_key
                                       ORDER BY e.loaded_at DESC, e.stage_date DESC NULLS LAST, e.stage) = 1
        ),
        stages AS (
            SELECT unnest(CAST(? AS VARCHAR[])) AS stage, unnest(CAST(? AS VARCHAR[])) AS label,
                   unnest(CAST(? AS INTEGER[])) AS step, unnest(range(len(CAST(? AS VARCHAR[])))) AS stage_order,
                   list_contains(CAST(? AS VARCHAR[]), unnest(CAST(? AS VARCHAR[]))) AS ending
        ),
        current AS (
            SELECT c.part, c.case_key, c.stage, c.report_date, s.step
            FROM (SELECT c.part, c.case_key, c.report_date, coalesce(l.stage, '{UNSTATED_STAGE}') AS stage
                  FROM members c LEFT JOIN latest l USING (case_key)) c
            LEFT JOIN stages s USING (stage)
        ),
        reached AS (
            SELECT p.part, s.stage, count(c.case_key) AS cases
            FROM parts p CROSS JOIN stages s LEFT JOIN current c
              ON c.part = p.part AND CASE WHEN s.ending THEN c.stage = s.stage ELSE c.step >= s.step END
            GROUP BY 1, 2
        ),
        first_dates AS (
            SELECT e.case_key, e.stage, min(e.stage_date) AS stage_date
            FROM events e
            WHERE e.stage_date IS NOT NULL GROUP BY ALL
        ),
        days AS (
            SELECT c.part, d.stage, median(d.stage_date - c.report_date) AS median_days, count(*) AS cases_dated
            FROM first_dates d JOIN current c USING (case_key)
            WHERE d.stage_date >= c.report_date GROUP BY 1, 2
        )
        SELECT p.part, s.stage, s.label, s.step, coalesce(r.cases, 0) AS cases, d.median_days,
               coalesce(d.cases_dated, 0) AS cases_dated, s.ending
        FROM parts p CROSS JOIN stages s LEFT JOIN reached r USING (part, stage) LEFT JOIN days d USING (part, stage)
        ORDER BY p.part, s.ending, s.step, s.stage_order
    """, [*params, codes, list(labels.values()), [steps.get(c, 0) for c in codes], codes, list(FUNNEL_ENDINGS),
          codes])
    return {part: rows.drop(columns="part").reset_index(drop=True)
            for part, rows in ((part, funnels[funnels["part"] == part]) for part in ("all", "tppo"))}


# --------------------------------------------------------------------------------------------------------------
# Pelaku (issue 18): the perpetrators written on the victim rows the filters count. The `perpetrators` view carries
# its row's report date, kecamatan, forms, agency and duplicate mark, so the victims' WHERE clause applies as it is
# (no join: 0.03 s at a million rows, where a semi-join on the cases took 0.3 s and more).
# Not every agency records perpetrators: every figure is "pelaku tercatat".

def _perpetrator_where(f: Filters) -> tuple[str, list]:
    """WHERE clause over the ``perpetrators`` view: the perpetrators on the victim rows the filters count."""
    return _victim_where(f)


def perpetrator_totals(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """One row: pelaku, pelaku_laki, pelaku_perempuan, pelaku_anak, kasus_dengan_pelaku."""
    where, params = _perpetrator_where(f)
    return _df(con, f"""
        SELECT count(*) AS pelaku, count(*) FILTER (WHERE sex = 'L') AS pelaku_laki,
               count(*) FILTER (WHERE sex = 'P') AS pelaku_perempuan,
               count(*) FILTER (WHERE is_child) AS pelaku_anak, count(DISTINCT case_key) AS kasus_dengan_pelaku
        FROM {_from('perpetrators')} WHERE {where}
    """, params)


def perpetrator_age_sex(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Pelaku per age band and sex; bands in order, unknown age and unknown sex kept as their own rows."""
    where, params = _perpetrator_where(f)
    return _age_band_sex_counts(con, "perpetrators", where, params, "perpetrators")


def perpetrator_child_adult(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Pelaku anak (< 18), dewasa and of unknown age."""
    where, params = _perpetrator_where(f)
    return _child_adult_counts(con, "perpetrators", where, params, "perpetrators")


def perpetrator_relationships(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Pelaku per relationship to the victim (hubungan), list order, 'Tidak diisi' last."""
    where, params = _perpetrator_where(f)
    return _labelled_counts(con, "relationship",
                            f"SELECT relationship AS code FROM {_from('perpetrators')} WHERE {where}", params,
                            "perpetrators")


# --------------------------------------------------------------------------------------------------------------
# Sections: what one section of a page asks for, from one read of each view (_keeping above), its independent
# parts at once (_at_once above). Each returns the frames the named query functions return for the same arguments
# (tests/test_queries.py compares them).

def summary(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Ringkasan: headline of the period and of the same months a year earlier (``*_previous``), monthly_totals,
    district_totals and form_totals of the period; perpetrator_totals of both periods (the two parts at once)."""
    previous = f.previous_year()

    def victims(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
        columns = ("case_key", "month", "is_tppo", "is_child", "district_code", "violence_types")
        with _keeping(con, "victims", columns, [f, previous]):
            return {"headline": headline(con, f), "headline_previous": headline(con, previous),
                    "monthly_totals": monthly_totals(con, f), "district_totals": district_totals(con, f),
                    "form_totals": form_totals(con, f)}

    def perpetrators(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
        with _keeping(con, "perpetrators", ("case_key", "sex", "is_child"), [f, previous]):
            return {"perpetrator_totals": perpetrator_totals(con, f),
                    "perpetrator_totals_previous": perpetrator_totals(con, previous)}

    return _at_once(con, victims, perpetrators)


def trend(con: duckdb.DuckDBPyConnection, f: Filters, baseline: Filters) -> dict[str, pd.DataFrame]:
    """Tren: monthly_totals, form_months, year_over_year and recap_months of the period, and what two_periods gives
    for it and ``baseline`` (the same keys); the three parts at once (_at_once)."""
    def charts(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
        with _keeping(con, "victims", ("case_key", "month", "district_code", "violence_types"),
                      [f, f.previous_year()]):
            return {"monthly_totals": monthly_totals(con, f), "form_months": form_months(con, f),
                    "year_over_year": year_over_year(con, f)}

    return _at_once(con, charts, lambda con: two_periods(con, f, baseline),
                    lambda con: {"recap_months": recap_months(con, f)})


def form_breakdowns(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Bentuk & TPPO's forms part (forms_and_tppo): form_totals, form_months and form_districts of the period."""
    with _keeping(con, "victims", ("month", "district_code", "violence_types"), [f]):
        return {"form_totals": form_totals(con, f), "form_months": form_months(con, f),
                "form_districts": form_districts(con, f)}


def tppo_overview(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Bentuk & TPPO's TPPO part (forms_and_tppo) for TPPO filters ``f`` (Filters.only_tppo): headline of the period
    and of the same months a year earlier (``headline_previous``), monthly_totals, age_sex and district_totals."""
    previous = f.previous_year()
    columns = ("case_key", "month", "is_tppo", "is_child", "age_band", "sex", "district_code")
    with _keeping(con, "victims", columns, [f, previous]):
        return {"headline": headline(con, f), "headline_previous": headline(con, previous),
                "monthly_totals": monthly_totals(con, f), "age_sex": age_sex(con, f),
                "district_totals": district_totals(con, f)}


def planning(con: duckdb.DuckDBPyConnection, f: Filters, baseline: Filters, services_by: str,
             delay_by: str) -> dict[str, pd.DataFrame]:
    """Perencanaan: what two_periods gives for the period and ``baseline`` (the same keys), service_coverage by
    ``services_by`` and reporting_delay by ``delay_by`` (keys ``service_coverage``, ``reporting_delay``), at once."""
    return _at_once(con, lambda con: two_periods(con, f, baseline),
                    lambda con: {"service_coverage": service_coverage(con, f, services_by)},
                    lambda con: {"reporting_delay": reporting_delay(con, f, delay_by)})


def data_quality(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Kualitas data: submission_matrix, rejected_by_reason, duplicate_pairs, unknown_wordings,
    recap_total_mismatches and warnings_by_reason of the period, in two parts at once (each ~30 ms at 1 M)."""
    return _at_once(con, lambda con: {"submission_matrix": submission_matrix(con, f),
                                      "unknown_wordings": unknown_wordings(con, f),
                                      "recap_total_mismatches": recap_total_mismatches(con, f)},
                    lambda con: {"rejected_by_reason": rejected_by_reason(con, f),
                                 "duplicate_pairs": duplicate_pairs(con, f),
                                 "warnings_by_reason": warnings_by_reason(con, f)})


def forms_and_tppo(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Bentuk & TPPO: form_breakdowns of the period and, each key prefixed ``tppo_``, tppo_overview of its TPPO
    filters (Filters.only_tppo), the two at once."""
    return _at_once(con, lambda con: form_breakdowns(con, f),
                    lambda con: {f"tppo_{name}": frame for name, frame in tppo_overview(con, f.only_tppo()).items()})


def victim_profile(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Korban: age_sex, child_adult, victim_groups, places_of_incident, relationships, perpetrator_age_sex,
    perpetrator_child_adult and perpetrator_relationships of the period (the victims' and the perpetrators' parts at
    once)."""
    def victims(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
        with _keeping(con, "victims", ("age_band", "sex", "is_child", "place_of_incident", "relationship"), [f]):
            return {"age_sex": age_sex(con, f), "child_adult": child_adult(con, f),
                    "victim_groups": victim_groups(con, f), "places_of_incident": places_of_incident(con, f),
                    "relationships": relationships(con, f)}

    def perpetrators(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
        with _keeping(con, "perpetrators", ("age_band", "sex", "is_child", "relationship"), [f]):
            return {"perpetrator_age_sex": perpetrator_age_sex(con, f),
                    "perpetrator_child_adult": perpetrator_child_adult(con, f),
                    "perpetrator_relationships": perpetrator_relationships(con, f)}

    return _at_once(con, victims, perpetrators)


def task_force(con: duckdb.DuckDBPyConnection, f: Filters, baseline: Filters) -> dict[str, pd.DataFrame]:
    """Gugus Tugas: tppo_two_periods against ``baseline``; the stage_funnels of TPPO cases and of all cases
    (``funnel_tppo``, ``funnel_all``); the tables of tppo_details (TPPO_GROUPINGS' keys), read at once."""
    def victims(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
        with _keeping(con, "victims", ("case_key", "report_date", "is_tppo"), [f, baseline]):
            funnels = stage_funnels(con, f)
            return {"tppo_two_periods": tppo_two_periods(con, f, baseline),
                    "funnel_tppo": funnels["tppo"], "funnel_all": funnels["all"]}

    return _at_once(con, victims, lambda con: tppo_details(con, f))
