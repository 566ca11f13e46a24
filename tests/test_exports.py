"""The exports opened back with the tools people use: python-pptx, LibreOffice, pdftoppm/pdftotext, openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Pt

from report import briefing, disclosure, queries, release
from report.exports import bundle, infographic, names, pdf, png, pptx, xlsx

JAN, OCT = dt.date(2024, 1, 1), dt.date(2024, 10, 1)
TODAY = dt.date(2024, 11, 20)
OUT = Path(__file__).resolve().parents[1] / "test-output" / "exports"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def b(demo_con) -> briefing.Briefing:
    return briefing.build_briefing(demo_con, JAN, OCT, today=TODAY)


@pytest.fixture(scope="module")
def renderer():
    """One Chromium for the module's few renders."""
    with png.rendering():
        yield


@pytest.fixture(scope="module")
def deck(b) -> Presentation:
    data = pptx.build_deck(b)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / names.deck_name(JAN, OCT)).write_bytes(data)
    return Presentation(io.BytesIO(data))


def slide_text(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes
                     if shape.has_text_frame and shape.text_frame.text)


# ---------------------------------------------------------------------------------------------------------- deck

def test_file_names_say_what_they_are():
    assert names.deck_name(JAN, OCT) == "paparan-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.pptx"
    assert names.summary_pdf_name(JAN, OCT) == "paparan-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.pdf"
    assert names.infographic_name(JAN, OCT) == "infografis-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.png"
    assert names.chart_png_name("Kecamatan", JAN, OCT) == \
        "grafik-kecamatan-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.png"
    assert names.table_name("bentuk", JAN, OCT, "xlsx") == \
        "tabel-bentuk-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.xlsx"


def test_staff_deck_and_chart_pngs_are_marked_for_internal_use(deck, b):
    assert "UNTUK KALANGAN INTERNAL" in slide_text(deck.slides[0])
    assert "Untuk kalangan internal" in slide_text(deck.slides[2])  # every chart slide's source line
    assert "Untuk kalangan internal" in " ".join(png.footer_lines(b))


def test_deck_is_16_9_with_the_expected_slides(deck):
    assert round(deck.slide_width / deck.slide_height, 2) == round(16 / 9, 2)
    titles = [slide_text(s).split("\n")[0] for s in deck.slides]
    assert titles == ["BAHAN PAPARAN", "Angka utama", "Tren kasus per bulan", "Kasus menurut kecamatan",
                      "Korban menurut bentuk kekerasan", "TPPO (tindak pidana perdagangan orang)",
                      "Siapa korbannya", "Gugus Tugas TPPO: untuk apa, ke mana",
                      "Gugus Tugas TPPO: tahap penanganan", "Catatan data"]
    first = slide_text(deck.slides[0])
    assert "Periode Januari–Oktober 2024" in first and "Disiapkan 20 November 2024" in first
    assert "Sumber:" in first and "DATA CONTOH" in first


def test_headline_slide_states_149_and_22(deck, b):
    text = slide_text(deck.slides[1])
    numbers = [shape.text_frame.text for shape in deck.slides[1].shapes if shape.has_text_frame]
    assert "149" in numbers and "22" in numbers
    assert b.headline in text and "tercatat 149 kasus" in text and "22 di antaranya TPPO" in text


def test_charts_are_native_and_hold_the_query_numbers(deck, demo_con):
    f = queries.Filters(JAN, OCT)
    charts_by_slide = {i: [s.chart for s in slide.shapes if s.has_chart] for i, slide in enumerate(deck.slides)}
    assert [len(charts_by_slide[i]) for i in range(10)] == [0, 0, 1, 1, 1, 1, 2, 2, 2, 0]
    districts = charts_by_slide[3][0]
    values = dict(zip(districts.plots[0].categories, districts.plots[0].series[0].values))
    expected = queries.district_totals(demo_con, f)
    assert values == {d: float(k) for d, k in zip(expected["district"], expected["kasus"])}
    forms = charts_by_slide[4][0]
    form_values = dict(zip(forms.plots[0].categories, forms.plots[0].series[0].values))
    assert form_values["Seksual"] == float(queries.form_totals(demo_con, f).set_index("violence_type").loc["seksual",
                                                                                                     "victims"])
    trend = charts_by_slide[2][0]
    assert [s.name for s in trend.plots[0].series] == ["2023", "2024"]
    assert sum(trend.plots[0].series[1].values) == 149
    assert sum(charts_by_slide[5][0].plots[0].series[0].values) == 22
    pie = charts_by_slide[6][1]
    assert pie.chart_type.real == 5  # XL_CHART_TYPE.PIE


