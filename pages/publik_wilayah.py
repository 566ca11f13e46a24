"""Wilayah (publik): protected counts per kecamatan (never kelurahan) as a tile map, a ranking and a table by sex."""

import streamlit as st

from app import public_release as pr
from app import public_tables as pt
from app import public_view as pv
from report import charts, geography, release, sentences

page = pv.begin()
period = page.period
counts = pr.counts_for([period.year])
victims = release.table(counts, "korban_kecamatan", period.code)
by_sex = release.table(counts, "korban_kecamatan_jenis_kelamin", period.code)
ranked = pt.ranked(victims)

st.title("Wilayah")
st.caption(f"{sentences.PUBLIC_NOTE} Rincian paling kecil untuk publik adalah kecamatan.")
left, right = st.columns([3, 2])
left.plotly_chart(charts.protected_tile_map_figure(victims.cells.rename(columns={"kode_kecamatan": "district_code"}),
                                                   geography.district_tiles(), "Jumlah korban menurut kecamatan",
                                                   period.label), config=charts.CHART_CONFIG)
right.plotly_chart(charts.protected_bar_figure(ranked.cells, "Kecamatan", "Kecamatan menurut jumlah korban",
                                               period.label), config=charts.CHART_CONFIG)
by_sex_name, by_sex = pv.two_way_or_coarser(
    by_sex, "Korban menurut kecamatan dan jenis kelamin",
    lambda: release.table(counts, "korban_jenis_kelamin", period.code), "Korban menurut jenis kelamin", period.label)

pv.end(period.label, page.provisional, {"Korban per kecamatan": victims, by_sex_name: by_sex},
       period, period, key="unduh_publik_wilayah")
