"""The public TPPO summary (issue 23): coarse groups in the release, at TPPO's threshold, on Bentuk & TPPO."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from report import disclosure as dc
from report import release
from tests.test_url_grid import demo_env, open_page  # noqa: F401

SUMMARY = ("korban_tppo_eksploitasi", "korban_tppo_tujuan")


@pytest.fixture(scope="module")
def counts(demo_con):
    return release.release(demo_con, years={2023, 2024})[1]


@pytest.mark.parametrize("name", SUMMARY)
def test_summary_tables_are_in_the_release_with_the_tppo_total_and_threshold(counts, demo_con, name):
    rows = counts[counts["table_name"] == name]
    assert set(rows["period_code"]) == set(counts.loc[counts["table_name"] == "korban_tppo", "period_code"])
    for code, part in rows.groupby("period_code"):
        total = release.total(counts, name, code)
        assert total.label == release.total(counts, "korban_tppo", code).label
        cells = part[part["part"] == "sel"]
        assert len(cells) == 2
        # nothing between 1 and 9 is ever shown
        shown = cells.loc[~cells["suppressed"], "value"].astype(int)
        assert not ((shown > 0) & (shown < dc.STRICT_THRESHOLD)).any()
        if not total.suppressed and not cells["suppressed"].any():
            assert shown.sum() == total.value
    # the true counts behind the 2023 year cells: the release groups tppo_victims as documented
    purpose = "CASE WHEN purpose = 'sexual' THEN 'seksual' ELSE 'lainnya' END"
    where = "CASE WHEN destination_kind = 'abroad' THEN 'luar_negeri' ELSE 'dalam_negeri' END"
    group = purpose if name.endswith("eksploitasi") else where
    truth = dict(demo_con.execute(f"SELECT {group}, count(*) FROM tppo_victims WHERE duplicate_of IS NULL "
                                  "AND year(report_date) = 2023 GROUP BY 1").fetchall())
    year = rows[(rows["period_code"] == "2023") & (rows["part"] == "sel")]
    for key, value in zip(year["key1"], year["value"]):
        if not pd.isna(value):
            assert int(value) == truth.get(key, 0)


def test_public_bentuk_page_shows_the_summary(demo_env):
    at = open_page("publik", "pages/publik_bentuk.py", {"periode": "2023"})
    assert not at.exception, [e.message for e in at.exception]
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "Jumlah korban TPPO menurut tujuan eksploitasi" in titles
    assert "Jumlah korban TPPO menurut daerah tujuan" in titles
