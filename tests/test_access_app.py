"""Roles in the real app (AppTest): publik sees only protected numbers, staff log in and see exact figures."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from app.navigation import PAGES, PUBLIC_PAGES, OPERATOR_PAGES
from etl import users

TIMEOUT = 300
SMALL = re.compile(r"(?<![\d.<,])([1-4])(?![\d.,%])")


@pytest.fixture()
def env(demo_db_master, tmp_path, monkeypatch):
    accounts = tmp_path / "users.json"
    users.add_user("rina", "analis", "rahasia-panjang", accounts)
    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    monkeypatch.setenv("PPA_USERS", str(accounts))
    monkeypatch.delenv("PPA_PUBLIC", raising=False)
    monkeypatch.delenv("PPA_BOUNDARIES", raising=False)
    return accounts


def start(**params) -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def figure_numbers(at: AppTest) -> list:
    """Every number and text in every chart's data (values, text, hover, customdata)."""
    found = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            for key in ("y", "x", "text", "customdata", "hovertext"):
                value = trace.get(key)
                if isinstance(value, list):
                    found += value
    return found


def assert_nothing_small(at: AppTest):
    for v in figure_numbers(at):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            assert not (1 <= v <= 4), v
        elif isinstance(v, str):
            assert not SMALL.search(v) or v.startswith("<"), v
    for m in at.metric:
        assert not re.fullmatch(r"[1-4]", m.value), (m.label, m.value)
    for df in at.dataframe:
        for cell in df.value.astype(str).to_numpy().ravel():
            assert cell not in {"1", "2", "3", "4"}, cell


def test_publik_sees_only_the_public_page_and_no_small_counts(env):
    at = start()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Data publik"
    assert at.sidebar.text_input[0].label == "Nama pengguna"
    assert at.sidebar.text_input[1].label == "Kata sandi"
    for period in at.sidebar.selectbox[0].options[:3]:
        at.sidebar.selectbox[0].set_value(period).run()
        assert not at.exception
        assert len(at.get("plotly_chart")) == 4
        assert_nothing_small(at)
        footer = at.caption[-1].value
        assert "bukan angka prevalensi" in footer and "Sumber:" in footer
    assert any("<5" in c.value for c in at.caption)  # the legend


@pytest.mark.parametrize("page", [p.path for p in PAGES + OPERATOR_PAGES])
def test_staff_pages_are_not_reachable_for_publik(env, page):
    at = start()
    with pytest.raises(Exception):
        at.switch_page(page).run()
        assert not at.exception
        assert at.title[0].value != "Data publik"
        raise AssertionError("reached")  # switch_page to a page outside the navigation must not run it


def test_wrong_password_is_refused_and_right_one_gives_exact_figures(env):
    at = start(dari="2024-01", sampai="2024-10")
    at.sidebar.text_input[0].input("rina")
    at.sidebar.text_input[1].input("salah-sandi")
    at.sidebar.button[0].click().run()
    assert any("salah" in e.value for e in at.sidebar.error)
    assert at.title[0].value == "Data publik"
    at.sidebar.text_input[0].input("rina")
    at.sidebar.text_input[1].input("rahasia-panjang")
    at.sidebar.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Kasus"] == "149" and shown["Kasus TPPO"] == "22"
    assert "Keluar" in [b.label for b in at.sidebar.button]


def test_analis_does_not_get_operator_pages(env):
    at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
    at.session_state[auth.SESSION_KEY] = auth.session_record("rina", "analis")
    at.run()
    with pytest.raises(Exception):
        at.switch_page("pages/kualitas_data.py").run()
        assert not at.exception
        raise AssertionError("reached")


def test_public_extract_serves_the_public_page_without_login(demo_db_master, tmp_path, monkeypatch, repo_root):
    out = tmp_path / "publik.duckdb"
    subprocess.run([sys.executable, "-m", "etl", "publish", "--db", str(demo_db_master), "--out", str(out)],
                   cwd=repo_root, check=True, capture_output=True)
    monkeypatch.setenv("PPA_DB", str(out))
    monkeypatch.setenv("PPA_PUBLIC", "1")
    at = start()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Data publik"
    assert not at.sidebar.text_input  # no login form on the public server
    assert_nothing_small(at)
