"""The public release: the one place where public numbers are made, and the only thing public artefacts read.

``release(con)`` computes every public table from the analytics database (protected and audited by
report/disclosure.py, a year's quarters, semesters and the year together); ``publish(db, out)`` writes the same rows
to a new DuckDB file with no victim rows, no accounts and no count the disclosure rules forbid, so a public web
server can run on that file alone (``PPA_PUBLIC=1``). The public pages, their downloads and chart images, the public
extract and the infographic all read these rows back (``total``, ``table``, ``headline``) and protect nothing
themselves, so no two public artefacts can be subtracted to reveal a hidden count. A free month range asked for a
public artefact is snapped to a release period (``release_period``). Schema: docs/data-contract.md, "Public extract".
"""

from __future__ import annotations

import datetime as dt
import os
import weakref
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from report import disclosure as dc
from report import sentences
from etl import vocab
from etl.model import EtlError

# name -> (measure, breakdowns, multi-valued breakdowns, strict rule). At most two breakdowns each.
TABLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str]] = {
    "kasus": ("kasus", (), (), "none"),
    "korban": ("korban", (), (), "none"),
    "kasus_tppo": ("kasus", (), (), "all"),
    "korban_tppo": ("korban", (), (), "all"),
    "korban_kecamatan": ("korban", ("kecamatan",), (), "none"),
    "kasus_kecamatan": ("kasus", ("kecamatan",), ("kecamatan",), "none"),
    "korban_bentuk": ("korban", ("bentuk",), ("bentuk",), "cells"),
    "korban_umur": ("korban", ("kelompok_umur",), (), "none"),
    "korban_jenis_kelamin": ("korban", ("jenis_kelamin",), (), "none"),
    "korban_bentuk_umur": ("korban", ("bentuk", "kelompok_umur"), ("bentuk",), "cells"),
    "korban_kecamatan_jenis_kelamin": ("korban", ("kecamatan", "jenis_kelamin"), (), "none"),
    # the public TPPO summary (issue 23): TPPO victims in two coarse groups each, all at TPPO's threshold
    "korban_tppo_eksploitasi": ("korban", ("tujuan_eksploitasi",), (), "all"),
    "korban_tppo_tujuan": ("korban", ("daerah_tujuan",), (), "all"),
}
# Coarse groups of the public TPPO summary: fine codes (tppo_victims) would be cells of one or two victims. A victim
# whose purpose or destination is not filled in counts in the second group, whose label says so.
TPPO_PURPOSE_GROUPS = (("seksual", "Eksploitasi seksual"),
                       ("lainnya", "Eksploitasi lain (kerja, pekerja migran, dll.) atau tidak disebut"))
TPPO_DESTINATION_GROUPS = (("luar_negeri", "Luar negeri"), ("dalam_negeri", "Dalam negeri atau tidak disebut"))
AGE_GROUPS = (("anak", "Anak (< 18 tahun)"), ("dewasa", "Dewasa"), ("tidak_diketahui", "Usia tidak diketahui"))
SEXES = (("P", "Perempuan"), ("L", "Laki-laki"), ("tidak_diketahui", "Tidak diketahui"))
COLUMNS = ["period_code", "table_name", "part", "dim1", "key1", "label1", "dim2", "key2", "label2",
           "value", "label", "suppressed", "reason"]


class PublishError(EtlError):
    """The public extract could not be written."""


def _labels() -> dict[str, dict[str, str]]:
    return {
        "kecamatan": {d.code: d.name for d in vocab.districts()},
        "bentuk": vocab.violence_labels(),
        "kelompok_umur": dict(AGE_GROUPS),
        "jenis_kelamin": dict(SEXES),
        "tujuan_eksploitasi": dict(TPPO_PURPOSE_GROUPS),
        "daerah_tujuan": dict(TPPO_DESTINATION_GROUPS),
    }


