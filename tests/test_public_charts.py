"""Public charts people read in ten seconds: a suppressed value is a labelled range, never a bar at its threshold;
a table whose cells would all be hidden gives way to the coarser one that can be shown; charts stay inside the
chosen period; counts get whole-number ticks."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from report import charts

TIMEOUT = 300


def tppo_quarters() -> pd.DataFrame:
    """Seven quarters under the TPPO threshold and one real 10, as public Tren shows them."""
    labels = ["<10", "<10", "10", "<10", "<10", "<10", "<10", "<10"]
    return pd.DataFrame({"periode_singkat": [f"Tw {i}" for i in range(8)],
                         "value": pd.array([10 if lab == "10" else None for lab in labels], dtype="Int64"),
                         "label": labels})


@pytest.mark.parametrize("horizontal", [False, True])
def test_a_suppressed_value_is_a_labelled_range_not_a_bar_at_its_threshold(horizontal):
    fig = charts.protected_bar_figure(tppo_quarters(), "periode_singkat", "TPPO", "2022–2024", "kasus",
                                      horizontal=horizontal)
    value_axis = "x" if horizontal else "y"
    bars = [t for t in fig.data if t.type == "bar"]
    drawn = [v for t in bars for v in getattr(t, value_axis) if v is not None]
    assert drawn == [10], "only the real 10 is a bar"
    marker, = [t for t in fig.data if t.name == "disamarkan" and t.mode == "markers"]
    label, = [t for t in fig.data if t.name == "disamarkan" and t.mode == "text"]
    middles = [v for v in getattr(marker, value_axis) if v is not None]
    spreads = [v for v in getattr(marker, f"error_{value_axis}").array if v is not None]
    assert len(middles) == 7 and {m + s for m, s in zip(middles, spreads)} == {9}
    assert {m - s for m, s in zip(middles, spreads)} == {1}
    assert [t for t in label.text if t] == ["<10"] * 7
    assert all(t.type != "bar" for t in fig.data if t.name == "disamarkan")


def test_small_counts_get_whole_number_ticks():
    small = pd.DataFrame({"k": ["A", "B", "C"], "value": pd.array([1, 3, 2], dtype="Int64"), "label": ["1", "3", "2"]})
    fig = charts.protected_bar_figure(small, "k", "Kecil", "2024", horizontal=False)
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tick0 == 0
    large = small.assign(value=pd.array([10, 30, 20], dtype="Int64"), label=["10", "30", "20"])
    assert charts.protected_bar_figure(large, "k", "Besar", "2024", horizontal=False).layout.yaxis.dtick is None


@pytest.fixture()
def public(demo_db_master, monkeypatch):
    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    for name in ("PPA_PUBLIC", "PPA_BOUNDARIES", "PPA_USERS"):
        monkeypatch.delenv(name, raising=False)

    def open_page(page: str, **params: str) -> AppTest:
        at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
        at.query_params.update(params)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        return at
    return open_page


def test_the_tppo_chart_stays_inside_the_chosen_semester(public):
    at = public("pages/publik_bentuk.py", periode="2024-S1")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    tppo = [s for s in specs if "TPPO per triwulan" in s["layout"]["title"]["text"]]
    assert len(tppo) == 1
    quarters = {x for t in tppo[0]["data"] for x in (t.get("x") or []) if isinstance(x, str)}
    assert quarters == {"Tw I 2024", "Tw II 2024"}


def test_an_all_hidden_table_gives_way_to_the_coarser_one_with_a_reason(public):
    at = public("pages/publik_wilayah.py", periode="2024")
    headers = [h.value for h in at.subheader]
    assert "Korban menurut jenis kelamin" in headers
    assert any("tidak ditampilkan karena semua angkanya terlalu kecil" in c.value for c in at.caption)
    shown = at.dataframe[-1].value
    assert list(shown.columns) == ["Jenis kelamin", "Jumlah korban"]
    assert not (shown["Jumlah korban"] == "x").all()


def test_staff_monthly_bars_carry_value_labels_and_whole_number_ticks():
    import datetime as dt
    df = pd.DataFrame({"month": [dt.date(2024, m, 1) for m in range(1, 11)], "kasus": [3, 1, 2, 4, 0, 2, 1, 3, 2, 1],
                       "provisional": [False] * 8 + [True] * 2})
    fig = charts.monthly_figure(df, "Januari–Oktober 2024")
    assert list(fig.data[0].text) == ["3", "1", "2", "4", "0", "2", "1", "3", "2", "1"]
    assert fig.layout.yaxis.dtick == 1
