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
# each query result named once: a second call of a cached query hashes its arguments and unpickles its copy again
forms, form_months, form_districts = cached.form_totals(f), cached.form_months(f), cached.form_districts(f)
st.plotly_chart(charts.forms_figure(forms, period), config=charts.CHART_CONFIG)
st.plotly_chart(charts.form_months_figure(form_months, period), config=charts.CHART_CONFIG)
st.plotly_chart(charts.form_districts_figure(form_districts, period), config=charts.CHART_CONFIG)

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
tppo_months, tppo_age_sex = cached.monthly_totals(tppo), cached.age_sex(tppo)
tppo_districts = cached.district_totals(tppo)
st.plotly_chart(charts.monthly_figure(tppo_months, f"{period}, TPPO", "kasus"),
                config=charts.CHART_CONFIG)
left, right = st.columns(2)
left.plotly_chart(charts.pyramid_figure(tppo_age_sex, f"{period}, TPPO"), config=charts.CHART_CONFIG)
right.plotly_chart(charts.district_bar_figure(tppo_districts, f"{period}, TPPO", "korban"),
                   config=charts.CHART_CONFIG)

downloads.table_downloads({
    "Korban per bentuk": forms,
    "Bentuk per bulan": form_months,
    "Bentuk per kecamatan": form_districts,
    "TPPO per bulan": tppo_months,
    "TPPO umur dan jenis kelamin": tppo_age_sex,
    "TPPO per kecamatan": tppo_districts,
}, f, key="unduh_bentuk")

frame.end(f)