def test_every_chart_slide_says_what_it_counts_source_and_period(deck):
    for slide in list(deck.slides)[2:7]:
        text = slide_text(slide)
        assert re.search(r"Jumlah (kasus|korban)", text), text
        assert "Januari–Oktober 2024" in text and "Sumber:" in text
        assert "bukan angka prevalensi" in text
    assert "satu korban dapat mengalami lebih dari satu bentuk" in slide_text(deck.slides[4])


def test_speaker_notes_hold_the_sentences(deck, b):
    notes = [s.notes_slide.notes_text_frame.text for s in deck.slides]
    assert b.headline in notes[1] and all(p in notes[1] for p in b.key_points)
    assert b.key_points[0] in notes[3] and b.key_points[1] in notes[4] and b.key_points[3] in notes[5]
    assert b.key_points[2] in notes[6] and b.key_points[4] in notes[-1]
    assert "22 kasus TPPO" in notes[7] and "22 kasus TPPO" in notes[8]


def test_task_force_slides_hold_the_query_numbers(deck, demo_con):
    f = queries.Filters(JAN, OCT)
    how, stages = ([s.chart for s in deck.slides[i].shapes if s.has_chart] for i in (7, 8))
    purposes = queries.tppo_details(demo_con, f)["purpose"]
    expected = {label: float(n) for label, n in zip(purposes["label"], purposes["victims"]) if n}
    shown = dict(zip(how[0].plots[0].categories, how[0].plots[0].series[0].values))
    assert shown == {k: v for k, v in expected.items() if k in shown} and len(shown) == min(8, len(expected))
    funnel = queries.stage_funnels(demo_con, f)["tppo"]
    assert sorted(stages[0].plots[0].series[0].values) == sorted(float(n) for n in funnel["cases"])
    assert max(stages[0].plots[0].series[0].values) == 22
    for slide in list(deck.slides)[7:9]:
        text = slide_text(slide)
        assert re.search(r"Jumlah (kasus|korban) TPPO", text) and "Sumber:" in text


def test_text_is_large_enough_for_the_back_of_the_room(deck):
    sizes = [run.font.size for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
             for p in shape.text_frame.paragraphs for run in p.runs if run.font.size]
    assert min(sizes) >= Pt(13)
    chart_fonts = [s.chart.font.size for slide in deck.slides for s in slide.shapes if s.has_chart]
    assert min(chart_fonts) >= Pt(18)


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftoppm"), reason="LibreOffice needed")
def test_deck_renders_in_libreoffice(deck, tmp_path):
    source = OUT / names.deck_name(JAN, OCT)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=240)
    rendered = tmp_path / source.with_suffix(".pdf").name
    info = subprocess.run(["pdfinfo", str(rendered)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+10", info)
    text = subprocess.run(["pdftotext", str(rendered), "-"], capture_output=True, text=True, check=True).stdout
    assert "149" in text and "Tren kasus per bulan" in text
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "2", "-l", "4", str(rendered), str(OUT / "slide")],
                   check=True)
    # pdftoppm pads page numbers to the page count's width ("slide-02.png" for a 10-page deck)
    second = next(p for p in OUT.glob("slide-*.png") if int(p.stem.rsplit("-", 1)[1]) == 2)
    assert second.stat().st_size > 10_000


# ----------------------------------------------------------------------------------------------------- PNG, PDF

