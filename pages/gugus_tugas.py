"""Gugus Tugas TPPO: trafficking cases and victims with the two-period verdict, how trafficking happened (purpose,
recruitment, destination), children, repatriations, and how far cases got (the case-stage funnel)."""

import streamlit as st

from app import cached, comparison, downloads, frame
from report import briefing, charts, compare, db
from report import format as fmt
from report.exports import names, pdf


def _task_force_pdf(start, end) -> bytes:
    """The one-page PDF for the task-force meeting (built when the button is clicked: charts are drawn anew)."""
    with db.read_only() as con:
        b = briefing.build_briefing(con, start, end)
    return pdf.build_task_force_pdf(b, pdf.task_force_images(b))


f = frame.begin()
baseline = comparison.baseline_period(f)
period, before = fmt.period_label(f.start, f.end), fmt.period_label(baseline.start, baseline.end)
months_now, months_before = compare.months_between(f.start, f.end), compare.months_between(baseline.start,
                                                                                            baseline.end)

st.title("Gugus Tugas TPPO")
st.caption("Bahan rapat Gugus Tugas: berapa kasus dan korban TPPO, bagaimana korban direkrut dan ke mana dibawa, "
           "dan sejauh mana kasus ditangani.")

section = cached.task_force(f, baseline)  # every table of the page, read in one go
two = section["tppo_two_periods"].set_index("unit")
left, right = st.columns(2)
for column, unit in ((left, "kasus"), (right, "korban")):
    now, then = int(two.loc[unit, "ini"]), int(two.loc[unit, "banding"])
    column.metric(f"{unit.capitalize()} TPPO", fmt.number(now), help=f"{before}: {fmt.number(then)} {unit}")
    column.markdown(compare.period_sentence(now, then, period, before, months_now, months_before,
                                            unit=f"{unit} TPPO"))

purposes = section["purpose"]
channels = section["channel"]
left, right = st.columns(2)
left.plotly_chart(charts.category_figure(purposes, "label", "Korban TPPO menurut tujuan eksploitasi", period),
                  config=charts.CHART_CONFIG, key="gugus_tujuan")
right.plotly_chart(charts.category_figure(channels, "label", "Korban TPPO menurut cara direkrut", period),
                   config=charts.CHART_CONFIG, key="gugus_rekrut")

destinations = section["destinations"]
kinds = section["destination_kind"]
left, right = st.columns([3, 2])
left.plotly_chart(charts.destination_figure(destinations, period), config=charts.CHART_CONFIG, key="gugus_tujuan_daerah")
right.plotly_chart(charts.category_figure(kinds, "label", "Korban TPPO menurut jenis tujuan", period),
                   config=charts.CHART_CONFIG, key="gugus_jenis_tujuan")

children = section["children"]
repatriations = section["repatriations"]
left, right = st.columns(2)
left.plotly_chart(charts.category_figure(children, "age_group", "Korban TPPO: anak atau dewasa saat direkrut",
                                         period), config=charts.CHART_CONFIG, key="gugus_anak")
right.plotly_chart(charts.repatriation_figure(repatriations, period), config=charts.CHART_CONFIG, key="gugus_pulang")
st.caption("Korban dihitung sekali (korban yang dilaporkan dua lembaga tidak dihitung ganda). 'Anak saat direkrut' "
           "diisi lembaga; bila kosong, dipakai umur saat lapor (< 18 tahun).")

st.subheader("Tahap penanganan kasus")
funnel_tppo = section["funnel_tppo"]
funnel_all = section["funnel_all"]
left, right = st.columns(2)
left.plotly_chart(charts.stage_funnel_figure(funnel_tppo, "Kasus TPPO menurut tahap penanganan", period),
                  config=charts.CHART_CONFIG, key="gugus_tahap_tppo")
right.plotly_chart(charts.stage_funnel_figure(funnel_all, "Semua kasus kekerasan menurut tahap penanganan", period),
                   config=charts.CHART_CONFIG, key="gugus_tahap_semua")
st.caption("Tahap diambil dari kiriman terbaru yang menyebutkannya; kiriman kepolisian memperbarui tahap kasus "
           "lembaga lain bila korbannya dikenali sebagai korban yang sama. Kasus tanpa keterangan tahap dihitung "
           "'dilaporkan'.")
tppo_table, all_table = charts.stage_funnel_display(funnel_tppo), charts.stage_funnel_display(funnel_all)
with st.expander("Tabel tahap penanganan"):
    st.dataframe(tppo_table, hide_index=True)
    st.dataframe(all_table, hide_index=True)

st.download_button("Ringkasan rapat Gugus Tugas (PDF, 1 halaman)", lambda: _task_force_pdf(f.start, f.end),
                   file_name=names.task_force_pdf_name(f.start, f.end), mime="application/pdf",
                   icon=":material/picture_as_pdf:", on_click="ignore", key="unduh_pdf_gugus_tugas",
                   help="Seluruh wilayah, semua lembaga, untuk periode ini; angka lengkap, untuk kalangan internal.")

downloads.table_downloads({
    "Tujuan eksploitasi (korban)": purposes[["label", "victims"]],
    "Cara direkrut (korban)": channels[["label", "victims"]],
    "Daerah-negara tujuan (korban)": destinations[["label", "kind_label", "victims"]],
    "Anak saat direkrut (korban)": children,
    "Pemulangan (korban)": repatriations[["label", "victims"]],
    "Tahap kasus TPPO": tppo_table,
    "Tahap semua kasus": all_table,
}, f, key="unduh_gugus_tugas")

frame.end(f)
