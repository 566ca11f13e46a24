"""The dashboard frame: page config, navigation by role, shared sidebar filters, and the footer every page carries."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import cached, sentences
from app.db import DatabaseBusy, DatabaseMissing
from app.filters import sidebar_filters
from app.navigation import pages_for

st.set_page_config(page_title="Kekerasan terhadap Perempuan dan Anak — Kota Jambi", page_icon=":material/shield:",
                   layout="wide")

# The access module will supply the signed-in user's role here; until then every page is shown.
page = st.navigation(pages_for(role=None))

try:
    facts = cached.database_facts()
    span = cached.data_span()
except (DatabaseMissing, DatabaseBusy) as exc:
    st.error(str(exc))
    st.stop()

if span.empty or pd.isna(span["first_month"].iloc[0]):
    st.info("Database belum berisi data. Muat workbook lembaga dengan `python -m etl load FILE`.")
    st.stop()

st.sidebar.markdown("**DPMPPA Kota Jambi**  \nKekerasan terhadap perempuan dan anak, dan TPPO")
if sentences.is_demo(facts):
    st.sidebar.warning(sentences.DEMO_LABEL)
    st.warning(f"{sentences.DEMO_LABEL} — angka di halaman ini bukan data sebenarnya.", icon=":material/science:")

filters = sidebar_filters(pd.Timestamp(span["first_month"].iloc[0]).date(),
                          pd.Timestamp(span["last_month"].iloc[0]).date())

try:
    page.run()
except (DatabaseMissing, DatabaseBusy) as exc:
    st.error(str(exc))

st.divider()
st.caption("  \n".join(sentences.footer_lines(facts, filters)))
