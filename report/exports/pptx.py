"""The bahan paparan as a PowerPoint deck: 16:9, large type, native (editable) charts, sentences in the notes."""

from __future__ import annotations

import io
from typing import Sequence

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from etl import vocab
from report import charts, compare, sentences
from report import format as fmt
from report.briefing import MULTI_FORM_SENTENCE, Briefing

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
TITLE_SIZE, SUBTITLE_SIZE, BODY_SIZE, CHART_SIZE, FOOTER_SIZE = Pt(36), Pt(20), Pt(24), Pt(18), Pt(13)
INK, MUTED, ACCENT = RGBColor(0x1A, 0x1A, 0x1A), RGBColor(0x55, 0x5F, 0x6B), RGBColor.from_string(
    charts.TOTAL_COLOUR.lstrip("#"))
DEMO_COLOUR = RGBColor(0xB0, 0x3A, 0x2E)
def deck_title() -> str:
    """'Kekerasan terhadap Perempuan dan Anak di <region>' (region.toml)."""
    return f"Kekerasan terhadap Perempuan dan Anak di {vocab.region().name}"


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _text(slide, left, top, width, height, text: str, size=BODY_SIZE, bold: bool = False, colour=INK,
          align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.bold, run.font.color.rgb = size, bold, colour
    return box


def _notes(slide, lines: Sequence[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n\n".join(lines)


def _source_line(b: Briefing) -> str:
    parts = [f"{sentences.INTERNAL_MARK}.", b.footer[0], f"Periode {b.period}."]
    if b.provisional_months:
        parts.append("Data sementara.")
    parts.append(sentences.NOT_PREVALENCE)
    return " ".join(parts)


def _chart_slide(prs, b: Briefing, title: str, counts: str, notes: Sequence[str]):
    """A blank slide with a title, a line saying what the chart counts and for which period, and the source."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text(slide, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.8), title, TITLE_SIZE, bold=True, colour=ACCENT)
    _text(slide, MARGIN, Inches(1.05), WIDTH - 2 * MARGIN, Inches(0.55), counts, SUBTITLE_SIZE, colour=MUTED)
    footer = _source_line(b) + (f"  {b.footer[-1]}" if b.demo else "")
    _text(slide, MARGIN, HEIGHT - Inches(0.75), WIDTH - 2 * MARGIN, Inches(0.6), footer, FOOTER_SIZE, colour=MUTED)
    _notes(slide, notes)
    return slide


def _style_chart(chart, legend: bool, labels: bool = True, number_format: str = "#,##0") -> None:
    chart.font.size = CHART_SIZE
    chart.font.color.rgb = INK
    chart.has_title = False  # the slide's own lines say what is counted, for which period
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = CHART_SIZE
    if labels:
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.font.size = CHART_SIZE
        plot.data_labels.number_format = number_format
        plot.data_labels.number_format_is_linked = False


def _category_chart(slide, kind, categories: list[str], series: list[tuple[str, list, str]], box,
                    legend: bool = False, point_colours: list[str] | None = None):
    data = CategoryChartData()
    data.categories = categories
    for name, values, _ in series:
        data.add_series(name, [int(v) for v in values])
    chart = slide.shapes.add_chart(kind, *box, data).chart
    _style_chart(chart, legend)
    for plot_series, (_, _, colour) in zip(chart.plots[0].series, series):
        plot_series.format.fill.solid()
        plot_series.format.fill.fore_color.rgb = _rgb(colour)
    if point_colours:
        for point, colour in zip(chart.plots[0].series[0].points, point_colours):
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = _rgb(colour)
    if kind in (XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.COLUMN_CLUSTERED):
        chart.plots[0].gap_width = 60
        chart.value_axis.has_major_gridlines = False
        chart.value_axis.visible = False
        chart.category_axis.tick_labels.font.size = CHART_SIZE
        chart.plots[0].data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    return chart


def _chart_box(top=Inches(1.85), left=MARGIN, width=None, height=None):
    width = width or WIDTH - 2 * MARGIN
    height = height or HEIGHT - top - Inches(0.9)
    return (left, top, width, height)


def _title_slide(prs, b: Briefing) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.35))  # 1 = rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    _text(slide, MARGIN, Inches(0.9), WIDTH - 2 * MARGIN, Inches(0.5), "BAHAN PAPARAN", Pt(20), bold=True,
          colour=MUTED)
    _text(slide, MARGIN, Inches(0.4), WIDTH - 2 * MARGIN, Inches(0.5), sentences.INTERNAL_MARK.upper(), Pt(20),
          bold=True, colour=DEMO_COLOUR)
    _text(slide, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(2.2), deck_title(), Pt(44), bold=True, colour=ACCENT)
    _text(slide, MARGIN, Inches(3.6), WIDTH - 2 * MARGIN, Inches(0.8), f"Periode {b.period}", Pt(32), colour=INK)
    _text(slide, MARGIN, Inches(4.5), WIDTH - 2 * MARGIN, Inches(1.2),
          f"{vocab.region().office_full}\nDisiapkan {fmt.date_label(b.prepared_on)}", Pt(20), colour=MUTED)
    _text(slide, MARGIN, Inches(5.7), WIDTH - 2 * MARGIN, Inches(1.0), b.footer[0], FOOTER_SIZE, colour=MUTED)
    if b.demo:
        _text(slide, MARGIN, Inches(6.6), WIDTH - 2 * MARGIN, Inches(0.5), b.footer[-1], Pt(20), bold=True,
              colour=DEMO_COLOUR)
    _notes(slide, [b.headline])


def _tile(slide, left, top, width, label: str, value: str, note: str) -> None:
    _text(slide, left, top, width, Inches(0.5), label, Pt(22), colour=MUTED, align=PP_ALIGN.CENTER)
    _text(slide, left, top + Inches(0.45), width, Inches(1.2), value, Pt(66), bold=True, colour=ACCENT,
          align=PP_ALIGN.CENTER)
    _text(slide, left, top + Inches(1.65), width, Inches(0.8), note, Pt(18), colour=MUTED, align=PP_ALIGN.CENTER)


def _headline_slide(prs, b: Briefing) -> None:
    g = b.figures
    slide = _chart_slide(prs, b, "Angka utama", f"{b.period}, dibanding {b.previous_period}", b.sentences)
    children = fmt.percent(g["korban_anak"] / g["korban"], 0) if g["korban"] else "–"
    tiles = (
        ("Kasus", g["kasus"], f"{fmt.change(g['kasus'], g['kasus_lalu'])} (tahun lalu {fmt.number(g['kasus_lalu'])})"),
        ("Kasus TPPO", g["kasus_tppo"],
         f"{fmt.change(g['kasus_tppo'], g['kasus_tppo_lalu'])} (tahun lalu {fmt.number(g['kasus_tppo_lalu'])})"),
        ("Korban", g["korban"],
         f"{fmt.change(g['korban'], g['korban_lalu'])} (tahun lalu {fmt.number(g['korban_lalu'])})"),
        ("Korban anak", g["korban_anak"], f"{children} dari seluruh korban"),
    )
    width = (WIDTH - 2 * MARGIN) / len(tiles)
    for i, (label, value, note) in enumerate(tiles):
        _tile(slide, Emu(int(MARGIN + i * width)), Inches(1.8), Emu(int(width)), label, fmt.number(value), note)
    _text(slide, MARGIN, Inches(4.5), WIDTH - 2 * MARGIN, Inches(1.9), b.headline, BODY_SIZE, bold=True)


def _trend_slide(prs, b: Briefing) -> None:
    yoy = b.tables["tren_tahunan"]
    now, before = yoy[yoy["which"] == "ini"], yoy[yoy["which"] == "lalu"]
    provisional = b.provisional_months
    counts = f"Jumlah kasus per bulan, {b.period} dibanding {b.previous_period}"
    if provisional:
        counts += f" · {_months_short(provisional)} data sementara"
    slide = _chart_slide(prs, b, "Tren kasus per bulan", counts, [b.headline])
    categories = [fmt.month_short(int(m)) for m in now["month_number"]]
    _category_chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, categories, [
        (_year_name(before), before["kasus"].tolist(), charts.PREVIOUS_COLOUR),
        (_year_name(now), now["kasus"].tolist(), charts.TOTAL_COLOUR),
    ], _chart_box(), legend=True)


def _months_short(months: list) -> str:
    """'Sep–Okt 2024' (or 'Des 2023–Jan 2024') for a run of months."""
    first, last = months[0], months[-1]
    if first == last:
        return fmt.month_label(first)
    if first.year == last.year:
        return f"{fmt.month_short(first.month)}–{fmt.month_label(last)}"
    return f"{fmt.month_label(first)}–{fmt.month_label(last)}"


def _month_axis(months: list) -> list[str]:
    """Month names for an axis: 'Jan' within one year, 'Jan 2024' when the period spans years."""
    if len({m.year for m in months}) == 1:
        return [fmt.month_short(m.month) for m in months]
    return [fmt.month_label(m) for m in months]


def _year_name(part: pd.DataFrame) -> str:
    years = sorted(set(part["year"]))
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _district_slide(prs, b: Briefing) -> None:
    districts = b.tables["kecamatan"].sort_values(["kasus", "korban"]).reset_index(drop=True)
    slide = _chart_slide(prs, b, "Kasus menurut kecamatan", f"Jumlah kasus per kecamatan, {b.period}",
                         [b.key_points[0]])
    _category_chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, districts["district"].tolist(),
                    [("Kasus", districts["kasus"].tolist(), charts.TOTAL_COLOUR)], _chart_box())


def _form_slide(prs, b: Briefing) -> None:
    forms = b.tables["bentuk"].sort_values("victims", kind="stable").reset_index(drop=True)
    colours = charts.form_colours()
    slide = _chart_slide(prs, b, "Korban menurut bentuk kekerasan",
                         f"Jumlah korban per bentuk kekerasan, {b.period}; satu korban dapat mengalami lebih dari "
                         "satu bentuk", [b.key_points[1], MULTI_FORM_SENTENCE])
    _category_chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, forms["label"].tolist(),
                    [("Korban", forms["victims"].tolist(), charts.TOTAL_COLOUR)], _chart_box(),
                    point_colours=[colours.get(c, "#999999") for c in forms["violence_type"]])


def _tppo_slide(prs, b: Briefing) -> None:
    g = b.figures
    tppo = b.tables["tppo_bulanan"]
    slide = _chart_slide(prs, b, "TPPO (tindak pidana perdagangan orang)",
                         f"Jumlah kasus TPPO per bulan, {b.period}", [b.key_points[3]])
    chart_width = Inches(8.4)
    _category_chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED,
                    _month_axis([pd.Timestamp(m).date() for m in tppo["month"]]),
                    [("Kasus TPPO", tppo["kasus"].tolist(), charts.form_colours().get("tppo", charts.TOTAL_COLOUR))],
                    _chart_box(width=chart_width))
    left, width = MARGIN + chart_width + Inches(0.3), WIDTH - 2 * MARGIN - chart_width - Inches(0.3)
    _tile(slide, left, Inches(1.9), width, "Kasus TPPO", fmt.number(g["kasus_tppo"]),
          f"{fmt.change(g['kasus_tppo'], g['kasus_tppo_lalu'])} dibanding {b.previous_period}")
    _tile(slide, left, Inches(4.3), width, "Korban TPPO", fmt.number(g["korban_tppo"]), "")


def _victim_slide(prs, b: Briefing) -> None:
    groups = b.tables["kelompok_korban"].iloc[::-1].reset_index(drop=True)
    ages = b.tables["anak_dewasa"]
    slide = _chart_slide(prs, b, "Siapa korbannya", f"Jumlah korban menurut kelompok, {b.period}",
                         [b.key_points[2]])
    half = (WIDTH - 2 * MARGIN) / 2
    _category_chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, groups["victim_group"].tolist(),
                    [("Korban", groups["victims"].tolist(), charts.TOTAL_COLOUR)],
                    _chart_box(width=Emu(int(half * 1.15))))
    data = CategoryChartData()
    data.categories = ages["age_group"].tolist()
    data.add_series("Korban", [int(v) for v in ages["victims"]])
    pie = slide.shapes.add_chart(XL_CHART_TYPE.PIE, *_chart_box(left=Emu(int(MARGIN + half * 1.2)),
                                                               width=Emu(int(half * 0.8))), data).chart
    _style_chart(pie, legend=True, number_format="#,##0")
    pie.legend.position = XL_LEGEND_POSITION.BOTTOM
    pie.plots[0].data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    for point, colour in zip(pie.plots[0].series[0].points, (charts.OKABE_ITO[2], charts.TOTAL_COLOUR, "#BBBBBB")):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(colour)


def _notes_slide(prs, b: Briefing) -> None:
    slide = _chart_slide(prs, b, "Catatan data", f"Periode {b.period} · disiapkan {fmt.date_label(b.prepared_on)}",
                         [b.key_points[-1], *b.caveats])
    box = slide.shapes.add_textbox(MARGIN, Inches(1.7), WIDTH - 2 * MARGIN, HEIGHT - Inches(2.6))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate([*b.caveats, *b.footer[1:2]]):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = f"• {line}"
        run.font.size, run.font.color.rgb = Pt(19), INK
        paragraph.space_after = Pt(8)


# ---------------------------------------------------------------- Gugus Tugas TPPO (issue 23): a slide pair

def task_force_sentences(b: Briefing) -> list[str]:
    """What the task-force slides say aloud: TPPO cases and victims in both periods, with the verdict."""
    two = b.tables["tppo_dua_periode"].set_index("unit")
    months = compare.months_between(b.filters.start, b.filters.end)
    return [compare.period_sentence(int(two.loc[u, "ini"]), int(two.loc[u, "banding"]), b.period,
                                    b.previous_period, months, months, unit=f"{u} TPPO") for u in ("kasus", "korban")]


def _ranked(df: pd.DataFrame, label: str, top: int = 8) -> tuple[list[str], list[int]]:
    """The ``top`` largest rows with a count, smallest first (a bar chart draws the first at the bottom)."""
    data = df[df["victims"] > 0].sort_values("victims", ascending=False, kind="stable").head(top).iloc[::-1]
    return data[label].tolist(), data["victims"].tolist()


def _task_force_how_slide(prs, b: Briefing) -> None:
    slide = _chart_slide(prs, b, "Gugus Tugas TPPO: untuk apa, ke mana",
                         f"Jumlah korban TPPO menurut tujuan eksploitasi dan menurut daerah/negara tujuan, {b.period}",
                         task_force_sentences(b))
    half = (WIDTH - 2 * MARGIN) / 2
    for i, (table, label, name) in enumerate(((b.tables["tppo_tujuan"], "label", "Korban TPPO"),
                                              (b.tables["tppo_daerah"], "label", "Korban TPPO"))):
        categories, values = _ranked(table, label)
        if not categories:
            _text(slide, Emu(int(MARGIN + i * half)), Inches(3), Emu(int(half)), Inches(1),
                  "Belum ada korban TPPO dengan keterangan ini.", BODY_SIZE, colour=MUTED)
            continue
        _category_chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, categories, [(name, values, charts.TOTAL_COLOUR)],
                        _chart_box(left=Emu(int(MARGIN + i * half)), width=Emu(int(half * 0.97))))


def _task_force_stage_slide(prs, b: Briefing) -> None:
    funnel = b.tables["tahap_tppo"]
    slide = _chart_slide(prs, b, "Gugus Tugas TPPO: tahap penanganan",
                         f"Jumlah kasus TPPO yang mencapai setiap tahap, {b.period}; kasus semua kekerasan di kanan",
                         [*task_force_sentences(b),
                          "Tahap diambil dari kiriman terbaru yang menyebutkannya; kasus tanpa keterangan tahap "
                          "dihitung 'dilaporkan'."])
    half = (WIDTH - 2 * MARGIN) / 2
    for i, (table, name) in enumerate(((funnel, "Kasus TPPO"), (b.tables["tahap_semua"], "Semua kasus"))):
        data = table.iloc[::-1]
        labels = [f"{lbl} (median {fmt.number(d, 0)} hari)" if pd.notna(d) else lbl
                  for lbl, d in zip(data["label"], data["median_days"])]
        colours = [charts.ENDING_COLOUR if e else charts.FUNNEL_COLOUR for e in data["ending"]]
        _category_chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, labels,
                        [(name, data["cases"].tolist(), charts.TOTAL_COLOUR)],
                        _chart_box(left=Emu(int(MARGIN + i * half)), width=Emu(int(half * 0.97))),
                        point_colours=colours)


SLIDES = (_title_slide, _headline_slide, _trend_slide, _district_slide, _form_slide, _tppo_slide, _victim_slide,
          _task_force_how_slide, _task_force_stage_slide, _notes_slide)


def build_deck(b: Briefing) -> bytes:
    """The deck for a briefing as .pptx bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    prs.core_properties.title = f"Bahan paparan: {deck_title()}, {b.period}"
    prs.core_properties.author = vocab.region().office_short
    prs.core_properties.language = "id-ID"
    for add in SLIDES:
        add(prs, b)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
