"""The publik pages' numbers and frame: protected figures for fixed periods, from the live database or an extract.

Every number comes from ``report.publish.release`` (disclosure-controlled on the server, a year's quarters, semesters
and the year protected together), so the live pages and the public extract show the same values, and a chart, its
hover text, its table, its download and its sentence are built from the same protected cells.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import pandas as pd
import streamlit as st

from app import auth, cached, downloads
from report import charts, sentences
from report import disclosure as dc
from report import format as fmt
from report.db import database_file, database_version, read_only
from app.frame import configure_page, ensure_entry_script, require_page_role
from report.queries import Filters
from etl import db as etl_db
from etl import vocab
from report import publish

PARAM_PERIOD = "periode"
HEADERS = {"kecamatan": "Kecamatan", "bentuk": "Bentuk kekerasan", "kelompok_umur": "Kelompok umur",
           "jenis_kelamin": "Jenis kelamin"}
PUBLIC_NOTE = ("Angka terlindungi untuk publik: angka kecil disamarkan agar korban tidak dapat dikenali. "
               "Staf dinas melihat angka lengkap setelah masuk.")


# --------------------------------------------------------------------------------------------------------------
# Protected numbers, one year at a time (the unit that is protected together), cached per database version.

class _YearCache:
    """Protected counts per (database version, source, year); concurrent requests for a year compute it once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple, pd.DataFrame] = {}
        self._computing: dict[tuple, threading.Lock] = {}

    def get(self, version: str, public: bool, year: int, background: bool = False) -> pd.DataFrame:
        key = (version, public, year)
        with self._lock:
            if key in self._entries:
                return self._entries[key]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                if key in self._entries:
                    return self._entries[key]
            counts = _compute_year(public, year, background)
            with self._lock:
                # a new load changes the version: drop what was computed for older files
                self._entries = {k: v for k, v in self._entries.items() if k[0] == version}
                self._entries[key] = counts
                self._computing.pop(key, None)
            return counts

    def has(self, version: str, public: bool, year: int) -> bool:
        with self._lock:
            return (version, public, year) in self._entries


_YEARS = _YearCache()


def _compute_year(public: bool, year: int, background: bool = False) -> pd.DataFrame:
    if public:
        with etl_db.connect(database_file(), read_only=True) as con:  # the extract: nothing but public tables
            return con.execute("SELECT * FROM public_counts WHERE period_code LIKE ?", [f"{year}%"]).df()
    if background:
        # its own short connection, outside the page run's shared one (which closes when the page is drawn)
        with etl_db.connect(database_file(), read_only=True) as con:
            return publish.release(con, years={year})[1]
    with read_only() as con:
        return publish.release(con, years={year})[1]


def year_counts(year: int) -> pd.DataFrame:
    """Every protected number of one year's public periods (long format, as in the extract's public_counts)."""
    return _YEARS.get(database_version(), auth.public_mode(), year)


def counts_for(years) -> pd.DataFrame:
    """Protected numbers of several years."""
    frames = [year_counts(y) for y in sorted(set(years))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=publish.COLUMNS)


def warm_up(years) -> None:
    """Protect the given years in a background thread, so the next public page finds them ready.

    The thread is not a daemon, although the page run that starts it is (a thread inherits that unless told):
    when the server stops, Python waits for the year being protected (a second or two) and skips the rest. A
    daemon thread would be cut off at exit in the middle of the solver or a DuckDB query, and the process would
    abort ("terminate called without an active exception").
    """
    version, public = database_version(), auth.public_mode()
    missing = [y for y in sorted(set(years), reverse=True) if not _YEARS.has(version, public, y)]
    if missing:
        threading.Thread(target=_warm, args=(version, public, missing), daemon=False,
                         name="ppa-public-warm-up").start()


def _warm(version: str, public: bool, years: list[int]) -> None:
    for year in years:
        if not threading.main_thread().is_alive():  # the server is stopping: nobody will ask for it
            return
        try:
            _YEARS.get(version, public, year, background=True)
        except (duckdb.Error, OSError):  # a load swapped the file meanwhile: the next page run computes it
            return


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _periods(version: str, public: bool) -> pd.DataFrame:
    # version only keys the cache: a new load or a new extract shows up at once
    if public:
        with etl_db.connect(database_file(), read_only=True) as con:
            return con.execute("SELECT * FROM public_periods").df()
    with read_only() as con:
        return publish.periods_frame(con)


