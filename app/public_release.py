"""The public release as the publik pages read it: one year at a time, cached per database version, warmed ahead.

The numbers are made in one place, report/release.py: live from the analytics database for a staff-run server, or
read from the public extract's ``public_counts`` on a public server (``PPA_PUBLIC=1``), which computes nothing.
"""

from __future__ import annotations

import threading

import duckdb
import pandas as pd
import streamlit as st

from app import auth, cached
from etl import db as etl_db
from report import disclosure as dc
from report import release, sentences
from report.db import database_file, database_version, read_only


class _YearCache:
    """Release rows per (database version, source, year); concurrent requests for a year compute it once."""

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
            return release.release(con, years={year})[1]
    with read_only() as con:
        return release.release(con, years={year})[1]


def year_counts(year: int) -> pd.DataFrame:
    """Every release row of one year's public periods (long format, as in the extract's public_counts)."""
    return _YEARS.get(database_version(), auth.public_mode(), year)


_JOINED: dict[tuple, tuple[list[pd.DataFrame], pd.DataFrame]] = {}
_JOINED_LOCK = threading.Lock()


def counts_for(years) -> pd.DataFrame:
    """Release rows of several years (read-only: the same frame is handed to every page run that asks).

    The same object, not a fresh concatenation per run: report/release.py splits a frame into its tables once and
    keeps the split while the frame lives, so a page's dozens of reads cost milliseconds from the second run on
    (the landing page's headline: 0.15 s of a split per run before)."""
    wanted = tuple(sorted(set(years)))
    frames = [year_counts(y) for y in wanted]
    with _JOINED_LOCK:
        hit = _JOINED.get(wanted)
        # a recomputed year (a new load) is a new frame: join again
        if hit is not None and len(hit[0]) == len(frames) and all(a is b for a, b in zip(hit[0], frames)):
            return hit[1]
        joined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=release.COLUMNS)
        if len(_JOINED) >= 16:
            _JOINED.clear()
        _JOINED[wanted] = (frames, joined)
    return joined


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


class NotPublicExtract(Exception):
    """A public server (``PPA_PUBLIC=1``) was given a file that is not a public extract (a staff database, say)."""


def _read_periods(public: bool) -> pd.DataFrame:
    if public:
        with etl_db.connect(database_file(), read_only=True) as con:
            if not con.execute("SELECT count(*) FROM information_schema.tables "
                               "WHERE table_name = 'public_periods'").fetchone()[0]:
                raise NotPublicExtract(
                    f"Server publik (PPA_PUBLIC=1) diarahkan ke {database_file().name}, yang bukan ekstrak publik. "
                    "Buat ekstraknya dengan: python -m etl publish --out publik.duckdb, lalu jalankan server publik "
                    "dengan PPA_DB=publik.duckdb.")
            return con.execute("SELECT * FROM public_periods").df()
    with read_only() as con:
        return release.periods_frame(con)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _periods(version: str, public: bool) -> pd.DataFrame:
    # version only keys the cache: a new load or a new extract shows up at once
    return _read_periods(public)


def prepare() -> None:
    """Protect the years every public page asks for (the latest three) and split the landing page's default period
    into its tables, in this module's own caches: they need no Streamlit runtime, so a server can do this before
    it answers its first visitor (app/serve.py)."""
    offered = _read_periods(auth.public_mode())
    if offered.empty:
        return
    period = dc.parse_period(offered["period_code"].iloc[0])  # the landing page's default (public_view.begin)
    release.headline(counts_for([period.year, period.year - 1]), period)
    latest = int(offered["year"].max())
    counts_for(range(latest - 2, latest + 1))


def periods() -> pd.DataFrame:
    """The release's periods (newest first, years before semesters before quarters)."""
    return _periods(database_version(), auth.public_mode())


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _is_demo(version: str, public: bool) -> bool:
    if public:
        with etl_db.connect(database_file(), read_only=True) as con:
            row = con.execute("SELECT value FROM public_meta WHERE key = 'dataset'").fetchone()
        return bool(row) and row[0] == "demo"
    return sentences.is_demo(cached.database_facts())


def is_demo() -> bool:
    """Whether the release was made from the synthetic demo data."""
    return _is_demo(database_version(), auth.public_mode())
