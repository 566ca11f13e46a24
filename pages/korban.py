"""Korban: who the victims are — age and sex, children and adults, victim groups, place and relationship — and
who the perpetrators recorded for the cases are (pelaku)."""

import streamlit as st

from app import cached, downloads, frame
from report import charts
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

# each query result named once: a second call of a cached query hashes its arguments and unpickles its copy again
age_sex, child_adult, groups = cached.age_sex(f), cached.child_adult(f), cached.victim_groups(f)
places, relationships = cached.places_of_incident(f), cached.relationships(f)

st.title("Korban")
st.plotly_chart(charts.pyramid_figure(age_sex, period), config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.category_figure(child_adult, "age_group", "Jumlah korban: anak dan dewasa", period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.category_figure(groups, "victim_group",
                                          "Jumlah korban menurut kelompok korban", period),
                   config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.category_figure(places, "label",
                                         "Jumlah korban menurut tempat kejadian", period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.category_figure(relationships, "label",
                                          "Jumlah korban menurut hubungan pelaku dengan korban", period),
                   config=charts.CHART_CONFIG)

st.subheader("Pelaku")
perpetrator_age_sex, perpetrator_relationships = cached.perpetrator_age_sex(f), cached.perpetrator_relationships(f)
st.plotly_chart(charts.perpetrator_pyramid_figure(perpetrator_age_sex, period), config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.perpetrator_child_figure(cached.perpetrator_child_adult(f), period),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.perpetrator_relationship_figure(perpetrator_relationships, period),
                   config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Umur dan jenis kelamin": age_sex,
    "Anak dan dewasa": child_adult,
    "Kelompok korban": groups,
    "Tempat kejadian": places,
    "Hubungan pelaku": relationships,
    "Pelaku menurut umur dan jenis kelamin": perpetrator_age_sex,
    "Pelaku menurut hubungan dengan korban": perpetrator_relationships,
}, f, key="unduh_korban")

frame.end(f)
