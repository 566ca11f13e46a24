"""Two periods side by side (Tren, Perencanaan): the comparison period in the sidebar, a sentence, two charts.

Whether a change is beyond chance comes from report/compare.py, the same verdict the headline sentences use.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import cached
from app.filters import sidebar_baseline
from report import charts, compare
from report import format as fmt
from report.queries import Filters


def baseline_period(f: Filters) -> Filters:
    """The comparison period chosen in the sidebar (URL banding_dari, banding_sampai; default a year earlier)."""
    span = cached.data_span()
    return sidebar_baseline(f, pd.Timestamp(span["first_month"].iloc[0]).date(),
                            pd.Timestamp(span["last_month"].iloc[0]).date())


def comparison_section(f: Filters, baseline: Filters, key: str,
                       section: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Draw cases in both periods, per kecamatan and per form, with the verdict; return the tables for download.
    ``section``: the page's section holding the frames of queries.two_periods (queries.trend, queries.planning)."""
    period, before = fmt.period_label(f.start, f.end), fmt.period_label(baseline.start, baseline.end)
    months_now, months_before = compare.months_between(f.start, f.end), compare.months_between(baseline.start,
                                                                                                baseline.end)
    now_cases = int(section["headline"]["kasus"].iloc[0])
    before_cases = int(section["headline_baseline"]["kasus"].iloc[0])
    st.markdown(compare.period_sentence(now_cases, before_cases, period, before, months_now, months_before))
    districts = compare.comparison_table(section["district_comparison"], months_now, months_before)
    forms = compare.comparison_table(section["form_comparison"], months_now, months_before)
    left, right = st.columns(2)
    left.plotly_chart(charts.comparison_figure(districts, "district", "Kasus menurut kecamatan, dua periode",
                                               period, before), config=charts.CHART_CONFIG, key=f"{key}_kecamatan")
    right.plotly_chart(charts.comparison_figure(forms, "label", "Kasus menurut bentuk kekerasan, dua periode",
                                                period, before), config=charts.CHART_CONFIG, key=f"{key}_bentuk")
    st.caption("Satu kasus dihitung sekali untuk setiap bentuk yang dialami korbannya, sehingga jumlah menurut bentuk "
               "dapat lebih besar dari jumlah kasus. Penilaian memakai uji eksak untuk dua hitungan (Poisson): "
               "dengan jumlah kasus sekecil ini, kenaikan atau penurunan besar dalam persen sering masih kebetulan.")
    district_table = charts.comparison_display(districts, "district", "Kecamatan", period, before)
    form_table = charts.comparison_display(forms, "label", "Bentuk kekerasan", period, before)
    with st.expander("Tabel dua periode"):
        st.dataframe(district_table, hide_index=True)
        st.dataframe(form_table, hide_index=True)
    return {"Kasus per kecamatan, dua periode": district_table, "Kasus per bentuk, dua periode": form_table}
