"""Korban: who the victims are — age and sex, children and adults, victim groups, place and relationship — and
who the perpetrators recorded for the cases are (pelaku)."""

import streamlit as st

from app import cached, downloads, frame
from report import charts
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

st.title("Korban")
profile = cached.victim_profile(f)
st.plotly_chart(charts.pyramid_figure(profile["age_sex"], period), config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.category_figure(profile["child_adult"], "age_group", "Jumlah korban: anak dan dewasa", period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.category_figure(profile["victim_groups"], "victim_group",
                                          "Jumlah korban menurut kelompok korban", period),
                   config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.category_figure(profile["places_of_incident"], "label",
                                         "Jumlah korban menurut tempat kejadian", period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.category_figure(profile["relationships"], "label",
                                          "Jumlah korban menurut hubungan pelaku dengan korban", period),
                   config=charts.CHART_CONFIG)

st.subheader("Pelaku")
st.plotly_chart(charts.perpetrator_pyramid_figure(profile["perpetrator_age_sex"], period), config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.perpetrator_child_figure(profile["perpetrator_child_adult"], period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.perpetrator_relationship_figure(profile["perpetrator_relationships"], period),
                   config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Umur dan jenis kelamin": profile["age_sex"],
    "Anak dan dewasa": profile["child_adult"],
    "Kelompok korban": profile["victim_groups"],
    "Tempat kejadian": profile["places_of_incident"],
    "Hubungan pelaku": profile["relationships"],
    "Pelaku menurut umur dan jenis kelamin": profile["perpetrator_age_sex"],
    "Pelaku menurut hubungan dengan korban": profile["perpetrator_relationships"],
}, f, key="unduh_korban")

frame.end(f)
