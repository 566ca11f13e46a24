"""Kualitas data: which agencies reported which months, and what the loader rejected or flagged."""

import streamlit as st

from app import cached, frame
from report import charts
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

st.title("Kualitas data")
st.plotly_chart(charts.submission_matrix_figure(cached.submission_matrix(f), period), config=charts.CHART_CONFIG)

rejected = cached.rejected_by_reason(f)
st.plotly_chart(charts.reasons_figure(rejected, period), config=charts.CHART_CONFIG)
frame.table(st, rejected, "Tidak ada baris yang ditolak.")

left, right = st.columns(2)
left.subheader("Laporan ganda antarlembaga")
left.caption("Korban yang dilaporkan dua lembaga dihitung sekali; catatan lembaga utama yang dipakai.")
frame.table(left, cached.duplicate_pairs(f), "Tidak ada korban yang dilaporkan dua lembaga.")
right.subheader("Istilah yang belum dikenal")
right.caption("Tambahkan ejaan atau istilah ini ke data referensi agar baris berikutnya dikenali.")
frame.table(right, cached.unknown_wordings(f), "Semua istilah dikenali.")

left, right = st.columns(2)
left.subheader("Rekap yang totalnya tidak cocok")
frame.table(left, cached.recap_total_mismatches(f), "Semua total rekap cocok dengan isinya.")
right.subheader("Peringatan lain saat memuat")
frame.table(right, cached.warnings_by_reason(f), "Tidak ada peringatan.")

st.subheader("Riwayat pemuatan terakhir")
frame.table(st, cached.load_history(20), "Belum ada file yang dimuat.")

frame.end(f)