def test_exported_chart_carries_title_period_source_and_notes_before_rendering(b):
    fig = png.export_figure(png.chart_figures(b)["kecamatan"], png.footer_lines(b))
    footer = [a for a in fig.layout.annotations if a.name == "footer"]
    assert len(footer) == 1
    text = footer[0].text.replace("<br>", " ")
    assert "Sumber: register kasus" in text and "Periode Januari–Oktober 2024" in text
    assert "Data sementara" in text and "bukan angka prevalensi" in text and "DATA CONTOH" in text
    assert fig.layout.title.text == "Jumlah kasus menurut kecamatan"
    assert "Januari–Oktober 2024" in fig.layout.title.subtitle.text
    assert (fig.layout.width, fig.layout.height) == (png.WIDTH, png.HEIGHT)
    # the footer sits inside the image: between the bottom edge and the plot area
    plot_height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert -fig.layout.margin.b / plot_height < footer[0].y < 0


def test_chart_png_has_the_requested_size(b, renderer):
    data = png.chart_pngs(b, scale=1, names=["kecamatan"])["kecamatan"]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / names.chart_png_name("kecamatan", JAN, OCT)).write_bytes(data)
    assert png_size(data) == (png.WIDTH, png.HEIGHT)


def test_pdf_is_one_a4_page_with_the_headline(b, renderer, tmp_path):
    data = pdf.build_summary_pdf(b, pdf.chart_images(b))
    path = OUT / names.summary_pdf_name(JAN, OCT)
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "595.276 x 841.89 pts (A4)" in info
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert b.headline in text
    assert "Periode Januari–Oktober 2024" in text and "Sumber:" in text
    assert "masih sementara" in text and "bukan angka prevalensi" in text
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(path), str(OUT / "ringkasan")], check=True)
    assert (OUT / "ringkasan-1.png").stat().st_size > 20_000
    assert embedded_images(path) == [("image", "jpeg")] * 3  # embedded as drawn: no PNG decoded, no alpha mask


def embedded_images(path) -> list[tuple[str, str]]:
    """(type, encoding) of every image in a PDF, as poppler's pdfimages lists them."""
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return [(row.split()[2], row.split()[8]) for row in listing.splitlines()[2:]]


def test_task_force_pdf_is_one_a4_page_for_the_meeting(b, renderer):
    path = OUT / names.task_force_pdf_name(JAN, OCT)
    path.write_bytes(pdf.build_task_force_pdf(b, pdf.task_force_images(b)))
    assert path.name == "gugus-tugas-tppo-kota-jambi-2024-01_2024-10.pdf"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "595.276 x 841.89 pts (A4)" in info
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Gugus Tugas TPPO Kota Jambi" in text and "Januari–Oktober 2024: 22 kasus TPPO" in text
    assert "Sumber:" in text and "bukan angka prevalensi" in text and "UNTUK KALANGAN INTERNAL" in text
    assert embedded_images(path) == [("image", "jpeg")] * 4


# ------------------------------------------------------------------------------------------------- infographic

SMALL = re.compile(r"(?<![\d<.,])[1-4](?![\d.,%])")


def drawn_numbers(fig) -> list[str]:
    """Every annotation except the footer (whose legend explains "<5" with the words "1–4")."""
    return [a.text for a in fig.layout.annotations if a.name != "footer"]


@pytest.fixture(scope="module")
def release_2024(demo_con):
    periods, latest = release.public_period_list(demo_con)
    counts = release.release(demo_con, years={2024})[1]
    return periods, latest, counts


def public_for(release_2024, start, end):
    periods, latest, counts = release_2024
    return infographic.for_months(start, end, periods, latest, lambda year: counts, demo=True)