def periods() -> pd.DataFrame:
    """The public periods with data (newest first, years before semesters before quarters)."""
    return _periods(database_version(), auth.public_mode())


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _is_demo(version: str, public: bool) -> bool:
    if public:
        with etl_db.connect(database_file(), read_only=True) as con:
            row = con.execute("SELECT value FROM public_meta WHERE key = 'dataset'").fetchone()
        return bool(row) and row[0] == "demo"
    return sentences.is_demo(cached.database_facts())


# --------------------------------------------------------------------------------------------------------------
# From long rows back to ProtectedTables (what charts, tables and downloads take).

def _rows(counts: pd.DataFrame, name: str, code: str, part: str) -> pd.DataFrame:
    return counts[(counts["table_name"] == name) & (counts["period_code"] == code) & (counts["part"] == part)]


def _count(row) -> dc.ProtectedCount:
    value = None if pd.isna(row["value"]) else int(row["value"])
    return dc.ProtectedCount(value, row["label"], bool(row["suppressed"]),
                             row["reason"] if isinstance(row["reason"], str) else None)


def total(counts: pd.DataFrame, name: str, code: str) -> dc.ProtectedCount | None:
    """The protected grand total of a public table for a period, or None when the release has none."""
    rows = _rows(counts, name, code, "total")
    return _count(rows.iloc[0]) if len(rows) else None


