"""The square (1080×1080) infographic for the city's website and social media, built only from protected figures.

Whoever asks for it (publik, analis or operator), the numbers first pass through report/disclosure.py: the figure
builder receives a ``PublicHeadline`` holding nothing but protected labels, never the exact briefing.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from etl import vocab
from report import charts, disclosure
from report.briefing import Briefing
from report.exports.png import wrap

SIZE = 1080
HOTLINE = "Laporkan kekerasan: SAPA 129 (telepon 129, WhatsApp 08111-129-129)"
BACKGROUND, INK, MUTED, ACCENT = "#F4F1EA", "#1A1A1A", "#555555", charts.TOTAL_COLOUR


@dataclass(frozen=True)
class PublicHeadline:
    """The headline figures of a period after disclosure control: labels such as "149", "<10", "x", "54%"."""

    period: str
    cases: disclosure.ProtectedCount
    victims: disclosure.ProtectedCount
    tppo_cases: disclosure.ProtectedCount
    child_share: disclosure.ProtectedShare
    top_districts: tuple[tuple[str, disclosure.ProtectedCount], ...]
    footer: str
    demo_label: str | None

    def labels(self) -> list[str]:
        """Every figure the infographic draws, as drawn."""
        return [self.cases.label, self.victims.label, self.tppo_cases.label, self.child_share.label,
                *(count.label for _, count in self.top_districts)]


def public_headline(b: Briefing) -> PublicHeadline:
    """Protect the briefing's headline figures for publik (TPPO under the threshold of 10)."""
    g = b.figures
    districts = disclosure.protect(b.tables["kecamatan"][["district", "kasus"]], "kasus", by=["district"])
    published = districts.cells[~districts.cells["suppressed"] & (districts.cells["value"] > 0)]
    top = published.sort_values("value", ascending=False, kind="stable").head(3)
    top_districts = tuple((name, disclosure.ProtectedCount(int(v), label, False))
                          for name, v, label in zip(top["district"], top["value"], top["label"]))
    cases, victims = disclosure.protect_total(g["kasus"]), disclosure.protect_total(g["korban"])
    tppo = disclosure.protect_total(g["kasus_tppo"], strict=True)
    suppressed = districts.any_suppressed or any(c.suppressed for c in (cases, victims, tppo))
    provisional = bool(b.provisional_months) or any("sementara" in line for line in b.footer)
    return PublicHeadline(
        period=b.period, cases=cases, victims=victims, tppo_cases=tppo,
        child_share=disclosure.safe_share(g["korban_anak"], g["korban"], decimals=0),
        top_districts=top_districts,
        footer=disclosure.public_footer(b.period, provisional, suppressed=suppressed),
        demo_label=b.footer[-1] if b.demo else None,
    )


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
    _text(fig, f"{vocab.region().name} · {h.period}", 0.895, 30, "white", name="periode")
    tiles = (
        (h.cases.label, "kasus dilaporkan", 0.27, 0.70),
        (h.tppo_cases.label, "kasus TPPO<br>(perdagangan orang)", 0.73, 0.70),
        (h.victims.label, "korban", 0.27, 0.44),
        (h.child_share.label, "korban adalah anak", 0.73, 0.44),
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
    _text(fig, HOTLINE, 0.175, 26, ACCENT, bold=True, name="layanan")
    footer = wrap([h.footer] + ([h.demo_label] if h.demo_label else []), SIZE - 40, 17)
    fig.add_annotation(text="<br>".join(footer), x=0.05, y=0.02, xref="paper", yref="paper", xanchor="left",
                       yanchor="bottom", showarrow=False, align="left", font={"size": 17, "color": MUTED},
                       name="footer")
    return fig