def test_infographic_numbers_are_rows_of_the_release(release_2024):
    counts = release_2024[2]
    h = public_for(release_2024, JAN, OCT)  # Jan–Oct is no release period: Semester I 2024 is shown, and why
    assert h.period.code == "2024-S1" and "Semester I 2024" in h.note and "Januari–Oktober 2024" in h.note
    for n in h.numbers:
        rows = counts[(counts["period_code"] == n.period_code) & (counts["table_name"] == n.table_name)
                      & (counts["part"] == ("total" if n.key1 is None else "sel"))]
        if n.key1 is not None:
            rows = rows[rows["key1"] == n.key1]
        assert list(rows["label"]) == [n.label]
    fig = infographic.infographic_figure(h)
    texts = " ".join(drawn_numbers(fig))
    assert all(label in texts for label in h.labels())
    assert not SMALL.search(re.sub(r"<[^>]+>", " ", texts).replace("SAPA 129", "").replace("08111-129-129", ""))
    footer = [a.text for a in fig.layout.annotations if a.name == "footer"][0].replace("<br>", " ")
    assert "bukan angka prevalensi" in footer and "Periode: Semester I 2024" in footer


def test_infographic_for_one_month_shows_its_quarter_protected(release_2024):
    # February 2024 alone: the public sees Triwulan I 2024, whose TPPO count is under 10
    h = public_for(release_2024, dt.date(2024, 2, 1), dt.date(2024, 2, 1))
    assert h.period.code == "2024-T1" and h.note
    assert h.tppo_cases.label == "<10"
    for _, count in h.top_districts:
        assert int(count.label) >= disclosure.THRESHOLD
    texts = re.sub(r"<[^>]+>", " ", " ".join(drawn_numbers(infographic.infographic_figure(h))))
    assert not SMALL.search(texts.replace("SAPA 129", "").replace("08111-129-129", "").replace("<10", "")
                            .replace("<5", ""))


def test_a_release_period_asked_for_is_shown_without_a_note(release_2024):
    h = public_for(release_2024, dt.date(2024, 4, 1), dt.date(2024, 6, 1))
    assert h.period.code == "2024-T2" and h.note is None


def test_infographic_png_is_a_1080_square(release_2024, renderer):
    data = png.render_png(infographic.infographic_figure(public_for(release_2024, JAN, OCT)), scale=1)
    (OUT / names.infographic_name(JAN, OCT)).write_bytes(data)
    assert png_size(data) == (1080, 1080)


# ------------------------------------------------------------------------------------------------ CSV and Excel

def test_workbook_round_trips_with_a_notes_sheet(b, demo_con):
    data = xlsx.workbook_bytes(bundle.briefing_tables(b), bundle.table_notes(b))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Catatan", *bundle.TABLE_TITLES.values()]
    notes = {row[0].value: row[1].value for row in book["Catatan"].iter_rows() if row[0].value in
             ("Periode", "Sumber")}
    assert notes["Periode"] == "Januari–Oktober 2024" and notes["Sumber"].startswith("Sumber: register kasus")
    sheet = book["Kasus per kecamatan"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Kode kecamatan", "Kecamatan", "Kasus", "Korban")
    expected = queries.district_totals(demo_con, queries.Filters(JAN, OCT))
    assert [r[1] for r in rows[1:]] == list(expected["district"])
    assert [r[2] for r in rows[1:]] == list(expected["kasus"]) and all(isinstance(r[2], int) for r in rows[1:])
    assert sum(r[2] for r in rows[1:]) == 149


def test_formulas_are_neutralised_and_numbers_stay_numbers():
    hostile = pd.DataFrame({"district": ['=HYPERLINK("http://contoh.invalid","klik")', "+62 812", "-1", "@SUM(A1)",
                                         "Alam Barajo"],
                            "kasus": [1, -2, 3, 4, 5]})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.workbook_bytes({"Uji": hostile},
                                                                  xlsx.TableNotes("Januari 2024", "uji"))))
    cells = list(book["Uji"].iter_rows(min_row=2))
    assert cells[0][0].value == '\'=HYPERLINK("http://contoh.invalid","klik")' and cells[0][0].data_type == "s"
    assert [c[0].value for c in cells[1:4]] == ["'+62 812", "'-1", "'@SUM(A1)"]
    assert cells[4][0].value == "Alam Barajo"
    assert [c[1].value for c in cells] == [1, -2, 3, 4, 5] and all(c[1].data_type == "n" for c in cells)
    rows = list(csv.reader(io.StringIO(xlsx.csv_bytes(hostile).decode("utf-8-sig"))))
    assert rows[0] == ["Kecamatan", "Kasus"]
    assert rows[1][0].startswith("'=") and rows[2] == ["'+62 812", "-2"] and rows[5] == ["Alam Barajo", "5"]