def _cells(rows: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    cells = pd.DataFrame({HEADERS[d]: rows[f"label{i + 1}"].tolist() for i, d in enumerate(dims)})
    for i, d in enumerate(dims):
        cells[f"kode_{d}"] = rows[f"key{i + 1}"].tolist()
    cells["value"] = pd.array([None if pd.isna(v) else int(v) for v in rows["value"]], dtype="Int64")
    cells["label"] = rows["label"].tolist()
    cells["suppressed"] = rows["suppressed"].astype(bool).tolist()
    cells["reason"] = [r if isinstance(r, str) else None for r in rows["reason"]]
    return cells


def table(counts: pd.DataFrame, name: str, code: str) -> dc.ProtectedTable:
    """One public table of one period as a ProtectedTable (columns named in Indonesian)."""
    rows = _rows(counts, name, code, "sel")
    dims = [d for d in (rows["dim1"].iloc[0], rows["dim2"].iloc[0]) if isinstance(d, str)] if len(rows) else []
    margins = {}
    margin_rows = _rows(counts, name, code, "margin")
    for kept, part in margin_rows.groupby("dim1", sort=False):
        summed = [d for d in dims if d != kept][0]
        margins[HEADERS[summed]] = _cells(part, [kept])
    cells = _cells(rows, dims)
    withheld = bool(len(cells)) and bool((cells["reason"] == "ditahan").all())
    out = dc.ProtectedTable([HEADERS[d] for d in dims], cells, margins, total(counts, name, code), withheld)
    out.footnotes = [dc.FOOTNOTE_SUPPRESSION] if out.any_suppressed else []
    return out


def series(counts: pd.DataFrame, name: str, chosen: list[dc.Period]) -> dc.ProtectedTable:
    """A public table's grand totals over fixed periods (oldest first) as a ProtectedTable by "Periode"."""
    rows = []
    for p in sorted(chosen, key=lambda p: p.start):
        t = total(counts, name, p.code)
        if t is not None:
            rows.append({"Periode": p.label, "value": t.value, "label": t.label, "suppressed": t.suppressed,
                         "reason": t.reason, "periode_singkat": short_label(p)})
    cells = pd.DataFrame(rows, columns=["Periode", "value", "label", "suppressed", "reason", "periode_singkat"])
    cells["value"] = cells["value"].astype("Int64")
    out = dc.ProtectedTable(["Periode"], cells)
    out.footnotes = [dc.FOOTNOTE_SUPPRESSION] if out.any_suppressed else []
    return out


def series_by(counts: pd.DataFrame, name: str, chosen: list[dc.Period]) -> dc.ProtectedTable:
    """A one-breakdown public table over fixed periods (oldest first): "Periode" × its breakdown."""
    frames = []
    for p in sorted(chosen, key=lambda p: p.start):
        t = table(counts, name, p.code)
        frames.append(t.cells.assign(Periode=p.label, periode_singkat=short_label(p)))
    cells = pd.concat(frames, ignore_index=True)
    by = ["Periode", *table(counts, name, chosen[0].code).by]
    cells = cells[by + [c for c in cells.columns if c not in by]]
    out = dc.ProtectedTable(by, cells)
    out.footnotes = [dc.FOOTNOTE_SUPPRESSION] if out.any_suppressed else []
    return out


def short_label(p: dc.Period) -> str:
    """A period for a crowded axis: "Tw I 2024", "Smt II 2024", "2024"."""
    return {"triwulan": f"Tw {dc.ROMAN[p.number]} {p.year}", "semester": f"Smt {dc.ROMAN[p.number]} {p.year}",
            "tahun": str(p.year)}[p.kind]


WITHHELD_NOTE = ("Rincian ini disamarkan seluruhnya untuk periode ini (angkanya terlalu kecil); pilih semester atau "
                 "tahun untuk rincian yang lebih lengkap.")


def grid(t: dc.ProtectedTable) -> pd.DataFrame:
    """A two-breakdown ProtectedTable as a cross table of labels (rows: first breakdown), for st.dataframe."""
    rows, columns = t.by
    wide = t.cells.pivot(index=rows, columns=columns, values="label")
    wide = wide.reindex(index=list(dict.fromkeys(t.cells[rows])), columns=list(dict.fromkeys(t.cells[columns])))
    return wide.reset_index().rename_axis(columns=None)


def form_colours(t: dc.ProtectedTable) -> list[str]:
    """The form colours (the same as in the staff charts) for a table broken down by form."""
    colours = charts.form_colours()
    return [colours.get(code, "#999999") for code in t.cells["kode_bentuk"]]


# --------------------------------------------------------------------------------------------------------------
# Headline numbers and the sentence, from protected numbers only.

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


def change(now: dc.ProtectedCount, before: dc.ProtectedCount | None) -> str | None:
    """'naik 12%' / 'turun 3%' / 'tetap' when both numbers are published, else None (no comparison shown)."""
    if before is None or now.value is None or before.value is None:
        return None
    return fmt.change(now.value, before.value)


def headline_sentence(h: Headline) -> str:
    """'Triwulan I 2024 (Januari–Maret 2024): 35 kasus dilaporkan, <10 di antaranya TPPO, dengan 41 korban. …'"""
    p = h.period
    if h.cases.value == 0:
        return f"{p.label} ({p.span}): tidak ada kasus yang dilaporkan."
    text = (f"{p.label} ({p.span}): {h.cases.label} kasus dilaporkan, {h.tppo_cases.label} di antaranya TPPO, "
            f"dengan {h.victims.label} korban.")
    moved = change(h.cases, h.before["kasus"])
    if moved is not None:
        text += (f" Dibanding {p.previous_year().label} ({h.before['kasus'].label} kasus), jumlah kasus "
                 f"{moved}.")
    return text


# --------------------------------------------------------------------------------------------------------------
# The page frame for publik: role check, banner, period choice, and the footer with legend and downloads.

@dataclass(frozen=True)
class PublicPage:
    """What a public page was opened for: the periods on offer and the chosen one."""

    periods: pd.DataFrame
    period: dc.Period | None
    provisional: bool
    latest_year: int | None

    def is_provisional(self, period: dc.Period) -> bool:
        return self.latest_year is not None and period.year >= self.latest_year


def begin(choose_period: bool = True) -> PublicPage:
    """Check the role, draw the banner and (optionally) the period selector; stop when nothing is published."""
    ensure_entry_script()
    configure_page()
    require_page_role()
    st.sidebar.markdown(f"**{vocab.region().office_short}**  \nKekerasan terhadap perempuan dan anak, dan TPPO")
    try:
        offered = periods()
    except Exception as exc:  # a missing or locked database: say so instead of a stack trace
        st.error(str(exc))
        st.stop()
    if _is_demo(database_version(), auth.public_mode()):
        st.sidebar.warning(sentences.DEMO_LABEL)
        st.warning(f"{sentences.DEMO_LABEL} — angka di halaman ini bukan data sebenarnya.", icon=":material/science:")
    if offered.empty:
        st.info("Belum ada periode publik (triwulan, semester, atau tahun) yang lengkap.")
        st.stop()
    latest_year = int(offered["year"].max())
    # warm the cache for what the other public pages will ask for (this year and the two before)
    warm_up(range(latest_year - 2, latest_year + 1))
    if not choose_period:
        return PublicPage(offered, None, False, latest_year)
    codes = offered["period_code"].tolist()
    names = dict(zip(offered["period_code"], offered["label"]))
    # remembered outside the widget too: Tren has no period selector, and Streamlit forgets a widget not drawn
    wanted = (st.session_state.get("public_period") or st.query_params.get(PARAM_PERIOD)
              or st.session_state.get("public_period_chosen"))
    code = st.sidebar.selectbox("Periode", codes, index=codes.index(wanted) if wanted in codes else 0,
                                format_func=names.get, key="public_period",
                                help="Data publik tersedia per triwulan, semester, atau tahun penuh.")
    st.session_state["public_period_chosen"] = code
    if st.query_params.get(PARAM_PERIOD) != code:
        st.query_params[PARAM_PERIOD] = code
    period = dc.parse_period(code)
    return PublicPage(offered, period, period.year >= latest_year, latest_year)


def footer_lines(label: str, provisional: bool) -> tuple[str, ...]:
    """Source, period, 'data sementara', 'reported cases, not prevalence', the legend and the footnote."""
    return (f"Sumber: {dc.default_source()}.", f"Periode: {label}.",
            *(("Data sementara: laporan yang terlambat masih dapat menambah angka.",) if provisional else ()),
            dc.NOT_PREVALENCE, f"Keterangan: {dc.legend_text()}.",
            f"Catatan: {dc.FOOTNOTE_SUPPRESSION}.")


def end(label: str, provisional: bool, tables: dict[str, dc.ProtectedTable], first: dc.Period, last: dc.Period,
        key: str) -> None:
    """Legend, footnote, source/period/provisional footer, and the CSV/Excel download of the tables shown."""
    lines = footer_lines(label, provisional)
    downloads.table_downloads(tables, Filters(first.start, last.end), role=auth.PUBLIC, key=key,
                              footer=lines, period=label)
    st.divider()
    st.caption("  \n".join(lines))
    if _is_demo(database_version(), auth.public_mode()):
        st.caption(f"{sentences.DEMO_LABEL}: angka bukan data sebenarnya.")


def trend_periods(page: PublicPage, kind: str, years: int = 3) -> list[dc.Period]:
    """The published quarters or semesters of the last ``years`` years with data, oldest first."""
    return [p for y in range(page.latest_year - years + 1, page.latest_year + 1) for p in periods_of_year(page, kind, y)]


def periods_of_year(page: PublicPage, kind: str, year: int) -> list[dc.Period]:
    """The published quarters or semesters of one year, oldest first."""
    chosen = [dc.parse_period(c) for c, k, y in zip(page.periods["period_code"], page.periods["kind"],
                                                     page.periods["year"]) if k == kind and y == year]
    return sorted(chosen, key=lambda p: p.start)


def ranked(t: dc.ProtectedTable) -> dc.ProtectedTable:
    """The same protected cells, most first (suppressed cells after the published ones)."""
    cells = t.cells.assign(_order=t.cells["value"].astype("Float64").fillna(-1)).sort_values(
        "_order", ascending=False, kind="stable").drop(columns="_order").reset_index(drop=True)
    return dc.ProtectedTable(t.by, cells, t.margins, t.total, t.withheld, t.footnotes)
