"""Roles in the real app (AppTest): publik sees only protected numbers, staff log in and see exact figures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from app.frame import NO_PUBLIC_DATA
from report import disclosure as dc
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


def figure_values(at: AppTest) -> list[tuple[str, str, object]]:
    """(chart title, category, value) for every number and text in every chart's data (values, text, hover)."""
    found = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = str(spec.get("layout", {}).get("title", {}).get("text", ""))
        for trace in spec.get("data", []):
            if trace.get("type") == "heatmap":  # a grid: rows are the y categories
                for key in ("z", "text", "hovertext"):
                    for row_name, row in zip(trace["y"], trace.get(key) or []):
                        for column_name, v in zip(trace["x"], row):
                            found.append((title, f"{row_name} {column_name}", v))
                continue
            categories = trace.get("y") if trace.get("orientation") == "h" else trace.get("x")
            for key in ("y", "x", "text", "customdata", "hovertext"):
                value = trace.get(key)
                if isinstance(value, list):
                    for i, v in enumerate(value):
                        category = categories[i] if isinstance(categories, list) and i < len(categories) else ""
                        if trace.get("mode") == "text" and key in ("x", "y"):
                            continue  # where a label is written (the tile map): a position, not data
                        if trace.get("name") == "disamarkan" and key in ("x", "y") and not isinstance(v, str):
                            # where a suppressed cell's range marker stands: fixed by its threshold, not a count
                            assert v in (None, 2.5, 4, 5, 9), (title, v)
                            continue
                        found.append((title, str(category), v))
    return found


def figure_numbers(at: AppTest) -> list:
    return [v for _, _, v in figure_values(at)]


def _limit(*context: str) -> int:
    """The publishable minimum for a figure: 10 for TPPO and child × sexual violence, else 5."""
    text = " ".join(context)
    return 10 if "TPPO" in text or ("Seksual" in text and "Anak" in text) else 5


