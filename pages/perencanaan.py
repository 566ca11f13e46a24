"""Perencanaan: two periods side by side with a verdict, services received by victims, and time to report."""

import streamlit as st

from app import cached, comparison, downloads, frame
from report import charts
from report import format as fmt

f = frame.begin()
baseline = comparison.baseline_period(f)
period = fmt.period_label(f.start, f.end)

st.title("Perencanaan")
st.caption("Bahan rapat perencanaan dinas: apakah perubahan antarperiode nyata atau kebetulan, layanan apa yang "
           "diterima korban, dan berapa lama korban baru melapor.")

st.subheader("Dua periode berdampingan")
tables = comparison.comparison_section(f, baseline, key="perencanaan")

GROUPS = {"semua": "Semua korban", "kecamatan": "Kecamatan", "bentuk": "Bentuk kekerasan", "lembaga": "Lembaga"}

st.subheader("Layanan bagi korban")
by = st.segmented_control("Menurut", list(GROUPS), format_func=GROUPS.get, default="semua", key="layanan_menurut")
by = by or "semua"
services = cached.service_coverage(f, by)
st.plotly_chart(charts.service_figure(services, f"Korban yang menerima layanan menurut {GROUPS[by].lower()}",
                                      period), config=charts.CHART_CONFIG, key="perencanaan_layanan")
st.caption("Cakupan = korban yang menerima sekurang-kurangnya satu layanan dibagi jumlah korban. Menurut bentuk, "
           "korban dihitung sekali untuk setiap bentuk yang dialaminya (korban-bentuk). Korban tanpa catatan layanan "
           "dihitung sebagai belum menerima layanan.")
service_table = charts.service_display(services, GROUPS[by])
with st.expander("Tabel layanan"):
    st.dataframe(service_table, hide_index=True)

st.subheader("Waktu dari kejadian sampai lapor")
delay_by = st.segmented_control("Menurut", ["semua", "bentuk", "lembaga"], format_func=GROUPS.get, default="bentuk",
                                key="waktu_menurut") or "bentuk"
delays = cached.reporting_delay(f, delay_by)
st.plotly_chart(charts.delay_figure(delays, f"Hari dari kejadian sampai lapor menurut {GROUPS[delay_by].lower()}",
                                    period), config=charts.CHART_CONFIG, key="perencanaan_waktu")
delay_table = charts.delay_display(delays, GROUPS[delay_by])
st.dataframe(delay_table, hide_index=True)
st.caption("Dihitung dari korban yang memiliki tanggal kejadian dan tanggal lapor; catatan dengan tanggal kejadian "
           "setelah tanggal lapor tidak dihitung (periksa datanya di lembaga pengirim).")

downloads.table_downloads({
    **tables,
    "Layanan": service_table,
    "Waktu sampai lapor": delay_table,
}, f, key="unduh_perencanaan")

frame.end(f)
