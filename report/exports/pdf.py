"""The one-page A4 summary: title block, headline, key points, three charts, source and caveats (reportlab)."""

from __future__ import annotations

import functools
import io
from typing import Mapping
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from etl import vocab
from report import charts, sentences
from report import format as fmt
from report.briefing import Briefing
from report.exports import png

# The three charts on the page, and their render sizes in pixels (width, height).
PAGE_CHARTS = {"tren-bulanan": (1100, 360), "kecamatan": (620, 520), "bentuk": (620, 520)}
# The pages' chart images are JPEGs (plotly.js's quality 0.92) drawn at twice their size, ~300 dpi on the page:
# reportlab embeds a JPEG as it is, while it decodes a PNG, splits off its alpha channel and compresses both again
# (the summary page 0.26 s with PNGs, 0.05 s with JPEGs; the task-force page, laid out after the last image is drawn,
# 0.28 s and 0.07 s). Printed or on screen the pages look the same (docs/performance.md, "Session 19").
PAGE_IMAGE_FORMAT = "jpeg"
MARGIN = 14 * mm
ACCENT = charts.TOTAL_COLOUR
MUTED = "#555555"
DEMO = "#B03A2E"


def page_title() -> str:
    """The page's title with the region's name (region.toml)."""
    return f"Ringkasan Kasus Kekerasan terhadap Perempuan dan Anak di {vocab.region().name}"


def letterhead() -> str:
    """The two-line letterhead: government and office, upper case as on official letters."""
    r = vocab.region()
    return f"{escape(r.government.upper())}<br/>{escape(r.office.upper())}"


@functools.cache
def _styles() -> dict:
    """The page's paragraph styles. reportlab (0.2-0.4 s to import: PIL, its paragraph parser) is imported when the
    first page is laid out, not with this module: the paparan queues the pages' charts with Chromium before that."""
    from reportlab import rl_config
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    # Images and page text as binary (Flate) streams, not also ASCII85-encoded: reportlab's ASCII85 is pure Python
    # here (its C accelerator is a separate package) and cost ~0.05 s per chart image, a quarter of a page's layout;
    # the 7-bit encoding only made the file a quarter larger. Same pages, same images (tests/test_exports.py).
    rl_config.useA85 = 0
    muted = HexColor(MUTED)
    return {
        "agency": ParagraphStyle("agency", fontName="Helvetica-Bold", fontSize=8.5, leading=10.5, textColor=muted),
        "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=15, leading=18,
                                textColor=HexColor(ACCENT), spaceBefore=4),
        "meta": ParagraphStyle("meta", fontName="Helvetica", fontSize=9.5, leading=12, textColor=muted),
        "demo": ParagraphStyle("demo", fontName="Helvetica-Bold", fontSize=9.5, leading=12, textColor=HexColor(DEMO)),
        "headline": ParagraphStyle("headline", fontName="Helvetica-Bold", fontSize=11.5, leading=14.5,
                                   spaceBefore=6, spaceAfter=4),
        "point": ParagraphStyle("point", fontName="Helvetica", fontSize=9, leading=11.5, alignment=TA_LEFT),
        "note": ParagraphStyle("note", fontName="Helvetica", fontSize=7.3, leading=9, textColor=muted),
    }


def page_figures(b: Briefing, figures: Mapping[str, object] | None = None) -> dict[str, object]:
    """The page's three charts at their page size without their own footer (the page carries source and caveats
    once); ``figures`` from ``png.chart_figures`` when the caller has built them already."""
    figures = figures if figures is not None else png.chart_figures(b)
    return {name: png.export_figure(figures[name], [], width, height) for name, (width, height) in PAGE_CHARTS.items()}


def chart_images(b: Briefing, figures: Mapping[str, object] | None = None) -> dict[str, bytes]:
    """The page's three charts as images (``page_figures`` drawn at scale 2 as PAGE_IMAGE_FORMAT)."""
    return png.render_images(page_figures(b, figures), scale=2, image_format=PAGE_IMAGE_FORMAT)


def _image(data: bytes, width_pt: float, name: str):
    from reportlab.platypus import Image

    w, h = PAGE_CHARTS[name]
    return Image(io.BytesIO(data), width=width_pt, height=width_pt * h / w)


def _paragraph(text: str, style: str):
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text), _styles()[style])


