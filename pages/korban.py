"""Korban: who the victims are — age and sex, children and adults, victim groups, place and relationship — and
who the perpetrators recorded for the cases are (pelaku)."""

import streamlit as st

from app import cached, downloads, frame
from report import charts
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

st.title("Korban")
st.plotly_chart(charts.pyramid_figure(cached.age_sex(f), period), config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.category_figure(cached.child_adult(f), "age_group", "Jumlah korban: anak dan dewasa", period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.category_figure(cached.victim_groups(f), "victim_group",
                                          "Jumlah korban menurut kelompok korban", period),
                   config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.category_figure(cached.places_of_incident(f), "label",
                                         "Jumlah korban menurut tempat kejadian", period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.category_figure(cached.relationships(f), "label",
                                          "Jumlah korban menurut hubungan pelaku dengan korban", period),
                   config=charts.CHART_CONFIG)

st.subheader("Pelaku")
st.plotly_chart(charts.perpetrator_pyramid_figure(cached.perpetrator_age_sex(f), period), config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.perpetrator_child_figure(cached.perpetrator_child_adult(f), period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.perpetrator_relationship_figure(cached.perpetrator_relationships(f), period),
                   config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Umur dan jenis kelamin": cached.age_sex(f),
    "Anak dan dewasa": cached.child_adult(f),
    "Kelompok korban": cached.victim_groups(f),
    "Tempat kejadian": cached.places_of_incident(f),
    "Hubungan pelaku": cached.relationships(f),
    "Pelaku menurut umur dan jenis kelamin": cached.perpetrator_age_sex(f),
    "Pelaku menurut hubungan dengan korban": cached.perpetrator_relationships(f),
}, f, key="unduh_korban")

frame.end(f)
