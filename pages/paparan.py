"""Bahan Paparan: the briefing to read aloud for a period, and the deck, PDF page, chart PNGs and infographic."""

import streamlit as st

from app import frame
from app import public_release as pr
from etl import vocab
from report import briefing, db, release, sentences
from report.exports import bundle, infographic, names, pdf, png, pptx


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _briefing(start, end, database_version: str) -> briefing.Briefing:
    # database_version only keys the cache, so a new load shows up at once
    with db.read_only() as con:
        return briefing.build_briefing(con, start, end)


f = frame.begin(period_only=True)  # refuses any role but analis/operator (app/navigation.py)
b = _briefing(f.start, f.end, db.database_version())

st.title("Bahan Paparan")
st.caption(f"Periode {b.period} (atur di panel samping). Bahan paparan selalu mencakup seluruh {vocab.region().name}, "
           "semua bentuk kekerasan dan semua lembaga.")
st.markdown(f"#### {b.headline}")
st.markdown("\n".join(f"{i}. {point}" for i, point in enumerate(b.key_points, start=1)))

st.subheader("Unduh")
st.caption("Berkas dibuat saat tombol diklik (grafik digambar ulang, beberapa detik).")
deck, page, charts_zip, square = st.columns(4)
start, end = b.filters.start, b.filters.end
deck.download_button("Paparan (PowerPoint)", lambda: pptx.build_deck(b), file_name=names.deck_name(start, end),
                     mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                     icon=":material/slideshow:", on_click="ignore", key="unduh_pptx")
page.download_button("Ringkasan 1 halaman (PDF)", lambda: pdf.build_summary_pdf(b, pdf.chart_images(b)),
                     file_name=names.summary_pdf_name(start, end), mime="application/pdf",
                     icon=":material/picture_as_pdf:", on_click="ignore", key="unduh_pdf")
charts_zip.download_button("Grafik (PNG, zip)", lambda: bundle.charts_zip(png.chart_pngs(b), b),
                           file_name=names.charts_zip_name(start, end), mime="application/zip",
                           icon=":material/bar_chart:", on_click="ignore", key="unduh_png")
st.caption(f"{sentences.INTERNAL_USE} Paparan, PDF dan grafik memakai angka lengkap untuk {b.period}.")
offered = pr.periods()
if offered.empty:
    square.info("Infografis publik belum dapat dibuat: belum ada triwulan yang lengkap.")
    frame.end(f)
    st.stop()
public = infographic.for_months(start, end, release.periods_of(offered), offered["end_month"].max(), pr.year_counts,
                                b.demo)
square.download_button(
    "Infografis publik (PNG)",
    lambda: png.render_png(infographic.infographic_figure(public), scale=1),
    file_name=names.infographic_name(public.period.start, public.period.end), mime="image/png",
    icon=":material/public:", on_click="ignore", key="unduh_infografis")
square.download_button("Angka infografis (CSV)", infographic.numbers_frame(public).to_csv(index=False).encode("utf-8"),
                       file_name=bundle.PUBLIC_NUMBERS_NAME, mime="text/csv", icon=":material/table:",
                       on_click="ignore", key="unduh_angka_publik")
st.caption(f"Infografis 1080×1080 untuk situs dan media sosial memakai angka rilis publik {public.period.label}: "
           f"{public.cases.label} kasus, {public.tppo_cases.label} kasus TPPO, {public.victims.label} korban, "
           f"{public.child_victims.label} korban anak.")
if public.note:
    st.caption(public.note)

with st.expander("Catatan data"):
    st.markdown("\n".join(f"- {c}" for c in b.caveats))

frame.end(f)
