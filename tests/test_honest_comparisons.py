"""Honest comparisons: the default period ends at the last month every expected agency has reported (or the page
names who is missing beside the headline), no "naik dari 0", and compliance starts at each agency's first
expected month."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import auth
from etl import compliance, vocab
from etl.load import load_files
from etl.template import RegisterEntry, write_register
from report import format as fmt
from report import queries, sentences

NOVEMBER = dt.date(2024, 11, 1)


@pytest.fixture()
def one_agency_sent_november(demo_db, tmp_path, monkeypatch):
    """The demo database after UPTD PPA (one of six agencies) has sent November 2024."""
    path = tmp_path / "uptd-november.xlsx"
    write_register(path, [RegisterEntry(case_ref=f"UJI/{i}", report_date=dt.date(2024, 11, 3 + i),
                                        district=vocab.districts()[i].name, sex="P", age=10 + i, forms=("Fisik",))
                          for i in range(8)], agency="UPTD_PPA", period=(NOVEMBER, NOVEMBER))
    report = load_files([path], db=demo_db)
    assert not report.any_failed
    monkeypatch.setenv("PPA_DB", str(demo_db))
    st.cache_data.clear()
    yield demo_db
    st.cache_data.clear()


def ringkasan(**params: str) -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    at.session_state[auth.SESSION_KEY] = auth.session_record("uji", "analis")
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_missing_reports_and_the_last_complete_month(one_agency_sent_november):
    with duckdb.connect(str(one_agency_sent_november), read_only=True) as con:
        missing = queries.missing_recent_reports(con)
    assert set(missing["agency"]) == {"POLRESTA", "RSUD", "PUSKESMAS", "DINSOS", "LSM"}
    assert {pd.Timestamp(m).date() for m in missing["month"]} == {NOVEMBER}
    assert queries.last_complete_month(NOVEMBER, missing) == dt.date(2024, 10, 1)
    assert queries.last_complete_month(NOVEMBER, missing.iloc[0:0]) == NOVEMBER


def test_default_period_stops_at_the_last_complete_month(one_agency_sent_november):
    at = ringkasan()
    headline = at.markdown[0].value if at.markdown else ""
    texts = " ".join(m.value for m in at.markdown)
    assert "Januari–Oktober 2024" in texts, texts[:400]
    assert not [w for w in at.warning if "Belum lengkap" in w.value], headline


def test_a_period_with_a_missing_month_names_the_agencies_beside_the_headline(one_agency_sent_november):
    at = ringkasan(dari="2024-01", sampai="2024-11")
    notes = [w.value for w in at.warning if "Belum lengkap" in w.value]
    assert len(notes) == 1
    note = notes[0]
    assert "laporan November 2024 belum diterima dari" in note
    for code in ("POLRESTA", "RSUD", "PUSKESMAS", "DINSOS", "LSM"):
        assert vocab.agency_name(code) in note
    assert vocab.agency_name("UPTD_PPA") not in note


def test_nothing_earlier_is_no_comparison_never_a_rise_from_zero():
    now = pd.DataFrame({"kasus": [8], "korban": [9], "kasus_tppo": [1], "korban_anak": [4]})
    before = pd.DataFrame({"kasus": [0], "korban": [0], "kasus_tppo": [0], "korban_anak": [0]})
    text = sentences.headline_sentence(now, before, "Januari–Maret 2025", "Januari–Maret 2024")
    assert "Belum ada data pembanding untuk Januari–Maret 2024" in text and "dari 0" not in text
    cards = sentences.metric_cards(now, before)
    assert [c.delta for c in cards] == ["belum ada data pembanding"] * 3
    assert fmt.change(8, 0) == "belum ada data pembanding" and fmt.change(0, 0) == "tetap"


def _reference_with_first_month(tmp_path, monkeypatch, agency: str, month: str):
    ref = tmp_path / "rujukan"
    shutil.copytree(vocab.reference_dir(), ref)
    text = (ref / "agencies.csv").read_text(encoding="utf-8").splitlines()
    header, rows = text[0] + ",first_month", text[1:]
    rows = [r + ("," + month if r.startswith(agency + ",") else ",") for r in rows]
    (ref / "agencies.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    monkeypatch.setenv("PPA_REFERENCE", str(ref))
    vocab.clear_caches()


def test_compliance_starts_at_each_agencys_first_expected_month(demo_con, tmp_path, monkeypatch):
    # the demo starts in January 2019: nobody is asked for 2018
    statuses = compliance.compliance(demo_con, dt.date(2018, 11, 1), dt.date(2019, 2, 1), dt.date(2024, 12, 20))
    early = {s.status for s in statuses if s.month < dt.date(2019, 1, 1)}
    assert early == {compliance.NOT_EXPECTED}
    assert not any(s.status == compliance.NOT_EXPECTED for s in statuses if s.month >= dt.date(2019, 1, 1))
    assert "2018" not in " ".join(compliance.reminders(statuses).values())
    # an agency that joined later is configured with its own first month (agencies.csv first_month)
    try:
        _reference_with_first_month(tmp_path, monkeypatch, "LSM", "2025-01")
        statuses = compliance.compliance(demo_con, dt.date(2024, 11, 1), dt.date(2025, 2, 1), dt.date(2025, 4, 20))
    finally:
        monkeypatch.undo()
        vocab.clear_caches()
    lsm = {s.month: s.status for s in statuses if s.agency == "LSM"}
    assert lsm[dt.date(2024, 12, 1)] == compliance.NOT_EXPECTED
    assert lsm[dt.date(2025, 1, 1)] == compliance.MISSING
    rsud = {s.month: s.status for s in statuses if s.agency == "RSUD"}
    assert rsud[dt.date(2024, 12, 1)] == compliance.MISSING
