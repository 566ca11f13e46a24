"""Perencanaan, Tren's two periods and Wilayah's rates in the real app (AppTest) on the demo database."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from etl import vocab
from tests.test_url_grid import TIMEOUT, demo_env, open_page as open_in_role  # noqa: F401


@pytest.fixture()
def open_page(demo_env):
    def start(page: str, role: str = "analis", **params: str) -> AppTest:
        at = open_in_role(role, page, params)
        assert not at.exception, [e.message for e in at.exception]
        return at

    return start


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_planning_page_compares_with_the_same_months_a_year_earlier(open_page):
    at = open_page("pages/perencanaan.py", dari="2024-01", sampai="2024-10")
    assert at.title[0].value == "Perencanaan"
    assert ("Januari–Oktober 2024: 149 kasus; Januari–Oktober 2023:" in texts(at)
            and "kemungkinan nyata" in texts(at))
    assert "banding_dari" not in at.query_params  # the default follows the main period, so the URL stays short
    titles = chart_titles(at)
    assert titles[:2] == ["Kasus menurut kecamatan, dua periode", "Kasus menurut bentuk kekerasan, dua periode"]
    assert "Korban yang menerima layanan menurut semua korban" in titles
    assert any(t.startswith("Hari dari kejadian sampai lapor") for t in titles)


def test_planning_page_reads_the_comparison_period_from_the_url_and_keeps_it(open_page, demo_db_master):
    import duckdb

    at = open_page("pages/perencanaan.py", dari="2024-01", sampai="2024-06", banding_dari="2023-12",
                   banding_sampai="2023-07")  # given end first
    baseline = [b for b in at.sidebar.selectbox if b.key is None]  # the main period's choices are keyed
    assert [b.label for b in baseline] == ["Dari", "Sampai"]
    assert tuple(b.value for b in baseline) == (dt.date(2023, 7, 1), dt.date(2023, 12, 1))
    assert at.query_params["banding_dari"] == "2023-07" and at.query_params["banding_sampai"] == "2023-12"
    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        now, before = (con.execute("""SELECT count(DISTINCT case_key) FROM victims WHERE duplicate_of IS NULL
                                      AND report_date >= ? AND report_date < ?""", [a, b]).fetchone()[0]
                       for a, b in ((dt.date(2024, 1, 1), dt.date(2024, 7, 1)),
                                    (dt.date(2023, 7, 1), dt.date(2024, 1, 1))))
    assert f"Januari–Juni 2024: {now} kasus; Juli–Desember 2023: {before} kasus." in texts(at)


def test_planning_page_breaks_services_and_delays_down_on_request(open_page):
    at = open_page("pages/perencanaan.py", dari="2024-01", sampai="2024-10")
    at.segmented_control(key="layanan_menurut").set_value("lembaga")
    at.segmented_control(key="waktu_menurut").set_value("lembaga")
    at.run()
    assert not at.exception
    titles = chart_titles(at)
    assert "Korban yang menerima layanan menurut lembaga" in titles
    assert "Hari dari kejadian sampai lapor menurut lembaga" in titles
    delays = at.dataframe[-1].value
    assert list(delays.columns[:3]) == ["Lembaga", "Korban", "Dengan kedua tanggal"]
    assert set(delays["Lembaga"]) == {vocab.agency_name(a) for a in ("UPTD_PPA", "POLRESTA", "DINSOS", "LSM")}


def test_planning_page_is_for_staff_only(open_page, demo_db_master, monkeypatch):
    at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
    at.switch_page("pages/perencanaan.py")
    at.run()
    assert not any(t.value == "Perencanaan" for t in at.title)
    operator = open_page("pages/perencanaan.py", role="operator", dari="2024-01", sampai="2024-10")
    assert operator.title[0].value == "Perencanaan"


def test_tren_shows_two_periods_with_the_verdict(open_page):
    at = open_page("pages/tren.py", dari="2024-01", sampai="2024-10", banding_dari="2022-01", banding_sampai="2022-10")
    assert "Kasus menurut kecamatan, dua periode" in chart_titles(at)
    assert "Januari–Oktober 2024: 149 kasus; Januari–Oktober 2022:" in texts(at)


def test_wilayah_shows_rates_with_their_source_and_year(open_page, tmp_path, monkeypatch):
    table = tmp_path / "penduduk.csv"
    table.write_text("district_code,population,female_population,child_population,year,source\n"
                     "15.71.01,52000,26000,15000,2023,BPS Kota Jambi Dalam Angka 2024\n"
                     "15.71.09,98000,49000,30000,2023,BPS Kota Jambi Dalam Angka 2024\n", encoding="utf-8")
    monkeypatch.setenv("PPA_POPULATION", str(table))
    at = open_page("pages/wilayah.py", dari="2024-01", sampai="2024-10")
    assert "Penyebut: BPS Kota Jambi Dalam Angka 2024, tahun 2023" in texts(at)
    titles = chart_titles(at)
    assert "Korban perempuan per 10.000 penduduk perempuan" in titles
    assert "Korban anak per 10.000 penduduk anak" in titles
    rates = at.dataframe[0].value
    assert list(rates["Kecamatan"][:1]) == ["Telanaipura"] and rates["Penduduk"].iloc[0] == "52.000"


def test_wilayah_says_when_no_population_is_configured(open_page):
    at = open_page("pages/wilayah.py", dari="2024-01", sampai="2024-10")
    assert any("Belum ada tabel penduduk" in i.value for i in at.info)
    assert not any("per 10.000" in t for t in chart_titles(at))


def test_wilayah_warns_about_a_bad_population_file_and_still_draws(open_page, tmp_path, monkeypatch):
    table = tmp_path / "penduduk.csv"
    table.write_text("district_code,population\n15.71.99,100\n", encoding="utf-8")
    monkeypatch.setenv("PPA_POPULATION", str(table))
    at = open_page("pages/wilayah.py", dari="2024-01", sampai="2024-10")
    assert any("15.71.99" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) >= 2
