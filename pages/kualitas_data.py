"""Kualitas data: which agencies reported which months, and what the loader rejected or flagged."""

import streamlit as st

from app import cached, charts, frame
from app import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

st.title("Kualitas data")
st.plotly_chart(charts.submission_matrix_figure(cached.submission_matrix(f), period), config=charts.CHART_CONFIG)

rejected = cached.rejected_by_reason(f)
st.plotly_chart(charts.reasons_figure(rejected, period), config=charts.CHART_CONFIG)
if not rejected.empty:
    st.dataframe(charts.display_table(rejected), hide_index=True)

left, right = st.columns(2)
left.subheader("Laporan ganda antarlembaga")
left.caption("Korban yang dilaporkan dua lembaga dihitung sekali; catatan lembaga utama yang dipakai.")
left.dataframe(charts.display_table(cached.duplicate_pairs(f)), hide_index=True)
right.subheader("Istilah yang belum dikenal")
right.caption("Tambahkan ejaan atau istilah ini ke data referensi agar baris berikutnya dikenali.")
right.dataframe(charts.display_table(cached.unknown_wordings(f)), hide_index=True)

left, right = st.columns(2)
left.subheader("Rekap yang totalnya tidak cocok")
left.dataframe(charts.display_table(cached.recap_total_mismatches(f)), hide_index=True)
right.subheader("Peringatan lain saat memuat")
right.dataframe(charts.display_table(cached.warnings_by_reason(f)), hide_index=True)

st.subheader("Riwayat pemuatan terakhir")
st.dataframe(charts.display_table(cached.load_history(20)), hide_index=True)

frame.end(f)
