"""Tren (publik): protected counts per quarter or semester over the last three years (never per month)."""

import streamlit as st

from app import public_release as pr
from app import public_tables as pt
from app import public_view as pv
from report import charts, disclosure as dc, sentences

page = pv.begin(choose_period=False)
kinds = {"triwulan": "Triwulan", "semester": "Semester"}
kind = st.sidebar.radio("Satuan waktu", list(kinds), format_func=kinds.get, key="public_trend_kind",
                        help="Data publik hanya per triwulan, semester, atau tahun penuh.")
chosen = pv.trend_periods(page, kind)
if not chosen:
    st.info(f"Belum ada {kind} yang lengkap untuk ditampilkan.")
    st.stop()
counts = pr.counts_for({p.year for p in chosen})
span = f"{chosen[0].label} – {chosen[-1].label}"
cases, victims, tppo = (pt.series(counts, name, chosen) for name in ("kasus", "korban", "kasus_tppo"))
forms = pt.series_by(counts, "korban_bentuk", chosen)

st.title("Tren")
st.caption(f"{sentences.PUBLIC_NOTE} Periode {page.latest_year} masih data sementara.")
left, right = st.columns(2)
left.plotly_chart(charts.protected_bar_figure(cases.cells, "periode_singkat", f"Jumlah kasus per {kind}", span, "kasus",
                                              horizontal=False), config=charts.CHART_CONFIG)
right.plotly_chart(charts.protected_bar_figure(victims.cells, "periode_singkat", f"Jumlah korban per {kind}", span,
                                               horizontal=False), config=charts.CHART_CONFIG)
st.plotly_chart(charts.protected_heatmap_figure(forms.cells, "periode_singkat", "Bentuk kekerasan",
                                                f"Jumlah korban per {kind} menurut bentuk kekerasan", span,
                                                note=charts.MULTI_FORM_NOTE), config=charts.CHART_CONFIG)
st.plotly_chart(charts.protected_bar_figure(tppo.cells, "periode_singkat", f"Jumlah kasus TPPO per {kind}", span, "kasus",
                                            note=f"angka TPPO di bawah {dc.STRICT_THRESHOLD} disamarkan",
                                            horizontal=False), config=charts.CHART_CONFIG)

pv.end(span, True, {"Kasus": cases, "Korban": victims, "Kasus TPPO": tppo, "Korban per bentuk": forms},
       chosen[0], chosen[-1], key="unduh_publik_tren")
