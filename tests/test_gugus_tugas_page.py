"""The Gugus Tugas TPPO page in the real app (AppTest) on the demo database, checked against SQL on the views."""

from __future__ import annotations

import base64
import json

import duckdb
import numpy as np
import pytest

from etl import vocab
from tests.test_url_grid import demo_env, open_page as open_in_role  # noqa: F401

PAGE = "pages/gugus_tugas.py"
START, END = "2024-01-01", "2024-11-01"   # ?dari=2024-01&sampai=2024-10


@pytest.fixture(scope="module")
def page(demo_db_master):
    mp = pytest.MonkeyPatch()
    mp.setenv("PPA_DB", str(demo_db_master))
    for name in ("PPA_BOUNDARIES", "PPA_PUBLIC", "PPA_POPULATION"):
        mp.delenv(name, raising=False)
    at = open_in_role("analis", PAGE, {"dari": "2024-01", "sampai": "2024-10"})
    yield at
    mp.undo()


@pytest.fixture(scope="module")
def sql(demo_db_master):
    con = duckdb.connect(str(demo_db_master), read_only=True)
    yield lambda q, p=(): con.execute(q, list(p)).fetchall()
    con.close()


def charts(at) -> dict[str, dict]:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {s["layout"]["title"]["text"]: s for s in specs}


def _numbers(values) -> list:
    """A trace's numbers: a list, or plotly's typed array ({'dtype', 'bdata'} in base64)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def bars(spec: dict) -> dict[str, int]:
    """Label -> value of a horizontal bar chart (every trace)."""
    out = {}
    for trace in spec["data"]:
        out.update({label: value for label, value in zip(trace["y"], _numbers(trace["x"]))})
    return out


def test_page_renders_without_exception(page):
    assert not page.exception, [e.message for e in page.exception]
    assert page.title[0].value == "Gugus Tugas TPPO"


def test_tppo_cases_and_victims_with_the_verdict(page, sql):
    kasus, korban = sql("SELECT count(DISTINCT case_key), count(*) FROM victims WHERE is_tppo AND "
                        "duplicate_of IS NULL AND report_date >= ? AND report_date < ?", [START, END])[0]
    assert kasus == 22
    metrics = {m.label: m.value for m in page.metric}
    assert metrics == {"Kasus TPPO": str(kasus), "Korban TPPO": str(korban)}
    text = "\n".join(m.value for m in page.markdown)
    assert f"Januari–Oktober 2024: {kasus} kasus TPPO" in text and f"{korban} korban TPPO" in text
    assert "variasi biasa" in text or "kemungkinan nyata" in text


@pytest.mark.parametrize("title,column,list_name", [
    ("Korban TPPO menurut tujuan eksploitasi", "purpose", "exploitation"),
    ("Korban TPPO menurut cara direkrut", "channel", "recruitment"),
])
def test_purpose_and_channel_match_sql(page, sql, title, column, list_name):
    labels = vocab.case_detail_labels(list_name)
    expected = {labels.get(code, "Tidak diisi"): n for code, n in sql(
        f"SELECT {column}, count(*) FROM tppo_victims WHERE duplicate_of IS NULL AND report_date >= ? "
        f"AND report_date < ? GROUP BY 1", [START, END])}
    shown = {label: n for label, n in bars(charts(page)[title]).items() if n}
    assert shown == expected and sum(shown.values()) > 0


def test_destinations_are_ranked_as_in_sql(page, sql):
    labels = vocab.case_detail_labels("destination")
    expected = {labels[code]: n for code, n in sql(
        "SELECT destination, count(*) FROM tppo_victims WHERE duplicate_of IS NULL AND destination IS NOT NULL "
        "AND report_date >= ? AND report_date < ? GROUP BY 1", [START, END])}
    shown = bars(charts(page)["Korban TPPO menurut daerah/negara tujuan"])
    assert shown == {k: v for k, v in expected.items() if k in shown} and len(shown) == min(12, len(expected))
    assert max(shown.values()) == max(expected.values())


def test_children_and_repatriations_match_sql(page, sql):
    child, adult = sql("SELECT count(*) FILTER (WHERE child_when_recruited), count(*) FILTER (WHERE NOT "
                       "child_when_recruited) FROM tppo_victims WHERE duplicate_of IS NULL AND report_date >= ? "
                       "AND report_date < ?", [START, END])[0]
    shown = bars(charts(page)["Korban TPPO: anak atau dewasa saat direkrut"])
    assert (shown["Anak saat direkrut"], shown["Dewasa saat direkrut"]) == (child, adult)
    back = sql("SELECT count(*) FILTER (WHERE repatriated) FROM tppo_victims WHERE duplicate_of IS NULL "
               "AND report_date >= ? AND report_date < ?", [START, END])[0][0]
    repatriation = bars(charts(page)["Korban TPPO menurut pemulangan"])
    assert sum(v for k, v in repatriation.items() if k not in ("Belum/tidak dipulangkan", "Tidak diisi")) == back > 0


@pytest.mark.parametrize("title,tppo", [("Kasus TPPO menurut tahap penanganan", True),
                                        ("Semua kasus kekerasan menurut tahap penanganan", False)])
def test_stage_funnels_match_sql(page, sql, title, tppo):
    labels, steps = vocab.case_detail_labels("stage"), vocab.stage_steps()
    current = dict(sql(f"""
        SELECT s.stage, count(*) FROM case_stages s
        WHERE s.case_key IN (SELECT case_key FROM victims WHERE duplicate_of IS NULL AND report_date >= ?
                             AND report_date < ? {'AND is_tppo' if tppo else ''})
        GROUP BY 1""", [START, END]))
    shown = bars(charts(page)[title])
    for stage in ("reported", "investigation", "prosecution", "verdict"):
        reached = sum(n for s, n in current.items() if steps[s] >= steps[stage])
        assert shown[labels[stage]] == reached, stage
    for stage in ("stopped", "settled"):
        assert shown[labels[stage]] == current.get(stage, 0)
    assert shown[labels["reported"]] == (22 if tppo else 149)
