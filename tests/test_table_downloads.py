"""'Unduh data': the CSV and Excel files are written when clicked, not on every rerun, and hold the page's tables."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

from tests.test_url_grid import demo_env, open_page  # noqa: F401

from app import downloads
from report.exports import names, xlsx
from report.queries import Filters

F = Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1))


def test_the_csv_file_is_one_table_or_a_zip_of_every_table_a_role_may_download():
    tables = {"Korban per bulan": pd.DataFrame({"bulan": ["Jan", "Feb"], "korban": [3, 1]}),
              "Korban per bentuk": pd.DataFrame({"bentuk": ["Fisik"], "korban": [4]})}
    name, mime = downloads.csv_file(list(tables), F)
    assert (name, mime) == (names.table_name("data", F.start, F.end, "zip"), "application/zip")
    archive = zipfile.ZipFile(io.BytesIO(downloads.csv_download(downloads.downloadable(tables, "analis"), F)))
    assert {title: archive.read(names.table_name(title, F.start, F.end, "csv")) for title in tables} == {
        title: xlsx.csv_bytes(frame) for title, frame in tables.items()}
    one = {"Korban per bulan": tables["Korban per bulan"]}
    assert downloads.csv_file(list(one), F) == (names.table_name("Korban per bulan", F.start, F.end, "csv"),
                                                "text/csv")
    assert downloads.csv_download(one, F) == xlsx.csv_bytes(one["Korban per bulan"])
    assert downloads.downloadable(tables, "publik") == {}  # exact tables are never a public download


@pytest.mark.parametrize("page", ["pages/tren.py", "pages/gugus_tugas.py"])
def test_a_page_rerun_writes_no_download_file(demo_env, monkeypatch, page):
    """The files cost 10-100 ms a page (CSV zip, workbook): written only when the button is clicked."""
    def refuse(*args, **kwargs):
        raise AssertionError("a download file was written during the rerun")

    monkeypatch.setattr(xlsx, "csv_bytes", refuse)
    monkeypatch.setattr(xlsx, "workbook_bytes", refuse)
    at = open_page("analis", page, {"dari": "2024-01", "sampai": "2024-10"})
    assert not at.exception, [e.message for e in at.exception]
    assert [b.proto.label for b in at.get("download_button")][-2:] == ["Unduh CSV", "Unduh Excel"]
