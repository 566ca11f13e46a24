"""Bentuk & TPPO: violence forms over time and by kecamatan, and the trafficking (TPPO) section."""

import streamlit as st

from app import cached, downloads, frame
from report import charts, sentences
from report import format as fmt

f = frame.begin()
period = fmt.period_label(f.start, f.end)

st.title("Bentuk kekerasan dan TPPO")
st.caption("Satu korban dapat mengalami lebih dari satu bentuk kekerasan, sehingga jumlah per bentuk "
           "lebih besar daripada jumlah korban.")
section = cached.forms_and_tppo(f)  # the forms' tables, the TPPO headline of both years and its charts' tables
st.plotly_chart(charts.forms_figure(section["form_totals"], period), config=charts.CHART_CONFIG)
st.plotly_chart(charts.form_months_figure(section["form_months"], period), config=charts.CHART_CONFIG)
st.plotly_chart(charts.form_districts_figure(section["form_districts"], period), config=charts.CHART_CONFIG)

st.header("Tindak Pidana Perdagangan Orang (TPPO)")
previous = f.previous_year()
now, before = section["tppo_headline"], section["tppo_headline_previous"]
cards = {card.label: card for card in sentences.metric_cards(now, before)}
compared = f"dibanding {fmt.period_label_short(previous.start, previous.end)}"
for column, label in zip(st.columns(2), ("Kasus TPPO", "Korban")):
    card = cards[label]
    column.metric("Korban TPPO" if label == "Korban" else label, card.value, delta=card.delta, delta_color="off",
                  delta_arrow=card.arrow, delta_description=compared, border=True)
st.plotly_chart(charts.monthly_figure(section["tppo_monthly_totals"], f"{period}, TPPO", "kasus"),
                config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.pyramid_figure(section["tppo_age_sex"], f"{period}, TPPO"), config=charts.CHART_CONFIG)
right.plotly_chart(charts.district_bar_figure(section["tppo_district_totals"], f"{period}, TPPO", "korban"),
                   config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Korban per bentuk": section["form_totals"],
    "Bentuk per bulan": section["form_months"],
    "Bentuk per kecamatan": section["form_districts"],
    "TPPO per bulan": section["tppo_monthly_totals"],
    "TPPO umur dan jenis kelamin": section["tppo_age_sex"],
    "TPPO per kecamatan": section["tppo_district_totals"],
}, f, key="unduh_bentuk")

frame.end(f)
