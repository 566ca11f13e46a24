"""The real Streamlit app (AppTest) on the demo database: every page runs, the published figures show, filters work."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import auth, cached
from report import db as app_db
from app.navigation import PAGES

TIMEOUT = 120


@pytest.fixture()
def app(demo_db_master, monkeypatch):
    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    monkeypatch.delenv("PPA_BOUNDARIES", raising=False)

    def start(page: str | None = None, **params: str) -> AppTest:
        at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
        at.session_state[auth.SESSION_KEY] = auth.session_record("uji", "operator")  # staff see exact pages
        at.query_params.update(params)
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return start


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_every_page_runs_and_draws_charts(app, page):
    at = app(page, dari="2024-01", sampai="2024-10")
    if page != "pages/paparan.py":  # Bahan Paparan shows sentences and download buttons; its charts are in the files
        assert len(at.get("plotly_chart")) >= 2
    assert not at.error
    footer = at.caption[-1].value
    assert "DATA CONTOH (sintetis)" in footer and "bukan angka prevalensi" in footer and "Data per" in footer


@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_a_page_run_opens_one_connection_for_all_its_queries_and_closes_it(app, page):
    at = app(page, dari="2024-01", sampai="2024-10")
    if page == "pages/paparan.py":  # the whole region always: only the period can be chosen there
        at.selectbox(key="filter_from").set_value(dt.date(2024, 2, 1))
    else:
        at.selectbox(key="filter_district").set_value("15.71.09")
    st.cache_data.clear()  # every query of the rerun misses the cache, as after a new load
    opened = app_db.connections_opened()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert app_db.connections_opened() - opened == 1
    assert app_db.connections_open() == 0


@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_a_page_run_asks_the_cache_once_for_each_filtered_query(app, page, monkeypatch):
    # a second call of a cached query hashes its arguments and unpickles a copy of the frame again (~1 ms at 1 M)
    at = app(page, dari="2024-01", sampai="2024-10")
    asked = []
    run = cached._run

    def counting(query_name, database_version, args):
        asked.append((query_name, repr(args)))
        return run(query_name, database_version, args)

    monkeypatch.setattr(cached, "_run", counting)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    filtered = [call for call in asked if call[1] != "()"]  # the frame's span, facts, missing reports take none
    assert filtered or page == "pages/paparan.py"  # Bahan Paparan keeps its briefing in a cache of its own
    assert len(filtered) == len(set(filtered)), sorted(c for c in filtered if filtered.count(c) > 1)


def test_wilayah_draws_its_map_for_every_kecamatan(app):
    # with one kecamatan chosen only its tile is shaded: a count of 13 or 21 put the shade off the colour scale
    from etl import vocab

    at = app("pages/wilayah.py", dari="2024-01", sampai="2024-10")
    for district in vocab.districts():
        at.selectbox(key="filter_district").set_value(district.code).run()
        assert not at.exception, (district.code, [e.message for e in at.exception])
        assert len(at.get("plotly_chart")) >= 2


def test_ringkasan_for_january_to_october_2024_reads_the_published_figures(app):
    at = app(dari="2024-01", sampai="2024-10")
    shown = metrics(at)
    assert shown["Kasus"] == "149" and shown["Kasus TPPO"] == "22"
    assert "Korban" in shown
    assert any(m.value.startswith("#### Januari–Oktober 2024: 149 kasus, 22 di antaranya TPPO") for m in at.markdown)


def test_default_period_is_january_of_the_latest_year_to_its_latest_month(app):
    at = app()
    assert (at.selectbox(key="filter_from").value, at.selectbox(key="filter_to").value) == (dt.date(2024, 1, 1),
                                                                                          dt.date(2024, 10, 1))
    assert metrics(at)["Kasus"] == "149"


def test_changing_a_filter_changes_the_figures_and_the_url(app):
    at = app(dari="2024-01", sampai="2024-10")
    before = metrics(at)["Kasus"]
    at.selectbox(key="filter_district").set_value("15.71.09").run()
    assert not at.exception
    after = metrics(at)["Kasus"]
    assert after != before and int(after) < int(before)
    assert str(at.query_params["kecamatan"]).strip("[]'") == "15.71.09"


def test_a_link_with_filters_reproduces_the_view(app):
    at = app(dari="2024-01", sampai="2024-08", kecamatan="15.71.09")
    assert metrics(at)["Kasus"] == "29"  # Alam Barajo, Jan–Aug 2024, as published
    assert at.selectbox(key="filter_district").value == "15.71.09"


def test_counting_duplicates_can_only_add_victims(app):
    at = app(dari="2024-01", sampai="2024-10")
    without = int(metrics(at)["Korban"].replace(".", ""))
    at.toggle(key="filter_duplicates").set_value(True).run()
    assert int(metrics(at)["Korban"].replace(".", "")) >= without


def test_a_missing_database_is_a_sentence_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("PPA_DB", str(tmp_path / "tidak-ada.duckdb"))
    at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT).run()
    assert not at.exception
    shown = " ".join(e.value for e in [*at.info, *at.error])
    assert "Angka publik belum tersedia" in shown
    # a page names no file, command or setting (the exception's own message, with the path, is for the log)
    assert "tidak-ada.duckdb" not in shown and "python -m" not in shown and "PPA_" not in shown


def test_wilayah_draws_a_choropleth_when_boundaries_are_configured(app, boundary_file, monkeypatch):
    monkeypatch.setenv("PPA_BOUNDARIES", str(boundary_file))
    at = app("pages/wilayah.py", dari="2024-01", sampai="2024-10")
    assert len(at.get("plotly_chart")) >= 3
    assert not at.warning or all("batas wilayah" not in w.value for w in at.warning)
