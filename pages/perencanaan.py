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

GROUPS = {"semua": "Semua korban", "kecamatan": "Kecamatan", "bentuk": "Bentuk kekerasan", "lembaga": "Lembaga"}
SERVICES_BY, DELAY_BY = "semua", "bentuk"  # the two breakdown controls' defaults
# The two controls below as the reader left them (Streamlit sets a control's value before the run), so that the
# page's three tables are read at once, before the controls are drawn.
by = st.session_state.get("layanan_menurut") or SERVICES_BY
delay_by = st.session_state.get("waktu_menurut") or DELAY_BY
section = cached.planning(f, baseline, by, delay_by)

st.subheader("Dua periode berdampingan")
tables = comparison.comparison_section(f, baseline, key="perencanaan", section=section)

st.subheader("Layanan bagi korban")
st.segmented_control("Menurut", list(GROUPS), format_func=GROUPS.get, default=SERVICES_BY, key="layanan_menurut")
services = section["service_coverage"]
st.plotly_chart(charts.service_figure(services, f"Korban yang menerima layanan menurut {GROUPS[by].lower()}",
                                      period), config=charts.CHART_CONFIG, key="perencanaan_layanan")
st.caption("Cakupan = korban yang menerima sekurang-kurangnya satu layanan dibagi jumlah korban. Menurut bentuk, "
           "korban dihitung sekali untuk setiap bentuk yang dialaminya (korban-bentuk). Korban tanpa catatan layanan "
           "dihitung sebagai belum menerima layanan.")
service_table = charts.service_display(services, GROUPS[by])
with st.expander("Tabel layanan"):
    st.dataframe(service_table, hide_index=True)

st.subheader("Waktu dari kejadian sampai lapor")
st.segmented_control("Menurut", ["semua", "bentuk", "lembaga"], format_func=GROUPS.get, default=DELAY_BY,
                     key="waktu_menurut")
delays = section["reporting_delay"]
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