def test_protected_download_frame_keeps_suppressed_cells_empty():
    table = disclosure.protect(pd.DataFrame({"district": ["A", "B", "C", "D"], "kasus": [30, 2, 12, 25]}),
                               "kasus", by=["district"])
    frame = table.download_frame()
    book = openpyxl.load_workbook(io.BytesIO(xlsx.workbook_bytes({"Publik": frame},
                                                                  xlsx.TableNotes("Triwulan I 2024", "uji"))))
    rows = list(book["Publik"].iter_rows(values_only=True))
    values = [r[1] for r in rows[1:]]
    assert not any(isinstance(v, int) and 1 <= v <= 4 for v in values)
    assert "<5" in [r[2] for r in rows[1:]]


def test_the_infographic_s_tables_alone_are_the_release_s_own_rows(demo_con, release_2024):
    # the paparan protects only the five tables the infographic draws from (no SciPy MILP for the rest)
    periods, latest, counts = release_2024
    alone = release.release(demo_con, years={2024}, only=infographic.RELEASE_TABLES)[1]
    whole = counts[counts["table_name"].isin(infographic.RELEASE_TABLES)]
    assert set(alone["table_name"]) == set(infographic.RELEASE_TABLES)
    def rows(df):
        return [tuple(None if pd.isna(v) else v for v in r) for r in df.itertuples(index=False)]

    assert list(alone.columns) == list(whole.columns) and rows(alone) == rows(whole)
    for start, end in ((JAN, OCT), (dt.date(2024, 2, 1), dt.date(2024, 2, 1))):
        assert infographic.for_months(start, end, periods, latest, lambda year: alone, demo=True) \
            == public_for(release_2024, start, end)


def _full_chromium() -> str:
    """The full Chromium browser (Debian's chromium), not the headless shell the Renderer prefers."""
    return next(found for found in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if found)


def _stock_kaleido_images(drawn: list[tuple]) -> list[bytes]:
    """The (figure, scale, format) drawn by kaleido as it comes: plotly.py's full plotly.js (and MathJax), the tab
    reloaded after every image, in the full Chromium browser."""
    import asyncio

    import kaleido

    async def reloading() -> list[bytes]:
        async with kaleido.Kaleido(n=1) as stock:
            return [await stock.calc_fig(fig, opts={"format": image_format, "width": fig.layout.width,
                                                    "height": fig.layout.height, "scale": scale})
                    for fig, scale, image_format in drawn]

    kept = os.environ.get("BROWSER_PATH")  # where kaleido looks; the Renderer set it to its own
    os.environ["BROWSER_PATH"] = _full_chromium()
    try:
        return asyncio.run(reloading())
    finally:
        if kept is None:
            del os.environ["BROWSER_PATH"]
        else:
            os.environ["BROWSER_PATH"] = kept