def _check(value, limit: int, where) -> None:
    """No count 1–4 (1–9 where the limit is 10) in a number or a text; labels such as "<5" are fine."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        assert value == 0 or value >= limit, (where, value)
        return
    text = str(value)
    assert not SMALL.search(text) or text.startswith("<"), (where, text)
    if limit == 10:
        for number in re.findall(r"(?<![\d.<,])(\d+)(?![\d.,%])", text):
            assert int(number) == 0 or int(number) >= 10, (where, text)


# Fixed sentences that explain the thresholds ("1–4 ... <5") are not counts.
EXPLANATIONS = (dc.legend_text(), dc.FOOTNOTE_SUPPRESSION)


def _prose(text: str) -> str:
    for sentence in EXPLANATIONS:
        text = text.replace(sentence, "")
    text = re.sub(r"Angka 1–4 ditampilkan.*?TPPO\)", "", text)   # the footer's explanation of the thresholds
    text = re.sub(r"ambang \d+|di bawah \d+|kurang dari \d+", "", text)
    return re.sub(r"\b(19|20)\d\d\b", "", text)                   # years


def assert_nothing_small(at: AppTest):
    for title, category, v in figure_values(at):
        if isinstance(v, str):
            v = _prose(v)
        _check(v, _limit(title, category), (title, category))
    for m in at.metric:
        _check(m.value, _limit(m.label), m.label)
        assert not re.fullmatch(r"[1-4]", m.value), (m.label, m.value)
    for df in at.dataframe:
        for _, row in df.value.iterrows():
            for column, cell in row.items():
                if column == row.index[0]:
                    continue
                assert str(cell) not in {"1", "2", "3", "4"}, (column, cell)
                _check(str(cell), _limit(str(row.iloc[0]), str(column)), (row.iloc[0], column))
    for element in [*at.markdown, *at.caption, *at.metric]:
        text = element.value if hasattr(element, "value") else ""
        _check(_prose(str(text)), 5, str(text)[:80])


def assert_public_footer(at: AppTest):
    footer = "\n".join(c.value for c in at.caption)
    assert "Sumber:" in footer and "Periode:" in footer and "bukan angka prevalensi" in footer
    assert dc.FOOTNOTE_SUPPRESSION in footer and "<5" in footer


def assert_no_month_or_kelurahan(at: AppTest):
    everything = json.dumps([json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")])
    everything += " ".join(str(d.value.to_dict()) for d in at.dataframe)
    everything += " ".join(e.value for e in [*at.markdown, *at.caption, *at.title, *at.subheader])
    assert "elurahan" not in everything
    for name in ("Jan ", "Feb ", "Apr ", "Jul ", "Agu ", "Okt ", "Nov "):
        assert name not in everything  # month axis labels of the staff charts
    for box in [*at.sidebar.selectbox, *at.sidebar.radio]:
        for option in box.options:
            assert re.fullmatch(r"(Tahun \d{4}|(Triwulan|Semester) [IV]+ \d{4}|Triwulan|Semester)", option), option
    assert not at.sidebar.get("select_slider")


def visit_public_pages(at: AppTest):
    """Open each public page in turn."""
    for spec in PUBLIC_PAGES:
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, [e.message for e in at.exception])
        yield spec


def test_publik_sees_every_public_page_with_protected_figures_only(env):
    at = start()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Ringkasan"
    assert at.sidebar.text_input[0].label == "Nama pengguna"
    assert at.sidebar.text_input[1].label == "Kata sandi"
    titles = []
    for _ in visit_public_pages(at):
        titles.append(at.title[0].value)
        assert len(at.get("plotly_chart")) >= 1
        assert_nothing_small(at)
        assert_public_footer(at)
        assert_no_month_or_kelurahan(at)
        assert [e.label for e in at.expander] == ["Unduh data (CSV, Excel)"]
    assert titles == ["Ringkasan", "Tren", "Wilayah", "Bentuk kekerasan dan TPPO"]


def test_public_periods_change_the_figures_and_stay_protected(env):
    at = start()
    box = at.sidebar.selectbox[0]
    assert box.label == "Periode"
    assert box.options[0] == "Semester I 2024" and "Triwulan I 2024" in box.options
    seen = set()
    for code, period in (("2023", "Tahun 2023"), ("2024-T1", "Triwulan I 2024")):
        at.sidebar.selectbox[0].select(code).run()
        assert not at.exception
        for _ in visit_public_pages(at):
            assert_nothing_small(at)
        at.switch_page("pages/publik.py").run()
        assert at.sidebar.selectbox[0].value == code  # the choice survives a visit to Tren
        seen.add(tuple(m.value for m in at.metric))
        assert at.markdown[0].value.startswith(f"#### {period} (")
    assert len(seen) == 2


def test_public_ringkasan_agrees_with_the_release_and_compares_with_last_year(env, demo_db_master):
    from report import release

    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        counts = release.release(con, years={2023})[1]
    published = counts[(counts["period_code"] == "2023") & (counts["part"] == "total")].set_index("table_name")
    at = start(periode="2023")
    assert not at.exception, [e.message for e in at.exception]
    shown = {m.label: m for m in at.metric}
    assert shown["Kasus"].value == published.loc["kasus", "label"]
    assert shown["Korban"].value == published.loc["korban", "label"]
    assert shown["Kasus TPPO"].value == published.loc["kasus_tppo", "label"]
    sentence = at.markdown[0].value
    assert sentence.startswith(f"#### Tahun 2023 (Januari–Desember 2023): {published.loc['kasus', 'label']} kasus")
    assert "Dibanding Tahun 2022" in sentence and shown["Kasus"].delta


def test_public_tren_offers_quarters_or_semesters_never_months(env):
    at = start()
    at.switch_page("pages/publik_tren.py").run()
    assert at.sidebar.radio[0].options == ["Triwulan", "Semester"]
    for kind in ("Triwulan", "Semester"):
        at.sidebar.radio[0].set_value(kind.lower()).run()
        assert not at.exception, [e.message for e in at.exception]
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        periods = [x for t in spec["data"] for x in t["x"]]
        assert periods and all(p.startswith({"Triwulan": "Tw ", "Semester": "Smt "}[kind]) for p in periods)
        assert {p[-4:] for p in periods} == {"2022", "2023", "2024"}
        assert_nothing_small(at)


def test_suppressed_cells_differ_from_zero_in_public_charts(env):
    at = start(periode="2024-T1")
    at.switch_page("pages/publik_wilayah.py").run()
    assert not at.exception
    labels = {v for _, _, v in figure_values(at) if isinstance(v, str)}
    assert "<5" in labels or "x" in labels  # the demo has small kecamatan counts in a quarter
    traces = [t for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"]]
    bars = [t for t in traces if t.get("type") == "bar"]
    markers = [t for t in traces if t.get("name") == "disamarkan" and t.get("mode") == "markers"]
    assert markers and markers[0]["type"] == "scatter" and markers[0]["marker"]["symbol"] == "diamond-open"
    assert markers[0]["error_x"]["array"], "a suppressed cell is a range (1 to threshold-1), not a bar"
    assert all(t["name"] != "disamarkan" for t in bars)


@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_staff_pages_refuse_publik_when_run_directly(env, page):
    at = AppTest.from_file(f"../{page}", default_timeout=TIMEOUT).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.warning and "hanya untuk staf" in at.warning[0].value
    assert not at.get("plotly_chart") and not at.metric and not at.dataframe and not at.title


@pytest.mark.parametrize("page", [p.path for p in PAGES + OPERATOR_PAGES if p.roles == {"operator"}])
def test_operator_pages_refuse_analis_when_run_directly(env, page):
    at = AppTest.from_file(f"../{page}", default_timeout=TIMEOUT)
    at.session_state[auth.SESSION_KEY] = auth.session_record("rina", "analis")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.warning and "tidak berhak" in at.warning[0].value
    assert not at.get("plotly_chart") and not at.metric and not at.dataframe and not at.title


@pytest.mark.parametrize("page", [p.path for p in PUBLIC_PAGES])
def test_public_pages_run_directly_for_publik(env, page):
    at = AppTest.from_file(f"../{page}", default_timeout=TIMEOUT).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.get("plotly_chart")
    assert_nothing_small(at)


@pytest.mark.parametrize("page", [p.path for p in PAGES + OPERATOR_PAGES])
def test_staff_pages_are_not_reachable_for_publik(env, page):
    at = start()
    with pytest.raises(Exception):
        at.switch_page(page).run()
        assert not at.exception
        raise AssertionError("reached")  # switch_page to a page outside the navigation must not run it


def test_wrong_password_is_refused_and_right_one_gives_exact_figures(env):
    at = start(dari="2024-01", sampai="2024-10")
    at.sidebar.text_input[0].input("rina")
    at.sidebar.text_input[1].input("salah-sandi")
    at.sidebar.button[0].click().run()
    assert any("salah" in e.value for e in at.sidebar.error)
    assert at.title[0].value == "Ringkasan" and at.metric[0].value in at.markdown[0].value  # the public one
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


def test_public_extract_serves_every_public_page_without_login(demo_db_master, tmp_path, monkeypatch, repo_root):
    from report import release

    out = tmp_path / "publik.duckdb"
    subprocess.run([sys.executable, "-m", "etl", "publish", "--db", str(demo_db_master), "--out", str(out)],
                   cwd=repo_root, check=True, capture_output=True)
    monkeypatch.setenv("PPA_DB", str(out))
    monkeypatch.setenv("PPA_PUBLIC", "1")
    live = {}
    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        counts = release.release(con, years={2024})[1]
    live = counts[(counts["period_code"] == "2024-S1") & (counts["part"] == "total")].set_index("table_name")
    at = start()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.sidebar.text_input  # no login form on the public server
    shown = {m.label: m.value for m in at.metric}
    assert shown["Kasus"] == live.loc["kasus", "label"] and shown["Korban"] == live.loc["korban", "label"]
    for _ in visit_public_pages(at):
        assert at.get("plotly_chart")
        assert_nothing_small(at)
        assert_public_footer(at)
        assert_no_month_or_kelurahan(at)


def test_a_public_server_given_the_staff_database_shows_nothing_and_says_why_in_its_log(env, monkeypatch, capfd):
    """PPA_PUBLIC=1 with the staff database instead of the extract: visitors get the 'not yet available' sentence
    (no database error text, no figure), the server's log names the file and the command that makes the extract."""
    monkeypatch.setenv("PPA_PUBLIC", "1")
    at = start()
    assert not at.exception, [e.message for e in at.exception]
    assert [i.value for i in at.info] == [NO_PUBLIC_DATA]
    assert not at.metric and not at.get("plotly_chart") and not at.error
    log = capfd.readouterr().err
    assert "bukan ekstrak publik" in log and "python -m etl publish" in log


