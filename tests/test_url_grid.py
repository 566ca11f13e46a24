"""No URL can make a page raise: every page, for each role that may open it, over a grid of crafted parameters."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from app.navigation import specs_for

TIMEOUT = 120
ROLES = ("publik", "analis", "operator")

# Each entry stands for a kind of edge input; several kinds share an entry to keep the grid small.
GRID = {
    # a period after the data, and a comparison period that is reversed and before it
    "setelah_data": dict(dari="2030-01", sampai="2031-06", banding_dari="2031-01", banding_sampai="1990-01",
                         periode="2031-T1"),
    # a period before the data, given end first
    "terbalik_sebelum_data": dict(dari="1990-12", sampai="1990-01", banding_dari="2024-10", banding_sampai="2024-01"),
    # one month, one kecamatan, one form, one agency: empty charts that look alike (Wilayah raised here)
    "satu_bulan": dict(dari="2024-01", sampai="2024-01", kecamatan="15.71.01", jenis="tppo", lembaga="LSM",
                       banding_dari="2024-01", banding_sampai="2024-01"),
    # codes nobody knows and text that is no month at all
    "kode_asing_dan_sampah": dict(dari="abc", sampai="2024-13", kecamatan="99.99", jenis="<script>",
                                  lembaga="NOPE", ganda="%%", periode="2099-T9", banding_dari="zz",
                                  banding_sampai="2024-00", kelompok="x"),
}


def _cases():
    # The analysis pages are the same code for analis and operator: the full grid once, one entry for the other role.
    cases, seen = [], set()
    for role in ROLES:
        for spec in specs_for(role):
            names = ["satu_bulan"] if spec.path in seen else list(GRID)
            seen.add(spec.path)
            cases += [pytest.param(role, spec.path, name, id=f"{role}-{spec.path[6:-3]}-{name}") for name in names]
    return cases


def open_page(role: str, page: str, params: dict[str, str]) -> AppTest:
    """The real app on one page, as one role, with the given URL parameters, run once."""
    at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
    if role != auth.PUBLIC:
        at.session_state[auth.SESSION_KEY] = auth.session_record("uji", role)
    at.query_params.update(params)
    # Switching before the first run opens the page straight from the URL, as a shared link does.
    at.switch_page(page)
    return at.run()


@pytest.fixture()
def demo_env(demo_db_master, monkeypatch):
    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    monkeypatch.delenv("PPA_BOUNDARIES", raising=False)
    monkeypatch.delenv("PPA_PUBLIC", raising=False)
    monkeypatch.delenv("PPA_POPULATION", raising=False)


@pytest.mark.parametrize("role,page,entry", _cases())
def test_no_url_makes_a_page_raise(demo_env, role, page, entry):
    at = open_page(role, page, GRID[entry])
    assert not at.exception, [e.message for e in at.exception]
    assert at.title, "the page drew nothing"


def test_compliance_page_opens_on_reports_older_than_its_slider(demo_db, monkeypatch):
    # Kepatuhan Laporan raised "… is not in iterable" when the latest report month lay outside its slider.
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE submissions SET months = [DATE '2017-03-01']")
    monkeypatch.setenv("PPA_DB", str(demo_db))
    at = open_page("operator", "pages/kepatuhan.py", {})
    assert not at.exception, [e.message for e in at.exception]
    assert at.select_slider(key="compliance_period").value[1].isoformat() == "2017-03-01"