def test_every_paparan_image_is_byte_identical_to_stock_kaleido_s(b, release_2024):
    """The Renderer keeps its tab loaded between images (kaleido reloads plotly.js after each, ~0.25 s), loads
    plotly.js's basic bundle (bar, pie, scatter: a quarter of the full one, ~1.5 s less of Chromium's start) without
    MathJax, draws a throwaway image when it is up before the first figure, and runs Chromium's headless shell
    (0.45 s of CPU to start instead of the full browser's 2.2 s): every image of a paparan, at the scale it is
    drawn, must be byte-identical to stock kaleido's in the full browser."""
    from report.exports import chromium

    assert chromium.chromium_path().name == "chromium-headless-shell"  # .ci/run installs it beside chromium

    public = public_for(release_2024, JAN, OCT)
    figures = png.chart_figures(b)
    drawn = [(fig, 2, pdf.PAGE_IMAGE_FORMAT) for fig in pdf.page_figures(b, figures).values()]
    drawn += [(fig, png.SCALE, "png") for fig in png.export_figures(b, figures).values()]
    drawn += [(infographic.infographic_figure(public), 1, "png")]
    drawn += [(fig, 2, pdf.PAGE_IMAGE_FORMAT) for fig in pdf.task_force_page_figures(b).values()]
    assert len(drawn) == 14 and pdf.PAGE_IMAGE_FORMAT == "jpeg"
    renderer = chromium.Renderer()
    try:
        renderer.ready()  # up before the first figure: it draws a throwaway image first, which must change nothing
        assert renderer.basic_plotly and renderer.warmed_up
        kept = [renderer.submit(*image).result(timeout=120) for image in drawn]
        assert renderer.basic_plotly  # no figure needed the full plotly.js
    finally:
        renderer.close()
    assert kept == _stock_kaleido_images(drawn)
    assert [image[:3] for image in kept] == [b"\xff\xd8\xff"] * 3 + [b"\x89PN"] * 7 + [b"\xff\xd8\xff"] * 4


def test_a_trace_type_outside_the_basic_bundle_is_drawn_with_the_full_plotly_js(b):
    """plotly.js's basic bundle lacks heatmaps (it would draw nothing, silently): the Renderer loads the full plotly.js
    into its tab first, and draws what stock kaleido draws, also for the bar chart after it."""
    from etl import vocab
    from report import charts
    from report.exports import chromium

    first, second = (d.name for d in vocab.districts()[:2])
    heatmap = charts.form_districts_figure(pd.DataFrame({"district": [first, second, first],
                                                         "label": ["Fisik", "Seksual", "Seksual"],
                                                         "victims": [3, 5, 8]}), b.period)
    heatmap.update_layout(width=700, height=520)
    assert {trace.type for trace in heatmap.data} == {"heatmap"}
    bar = png.export_figures(b, names=["kecamatan"])["kecamatan"]
    renderer = chromium.Renderer()
    try:
        assert renderer.basic_plotly
        kept = [renderer.submit(fig, 1).result(timeout=120) for fig in (bar, heatmap, bar)]
        assert not renderer.basic_plotly
    finally:
        renderer.close()
    assert kept == _stock_kaleido_images([(bar, 1, "png"), (heatmap, 1, "png"), (bar, 1, "png")])


def test_the_basic_plotly_js_is_the_version_plotly_py_ships():
    """report/exports/vendor/plotly-basic.min.js must be the plotly.js of the installed plotly (else the Renderer falls
    back to the full bundle and the paparan is ~1.5 s slower): after upgrading plotly, replace it with the basic
    bundle of the same version (npm: plotly.js-basic-dist-min)."""
    from report.exports import chromium

    assert chromium.plotly_js_version(chromium.BASIC_PLOTLY_JS) == chromium.plotly_js_version(
        chromium.full_plotly_js())
    assert chromium.basic_plotly_js_fits()


def test_exported_figures_are_what_validation_would_make_of_them(b):
    """export_figure sets size, margins, fonts, legend and the footer on the figure's plain dicts without Plotly's
    validation; the figure drawn must be exactly what a validated copy gives (a wrong key or value fails here)."""
    import json

    import plotly.graph_objects as go

    figures = png.chart_figures(b)
    exported = [*png.export_figures(b, figures).values(), *pdf.page_figures(b, figures).values(),
                *pdf.task_force_page_figures(b).values()]
    assert len(exported) == 13
    for fig in exported:
        assert json.loads(fig.to_json()) == json.loads(go.Figure(fig.to_dict()).to_json())
    footer = exported[0].layout.annotations[-1]
    assert footer.name == "footer" and png.footer_lines(b)[0] in footer.text
    assert (exported[0].layout.width, exported[0].layout.height) == (png.WIDTH, png.HEIGHT)


