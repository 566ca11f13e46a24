"""Wilayah: where victims were reported — map, ranking, rates per 10,000 residents, kelurahan."""

import streamlit as st

from app import cached, downloads, frame
from etl import vocab
from report import charts, geography
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

try:
    boundaries = geography.boundaries()
except geography.GeographyError as exc:
    st.warning(str(exc))
    boundaries = None
try:
    residents = geography.population_table()
except geography.GeographyError as exc:
    st.warning(str(exc))
    residents = None
population = residents.totals() if residents else None

measures = {"kasus": "Kasus", "korban": "Korban"}
if population:
    measures["korban_per_10rb"] = "Korban per 10.000 penduduk"

st.title("Wilayah")
measure = st.radio("Tampilkan", list(measures), format_func=measures.get, horizontal=True, key="wilayah_measure")
districts = cached.district_totals(f, population)

left, right = st.columns([3, 2])
if boundaries:
    left.plotly_chart(charts.choropleth_figure(districts, boundaries, period, measure), config=charts.CHART_CONFIG,
                      key="wilayah_peta")
else:
    left.plotly_chart(charts.tile_map_figure(districts, geography.district_tiles(), period, measure),
                      config=charts.CHART_CONFIG, key="wilayah_peta")
# Keys: for one kecamatan without victims the map and the ranking are the same empty figure (issue 18).
right.plotly_chart(charts.district_bar_figure(districts, period, measure), config=charts.CHART_CONFIG,
                   key="wilayah_peringkat")
st.subheader("Angka per 10.000 penduduk")
if residents:
    rates = cached.district_rates(f, residents.rows)
    st.caption(f"Penyebut: {residents.citation()}. Korban perempuan dibagi penduduk "
               "perempuan dan korban anak dibagi penduduk anak, bila tabel penduduk memuatnya. Angka dari jumlah "
               "kecil (di bawah 20 korban) mudah berubah dari periode ke periode.")
    shown = [m for m, column in (("korban_perempuan_per_10rb", "female"), ("korban_anak_per_10rb", "child"))
             if residents.has(column)]
    for column, measure in zip(st.columns(len(shown)) if shown else [], shown):
        column.plotly_chart(charts.rate_figure(rates, measure, period, residents.citation()),
                            config=charts.CHART_CONFIG, key=f"wilayah_{measure}")
    st.dataframe(charts.rates_display(rates), hide_index=True)
else:
    rates = None
    st.info("Belum ada tabel penduduk per kecamatan, jadi angka per 10.000 penduduk belum dapat dihitung. Operator "
            "dapat mengisi template tabel penduduk (dibuat bersama template register) dengan angka "
            f"{vocab.region().population_source} dan memasangnya di pengaturan dasbor.")

st.subheader("Kelurahan")
subdistricts = cached.subdistrict_totals(f)
st.plotly_chart(charts.subdistrict_figure(subdistricts, period), config=charts.CHART_CONFIG, key="wilayah_kelurahan")
with st.expander("Semua kelurahan (tabel)"):
    frame.table(st, subdistricts, "Tidak ada korban untuk pilihan ini.")

downloads.table_downloads({
    "Per kecamatan": districts,
    "Per kelurahan": subdistricts,
    **({"Per 10.000 penduduk": charts.rates_display(rates)} if rates is not None else {}),
}, f, key="unduh_wilayah")

frame.end(f)