# SQL for each breakdown (a fixed allow-list: identifiers never come from input).
_DIMENSION_SQL = {
    "kecamatan": "district_code",
    "kelompok_umur": "CASE WHEN is_child THEN 'anak' WHEN NOT is_child THEN 'dewasa' ELSE 'tidak_diketahui' END",
    "jenis_kelamin": "coalesce(sex, 'tidak_diketahui')",
    "bentuk": "bentuk",
    "tujuan_eksploitasi": "CASE WHEN purpose = 'sexual' THEN 'seksual' ELSE 'lainnya' END",
    "daerah_tujuan": "CASE WHEN destination_kind = 'abroad' THEN 'luar_negeri' ELSE 'dalam_negeri' END",
}
# breakdowns read from tppo_victims (joined only for the tables that use them)
_TPPO_DIMENSIONS = ("tujuan_eksploitasi", "daerah_tujuan")


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _grid(dim: str) -> list[str]:
    return list(_labels()[dim])


def _table_counts(con: duckdb.DuckDBPyConnection, family: list[dc.Period], measure: str, by: tuple[str, ...],
                  tppo_only: bool) -> tuple[pd.DataFrame, dict[str, int]]:
    """Counts per period on the full grid of categories (zeros included), and each period's total, from DuckDB.

    Victims are (non-duplicate) register records; a breakdown by form counts a victim once per form.
    """
    counted = "count(DISTINCT case_key)" if measure == "kasus" else "count(*)"
    rows = """
        SELECT p.period_code, v.victim_key, v.case_key, v.district_code, v.is_child, v.sex, v.violence_types
        FROM victims v JOIN (SELECT unnest(CAST(? AS VARCHAR[])) AS period_code,
                                    unnest(CAST(? AS DATE[])) AS first_day, unnest(CAST(? AS DATE[])) AS end_day) p
          ON v.report_date >= p.first_day AND v.report_date < p.end_day
        WHERE v.duplicate_of IS NULL""" + (" AND v.is_tppo" if tppo_only else "")
    params = [[p.code for p in family], [p.start for p in family], [_next_month(p.end) for p in family]]
    totals = dict(con.execute(f"SELECT period_code, {counted} FROM ({rows}) GROUP BY 1", params).fetchall())
    totals = {p.code: int(totals.get(p.code, 0)) for p in family}
    if not by:
        return pd.DataFrame({"period_code": list(totals), "n": list(totals.values())}), totals
    if "bentuk" in by:
        rows = f"SELECT *, unnest(violence_types) AS bentuk FROM ({rows})"
    if set(by) & set(_TPPO_DIMENSIONS):
        rows = (f"SELECT r.*, t.purpose, t.destination_kind FROM ({rows}) r "
                "LEFT JOIN tppo_victims t USING (victim_key)")
    dims = ", ".join(f"{_DIMENSION_SQL[d]} AS {d}" for d in by)
    found = con.execute(f"SELECT period_code, {dims}, {counted} AS n FROM ({rows}) GROUP BY ALL", params).df()
    # one breakdown lists its categories sorted by code, two keep the vocabulary order (the order decides ties
    # in complementary suppression, so it stays what the published extracts were built with)
    grids = [sorted(_grid(by[0]))] if len(by) == 1 else [_grid(d) for d in by]
    index = pd.MultiIndex.from_product([[p.code for p in family], *grids], names=["period_code", *by])
    # categories outside the grid (an unknown kecamatan) are left out, as the breakdown's cells always were
    found = found.dropna(subset=list(by)).set_index(["period_code", *by])["n"]
    out = found.reindex(index, fill_value=0).astype("int64").rename("n").reset_index()
    return out, totals


def public_period_list(con: duckdb.DuckDBPyConnection, latest_month: dt.date | None = None,
                       first_month: dt.date | None = None) -> tuple[list[dc.Period], dt.date | None]:
    """The complete public periods with data (newest first) and the latest month; ([], None) when empty."""
    span = con.execute("SELECT min(month), max(month) FROM victims WHERE duplicate_of IS NULL").fetchone()
    if span[1] is None:
        return [], None
    latest = latest_month or span[1]
    first = first_month or span[0]
    return [p for p in dc.public_periods(latest, first) if p.start >= dt.date(first.year, first.month, 1)], latest


def periods_of(frame: pd.DataFrame) -> list[dc.Period]:
    """The periods of a ``public_periods`` frame (live or from the extract) as Period objects, in its order."""
    return [dc.Period(k, int(y), int(n)) for k, y, n in zip(frame["kind"], frame["year"], frame["number"])]


def periods_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The public periods as the extract's ``public_periods`` table holds them."""
    return _periods_frame(*public_period_list(con))


