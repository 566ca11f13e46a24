"""Reporting compliance: did each agency send each month's report by its due day, and reminders for those behind.

Each agency reports a month by ``report_due_day`` (data/reference/agencies.csv) of the next month. A month counts as
received when a submission that is not undone stands or stood for it (etl.ledger.received_months); the first such
submission decides on time or late.
``today`` is always a parameter, so the same data gives the same answer in tests and in the page.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import duckdb

from etl import ledger, vocab

ON_TIME, LATE, MISSING, NOT_DUE = "tepat_waktu", "terlambat", "belum_diterima", "belum_jatuh_tempo"
NOT_EXPECTED = "belum_wajib"
STATUS_LABELS = {ON_TIME: "Tepat waktu", LATE: "Terlambat", MISSING: "Belum diterima", NOT_DUE: "Belum jatuh tempo",
                 NOT_EXPECTED: "Belum wajib lapor"}


@dataclass(frozen=True)
class MonthStatus:
    """One agency's report for one month."""

    agency: str
    agency_name: str
    month: dt.date
    due: dt.date
    status: str
    received_at: dt.datetime | None = None


def due_date(month: dt.date, due_day: int) -> dt.date:
    """The due day in the month after ``month`` (the last day when the month is shorter)."""
    year, number = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return dt.date(year, number, min(max(due_day, 1), calendar.monthrange(year, number)[1]))


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from start to end, inclusive."""
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def default_period(con: duckdb.DuckDBPyConnection, today: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    """Twelve months ending with the last month whose report is due by ``today`` (or the latest month reported)."""
    last_due = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    latest = ledger.latest_month(con)
    end = min(last_due, latest) if latest else last_due
    start = month_range(dt.date(end.year - 1, end.month, 1), end)[1] if months == 12 else end
    return start, end


def first_expected_months(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date | None]:
    """Agency code -> the first month it must report: ``first_month`` in agencies.csv when set, else the first
    month any agency reported (when the deployment started); None while nothing has been loaded."""
    started = ledger.first_month(con)
    configured = vocab.agency_first_months()
    return {code: configured.get(code) or started for code in vocab.agency_codes()}


def compliance(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, today: dt.date) -> list[MonthStatus]:
    """Status of every agency (in priority order) for every month from start to end.

    A month before the agency's first expected month (``first_expected_months``) is 'belum wajib lapor', never
    missing: a new deployment or a newly added agency is not asked for months before it started.
    """
    agencies = con.execute("SELECT agency, name, report_due_day FROM ref_agencies ORDER BY priority, agency").fetchall()
    received = ledger.received_months(con)
    first_expected = first_expected_months(con)
    out = []
    for agency, name, due_day in agencies:
        for month in month_range(start, end):
            due = due_date(month, due_day or 10)
            at = received.get((agency, month))
            if at is not None:
                status = ON_TIME if at.date() <= due else LATE
            elif first_expected.get(agency) is None or month < first_expected[agency]:
                status = NOT_EXPECTED
            else:
                status = MISSING if today > due else NOT_DUE
            out.append(MonthStatus(agency, name, month, due, status, at))
    return out


month_label = vocab.month_year   # 'Oktober 2024'
date_label = vocab.format_date   # '10 November 2024'


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} dan {items[-1]}"


def months_text(months: list[dt.date]) -> str:
    """'Agustus 2024', 'Agustus 2024 dan Oktober 2024', or runs of three or more as 'Januari – Maret 2024'."""
    runs: list[list[dt.date]] = []
    for month in sorted(months):
        if runs and month_range(runs[-1][-1], month)[1:] == [month]:
            runs[-1].append(month)
        else:
            runs.append([month])
    parts = []
    for run in runs:
        if len(run) >= 3:
            first = vocab.MONTH_NAMES[run[0].month - 1] + ("" if run[0].year == run[-1].year else f" {run[0].year}")
            parts.append(f"{first} – {month_label(run[-1])}")
        else:
            parts.extend(month_label(m) for m in run)
    return _listed(parts)


def reminders(statuses: list[MonthStatus], sender: str | None = None) -> dict[str, str]:
    """A message per agency with missing or late months, ready to paste into WhatsApp (agency code -> text)."""
    texts = {}
    for agency in dict.fromkeys(s.agency for s in statuses):
        own = [s for s in statuses if s.agency == agency]
        missing = [s for s in own if s.status == MISSING]
        late = [s for s in own if s.status == LATE]
        if not missing and not late:
            continue
        lines = [f"Yth. Bapak/Ibu pengelola data {own[0].agency_name},"]
        if missing:
            due = missing[0].due if len(missing) == 1 else None
            lines.append(f"laporan bulan {months_text([s.month for s in missing])} belum kami terima"
                         + (f" (batas pengiriman {date_label(due)})" if due else "")
                         + ". Mohon laporan tersebut dikirim secepatnya dengan template resmi.")
        if late:
            lines.append(f"{'Selain itu, l' if missing else 'L'}aporan bulan "
                         f"{months_text([s.month for s in late])} sudah kami terima tetapi melewati batas. "
                         f"Mohon laporan berikutnya dikirim paling lambat tanggal {late[-1].due.day} bulan berikutnya.")
        lines.append(f"Terima kasih atas kerja samanya.\n{sender or vocab.region().office_short}")
        texts[agency] = "\n".join(lines)
    return texts
