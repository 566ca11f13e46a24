"""The query layer behind Streamlit's cache: bounded, keyed by the database file's version so a new load shows up.

Each function here has the same name and arguments as in report/queries.py, without the connection. The
sections (summary, trend, planning, forms_and_tppo, victim_profile, task_force, data_quality) return a dict of
the frames a page section shows, read in one go (report/queries.py, "Sections"). They read the `victims` and
`tppo_victims` views from in-memory copies of the file version's rows once these are made (report/db.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import pandas as pd
import streamlit as st

from report import db, queries

CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 256


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _cached_run(query_name: str, database_version: str, key: str,
                _args: tuple) -> pd.DataFrame | dict[str, pd.DataFrame]:
    # database_version is only part of the cache key: a load changes it, so stale results are never served; key
    # stands for _args, which Streamlit does not hash (the leading underscore)
    query = getattr(queries, query_name)
    # the views' in-memory copies when they are made for this version (report/db.py), else the views: same rows
    with db.reading() as (con, copies), queries.reading_copies(copies):
        return query(con, *_args)


# Frames of the file version, not of a filter, that one page run reads several times (app/frame.py's begin and
# footer, the downloads' footer, the comparison period): after the first read the run reuses the frame it got (the
# callers only read them) instead of another cache hit, ~0.6 ms each (Streamlit's key and a copy unpickled).
ONCE_PER_RUN = frozenset({"data_span", "database_facts", "missing_recent_reports"})


def _run(query_name: str, database_version: str, args: tuple) -> pd.DataFrame | dict[str, pd.DataFrame]:
    key = _key(args)
    seen = db.run_results() if query_name in ONCE_PER_RUN else None
    if seen is None:
        return _cached_run(query_name, database_version, key, args)
    found = seen.get((query_name, database_version, key))
    if found is None:
        found = seen[(query_name, database_version, key)] = _cached_run(query_name, database_version, key, args)
    return found


# The types a query's arguments have; the repr of each names every value it holds.
_KEY_TYPES = (queries.Filters, str, int, float, bool, type(None), dt.date)


def _key(args: tuple) -> str:
    """The cache key of a query's arguments: their repr. Streamlit's own hashing of a Filters took ~0.4 ms a cached
    call (5-9 calls a page run); a string ~0.1 ms. An argument of another type raises rather than risk a key that
    leaves part of it out."""
    def check(value) -> None:
        if isinstance(value, tuple):
            for item in value:
                check(item)
        elif not isinstance(value, _KEY_TYPES):
            raise TypeError(f"{type(value).__name__} bukan argumen kueri yang dikenal cache")
    check(args)
    return repr(args)


def _cached(query: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    def run(*args):
        return _run(query.__name__, db.database_version(), args)

    run.__name__ = query.__name__
    run.__doc__ = query.__doc__
    return run


data_span = _cached(queries.data_span)
database_facts = _cached(queries.database_facts)
district_totals = _cached(queries.district_totals)
subdistrict_totals = _cached(queries.subdistrict_totals)
load_history = _cached(queries.load_history)
missing_recent_reports = _cached(queries.missing_recent_reports)
district_rates = _cached(queries.district_rates)
summary = _cached(queries.summary)
trend = _cached(queries.trend)
planning = _cached(queries.planning)
forms_and_tppo = _cached(queries.forms_and_tppo)
victim_profile = _cached(queries.victim_profile)
task_force = _cached(queries.task_force)
data_quality = _cached(queries.data_quality)
