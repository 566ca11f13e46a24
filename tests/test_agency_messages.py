"""Messages that send the agency the right way (issue 16, item 7): a recap without kecamatan is told what a recap
needs, a row for the whole city is told it is not a kecamatan, and stderr holds only Indonesian sentences unless
--verbose asks for the reader's own lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from etl.model import WorkbookError
from etl.parse import parse_workbook

FORMS = "Fisik, Psikis, Seksual, Eksploitasi, Trafficking (TPPO), Penelantaran, Lainnya"


def _city_recap_forms_down(path: Path) -> Path:
    """Variant 1: forms down the rows, L/P and Jumlah across, for the whole city."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juni 2024"
    for line in ("REKAPITULASI KASUS KEKERASAN TERHADAP PEREMPUAN DAN ANAK", "RSUD KOTA JAMBI", "BULAN JUNI 2024"):
        ws.append([line])
    ws.append([])
    ws.append(["No", "Bentuk Kekerasan", "L", "P", "Jumlah"])
    for n, (form, boys, girls) in enumerate([("Fisik", 2, 3), ("Psikis", 0, 1), ("Seksual", 1, 4)], start=1):
        ws.append([n, form, boys, girls, boys + girls])
    ws.append([None, "JUMLAH", 3, 8, 11])
    wb.save(path)
    return path


def _city_recap_two_header_rows(path: Path) -> Path:
    """Variant 2: Jenis Kekerasan with a merged 'Jumlah Korban' over L/P, written by XlsxWriter."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Rekap")
    ws.write_row(0, 0, ["LAPORAN BULANAN PUSKESMAS KOTA JAMBI BULAN JUNI 2024"])
    ws.write_row(2, 0, ["No", "Jenis Kekerasan", "Jumlah Korban", None, "Total"])
    ws.merge_range(2, 2, 2, 3, "Jumlah Korban")
    ws.write_row(3, 0, [None, None, "Laki-laki", "Perempuan", None])
    for n, form in enumerate(["Fisik", "Seksual", "Penelantaran"], start=1):
        ws.write_row(3 + n, 0, [n, form, 1, 2, 3])
    wb.close()
    return path


@pytest.mark.parametrize("build", [_city_recap_forms_down, _city_recap_two_header_rows])
def test_a_city_wide_recap_is_refused_naming_the_recap_columns_it_needs(tmp_path, build):
    path = build(tmp_path / "rekap.xlsx")
    with pytest.raises(WorkbookError) as refused:
        parse_workbook(path, agency="RSUD")
    message = str(refused.value)
    assert "tampak seperti rekap jumlah korban tanpa kolom Kecamatan" in message
    assert (f"kolom yang diharapkan adalah Kecamatan (satu baris per kecamatan), lalu jumlah korban per bentuk "
            f"kekerasan ({FORMS}), masing-masing L dan P, dan Jumlah.") in message
    assert "Tanggal Lapor" not in message and "Jenis Kelamin" not in message


def test_a_register_missing_columns_is_still_told_the_register_columns(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["REGISTER KORBAN DINAS SOSIAL"])
    ws.append(["No", "Nama", "Umur", "Jenis Kekerasan", "Alamat"])
    ws.append([1, "Contoh", 5, "Fisik", "Jl. Contoh"])
    wb.save(tmp_path / "dinsos.xlsx")
    with pytest.raises(WorkbookError) as refused:
        parse_workbook(tmp_path / "dinsos.xlsx", agency="DINSOS")
    assert "kolom wajib tidak ditemukan: Tanggal Lapor, Kecamatan (atau Kelurahan), Jenis Kelamin." in str(
        refused.value)


def test_a_recap_row_for_the_whole_city_is_told_it_is_not_a_kecamatan(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juni 2024"
    ws.append(["REKAP KORBAN KEKERASAN PUSKESMAS BULAN JUNI 2024"])
    ws.append([])
    ws.append(["Kecamatan", "Fisik", "Psikis", "Seksual", "Jumlah"])
    ws.append(["Jelutung", 1, 0, 2, 3])
    ws.append(["Kota Jambi", 2, 1, 3, 6])
    wb.save(tmp_path / "puskesmas.xlsx")
    parsed = parse_workbook(tmp_path / "puskesmas.xlsx", agency="PUSKESMAS")
    (error,) = parsed.errors
    assert (error.row, error.reason) == (5, "wilayah_bukan_kecamatan")
    assert error.message.startswith("Kecamatan: baris ini berisi seluruh Kota Jambi, bukan satu kecamatan.")
    assert sum(c.victims for c in parsed.recap) == 3


def _register_with_a_chartsheet(path: Path) -> Path:
    """A register beside a chart sheet: the reader logs (in English) that it skips the chart sheet."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Juni 2024")
    ws.write_row(0, 0, ["REGISTER KORBAN DINAS SOSIAL KOTA JAMBI"])
    ws.write_row(2, 0, ["No", "Tanggal Lapor", "Kecamatan", "Jenis Kelamin", "Jenis Kekerasan", "Umur"])
    ws.write_row(3, 0, [1, "03/06/2024", "Jelutung", "P", "Fisik", 12])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='Juni 2024'!$F$4:$F$4"})
    wb.add_chartsheet("Grafik").set_chart(chart)
    wb.close()
    return path


def test_stderr_holds_no_english_unless_verbose(tmp_path, repo_root, shared_dir):
    files = [_register_with_a_chartsheet(tmp_path / "dinsos juni 2024.xlsx"),
             _city_recap_forms_down(tmp_path / "rsud juni 2024.xlsx"),
             *sorted((shared_dir / "samples").glob("*.xls*"))]

    def load(*options: str) -> subprocess.CompletedProcess:
        db = tmp_path / f"db{len(options)}" / "ppa.duckdb"
        return subprocess.run([sys.executable, "-m", "etl", "load", *map(str, files), "--db", str(db), "--json",
                               *options], cwd=repo_root, capture_output=True, text=True, timeout=300)

    quiet = load()
    assert quiet.returncode == 1  # the city-wide recap fails
    assert quiet.stderr == ""
    report = json.loads(quiet.stdout)
    assert [f["status"] for f in report["files"]].count("failed") == 1
    verbose = load("--verbose")
    assert "[calamine.xlsx] WARNING: 'chartsheet' not a valid worksheet" in verbose.stderr
