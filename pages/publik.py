"""Ringkasan (publik): headline numbers of a fixed period against the same period a year earlier, protected."""

import streamlit as st

from app import public_release as pr
from app import public_tables as pt
from app import public_view as pv
from report import charts, release, sentences

page = pv.begin()
period = page.period
counts = pr.counts_for([period.year, period.year - 1])
h = release.headline(counts, period)

st.title("Ringkasan")
st.caption(sentences.PUBLIC_NOTE)
st.markdown(f"#### {sentences.public_headline_sentence(h)}")
compared = f"dibanding {period.previous_year().label}"
for column, (label, now, name) in zip(st.columns(3), (("Kasus", h.cases, "kasus"), ("Korban", h.victims, "korban"),
                                                       ("Kasus TPPO", h.tppo_cases, "kasus_tppo"))):
    moved = pv.change(now, h.before[name])
    column.metric(label, now.label, delta=moved, delta_color="off", delta_arrow="off",
                  delta_description=compared if moved else None, border=True)

# the tables after the headline numbers: a first visitor sees the numbers while these are shaped
by_district = pt.ranked(release.table(counts, "korban_kecamatan", period.code))
by_form = pt.ranked(release.table(counts, "korban_bentuk", period.code))
left, right = st.columns(2)
left.plotly_chart(charts.protected_bar_figure(by_district.cells, "Kecamatan", "Jumlah korban menurut kecamatan",
                                              period.label), config=charts.CHART_CONFIG)
right.plotly_chart(charts.protected_bar_figure(by_form.cells, "Bentuk kekerasan",
                                               "Jumlah korban menurut bentuk kekerasan", period.label,
                                               note=charts.MULTI_FORM_NOTE, colours=pt.form_colours(by_form)),
                   config=charts.CHART_CONFIG)

pv.end(period.label, page.provisional, {"Korban per kecamatan": by_district, "Korban per bentuk": by_form},
       period, period, key="unduh_publik_ringkasan")