def _after_the_briefing(repo_root, demo_db_master, then: str) -> list[str]:
    """What a fresh Python prints when it has built the paparan's briefing (as ``b``) and run ``then``, split."""
    import sys

    script = ("import datetime as dt, sys\n"
              "from pathlib import Path\n"
              "from report import db, briefing\n"
              "from report.exports import bundle, pdf, png\n"
              f"with db.read_only(Path({str(demo_db_master)!r})) as con:\n"
              "    b = briefing.build_briefing(con, dt.date(2024, 1, 1), dt.date(2024, 10, 1))\n"
              f"{then}\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=repo_root, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_paparan_s_briefing_and_release_import_no_scipy(repo_root, demo_db_master):
    """SciPy's import (~1 s) was the release's audit: the cheap search for another table settles every doubtful
    cell of the infographic's tables on the demo, so the paparan never needs the integer program."""
    label, *modules = _after_the_briefing(
        repo_root, demo_db_master,
        "    public = bundle.public_headline(con, b)\n"
        "print(public.cases.label, *sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))")
    assert label and modules == []


def test_the_paparan_s_first_images_are_queued_before_reportlab_is_imported(repo_root, demo_db_master):
    """reportlab (0.2-0.4 s: PIL, its paragraph parser) is imported when the first PDF page is laid out, i.e. while
    Chromium draws, not before the paparan's first image is queued."""
    count, *modules = _after_the_briefing(
        repo_root, demo_db_master,
        "figures = [*pdf.page_figures(b).values(), *png.export_figures(b).values()]\n"
        "print(len(figures), *sorted(m for m in sys.modules if m.startswith(('reportlab', 'PIL.'))))")
    # only reportlab's package, units, page sizes and enums (6 ms), none of its PDF machinery nor PIL's images
    assert count == "9" and set(modules) <= {"reportlab", "reportlab.lib", "reportlab.lib.units",
                                             "reportlab.lib.pagesizes", "reportlab.lib.enums", "PIL._version"}, modules


def test_the_headless_shell_is_preferred_and_the_full_browser_found_without_it(tmp_path, monkeypatch):
    """chromium_path takes the first of CHROMIUM_NAMES on PATH: the headless shell when it is installed, the full
    browser otherwise, and the setting before either."""
    from report.exports import chromium

    monkeypatch.delenv("PPA_CHROMIUM", raising=False)
    both, full_only = tmp_path / "both", tmp_path / "full-only"
    for folder in (both, full_only):
        folder.mkdir()
        (folder / "chromium").symlink_to(_full_chromium())
    (both / "chromium-headless-shell").symlink_to(shutil.which("chromium-headless-shell"))
    monkeypatch.setenv("PATH", str(both))
    assert chromium.chromium_path() == both / "chromium-headless-shell"
    monkeypatch.setenv("PATH", str(full_only))
    assert chromium.chromium_path() == full_only / "chromium"
    monkeypatch.setenv("PPA_CHROMIUM", str(both / "chromium"))
    assert chromium.chromium_path() == both / "chromium"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("PPA_CHROMIUM")
    with pytest.raises(chromium.ChromiumMissing, match="chromium-headless-shell"):
        chromium.chromium_path()


def test_a_chromium_that_fails_its_first_start_is_started_once_more(tmp_path, monkeypatch):
    """On a busy machine a Chromium start can fail (it hung and closed once in a full test run) where the next one
    works: the Renderer starts it once more before it gives up. Here a real Chromium behind a script that exits on
    its first start."""
    import plotly.graph_objects as go

    from report.exports import chromium

    real = chromium.chromium_path()
    mark = tmp_path / "started-once"
    script = tmp_path / "chromium-once-broken"
    script.write_text(f'#!/bin/sh\nif [ ! -e "{mark}" ]; then touch "{mark}"; exit 1; fi\nexec "{real}" "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PPA_CHROMIUM", str(script))
    assert chromium.chromium_path() == script
    renderer = chromium.Renderer()
    try:
        renderer.ready()
        png_bytes = renderer.submit(go.Figure(go.Bar(x=["a"], y=[1]), layout={"width": 300, "height": 200})).result(120)
    finally:
        renderer.close()
    assert mark.exists() and png_bytes.startswith(b"\x89PNG")
