"""Kualitas data: which agencies reported which months, and what the loader rejected or flagged."""

import streamlit as st

from app import cached, frame
from report import charts
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

st.title("Kualitas data")
section = cached.data_quality(f)  # every table of the period, read in one go
st.plotly_chart(charts.submission_matrix_figure(section["submission_matrix"], period), config=charts.CHART_CONFIG)

rejected = section["rejected_by_reason"]
st.plotly_chart(charts.reasons_figure(rejected, period), config=charts.CHART_CONFIG)
# one table under another, cells wrapping: the example messages and file names are sentences, cut off in a grid
frame.table(st, rejected, "Tidak ada baris yang ditolak.", wrap=True)

st.subheader("Laporan ganda antarlembaga")
st.caption("Korban yang dilaporkan dua lembaga dihitung sekali; catatan lembaga utama yang dipakai.")
frame.table(st, section["duplicate_pairs"], "Tidak ada korban yang dilaporkan dua lembaga.", wrap=True)
st.subheader("Istilah yang belum dikenal")
st.caption("Tambahkan ejaan atau istilah ini ke data referensi agar baris berikutnya dikenali.")
frame.table(st, section["unknown_wordings"], "Semua istilah dikenali.", wrap=True)
st.subheader("Rekap yang totalnya tidak cocok")
frame.table(st, section["recap_total_mismatches"], "Semua total rekap cocok dengan isinya.", wrap=True)
st.subheader("Peringatan lain saat memuat")
frame.table(st, section["warnings_by_reason"], "Tidak ada peringatan.", wrap=True)

st.subheader("Riwayat pemuatan terakhir")
frame.table(st, cached.load_history(20), "Belum ada file yang dimuat.", wrap=True)

frame.end(f)
