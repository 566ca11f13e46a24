"""Tren: victims per month and by form, this year against last year, running totals, moving average, and the
cases of two periods side by side (banding_dari, banding_sampai) with whether each change is beyond chance."""

import streamlit as st

from app import cached, comparison, downloads, frame
from report import charts
from report import format as fmt

f = frame.begin()
baseline = comparison.baseline_period(f)
period = fmt.period_label(f.start, f.end)

st.title("Tren")
st.caption("Bulan terakhir diarsir: data sementara, karena laporan terlambat masih bisa masuk.")
section = cached.trend(f, baseline)  # the charts' tables, the two periods' and the recaps'
st.plotly_chart(charts.monthly_figure(section["monthly_totals"], period, "korban", moving_average=True),
                config=charts.CHART_CONFIG)
st.plotly_chart(charts.form_months_figure(section["form_months"], period), config=charts.CHART_CONFIG)

year_on_year = section["year_over_year"]
left, right = st.columns(2)
left.plotly_chart(charts.year_comparison_figure(year_on_year, period, "kasus"), config=charts.CHART_CONFIG)
right.plotly_chart(charts.year_comparison_figure(year_on_year, period, "kasus", cumulative=True),
                   config=charts.CHART_CONFIG)

st.subheader("Dua periode berdampingan")
two_periods = comparison.comparison_section(f, baseline, key="tren_banding", section=section)

st.subheader("Rekap bulanan (dicatat terpisah)")
st.caption("Lembaga yang hanya mengirim rekap tidak dapat dicek ganda terhadap register, "
           "sehingga angkanya ditampilkan terpisah dan tidak ditambahkan ke jumlah kasus atau korban.")
recaps = section["recap_months"]
st.plotly_chart(charts.recap_figure(recaps, period), config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Korban per bulan": section["monthly_totals"],
    "Korban per bentuk per bulan": section["form_months"],
    "Dibanding tahun lalu": year_on_year,
    **two_periods,
    "Rekap bulanan": recaps,
}, f, key="unduh_tren")

frame.end(f)
