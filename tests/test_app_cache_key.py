"""app/cached.py keys a query's arguments by their repr: every value counts, unknown types are refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace

import numpy as np
import pytest
import streamlit as st

from app import cached
from report import queries as q

BASE = q.Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1))
CHANGED = {"start": dt.date(2024, 2, 1), "end": dt.date(2024, 9, 1), "district_code": "15.71.09",
           "violence_type": "tppo", "agency": "POLRESTA", "include_duplicates": True}


def test_every_filter_value_and_argument_changes_the_key():
    assert set(CHANGED) == {f.name for f in fields(q.Filters)}  # a new filter must be listed here too
    keys = {cached._key((BASE,))} | {cached._key((replace(BASE, **{name: value}),)) for name, value in CHANGED.items()}
    assert len(keys) == 1 + len(CHANGED)
    others = [(BASE, "semua"), (BASE, "lembaga"), (BASE, None), (BASE, BASE.previous_year()), (20,), (21,),
              (BASE, (("15.71.01", 52000, None, 1),)), (BASE, (("15.71.01", 52000, 1, None),)), ()]
    assert len({cached._key(args) for args in others}) == len(others)


def test_an_argument_of_an_unknown_type_is_refused():
    with pytest.raises(TypeError):
        cached._key((BASE, np.int64(3)))
    with pytest.raises(TypeError):
        cached._key((BASE, (("15.71.01", object()),)))


def test_the_cache_serves_each_filter_its_own_frames(demo_db_master, monkeypatch):
    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    st.cache_data.clear()
    whole = cached.summary(BASE)["headline"]
    one = cached.summary(replace(BASE, district_code="15.71.09"))["headline"]
    assert one["korban"][0] < whole["korban"][0]
    assert cached.summary(BASE)["headline"].equals(whole)  # a hit: the same frame again


def test_a_run_reads_the_file_version_s_frames_once_and_filters_frames_each_time(demo_db_master, monkeypatch):
    """database_facts, data_span and missing_recent_reports are read once a page run (the run's block) and the same
    frame served again; a filter's frames and calls outside a run go through Streamlit's cache every time."""
    from report import db

    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    st.cache_data.clear()
    reads = []
    through_cache = cached._cached_run
    monkeypatch.setattr(cached, "_cached_run", lambda name, *rest: reads.append(name) or through_cache(name, *rest))
    with db.one_connection_per_run():
        facts, span = cached.database_facts(), cached.data_span()
        assert cached.database_facts() is facts and cached.data_span() is span
        assert cached.missing_recent_reports() is cached.missing_recent_reports()
        cached.summary(BASE), cached.summary(BASE)
    assert sorted(reads) == ["data_span", "database_facts", "missing_recent_reports", "summary", "summary"]
    again = cached.database_facts()
    assert again is not facts and again.equals(facts)  # outside a run: Streamlit's cache, a copy
    with db.one_connection_per_run():
        assert cached.database_facts() is not facts  # a new run reads it anew
