"""Sentences and metric cards built from query results: the headline, the changes, the footer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from etl import vocab
from report import compare
from report import disclosure as dc
from report import format as fmt
from report.queries import Filters

NOT_PREVALENCE = "Angka ini adalah kasus yang dilaporkan, bukan angka prevalensi."
DEMO_LABEL = "DATA CONTOH (sintetis)"


@dataclass(frozen=True)
class MetricCard:
    """What one st.metric shows: label, value, change text and arrow direction."""

    label: str
    value: str
    delta: str
    arrow: str  # 'up' | 'down' | 'off'


def _value(df: pd.DataFrame, column: str) -> int | None:
    if df.empty or pd.isna(df[column].iloc[0]):
        return None
    return int(df[column].iloc[0])


def metric_cards(now: pd.DataFrame, before: pd.DataFrame) -> list[MetricCard]:
    """The Ringkasan cards Kasus, Korban, (Pelaku, when ``now`` has the column ``pelaku``), Kasus TPPO with their
    change against the same months last year."""
    cards = []
    shown = (("Kasus", "kasus"), ("Korban", "korban"), ("Pelaku", "pelaku"), ("Kasus TPPO", "kasus_tppo"))
    for label, column in ((label, column) for label, column in shown if column in now):
        current, previous = _value(now, column), _value(before, column)
        arrow = "off"
        if current is not None and previous:
            arrow = "up" if current > previous else "down" if current < previous else "off"
        cards.append(MetricCard(label, fmt.number(current), fmt.change(current, previous), arrow))
    return cards


def headline_sentence(now: pd.DataFrame, before: pd.DataFrame, period: str, previous_period: str) -> str:
    """'Januari–Oktober 2024: 149 kasus, 22 di antaranya TPPO, dengan 170 korban (…anak). …'"""
    cases, victims = _value(now, "kasus") or 0, _value(now, "korban") or 0
    if cases == 0:
        return f"{period}: tidak ada kasus yang dilaporkan untuk pilihan ini."
    tppo, children = _value(now, "kasus_tppo") or 0, _value(now, "korban_anak") or 0
    text = (f"{period}: {fmt.number(cases)} kasus, {fmt.number(tppo)} di antaranya TPPO, "
            f"dengan {fmt.number(victims)} korban ({fmt.number(children)} di antaranya anak).")
    previous = _value(before, "kasus")
    if previous:
        text += f" Dibanding {previous_period} ({fmt.number(previous)} kasus), {change_clause(cases, previous)}"
    else:
        text += f" Belum ada data pembanding untuk {previous_period}."
    return text


def change_clause(cases: int, previous: int) -> str:
    """'jumlah kasus naik 94%: kenaikan yang kemungkinan nyata.' — a rise or fall is said together with whether
    it is beyond chance (report/compare.py); staff and public headlines both say it this way."""
    change = fmt.change(cases, previous)
    if change == "tetap":
        return f"jumlah kasus {change}."
    return f"jumlah kasus {change}: {compare.compare_counts(cases, previous).words}."


def footer_lines(facts: pd.DataFrame, f: Filters, today: dt.date | None = None) -> list[str]:
    """Source, 'data per <last load>', provisional note, 'reported cases, not prevalence', demo label."""
    lines = [vocab.region().source_sentence]
    last_load = facts["last_load"].iloc[0] if not facts.empty else None
    if last_load is not None and not pd.isna(last_load):
        lines.append(f"Data per {fmt.date_label(pd.Timestamp(last_load).date())}.")
    last_month = facts["last_month"].iloc[0] if not facts.empty else None
    latest_year = pd.Timestamp(last_month).year if last_month is not None and not pd.isna(last_month) else None
    current_year = (today or dt.date.today()).year
    provisional_year = max(y for y in (latest_year, current_year) if y is not None)
    if f.end.year >= min(provisional_year, latest_year or provisional_year):
        lines.append(f"Data tahun {f.end.year} bersifat sementara (data sementara): laporan terlambat masih bisa masuk.")
    lines.append(NOT_PREVALENCE)
    if is_demo(facts):
        lines.append(f"{DEMO_LABEL}: angka bukan data sebenarnya.")
    return lines


def is_demo(facts: pd.DataFrame) -> bool:
    """Whether the database holds the synthetic demo data."""
    return not facts.empty and facts["dataset"].iloc[0] == "demo"


# --------------------------------------------------------------------------------------------------------------
# Standing sentences of the public artefacts (pages, downloads, infographic) and of the staff-only ones.

PUBLIC_NOTE = ("Angka terlindungi untuk publik: angka kecil disamarkan agar korban tidak dapat dikenali. "
               "Staf dinas melihat angka lengkap setelah masuk.")
INTERNAL_MARK = "Untuk kalangan internal"
INTERNAL_USE = ("Untuk kalangan internal: angka lengkap yang belum disamarkan; jangan disebarkan. "
                "Untuk publik pakai infografis atau halaman publik.")


def public_footer_lines(period_label: str, provisional: bool, source: str | None = None,
                        suppressed: bool = True) -> tuple[str, ...]:
    """What every public artefact (page, download, infographic) says under its numbers: source, period, "data
    sementara" where it applies, "reported cases, not prevalence", and the legend and footnote of hidden counts."""
    lines = [f"Sumber: {source or dc.default_source()}.", f"Periode: {period_label}."]
    if provisional:
        lines.append("Data sementara: laporan yang terlambat masih dapat menambah angka.")
    lines.append(NOT_PREVALENCE)
    if suppressed:
        lines += [f"Keterangan: {dc.legend_text()}.", f"Catatan: {dc.FOOTNOTE_SUPPRESSION}."]
    return tuple(lines)