def test_public_downloads_are_the_protected_tables_shown(demo_db_master):
    from app import downloads
    from report import release

    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        counts = release.release(con, years={2024})[1]
    tables = {name: release.table(counts, name, "2024-T1")
              for name in ("korban_kecamatan", "korban_bentuk", "korban_bentuk_umur",
                           "korban_kecamatan_jenis_kelamin")}
    frames = downloads.downloadable(tables, "publik")
    assert list(frames) == list(tables)
    for name, frame in frames.items():
        shown = tables[name].cells
        assert list(frame["label"][:len(shown)]) == list(shown["label"])  # the same cells as the chart/table
        published = frame["jumlah"].dropna()
        assert ((published == 0) | (published >= 5)).all(), name
        assert (frame["suppressed"] == frame["jumlah"].isna()).all()
        tppo = frame[frame.iloc[:, 0] == "Trafficking (TPPO)"]["jumlah"].dropna()
        assert ((tppo == 0) | (tppo >= 10)).all()
    assert "Kelurahan" not in " ".join(c for f in frames.values() for c in f.columns)


_WARM_UP_THEN_EXIT = """
import atexit, threading, time
from app import auth, public_release
from report.db import database_version
years, version, public = [2022, 2023, 2024], database_version(), auth.public_mode()
atexit.register(lambda: print("protected", sum(public_release._YEARS.has(version, public, y) for y in years)))
page_run = threading.Thread(target=public_release.warm_up, args=(years,), daemon=True)  # as Streamlit runs a page
page_run.start()
page_run.join()
while not public_release._YEARS.has(version, public, 2024):
    time.sleep(0.01)
"""


def test_server_stopping_during_the_public_warm_up_exits_cleanly(demo_db_master, repo_root):
    """The process ends while the background thread protects the second year: Python waits for that year, skips
    the third, and exits normally (a daemon thread cut off inside the solver aborted the process). The warm-up is
    started from a daemon thread, as a page run is."""
    done = subprocess.run([sys.executable, "-c", _WARM_UP_THEN_EXIT], cwd=repo_root, capture_output=True, text=True,
                          env={**os.environ, "PPA_DB": str(demo_db_master), "PYTHONPATH": str(repo_root)},
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "terminate called" not in done.stderr
    assert done.stdout.split()[-2:] == ["protected", "2"]
