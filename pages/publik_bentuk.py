"""Bentuk & TPPO (publik): protected counts per violence form, form × age group, and trafficking (threshold 10)."""

import streamlit as st

from app import public_release as pr
from app import public_tables as pt
from app import public_view as pv
from report import charts, disclosure as dc, release, sentences

page = pv.begin()
period = page.period
counts = pr.counts_for([period.year, period.year - 1])
h = release.headline(counts, period)
by_form = pt.ranked(release.table(counts, "korban_bentuk", period.code))
by_form_age = release.table(counts, "korban_bentuk_umur", period.code)
# quarters inside the chosen period only (a semester shows its two quarters, never the rest of the year)
quarters = [q for q in pv.periods_of_year(page, "triwulan", period.year)
            if period.start <= q.start and q.end <= period.end] or [period]
tppo_trend = pt.series(counts, "kasus_tppo", quarters)

st.title("Bentuk kekerasan dan TPPO")
st.caption(f"{sentences.PUBLIC_NOTE} Satu korban dapat mengalami lebih dari satu bentuk kekerasan, sehingga jumlah per "
           "bentuk lebih besar daripada jumlah korban.")
st.plotly_chart(charts.protected_bar_figure(by_form.cells, "Bentuk kekerasan", "Jumlah korban menurut bentuk kekerasan",
                                            period.label, note=charts.MULTI_FORM_NOTE,
                                            colours=pt.form_colours(by_form)), config=charts.CHART_CONFIG)
by_form_age_name, by_form_age = pv.two_way_or_coarser(
    by_form_age, "Korban menurut bentuk kekerasan dan kelompok umur",
    lambda: release.table(counts, "korban_umur", period.code), "Korban menurut kelompok umur", period.label,
    note=f"Anak korban kekerasan seksual dan TPPO memakai ambang {dc.STRICT_THRESHOLD}.")

st.header("Tindak Pidana Perdagangan Orang (TPPO)")
compared = f"dibanding {period.previous_year().label}"
for column, (label, now, name) in zip(st.columns(2), (("Kasus TPPO", h.tppo_cases, "kasus_tppo"),
                                                       ("Korban TPPO", h.tppo_victims, "korban_tppo"))):
    moved = pv.change(now, h.before[name])
    column.metric(label, now.label, delta=moved, delta_color="off", delta_arrow="off",
                  delta_description=compared if moved else None, border=True)
st.plotly_chart(charts.protected_bar_figure(tppo_trend.cells, "periode_singkat",
                                            f"Jumlah kasus TPPO per triwulan, {period.label}", period.label, "kasus",
                                            note=f"angka TPPO di bawah {dc.STRICT_THRESHOLD} disamarkan",
                                            horizontal=False), config=charts.CHART_CONFIG)

# the public TPPO summary (issue 23): two coarse groups each, at TPPO's threshold, from the release
tppo_purpose = release.table(counts, "korban_tppo_eksploitasi", period.code)
tppo_destination = release.table(counts, "korban_tppo_tujuan", period.code)
for column, (protected, category, title) in zip(st.columns(2), (
        (tppo_purpose, "Tujuan eksploitasi", "Jumlah korban TPPO menurut tujuan eksploitasi"),
        (tppo_destination, "Daerah tujuan", "Jumlah korban TPPO menurut daerah tujuan"))):
    column.plotly_chart(charts.protected_bar_figure(protected.cells, category, title, period.label,
                                                    note=f"angka TPPO di bawah {dc.STRICT_THRESHOLD} disamarkan"),
                        config=charts.CHART_CONFIG)

pv.end(period.label, page.provisional, {"Korban per bentuk": by_form, by_form_age_name: by_form_age,
                                        "Kasus TPPO per triwulan": tppo_trend,
                                        "Korban TPPO per tujuan eksploitasi": tppo_purpose,
                                        "Korban TPPO per daerah tujuan": tppo_destination},
       period, period, key="unduh_publik_bentuk")