def snapped_period_note(start: dt.date, end: dt.date, label: str, span: str) -> str:
    """Why a public artefact shows a release period instead of the month range that was asked for."""
    return (f"Angka publik memakai {label} ({span}), bukan {fmt.period_label(start, end)}: angka untuk publik "
            "hanya diterbitkan per triwulan, semester, atau tahun penuh dari satu rilis yang sama, agar dua angka "
            "publik tidak dapat dikurangkan untuk membuka angka yang disamarkan.")


def public_headline_sentence(h) -> str:
    """'Triwulan I 2024 (Januari–Maret 2024): 35 kasus dilaporkan, <10 di antaranya TPPO, dengan 41 korban. …'

    ``h`` is a report.release.Headline (protected labels only).
    """
    p = h.period
    if h.cases.value == 0:
        return f"{p.label} ({p.span}): tidak ada kasus yang dilaporkan."
    text = (f"{p.label} ({p.span}): {h.cases.label} kasus dilaporkan, {h.tppo_cases.label} di antaranya TPPO, "
            f"dengan {h.victims.label} korban.")
    before = h.before["kasus"]
    if before is not None and h.cases.value is not None and before.value is not None:
        # the verdict from the release's own figures: a public sentence never rests on an unprotected count
        text += (f" Dibanding {p.previous_year().label} ({before.label} kasus), "
                 f"{change_clause(h.cases.value, before.value)}")
    return text
def missing_reports_sentence(missing: pd.DataFrame, start: dt.date, end: dt.date) -> str | None:
    """'Belum lengkap: laporan Oktober 2024 belum diterima dari Dinas Sosial, LSM; …' for the months of a period
    that expected agencies have not reported yet (None when every expected agency has reported)."""
    if missing.empty:
        return None
    months = [pd.Timestamp(m).date() for m in missing["month"]]
    inside = missing[[start <= m <= end for m in months]]
    if inside.empty:
        return None
    parts = []
    for month, part in inside.groupby("month", sort=True):
        names = [n or a for a, n in zip(part["agency"], part["agency_name"])]
        parts.append(f"laporan {fmt.month_label(pd.Timestamp(month).date(), short=False)} belum diterima dari "
                     f"{', '.join(names)}")
    return ("Belum lengkap: " + "; ".join(parts) + ". Angka bulan itu dan perbandingannya masih akan berubah; "
            "pilih periode sampai bulan yang sudah lengkap untuk perbandingan yang adil.")
