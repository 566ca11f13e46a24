"""Tren: victims per month and by form, this year against last year, running totals, moving average."""

import streamlit as st

from app import cached, downloads, frame
from report import charts
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

st.title("Tren")
st.caption("Bulan terakhir diarsir: data sementara, karena laporan terlambat masih bisa masuk.")
st.plotly_chart(charts.monthly_figure(cached.monthly_totals(f), period, "korban", moving_average=True),
                config=charts.CHART_CONFIG)
st.plotly_chart(charts.form_months_figure(cached.form_months(f), period), config=charts.CHART_CONFIG)

comparison = cached.year_over_year(f)
left, right = st.columns(2)
left.plotly_chart(charts.year_comparison_figure(comparison, period, "kasus"), config=charts.CHART_CONFIG)
right.plotly_chart(charts.year_comparison_figure(comparison, period, "kasus", cumulative=True),
                   config=charts.CHART_CONFIG)

st.subheader("Rekap bulanan (dicatat terpisah)")
st.caption("Lembaga yang hanya mengirim rekap tidak dapat dicek ganda terhadap register, "
           "sehingga angkanya ditampilkan terpisah dan tidak ditambahkan ke jumlah kasus atau korban.")
st.plotly_chart(charts.recap_figure(cached.recap_months(f), period), config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Korban per bulan": cached.monthly_totals(f),
    "Korban per bentuk per bulan": cached.form_months(f),
    "Dibanding tahun lalu": comparison,
    "Rekap bulanan": cached.recap_months(f),
}, f, key="unduh_tren")

frame.end(f)