def release(con: duckdb.DuckDBPyConnection, latest_month: dt.date | None = None,
            first_month: dt.date | None = None, years: set[int] | None = None,
            only: Collection[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(periods, counts): every public period with data and every protected public number, as long frames.

    Periods of one year are protected together (a semester is two quarters); ``years`` limits the work to some.
    Each table is protected on its own, so ``only`` (names of TABLES) limits the work to those tables' rows, the
    same rows the whole release holds (the infographic's five tables: 0.3 s instead of 2-4 s with SciPy's MILP).
    """
    periods, latest = public_period_list(con, latest_month, first_month)
    if latest is None:
        return _periods_frame([], None), pd.DataFrame(columns=COLUMNS)
    labels = _labels()
    out = []
    for year in sorted({p.year for p in periods if years is None or p.year in years}):
        family = [p for p in periods if p.year == year]
        for name, (measure, by, multi, strict_rule) in TABLES.items():
            if only is not None and name not in only:
                continue
            df, totals = _table_counts(con, family, measure, by, tppo_only="_tppo" in name)
            if strict_rule == "cells":
                df["strict"] = [dc.is_strict(b, k == "anak" if "kelompok_umur" in by else None)
                                for b, k in zip(df["bentuk"], df.get("kelompok_umur", pd.Series([None] * len(df))))]
            strict = {"none": False, "all": True, "cells": "strict"}[strict_rule]
            if multi:
                # forms (and kecamatan of cases) add up to at least the total, never less; keep that promise
                sums = df.groupby("period_code")["n"].sum()
                totals = {c: t for c, t in totals.items() if sums.get(c, 0) >= t}
            tables = dc.protect(df, "n", by=list(by), strict=strict, multi_valued=multi,
                                total=totals if multi else None, period_col="period_code")
            for code, table in tables.items():
                out += _rows(code, name, table, by, labels)
    counts = pd.DataFrame(out, columns=COLUMNS)
    counts["value"] = counts["value"].astype("Int64")
    return _periods_frame(periods, latest), counts


def _rows(code: str, name: str, table: dc.ProtectedTable, by: tuple[str, ...], labels: dict) -> list[list]:
    def row(part, keys, value, label, suppressed, reason):
        dims = list(by) if part == "sel" else keys[0]
        keyvals = keys[1] if part != "sel" else keys
        d1, k1 = (dims[0], keyvals[0]) if dims else (None, None)
        d2, k2 = (dims[1], keyvals[1]) if len(dims) > 1 else (None, None)
        return [code, name, part, d1, k1, labels[d1][k1] if d1 else None, d2, k2,
                labels[d2][k2] if d2 else None, None if pd.isna(value) else int(value), label, bool(suppressed),
                reason if isinstance(reason, str) else None]

    out = []
    for r in table.cells.itertuples(index=False) if by else []:
        keys = [getattr(r, b) for b in by]
        out.append(row("sel", keys, r.value, r.label, r.suppressed, r.reason))
    for summed, frame in table.margins.items():
        kept = [b for b in by if b != summed][0]
        for r in frame.itertuples(index=False):
            out.append(row("margin", ([kept], [getattr(r, kept)]), r.value, r.label, r.suppressed, r.reason))
    if table.total is not None:
        t = table.total
        out.append(row("total", ([], []), t.value, t.label, t.suppressed, t.reason))
    return out


def _periods_frame(periods: list[dc.Period], latest: dt.date | None) -> pd.DataFrame:
    return pd.DataFrame([{"period_code": p.code, "kind": p.kind, "year": p.year, "number": p.number,
                          "label": p.label, "span": p.span, "start_month": p.start, "end_month": p.end,
                          "provisional": dc.is_provisional(p, latest)} for p in periods],
                        columns=["period_code", "kind", "year", "number", "label", "span", "start_month",
                                 "end_month", "provisional"])


def publish(db: str | os.PathLike, out: str | os.PathLike) -> dict:
    """Write the public extract to ``out`` (replaced whole, never merged) and return a summary."""
    db, out = Path(db), Path(out)
    if not db.exists():
        raise PublishError(f"Database {db} tidak ada; muat data dulu (`python -m etl load`) atau `python -m etl demo`.")
    if out.resolve() == db.resolve():
        raise PublishError("File keluaran tidak boleh sama dengan database analitik.")
    with duckdb.connect(str(db), read_only=True) as con:
        periods, counts = release(con)
        dataset = con.execute("SELECT value FROM meta WHERE key = 'dataset'").fetchone()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as pub:
        pub.register("periods_df", periods)
        pub.register("counts_df", counts)
        pub.execute("""CREATE TABLE public_periods AS SELECT period_code, kind, CAST(year AS INTEGER) AS year,
                       CAST(number AS INTEGER) AS number, label, span, CAST(start_month AS DATE) AS start_month,
                       CAST(end_month AS DATE) AS end_month, provisional FROM periods_df""")
        pub.execute("""CREATE TABLE public_counts AS SELECT period_code, table_name, part, dim1, key1, label1, dim2,
                       key2, label2, CAST(value AS INTEGER) AS value, label, suppressed, reason FROM counts_df""")
        pub.execute("CREATE TABLE public_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        meta = {"kind": "public_extract", "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
                "source": dc.default_source(), "footnote": dc.FOOTNOTE_SUPPRESSION, "legend": dc.legend_text(),
                "not_prevalence": sentences.NOT_PREVALENCE, "dataset": dataset[0] if dataset else "",
                "latest_month": str(periods["end_month"].max()) if len(periods) else ""}
        pub.executemany("INSERT INTO public_meta VALUES (?, ?)", list(meta.items()))
    os.replace(tmp, out)
    return {"tables": counts["table_name"].nunique(), "periods": len(periods), "rows": len(counts)}


# --------------------------------------------------------------------------------------------------------------
# Reading the release back: rows -> ProtectedCount / ProtectedTable (what charts, tables and downloads take).

HEADERS = {"kecamatan": "Kecamatan", "bentuk": "Bentuk kekerasan", "kelompok_umur": "Kelompok umur",
           "jenis_kelamin": "Jenis kelamin", "tujuan_eksploitasi": "Tujuan eksploitasi",
           "daerah_tujuan": "Daerah tujuan"}


_EMPTY_PART = pd.DataFrame(columns=COLUMNS)
_GROUPS: dict[int, tuple[weakref.ref, dict]] = {}


def _part(counts: pd.DataFrame, name: str, code: str, part: str) -> pd.DataFrame:
    """The rows of one table, period and part. A page reads dozens of these from one frame, so the frame is split
    once into groups (kept while the frame lives) instead of being scanned for each (1.7 s -> ms for Tren)."""
    hit = _GROUPS.get(id(counts))
    if hit is None or hit[0]() is not counts:
        for key in [k for k, (ref, _) in _GROUPS.items() if ref() is None]:
            _GROUPS.pop(key, None)
        groups = dict(iter(counts.groupby(["table_name", "period_code", "part"], sort=False)))
        hit = (weakref.ref(counts), groups)
        _GROUPS[id(counts)] = hit
    return hit[1].get((name, code, part), _EMPTY_PART)


def _count(row) -> dc.ProtectedCount:
    value = None if pd.isna(row["value"]) else int(row["value"])
    return dc.ProtectedCount(value, row["label"], bool(row["suppressed"]),
                             row["reason"] if isinstance(row["reason"], str) else None)


def total(counts: pd.DataFrame, name: str, code: str) -> dc.ProtectedCount | None:
    """The protected grand total of a public table for a period, or None when the release has none."""
    rows = _part(counts, name, code, "total")
    return _count(rows.iloc[0]) if len(rows) else None


def _cells(rows: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    # every column in one constructor: pandas sets a column of an existing frame in ~0.3 ms, several a public page
    columns = {HEADERS[d]: rows[f"label{i + 1}"].tolist() for i, d in enumerate(dims)}
    columns.update({f"kode_{d}": rows[f"key{i + 1}"].tolist() for i, d in enumerate(dims)})
    columns["value"] = pd.array([None if pd.isna(v) else int(v) for v in rows["value"]], dtype="Int64")
    columns["label"] = rows["label"].tolist()
    columns["suppressed"] = rows["suppressed"].astype(bool).tolist()
    columns["reason"] = [r if isinstance(r, str) else None for r in rows["reason"]]
    return pd.DataFrame(columns)


def table(counts: pd.DataFrame, name: str, code: str) -> dc.ProtectedTable:
    """One public table of one period as a ProtectedTable (columns named in Indonesian)."""
    rows = _part(counts, name, code, "sel")
    dims = [d for d in (rows["dim1"].iloc[0], rows["dim2"].iloc[0]) if isinstance(d, str)] if len(rows) else []
    margins = {}
    for kept, part in _part(counts, name, code, "margin").groupby("dim1", sort=False):
        summed = [d for d in dims if d != kept][0]
        margins[HEADERS[summed]] = _cells(part, [kept])
    cells = _cells(rows, dims)
    withheld = bool(len(cells)) and bool((cells["reason"] == "ditahan").all())
    out = dc.ProtectedTable([HEADERS[d] for d in dims], cells, margins, total(counts, name, code), withheld)
    out.footnotes = [dc.FOOTNOTE_SUPPRESSION] if out.any_suppressed else []
    return out


@dataclass(frozen=True)
class PublicNumber:
    """One number placed on a public artefact, named by the release row it is: equal to that row's label."""

    period_code: str
    table_name: str
    key1: str | None
    key2: str | None
    label: str

    def as_dict(self) -> dict:
        return {"period_code": self.period_code, "table_name": self.table_name, "key1": self.key1,
                "key2": self.key2, "label": self.label}


def number(counts: pd.DataFrame, name: str, code: str, key1: str | None = None,
           key2: str | None = None) -> PublicNumber | None:
    """The release row for (period, table, keys) as a PublicNumber (a total when no key), or None if absent."""
    part = "total" if key1 is None else "sel"
    rows = _part(counts, name, code, part)
    if key1 is not None:
        rows = rows[rows["key1"] == key1]
        rows = rows[rows["key2"].isna()] if key2 is None else rows[rows["key2"] == key2]
    if not len(rows):
        return None
    return PublicNumber(code, name, key1, key2, str(rows["label"].iloc[0]))


@dataclass(frozen=True)
class Headline:
    """Kasus, korban and kasus TPPO of a period (protected), and of the same period a year earlier if published."""

    period: dc.Period
    cases: dc.ProtectedCount
    victims: dc.ProtectedCount
    tppo_cases: dc.ProtectedCount
    tppo_victims: dc.ProtectedCount
    before: dict[str, dc.ProtectedCount | None]


def headline(counts: pd.DataFrame, period: dc.Period) -> Headline:
    """The headline of a period from the release (``counts`` must hold the period's year and the year before)."""
    zero = dc.protect_total(0)
    now = {name: total(counts, name, period.code) or zero for name in ("kasus", "korban", "kasus_tppo",
                                                                      "korban_tppo")}
    before = {name: total(counts, name, period.previous_year().code) for name in now}
    return Headline(period, now["kasus"], now["korban"], now["kasus_tppo"], now["korban_tppo"], before)


# --------------------------------------------------------------------------------------------------------------
# Free month ranges -> release periods (public artefacts show release periods only).

@dataclass(frozen=True)
class SnappedPeriod:
    """The release period a public artefact shows for a requested month range, and why it differs, if it does."""

    period: dc.Period
    note: str | None          # None when the request was exactly a release period


def release_period(start: dt.date, end: dt.date, available: list[dc.Period]) -> SnappedPeriod:
    """The release period to show for start..end (months): the request itself if it is one, else the longest
    release period inside it (the latest of equals), else the shortest one holding ``end``, else the latest one
    ending by ``end``, else the latest.

    ``available`` are the release's periods; DisclosureError when there are none.
    """
    if not available:
        raise dc.DisclosureError("Belum ada periode publik (triwulan, semester, atau tahun) yang lengkap.")
    first, last = dt.date(start.year, start.month, 1), dt.date(end.year, end.month, 1)
    exact = [p for p in available if p.start == first and p.end == last]
    if exact:
        return SnappedPeriod(exact[0], None)
    inside = [p for p in available if first <= p.start and p.end <= last]
    holding_end = [p for p in available if p.start <= last <= p.end]
    before = [p for p in available if p.end <= last]
    if inside:
        chosen = max(inside, key=lambda p: (p.months, p.end))
    elif holding_end:
        chosen = min(holding_end, key=lambda p: p.months)
    else:
        chosen = max(before or available, key=lambda p: (p.end, p.months))
    return SnappedPeriod(chosen, sentences.snapped_period_note(first, last, chosen.label, chosen.span))
