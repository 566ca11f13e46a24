"""Chart PNGs for slides, letters and chat: the dashboard's figures with title, period, source and notes drawn in.

Rendering goes through kaleido with the system's Chromium (offline); one browser serves a whole batch (``Renderer``).
"""

from __future__ import annotations

import copy
import textwrap
import threading
from contextlib import contextmanager
from typing import Iterator, Sequence

import plotly.graph_objects as go

from report import charts, sentences
from report import format as fmt
from report.briefing import Briefing
from report.exports.chromium import ChromiumMissing, Renderer  # noqa: F401 - png.ChromiumMissing for callers

WIDTH, HEIGHT, SCALE = 1200, 675, 2
FOOTER_FONT = 13
FOOTER_LINE_PX = 18
AXIS_SPACE_PX = 56      # tick labels and axis title under the plot area
LEGEND_SPACE_PX = 34
# one batch at a time in a process (the dashboard's sessions share it), nested batches share its browser
_render_lock = threading.RLock()
_render_depth = 0


def chart_figures(b: Briefing) -> dict[str, go.Figure]:
    """The briefing's charts as dashboard figures, keyed by the name used in file names."""
    t, period = b.tables, b.period
    tppo = charts.monthly_figure(t["tppo_bulanan"], period, "kasus")
    if not charts.is_empty(tppo):
        tppo.update_layout(title_text="Jumlah kasus TPPO per bulan")
    return {
        "tren-bulanan": charts.year_comparison_figure(t["tren_tahunan"], period, "kasus"),
        "korban-per-bulan": charts.monthly_figure(t["bulanan"], period, "korban", moving_average=True),
        "kecamatan": charts.district_bar_figure(t["kecamatan"], period, "kasus"),
        "bentuk": charts.forms_figure(t["bentuk"], period),
        "tppo-per-bulan": tppo,
        "kelompok-korban": charts.category_figure(t["kelompok_korban"], "victim_group",
                                                  "Jumlah korban menurut kelompok (anak/dewasa, jenis kelamin)",
                                                  period),
    }


def footer_lines(b: Briefing) -> list[str]:
    """What every exported chart says under the plot: source, period, provisional, not prevalence, date, demo."""
    status = ["Data sementara: laporan terlambat masih bisa menambah angka."] if b.provisional_months else []
    lines = [b.footer[0],
             " ".join([f"Periode {b.period}.", *status, sentences.NOT_PREVALENCE]),
             f"Disiapkan {fmt.date_label(b.prepared_on)}. {sentences.INTERNAL_MARK}."]
    if b.demo:
        lines[-1] += f" {b.footer[-1]}"
    return lines


def wrap(lines: Sequence[str], width_px: int, font_px: int = FOOTER_FONT) -> list[str]:
    """Break lines so they fit width_px at font_px (annotations do not wrap by themselves)."""
    chars = max(20, int(width_px / (font_px * 0.56)))
    return [part for line in lines for part in textwrap.wrap(line, chars)]


def export_figure(fig: go.Figure, footer: Sequence[str], width: int = WIDTH, height: int = HEIGHT) -> go.Figure:
    """A copy of a figure at a fixed size with the footer written under the plot, so the PNG carries its source.

    Made on the figure's plain dicts and turned back into a figure without Plotly's validation, as
    ``charts._frame`` does: copying and validating the figure again took 0.01-0.02 s a chart, 13 charts a paparan.
    The values set here are plain numbers and strings; tests/test_exports.py checks that validation changes nothing.
    """
    lines = wrap(footer, width - 40)
    footer_px = FOOTER_LINE_PX * len(lines) + 12
    has_legend = sum(1 for trace in fig._data if trace.get("showlegend") is not False) > 1
    bottom = AXIS_SPACE_PX + (LEGEND_SPACE_PX if has_legend else 0) + footer_px
    top = int((fig._layout.get("margin") or {}).get("t") or 80) + 20
    plot_height = height - top - bottom
    layout = copy.deepcopy(fig._layout)
    charts._merge(layout, {  # what update_layout merges, key by key
        "width": width, "height": height, "margin": {"l": 20, "r": 30, "t": top, "b": bottom},
        "font": {"size": 15}, "title": {"font": {"size": 22}},
        "legend": {"orientation": "h", "yref": "container", "y": (footer_px + 6) / height, "yanchor": "bottom",
                   "x": 0, "xanchor": "left"},
    })
    layout["annotations"] = [*layout.get("annotations", ()), {
        "text": "<br>".join(lines), "xref": "paper", "yref": "paper", "x": 0, "xanchor": "left",
        "y": -(bottom - 6) / plot_height, "yanchor": "bottom", "align": "left", "showarrow": False,
        "font": {"size": FOOTER_FONT, "color": "#555555"}, "name": "footer",
    }]
    return go.Figure({"data": copy.deepcopy(fig._data), "layout": layout}, _validate=False)


_active: Renderer | None = None


@contextmanager
def rendering(renderer: Renderer | None = None) -> Iterator[Renderer]:
    """Keep one headless Chromium open for a batch of renders (about 0.3 s per image instead of 4-6 s); nestable.

    ``renderer``: one already started (the paparan starts it before querying); it is used, not closed."""
    global _active, _render_depth
    with _render_lock:
        if _render_depth == 0:
            _active = renderer or Renderer()
            try:
                _active.ready()
            except ChromiumMissing:
                if renderer is None:
                    _active.close()
                _active = None
                raise
        _render_depth += 1
        try:
            yield _active
        finally:
            _render_depth -= 1
            if _render_depth == 0:
                if renderer is None:
                    _active.close()
                _active = None


def render_png(fig: go.Figure, scale: int = SCALE) -> bytes:
    """PNG bytes of a figure at its layout size times scale (call inside ``rendering()`` for batches)."""
    with rendering() as renderer:
        return renderer.submit(fig, scale).result()


def render_images(figures: dict[str, go.Figure], scale: int = SCALE, image_format: str = "png") -> dict[str, bytes]:
    """Several figures as PNGs (or JPEGs), keyed as given, drawn by one Chromium (the active one inside
    ``rendering()``)."""
    with rendering() as renderer:
        return renderer.render(figures, scale, image_format)


def export_figures(b: Briefing, figures: dict[str, go.Figure] | None = None,
                   names: Sequence[str] | None = None) -> dict[str, go.Figure]:
    """The briefing's charts (``figures`` from ``chart_figures``, built once) at PNG size with their footer."""
    figures = figures if figures is not None else chart_figures(b)
    footer = footer_lines(b)
    return {name: export_figure(fig, footer) for name, fig in figures.items() if names is None or name in names}


def chart_pngs(b: Briefing, scale: int = SCALE, names: Sequence[str] | None = None) -> dict[str, bytes]:
    """Every briefing chart (or the named ones) as a PNG with its footer, keyed by chart name."""
    return render_images(export_figures(b, names=names), scale)
