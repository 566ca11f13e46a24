"""Ringkasan: the headline numbers of the period against the same months last year."""

import streamlit as st

from app import cached, downloads, frame
from report import charts, sentences
from report import format as fmt

f = frame.begin()
previous = f.previous_year()
period, previous_period = fmt.period_label(f.start, f.end), fmt.period_label(previous.start, previous.end)
section = cached.summary(f)  # the headline of both years, the perpetrators and the three charts' tables
now, before = section["headline"], section["headline_previous"]
# Pelaku beside Kasus and Korban: the perpetrators recorded on the victim rows counted (report/queries.py, "Pelaku")
now = now.join(section["perpetrator_totals"][["pelaku"]])
before = before.join(section["perpetrator_totals_previous"][["pelaku"]])
compared = f"dibanding {fmt.period_label_short(previous.start, previous.end)}"

st.title("Ringkasan")
st.markdown(f"#### {sentences.headline_sentence(now, before, period, previous_period)}")
frame.missing_reports_note(f)

cards = sentences.metric_cards(now, before)
for column, card in zip(st.columns(len(cards)), cards):
    column.metric(card.label, card.value, delta=card.delta, delta_color="off", delta_arrow=card.arrow,
                  delta_description=compared, border=True)

st.plotly_chart(charts.monthly_figure(section["monthly_totals"], period, "kasus"), config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.district_bar_figure(section["district_totals"], period, "kasus", top=5),
                  config=charts.CHART_CONFIG)
right.plotly_chart(charts.forms_figure(section["form_totals"], period), config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Kasus per bulan": section["monthly_totals"],
    "Kasus per kecamatan": section["district_totals"],
    "Korban per bentuk": section["form_totals"],
}, f, key="unduh_ringkasan")

st.caption(f"Pelaku: {charts.PERPETRATOR_NOTE}. Rincian pelaku ada di halaman Korban.")

frame.end(f)
