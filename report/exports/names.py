"""File names that say what a file is: subject, region (from region.toml), period as YYYY-MM_YYYY-MM."""

from __future__ import annotations

import datetime as dt
import re

from etl import vocab

SUBJECT = "kekerasan-perempuan-anak"


def subject_slug() -> str:
    """'kekerasan-perempuan-anak-kota-jambi': the subject and the configured region (region.toml)."""
    return f"{SUBJECT}-{vocab.region().slug}"


def period_slug(start: dt.date, end: dt.date) -> str:
    """'2024-01_2024-10'."""
    return f"{start:%Y-%m}_{end:%Y-%m}"


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '-', for the chart part of a file name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def deck_name(start: dt.date, end: dt.date) -> str:
    """paparan-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.pptx"""
    return f"paparan-{subject_slug()}-{period_slug(start, end)}.pptx"


def summary_pdf_name(start: dt.date, end: dt.date) -> str:
    """paparan-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.pdf"""
    return f"paparan-{subject_slug()}-{period_slug(start, end)}.pdf"


def task_force_pdf_name(start: dt.date, end: dt.date) -> str:
    """gugus-tugas-tppo-kota-jambi-2024-01_2024-10.pdf"""
    return f"gugus-tugas-tppo-{vocab.region().slug}-{period_slug(start, end)}.pdf"


def chart_png_name(chart: str, start: dt.date, end: dt.date) -> str:
    """grafik-kecamatan-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.png"""
    return f"grafik-{slug(chart)}-{subject_slug()}-{period_slug(start, end)}.png"


def infographic_name(start: dt.date, end: dt.date) -> str:
    """infografis-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.png"""
    return f"infografis-{subject_slug()}-{period_slug(start, end)}.png"


def table_name(table: str, start: dt.date, end: dt.date, extension: str) -> str:
    """tabel-kecamatan-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.csv (or .xlsx)."""
    return f"tabel-{slug(table)}-{subject_slug()}-{period_slug(start, end)}.{extension}"


def charts_zip_name(start: dt.date, end: dt.date) -> str:
    """grafik-kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10.zip"""
    return f"grafik-{subject_slug()}-{period_slug(start, end)}.zip"
