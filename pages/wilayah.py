"""Wilayah: where victims were reported — map, ranking, rates per 10,000 residents, kelurahan."""

import streamlit as st

from app import cached, downloads, frame
from report import charts, geography
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

try:
    population, boundaries = geography.population(), geography.boundaries()
except geography.GeographyError as exc:
    st.warning(str(exc))
    population, boundaries = None, None

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
if not population:
    st.caption("Angka per 10.000 penduduk tersedia bila tabel penduduk per kecamatan (BPS, Kota Jambi Dalam Angka) "
               "disediakan lewat PPA_POPULATION.")

st.subheader("Kelurahan")
subdistricts = cached.subdistrict_totals(f)
st.plotly_chart(charts.subdistrict_figure(subdistricts, period), config=charts.CHART_CONFIG, key="wilayah_kelurahan")
with st.expander("Semua kelurahan (tabel)"):
    frame.table(st, subdistricts, "Tidak ada korban untuk pilihan ini.")

downloads.table_downloads({
    "Per kecamatan": districts,
    "Per kelurahan": subdistricts,
}, f, key="unduh_wilayah")

frame.end(f)
