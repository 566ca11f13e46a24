"""The square (1080×1080) infographic for the city's website and social media, built only from the public release.

Whoever asks for it (publik, analis or operator), every number on it is a row of report/release.py for one release
period (a triwulan, semester or year): a free month range is snapped to such a period first, so the infographic can
never be subtracted from a public page or another infographic to reveal a hidden count. ``PublicHeadline.numbers``
names each number by its release row (``angka-publik.csv``, ``paparan --json``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from etl import vocab
from report import charts, disclosure, release, sentences
from report.exports.png import wrap

SIZE = 1080
HOTLINE = "Laporkan kekerasan: SAPA 129 (telepon 129, WhatsApp 08111-129-129)"
BACKGROUND, INK, MUTED, ACCENT = "#F4F1EA", "#1A1A1A", "#555555", charts.TOTAL_COLOUR
DEMO_LABEL = "DATA CONTOH (sintetis): angka bukan data sebenarnya."
TOP_DISTRICTS = 3
RELEASE_TABLES = ("kasus", "korban", "kasus_tppo", "korban_umur", "kasus_kecamatan")  # the tables it draws from


@dataclass(frozen=True)
class PublicHeadline:
    """The headline figures of a release period: nothing but release rows, labels such as "149", "<10", "x"."""

    period: disclosure.Period
    cases: release.PublicNumber
    victims: release.PublicNumber
    tppo_cases: release.PublicNumber
    child_victims: release.PublicNumber
    top_districts: tuple[tuple[str, release.PublicNumber], ...]
    footer: str
    demo_label: str | None
    note: str | None = None     # why the period differs from the months asked for

    @property
    def numbers(self) -> list[release.PublicNumber]:
        """Every number the infographic draws, as the release row it is."""
        return [self.cases, self.tppo_cases, self.victims, self.child_victims,
                *(n for _, n in self.top_districts)]

    def labels(self) -> list[str]:
        """Every figure the infographic draws, as drawn."""
        return [n.label for n in self.numbers]


def public_headline(counts: pd.DataFrame, period: disclosure.Period, provisional: bool, demo: bool,
                    note: str | None = None) -> PublicHeadline:
    """The infographic's figures for a release period, read from the release rows ``counts`` (that period's year)."""
    code = period.code

    def get(name, key1=None):
        found = release.number(counts, name, code, key1)
        if found is None:
            raise disclosure.DisclosureError(f"Rilis publik tidak memuat {name} untuk {period.label}.")
        return found

    districts = release.table(counts, "kasus_kecamatan", code).cells
    shown = districts[~districts["suppressed"] & (districts["value"].fillna(0) > 0)]
    top = shown.sort_values("value", ascending=False, kind="stable").head(TOP_DISTRICTS)
    top_districts = tuple((name, release.number(counts, "kasus_kecamatan", code, key))
                          for name, key in zip(top["Kecamatan"], top["kode_kecamatan"]))
    h = PublicHeadline(period=period, cases=get("kasus"), victims=get("korban"), tppo_cases=get("kasus_tppo"),
                       child_victims=get("korban_umur", "anak"), top_districts=top_districts, footer="",
                       demo_label=DEMO_LABEL if demo else None, note=note)
    suppressed = any(n.label in ("<5", "<10", "x") for n in h.numbers)  # the legend explains what is drawn
    footer = " ".join(sentences.public_footer_lines(period.label, provisional, suppressed=suppressed))
    return dataclasses.replace(h, footer=footer)


def for_months(start, end, periods: list[disclosure.Period], latest_month, year_counts: Callable[[int], pd.DataFrame],
               demo: bool) -> PublicHeadline:
    """The infographic asked for months start..end: the release period it shows (with the reason when snapped).

    ``periods`` are the release's periods, ``year_counts(year)`` the release rows of one year (live or cached).
    """
    snapped = release.release_period(start, end, periods)
    p = snapped.period
    return public_headline(year_counts(p.year), p, disclosure.is_provisional(p, latest_month), demo, snapped.note)


def numbers_frame(h: PublicHeadline) -> pd.DataFrame:
    """The infographic's numbers as ``angka-publik.csv`` holds them: one release row per number."""
    return pd.DataFrame([n.as_dict() for n in h.numbers], columns=["period_code", "table_name", "key1", "key2",
                                                                   "label"])


def _text(fig: go.Figure, text: str, y: float, size: int, colour: str = INK, bold: bool = False, x: float = 0.5,
          anchor: str = "center", name: str = "") -> None:
    fig.add_annotation(text=f"<b>{text}</b>" if bold else text, x=x, y=y, xref="paper", yref="paper",
                       xanchor=anchor, yanchor="middle", showarrow=False, font={"size": size, "color": colour},
                       align=anchor if anchor != "center" else "center", name=name)


def infographic_figure(h: PublicHeadline) -> go.Figure:
    """A 1080×1080 figure: title, four headline tiles, top kecamatan, hotline, and the public footer."""
    fig = go.Figure()
    fig.update_layout(width=SIZE, height=SIZE, paper_bgcolor=BACKGROUND, plot_bgcolor=BACKGROUND,
                      margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False,
                      font={"family": "Source Sans Pro, Arial, sans-serif"})
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, range=[0, 1])
    fig.add_shape(type="rect", xref="paper", yref="paper", x0=0, x1=1, y0=0.86, y1=1, fillcolor=ACCENT,
                  line={"width": 0})
    _text(fig, "KEKERASAN TERHADAP PEREMPUAN DAN ANAK", 0.948, 38, "white", bold=True, name="judul")
    _text(fig, f"{vocab.region().name} · {h.period.label} ({h.period.span})", 0.895, 30, "white", name="periode")
    tiles = (
        (h.cases.label, "kasus dilaporkan", 0.27, 0.70),
        (h.tppo_cases.label, "kasus TPPO<br>(perdagangan orang)", 0.73, 0.70),
        (h.victims.label, "korban", 0.27, 0.44),
        (h.child_victims.label, "korban anak<br>(di bawah 18 tahun)", 0.73, 0.44),
    )
    for value, caption, x, y in tiles:
        fig.add_shape(type="rect", xref="paper", yref="paper", x0=x - 0.21, x1=x + 0.21, y0=y - 0.115, y1=y + 0.115,
                      fillcolor="white", line={"color": "#D8D2C4", "width": 2})
        _text(fig, value, y + 0.035, 96, ACCENT, bold=True, x=x, name="angka")
        _text(fig, caption, y - 0.07, 26, MUTED, x=x, name="keterangan")
    if h.top_districts:
        names = " · ".join(f"{name} {count.label}" for name, count in h.top_districts)
        _text(fig, "Kecamatan dengan kasus terbanyak", 0.275, 26, MUTED, name="kecamatan-judul")
        _text(fig, names, 0.232, 30, INK, bold=True, name="kecamatan")
    _text(fig, HOTLINE, 0.185, 26, ACCENT, bold=True, name="layanan")
    footer = wrap([h.footer] + ([h.demo_label] if h.demo_label else []), SIZE - 40, 15)
    fig.add_annotation(text="<br>".join(footer), x=0.05, y=0.02, xref="paper", yref="paper", xanchor="left",
                       yanchor="bottom", showarrow=False, align="left", font={"size": 15, "color": MUTED},
                       name="footer")
    return fig