def _title_block(title: str, b: Briefing, width: float) -> list:
    """Letterhead with the internal mark, a rule, the title, period and date, and the demo label."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Paragraph, Table, TableStyle

    story = [
        Paragraph(f"{letterhead()} · {sentences.INTERNAL_MARK.upper()}", _styles()["agency"]),
        Table([[""]], colWidths=[width], rowHeights=[2],
              style=TableStyle([("LINEBELOW", (0, 0), (-1, -1), 1.5, HexColor(ACCENT))])),
        _paragraph(title, "title"),
        _paragraph(f"Periode {b.period} · Disiapkan {fmt.date_label(b.prepared_on)} · {sentences.NOT_PREVALENCE}",
                   "meta"),
    ]
    if b.demo:
        story.append(_paragraph(b.footer[-1], "demo"))
    return story


def build_summary_pdf(b: Briefing, images: Mapping[str, bytes]) -> bytes:
    """The one-page summary as PDF bytes, with ``images`` from ``chart_images`` (or any PNGs or JPEGs of those
    names)."""
    from reportlab.platypus import ListFlowable, ListItem, SimpleDocTemplate, Spacer, Table, TableStyle

    _styles()  # before the document: it also sets reportlab's stream encoding
    out = io.BytesIO()
    width = A4[0] - 2 * MARGIN
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=11 * mm,
                            bottomMargin=10 * mm, title=f"{page_title()}, {b.period}", author=vocab.region().office_short,
                            subject=b.headline, lang="id-ID")
    story = _title_block(page_title(), b, width)
    story.append(_paragraph(b.headline, "headline"))
    story.append(ListFlowable([ListItem(_paragraph(p, "point"), leftIndent=10, value="•") for p in b.key_points],
                              bulletType="bullet", start="•", leftIndent=10, bulletFontSize=9))
    story.append(Spacer(1, 4))
    story.append(_image(images["tren-bulanan"], width, "tren-bulanan"))
    half = (width - 4 * mm) / 2
    story.append(Table([[_image(images["kecamatan"], half, "kecamatan"), _image(images["bentuk"], half, "bentuk")]],
                       colWidths=[half + 2 * mm, half + 2 * mm],
                       style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                         ("TOPPADDING", (0, 0), (-1, -1), 2), ("VALIGN", (0, 0), (-1, -1), "TOP")])))
    story.append(Spacer(1, 3))
    # source and data date from the footer; the caveats already say which months are provisional
    notes = [*b.footer[:2], *b.caveats]
    story.append(_paragraph(" ".join(notes), "note"))
    doc.build(story)
    return out.getvalue()


# ---------------------------------------------------------------- Gugus Tugas TPPO (issue 23): one page

TASK_FORCE_CHARTS = {"tppo-tujuan": (620, 460), "tppo-daerah": (620, 460), "tahap-tppo": (620, 420),
                     "tahap-semua": (620, 420)}


def task_force_title() -> str:
    """'Gugus Tugas TPPO <region>: Ringkasan untuk Rapat' (the task force's name from region.toml)."""
    return f"{vocab.region().task_force}: Ringkasan untuk Rapat"


def task_force_figures(b: Briefing) -> dict[str, "object"]:
    """The task-force page's charts as dashboard figures (korban for purpose and destination, kasus for stages)."""
    t, period = b.tables, b.period
    return {
        "tppo-tujuan": charts.category_figure(t["tppo_tujuan"], "label", "Korban TPPO menurut tujuan eksploitasi",
                                              period),
        "tppo-daerah": charts.destination_figure(t["tppo_daerah"], period, top=8),
        "tahap-tppo": charts.stage_funnel_figure(t["tahap_tppo"], "Kasus TPPO menurut tahap penanganan", period),
        "tahap-semua": charts.stage_funnel_figure(t["tahap_semua"], "Semua kasus kekerasan menurut tahap penanganan",
                                                  period),
    }


def task_force_page_figures(b: Briefing) -> dict[str, object]:
    """The task-force page's four charts at their page size without their own footer."""
    figures = task_force_figures(b)
    return {name: png.export_figure(figures[name], [], width, height)
            for name, (width, height) in TASK_FORCE_CHARTS.items()}


def task_force_images(b: Briefing) -> dict[str, bytes]:
    """The task-force page's four charts as images (``task_force_page_figures`` drawn at scale 2 as
    PAGE_IMAGE_FORMAT)."""
    return png.render_images(task_force_page_figures(b), scale=2, image_format=PAGE_IMAGE_FORMAT)


def _pair(images: Mapping[str, bytes], left: str, right: str, width: float):
    from reportlab.platypus import Image, Table, TableStyle

    half = (width - 4 * mm) / 2
    cells = [[Image(io.BytesIO(images[n]), width=half, height=half * TASK_FORCE_CHARTS[n][1] / TASK_FORCE_CHARTS[n][0])
              for n in (left, right)]]
    return Table(cells, colWidths=[half + 2 * mm, half + 2 * mm],
                 style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                   ("TOPPADDING", (0, 0), (-1, -1), 2), ("VALIGN", (0, 0), (-1, -1), "TOP")]))


def build_task_force_pdf(b: Briefing, images: Mapping[str, bytes]) -> bytes:
    """The one-page A4 summary for the Gugus Tugas TPPO meeting, with ``images`` from ``task_force_images``."""
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from report.exports.pptx import task_force_sentences

    _styles()  # before the document: it also sets reportlab's stream encoding
    out = io.BytesIO()
    width = A4[0] - 2 * MARGIN
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=11 * mm,
                            bottomMargin=10 * mm, title=f"{task_force_title()}, {b.period}",
                            author=vocab.region().office_short, lang="id-ID")
    said = task_force_sentences(b)
    story = _title_block(task_force_title(), b, width)
    story.append(_paragraph(said[0], "headline"))
    story.append(_paragraph(said[1], "point"))
    story.append(Spacer(1, 4))
    story.append(_pair(images, "tppo-tujuan", "tppo-daerah", width))
    story.append(_pair(images, "tahap-tppo", "tahap-semua", width))
    story.append(Spacer(1, 3))
    notes = [*b.footer[:2], "Korban yang dilaporkan dua lembaga dihitung sekali. Tahap penanganan diambil dari "
             "kiriman terbaru yang menyebutkannya; kasus tanpa keterangan tahap dihitung 'dilaporkan'.",
             *b.caveats[:1]]
    story.append(_paragraph(" ".join(notes), "note"))
    doc.build(story)
    return out.getvalue()
