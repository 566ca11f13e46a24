"""'Unduh data': the tables behind a page's charts as CSV and Excel, in one line per page.

Staff get the exact tables; publik gets only tables that went through report/disclosure.py (``ProtectedTable``), so
a download can never show more than the chart beside it.
"""

from __future__ import annotations

import io
import zipfile
from typing import Mapping

import pandas as pd
import streamlit as st

from app import cached
from report import disclosure, sentences
from report import format as fmt
from report.exports import names, xlsx
from report.queries import Filters
from etl import vocab

STAFF_ROLES = ("analis", "operator")


def _current_role() -> str:
    from app import auth

    return auth.current_role()


def filter_lines(f: Filters) -> list[str]:
    """The sidebar choices besides the period, as sentences for the notes sheet."""
    lines = []
    if f.district_code:
        lines.append(f"Filter kecamatan: {dict((d.code, d.name) for d in vocab.districts()).get(f.district_code)}.")
    if f.violence_type:
        lines.append(f"Filter bentuk kekerasan: {vocab.violence_labels().get(f.violence_type)}.")
    if f.agency:
        lines.append(f"Filter lembaga pelapor: {vocab.agency_name(f.agency)}.")
    if f.include_duplicates:
        lines.append("Laporan ganda antarlembaga ikut dihitung.")
    return lines


def _may_download(table: pd.DataFrame | disclosure.ProtectedTable, role: str) -> bool:
    """Exact tables for staff; for anyone else only protected tables."""
    return isinstance(table, disclosure.ProtectedTable) or role in STAFF_ROLES


def downloadable(tables: Mapping[str, pd.DataFrame | disclosure.ProtectedTable], role: str
                 ) -> dict[str, pd.DataFrame]:
    """The frames a role may download: exact tables for staff; for anyone else only protected tables."""
    return {name: table.download_frame() if isinstance(table, disclosure.ProtectedTable) else table
            for name, table in tables.items() if _may_download(table, role)}


def csv_file(titles: list[str], f: Filters) -> tuple[str, str]:
    """(file name, mime) of the CSV download: one CSV for one table, a zip of CSVs for several."""
    if len(titles) == 1:
        return names.table_name(titles[0], f.start, f.end, "csv"), "text/csv"
    return names.table_name("data", f.start, f.end, "zip"), "application/zip"


def csv_download(frames: Mapping[str, pd.DataFrame], f: Filters) -> bytes:
    """The CSV download's bytes (see csv_file): one CSV for one table, a zip of CSVs for several."""
    if len(frames) == 1:
        return xlsx.csv_bytes(next(iter(frames.values())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in frames.items():
            archive.writestr(names.table_name(name, f.start, f.end, "csv"), xlsx.csv_bytes(frame))
    return out.getvalue()


def table_downloads(tables: Mapping[str, pd.DataFrame | disclosure.ProtectedTable], f: Filters,
                    role: str | None = None, key: str = "unduh", footer: tuple[str, ...] | None = None,
                    period: str | None = None) -> None:
    """Draw 'Unduh data' with a CSV and an Excel button for the given tables (titles as keys).

    ``footer`` replaces the staff footer lines (the public pages pass theirs: they may run on an extract that has
    no load log), ``period`` the month-range label (a public period's name).
    """
    role = role or _current_role()
    titles = [name for name, table in tables.items() if _may_download(table, role)]
    if not titles:
        return
    public = role not in STAFF_ROLES
    footer_lines = list(footer) if footer is not None else sentences.footer_lines(cached.database_facts(), f)[1:]
    extra = [*filter_lines(f), *footer_lines]
    if public:
        extra += [disclosure.legend_text(), disclosure.FOOTNOTE_SUPPRESSION]
    notes = xlsx.TableNotes(period=period or fmt.period_label(f.start, f.end), source=vocab.region().source_sentence,
                            extra=tuple(extra))
    csv_name, csv_mime = csv_file(titles, f)
    # both files are written when clicked: the workbook ~0.1 s and the CSVs 10-20 ms that every rerun paid before
    with st.expander("Unduh data (CSV, Excel)", icon=":material/download:"):
        st.caption("Tabel di balik grafik halaman ini, dengan lembar Catatan berisi sumber, periode dan definisi.")
        left, right = st.columns(2)
        left.download_button("Unduh CSV", lambda: csv_download(downloadable(tables, role), f), file_name=csv_name,
                             mime=csv_mime, key=f"{key}_csv", on_click="ignore")
        right.download_button(
            "Unduh Excel", lambda: xlsx.workbook_bytes(downloadable(tables, role), notes),
            file_name=names.table_name(titles[0] if len(titles) == 1 else "data", f.start, f.end, "xlsx"),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
            on_click="ignore")
