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
st.plotly_chart(charts.forms_figure(cached.form_totals(f), period), config=charts.CHART_CONFIG)
st.plotly_chart(charts.form_months_figure(cached.form_months(f), period), config=charts.CHART_CONFIG)
st.plotly_chart(charts.form_districts_figure(cached.form_districts(f), period), config=charts.CHART_CONFIG)

st.header("Tindak Pidana Perdagangan Orang (TPPO)")
tppo = f.only_tppo()
previous = tppo.previous_year()
now, before = cached.headline(tppo), cached.headline(previous)
cards = {card.label: card for card in sentences.metric_cards(now, before)}
compared = f"dibanding {fmt.period_label_short(previous.start, previous.end)}"
for column, label in zip(st.columns(2), ("Kasus TPPO", "Korban")):
    card = cards[label]
    column.metric("Korban TPPO" if label == "Korban" else label, card.value, delta=card.delta, delta_color="off",
                  delta_arrow=card.arrow, delta_description=compared, border=True)
st.plotly_chart(charts.monthly_figure(cached.monthly_totals(tppo), f"{period}, TPPO", "kasus"),
                config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.pyramid_figure(cached.age_sex(tppo), f"{period}, TPPO"), config=charts.CHART_CONFIG)
right.plotly_chart(charts.district_bar_figure(cached.district_totals(tppo), f"{period}, TPPO", "korban"),
                   config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Korban per bentuk": cached.form_totals(f),
    "Bentuk per bulan": cached.form_months(f),
    "Bentuk per kecamatan": cached.form_districts(f),
    "TPPO per bulan": cached.monthly_totals(tppo),
    "TPPO umur dan jenis kelamin": cached.age_sex(tppo),
    "TPPO per kecamatan": cached.district_totals(tppo),
}, f, key="unduh_bentuk")

frame.end(f)
