"""The one set of Indonesian formatters: month names, numbers, percentages, periods and signed changes."""

from __future__ import annotations

import datetime as dt
import math

from etl import vocab

MONTHS = vocab.MONTH_NAMES
MONTHS_SHORT = vocab.MONTH_ABBREVIATIONS


def month_name(month: int) -> str:
    """Full Indonesian name of month 1–12."""
    return MONTHS[month - 1]


def month_short(month: int) -> str:
    """Three-letter Indonesian abbreviation of month 1–12."""
    return MONTHS_SHORT[month - 1]


def month_label(day: dt.date, short: bool = True) -> str:
    """A month as shown on an axis or in a list, e.g. 'Okt 2024' or 'Oktober 2024'."""
    name = month_short(day.month) if short else month_name(day.month)
    return f"{name} {day.year}"


def number(value: float | int | None, decimals: int = 0) -> str:
    """'1.234' or '12,5': dot for thousands, comma for decimals; '–' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(value: float | None, decimals: int = 1) -> str:
    """A share given as a fraction (0.125) as '12,5%'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{number(value * 100, decimals)}%"


def period_label(start: dt.date, end: dt.date) -> str:
    """'Januari–Oktober 2024', 'Juni 2024', or 'November 2023–Februari 2024'."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{month_name(start.month)} {start.year}"
    if start.year == end.year:
        return f"{month_name(start.month)}–{month_name(end.month)} {end.year}"
    return f"{month_name(start.month)} {start.year}–{month_name(end.month)} {end.year}"


def period_label_short(start: dt.date, end: dt.date) -> str:
    """'Jan–Okt 2024', 'Jun 2024' or 'Nov 2023–Feb 2024', for tight spaces."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{month_short(start.month)} {start.year}"
    if start.year == end.year:
        return f"{month_short(start.month)}–{month_short(end.month)} {end.year}"
    return f"{month_short(start.month)} {start.year}–{month_short(end.month)} {end.year}"


def month_runs_label(months) -> str:
    """Months (first days) as runs of consecutive months: 'Jul–Sep 2024, Nov 2024'."""
    runs: list[list[dt.date]] = []
    for month in sorted(months):
        last = runs[-1][1] if runs else None
        if last is not None and (month.year * 12 + month.month) - (last.year * 12 + last.month) == 1:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    return ", ".join(period_label_short(start, end) for start, end in runs)


NO_COMPARISON = "belum ada data pembanding"


def change(current: float | int | None, previous: float | int | None) -> str:
    """The change against a previous value in words: 'naik 12%', 'turun 3%', 'tetap', or 'belum ada data pembanding'.

    Nothing in the earlier period is read as "no data to compare with": a rise "from 0" is what a new deployment
    or a late-starting agency shows, not a real increase, and a percentage of zero is undefined anyway.
    """
    if current is None or previous is None or (previous == 0 and current != 0):
        return NO_COMPARISON
    if previous == 0:
        return "tetap"
    ratio = (current - previous) / previous
    if round(ratio * 100) == 0:
        return "tetap"
    return f"{'naik' if ratio > 0 else 'turun'} {number(abs(ratio) * 100)}%"


def date_label(day: dt.date | dt.datetime | None) -> str:
    """Day-first date with the month's name, e.g. '5 November 2024'."""
    if day is None:
        return "–"
    return f"{day.day} {month_name(day.month)} {day.year}"
