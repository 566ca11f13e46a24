"""Helpers shared by the loader tests: real workbooks in the official layout, and table snapshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from etl.template import RecapMonth, RegisterEntry, write_recap, write_register


def entry(ref: str, day: dt.date, district: str = "Telanaipura", sex: str = "P", forms=("Seksual",),
          age: int | None = 12, **extra) -> RegisterEntry:
    return RegisterEntry(case_ref=ref, report_date=day, district=district, sex=sex, forms=tuple(forms), age=age,
                         **extra)


def register(path: Path, agency: str, first: dt.date, last: dt.date, entries) -> Path:
    return write_register(path, entries, agency=agency, period=(first, last))


def recap(path: Path, agency: str, months: dict[dt.date, dict]) -> Path:
    return write_recap(path, [RecapMonth(m, c) for m, c in months.items()], agency=agency)


TABLES = ("submissions", "load_log", "rejected_rows", "load_warnings", "victim_records", "recap_counts", "meta")


def snapshot(db: Path) -> dict[str, list]:
    """Every row of every data table, sorted, for before/after comparisons."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}
    finally:
        con.close()
