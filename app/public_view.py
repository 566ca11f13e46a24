"""The publik page: protected figures for one fixed period, from the live database or from a public extract.

Every number drawn here comes from ``etl.publish.release`` (disclosure-controlled on the server), so the chart,
its hover text, the table and the download show the same protected values.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import auth
from app import disclosure as dc
from app.db import database_file, database_version, read_only
from etl import publish

SUPPRESSED_COLOUR = "#BBBBBB"
BAR_COLOUR = "#0072B2"


@st.cache_data(ttl=3600, max_entries=8, show_spinner="Menyiapkan angka publik …")
def _release(version: str, public: bool, year: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(periods, counts) for the year; from the extract's tables, or computed and protected from the live database."""
    if public:
        with duckdb.connect(str(database_file()), read_only=True) as con:
            periods = con.execute("SELECT * FROM public_periods").df()
            counts = con.execute("SELECT * FROM public_counts WHERE ? IS NULL OR period_code LIKE ?",
                                 [year, f"{year}%"]).df()
        return periods, counts
    with read_only() as con:
        return publish.release(con, years=None if year is None else {year})


def _periods() -> pd.DataFrame:
    if auth.public_mode():
        return _release(database_version(), True, None)[0]
    with read_only() as con:
        first, last = con.execute("SELECT min(month), max(month) FROM victims WHERE duplicate_of IS NULL").fetchone()
    if last is None:
        return pd.DataFrame()
    periods = dc.public_periods(last, first)
    return pd.DataFrame([{"period_code": p.code, "label": p.label, "year": p.year, "span": p.span,
                          "provisional": dc.is_provisional(p, last)} for p in periods])


def _table(counts: pd.DataFrame, name: str) -> pd.DataFrame:
    return counts[(counts["table_name"] == name) & (counts["part"] == "sel")].reset_index(drop=True)


def _total(counts: pd.DataFrame, name: str) -> str:
    rows = counts[(counts["table_name"] == name) & (counts["part"] == "total")]
    return rows["label"].iloc[0] if len(rows) else "–"


def bar_figure(rows: pd.DataFrame, title: str, subtitle: str) -> go.Figure:
    """Bars of protected values: a hidden cell is a grey stub labelled "<5"/"x", never a bar of its true height."""
    hidden = rows["value"].isna()
    heights = rows["value"].astype("Float64").fillna(0).astype(float)
    fig = go.Figure(go.Bar(
        x=list(rows["label1"]), y=list(heights), text=list(rows["label"]), textposition="outside",
        customdata=list(rows["label"]), hovertemplate="%{x}: %{customdata}<extra></extra>",
        marker_color=[SUPPRESSED_COLOUR if h else BAR_COLOUR for h in hidden],
        marker_pattern_shape=["/" if h else "" for h in hidden],
    ))
    fig.update_layout(title={"text": f"{title}<br><sup>{subtitle}</sup>"}, yaxis_title="jumlah", showlegend=False,
                      margin={"t": 80}, height=380)
    return fig


def render() -> None:
    """Draw the public page: period selector, headline numbers, protected breakdowns, legend, footer, download."""
    periods = _periods()
    st.title("Data publik")
    if periods.empty:
        st.info("Belum ada periode publik (triwulan, semester, atau tahun) yang lengkap.")
        return
    labels = dict(zip(periods["label"], periods["period_code"]))
    choice = st.sidebar.selectbox("Periode", list(labels), help="Data publik tersedia per triwulan, semester, "
                                  "atau tahun penuh.")
    code = labels[choice]
    period = dc.parse_period(code)
    provisional = bool(periods.loc[periods["period_code"] == code, "provisional"].iloc[0])
    counts = _release(database_version(), auth.public_mode(), period.year)[1]
    counts = counts[counts["period_code"] == code]
    subtitle = f"{period.label} ({period.span}) · kasus yang dilaporkan, bukan angka prevalensi"

    cols = st.columns(4)
    for col, (label, name) in zip(cols, (("Kasus", "kasus"), ("Korban", "korban"), ("Kasus TPPO", "kasus_tppo"),
                                         ("Korban TPPO", "korban_tppo"))):
        col.metric(label, _total(counts, name), border=True)

    left, right = st.columns(2)
    left.plotly_chart(bar_figure(_table(counts, "korban_kecamatan"), "Korban menurut kecamatan", subtitle))
    right.plotly_chart(bar_figure(_table(counts, "korban_bentuk"), "Korban menurut bentuk kekerasan",
                                  subtitle + " · satu korban dapat mengalami lebih dari satu bentuk"))
    left, right = st.columns(2)
    left.plotly_chart(bar_figure(_table(counts, "korban_umur"), "Korban anak dan dewasa", subtitle))
    right.plotly_chart(bar_figure(_table(counts, "korban_jenis_kelamin"), "Korban menurut jenis kelamin", subtitle))

    shown = _table(counts, "korban_kecamatan")[["label1", "label"]].rename(
        columns={"label1": "Kecamatan", "label": "Korban"})
    shown = pd.concat([shown, pd.DataFrame({"Kecamatan": ["Total"], "Korban": [_total(counts, "korban")]})],
                      ignore_index=True)
    st.dataframe(shown, hide_index=True)
    st.caption("Keterangan: " + dc.legend_text())
    download = counts[["period_code", "table_name", "part", "label1", "label2", "value", "label"]]
    st.download_button("Unduh angka publik (CSV)", download.to_csv(index=False).encode("utf-8"),
                       file_name=f"data-publik-{code}.csv", mime="text/csv")
    st.divider()
    st.caption(dc.public_footer(period, provisional))
