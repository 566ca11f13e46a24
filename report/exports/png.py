"""Chart PNGs for slides, letters and chat: the dashboard's figures with title, period, source and notes drawn in.

Rendering goes through kaleido with the system's Chromium (offline); one browser serves a whole batch.
"""

from __future__ import annotations

import os
import shutil
import textwrap
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import plotly.graph_objects as go

from etl import settings
from etl.model import EtlError
from report import charts, sentences
from report import format as fmt
from report.briefing import Briefing

WIDTH, HEIGHT, SCALE = 1200, 675, 2
FOOTER_FONT = 13
FOOTER_LINE_PX = 18
AXIS_SPACE_PX = 56      # tick labels and axis title under the plot area
LEGEND_SPACE_PX = 34
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
START_TIMEOUT_SECONDS = 30   # a Chromium that starts at all starts in 1-3 s; one that hangs must not hang the export


class ChromiumMissing(EtlError):
    """No usable Chromium: chart images and the PDF page cannot be drawn."""

# kaleido's sync server is a process-wide singleton: one batch at a time, nested batches share it
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
    """A copy of a figure at a fixed size with the footer written under the plot, so the PNG carries its source."""
    out = go.Figure(fig)
    lines = wrap(footer, width - 40)
    footer_px = FOOTER_LINE_PX * len(lines) + 12
    has_legend = sum(1 for trace in out.data if trace.showlegend is not False) > 1
    bottom = AXIS_SPACE_PX + (LEGEND_SPACE_PX if has_legend else 0) + footer_px
    top = int(out.layout.margin.t or 80) + 20
    plot_height = height - top - bottom
    out.update_layout(
        width=width, height=height, margin={"l": 20, "r": 30, "t": top, "b": bottom},
        font={"size": 15}, title_font_size=22,
        legend={"orientation": "h", "yref": "container", "y": (footer_px + 6) / height, "yanchor": "bottom",
                "x": 0, "xanchor": "left"},
    )
    out.add_annotation(
        text="<br>".join(lines), xref="paper", yref="paper", x=0, xanchor="left",
        y=-(bottom - 6) / plot_height, yanchor="bottom", align="left", showarrow=False,
        font={"size": FOOTER_FONT, "color": "#555555"}, name="footer",
    )
    return out


MISSING_SENTENCE = ("Chromium tidak ditemukan, sehingga gambar grafik, infografis dan PDF tidak dapat dibuat. "
                    "Pasang Chromium (Debian/Ubuntu: sudo apt-get install chromium) atau tulis letaknya di "
                    "pengaturan chromium (ppa.toml) / PPA_CHROMIUM, lalu ulangi.")


def chromium_path() -> Path:
    """The Chromium that draws chart images: the setting ``chromium``, else the first one on PATH."""
    configured = settings.path("chromium")
    if configured is not None:
        if configured.is_file() and os.access(configured, os.X_OK):
            return configured
        raise ChromiumMissing(f"Chromium '{configured}' (pengaturan chromium) tidak ada atau tidak dapat dijalankan. "
                              + MISSING_SENTENCE.split(". ", 1)[1])
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ChromiumMissing(MISSING_SENTENCE)


def _start_within(start, seconds: float) -> None:
    """Start kaleido's browser, giving up after ``seconds`` (a broken Chromium otherwise hangs the caller)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            start(silence_warnings=True)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below, in Indonesian
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True, name="mulai-chromium")
    thread.start()
    thread.join(seconds)
    if thread.is_alive() or failure:
        raise ChromiumMissing(f"Chromium ({os.environ.get('BROWSER_PATH')}) tidak dapat dijalankan"
                              + (f": {failure[0]}" if failure else f" dalam {seconds:.0f} detik")
                              + ". Gambar grafik, infografis dan PDF tidak dibuat.")


@contextmanager
def rendering() -> Iterator[None]:
    """Keep one headless Chromium open for a batch of renders (about 0.3 s per image instead of 6 s); nestable."""
    import kaleido

    global _render_depth
    with _render_lock:
        if _render_depth == 0:
            os.environ["BROWSER_PATH"] = str(chromium_path())
            _start_within(kaleido.start_sync_server, START_TIMEOUT_SECONDS)
        _render_depth += 1
        try:
            yield
        finally:
            _render_depth -= 1
            if _render_depth == 0:
                kaleido.stop_sync_server(silence_warnings=True)


def render_png(fig: go.Figure, scale: int = SCALE) -> bytes:
    """PNG bytes of a figure at its layout size times scale (call inside ``rendering()`` for batches)."""
    import kaleido

    return kaleido.calc_fig_sync(fig, opts={"format": "png", "width": fig.layout.width,
                                            "height": fig.layout.height, "scale": scale})


def chart_pngs(b: Briefing, scale: int = SCALE, names: Sequence[str] | None = None) -> dict[str, bytes]:
    """Every briefing chart (or the named ones) as a PNG with its footer, keyed by chart name."""
    figures = chart_figures(b)
    footer = footer_lines(b)
    out = {}
    with rendering():
        for name, fig in figures.items():
            if names is None or name in names:
                out[name] = render_png(export_figure(fig, footer), scale)
    return out
