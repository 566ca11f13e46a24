"""Kepatuhan Laporan: which agency sent which month on time, late or not at all, and reminders to paste."""

import datetime as dt

import pandas as pd
import streamlit as st

from app.operator import begin_operator_page, reading
from etl import compliance, vocab
from report import format as fmt

begin_operator_page()
st.title("Kepatuhan Laporan")

today = dt.date.today()
with reading() as con:
    if con is None:
        st.info("Belum ada data yang dimuat.")
        st.stop()
    start, end = compliance.default_period(con, today)
    first = min((m for m in compliance.first_expected_months(con).values() if m), default=today.replace(day=1))
    # the options always hold the default period, even for data reported ahead of today (a URL past the data)
    months = compliance.month_range(min(first, start), max(today.replace(day=1), end))
    start, end = st.select_slider("Bulan laporan", options=months, value=(start, end),
                                  format_func=compliance.month_label, key="compliance_period")
    statuses = compliance.compliance(con, start, end, today)

st.caption(f"Setiap lembaga melapor bulanan paling lambat tanggal batasnya di bulan berikutnya (tanggal batas dan "
           f"bulan pertama wajib lapor diatur di daftar lembaga). Keadaan per {compliance.date_label(today)}.")
# Months down, agencies across (short codes, the full name on hover): a year of months fits a laptop screen, where
# agencies down and twelve month columns of "Tepat waktu" ran off its right edge.
agencies = list(dict.fromkeys(s.agency for s in statuses))
matrix = pd.DataFrame([{"Lembaga": s.agency, "Bulan": fmt.month_label(s.month),
                        "Status": compliance.STATUS_LABELS[s.status]} for s in statuses])
table = matrix.pivot(index="Bulan", columns="Lembaga", values="Status").reindex(
    index=list(dict.fromkeys(matrix["Bulan"])), columns=agencies)
table.columns = [a.replace("_", " ") for a in agencies]
colours = {compliance.STATUS_LABELS[compliance.ON_TIME]: "background-color: #d9f2e3",
           compliance.STATUS_LABELS[compliance.LATE]: "background-color: #fff1c2",
           compliance.STATUS_LABELS[compliance.MISSING]: "background-color: #fcd9d9"}
st.dataframe(table.style.map(lambda v: colours.get(v, "")), height=35 * (len(table) + 1) + 3, column_config={
    a.replace("_", " "): st.column_config.TextColumn(help=vocab.agency_name(a)) for a in agencies})
counts = matrix["Status"].value_counts()
st.caption(" · ".join(f"{label}: {counts.get(label, 0)}" for label in compliance.STATUS_LABELS.values()))

st.subheader("Pesan pengingat")
texts = compliance.reminders(statuses)
if not texts:
    st.success("Semua lembaga sudah melapor tepat waktu untuk bulan-bulan ini.")
for agency, text in texts.items():
    st.markdown(f"**{vocab.agency_name(agency)}**")
    st.code(text, language=None, wrap_lines=True)
