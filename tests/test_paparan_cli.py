"""`python -m etl paparan`: every file for a scheduled monthly briefing, Indonesian progress, exit codes 0/1/2."""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from pptx import Presentation

from report import release

STEM = "kekerasan-perempuan-anak-kota-jambi-2024-01_2024-10"
PUBLIC_STEM = "kekerasan-perempuan-anak-kota-jambi-2024-01_2024-06"


def run(repo_root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", "paparan", *args], cwd=repo_root, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def written(repo_root, demo_db_master, tmp_path_factory):
    out = tmp_path_factory.mktemp("paparan") / "keluar"
    result = run(repo_root, "--dari", "2024-01", "--sampai", "2024-10", "--out", str(out), "--db",
                 str(demo_db_master), "--json")
    return result, out


def test_writes_deck_pdf_chart_pngs_infographic_and_tables(written):
    result, out = written
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in out.iterdir())
    assert f"paparan-{STEM}.pptx" in files and f"paparan-{STEM}.pdf" in files
    assert f"tabel-grafik-{STEM}.xlsx" in files
    # the public infographic shows the release period Jan–Oct snaps to (Semester I), with its numbers beside it
    assert f"infografis-{PUBLIC_STEM}.png" in files and "angka-publik.csv" in files
    charts = [f for f in files if f.startswith("grafik-")]
    assert len(charts) == 6 and all(f.endswith(f"-{STEM}.png") for f in charts)
    assert sorted(Path(f).name for f in json.loads(result.stdout)["files"]) == files


def test_progress_is_in_indonesian_and_states_the_headline(written):
    result, _ = written
    assert "Sampai Oktober 2024 tercatat 149 kasus" in result.stderr
    assert "Membuat paparan PowerPoint" in result.stderr and "Menggambar grafik (PNG)" in result.stderr


def test_written_files_open_and_state_149_and_22(written):
    _, out = written
    deck = Presentation(out / f"paparan-{STEM}.pptx")
    text = " ".join(s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame)
    assert "149" in text and "22 di antaranya TPPO" in text
    pdf_text = " ".join(subprocess.run(["pdftotext", str(out / f"paparan-{STEM}.pdf"), "-"], capture_output=True,
                                       text=True, check=True).stdout.split())
    assert "tercatat 149 kasus" in pdf_text and "22 di antaranya TPPO" in pdf_text
    assert "UNTUK KALANGAN INTERNAL" in text and "UNTUK KALANGAN INTERNAL" in pdf_text
    square = (out / f"infografis-{PUBLIC_STEM}.png").read_bytes()
    assert struct.unpack(">II", square[16:24]) == (1080, 1080)
    chart = (out / f"grafik-kecamatan-{STEM}.png").read_bytes()
    assert struct.unpack(">II", chart[16:24]) == (2400, 1350)
    book = openpyxl.load_workbook(io.BytesIO((out / f"tabel-grafik-{STEM}.xlsx").read_bytes()))
    assert "Catatan" in book.sheetnames


def test_json_lists_every_public_number_as_a_row_of_the_release(written, demo_db_master):
    result, out = written
    printed = json.loads(result.stdout)  # one JSON object, nothing else on stdout
    assert printed["public_period"] == "2024-S1" and "Januari–Oktober 2024" in printed["note"]
    public = printed["public"]
    assert public and all(set(n) == {"period_code", "table_name", "key1", "key2", "label"} for n in public)
    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        counts = release.release(con, years={2024})[1]
    rows = {(r.period_code, r.table_name, None if pd.isna(r.key1) else r.key1, None if pd.isna(r.key2) else r.key2):
            r.label for r in counts[counts["part"] != "margin"].itertuples()}
    for n in public:
        assert rows[(n["period_code"], n["table_name"], n["key1"], n["key2"])] == n["label"], n
    with open(out / "angka-publik.csv", newline="", encoding="utf-8") as f:
        beside = [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(f)]
    assert beside == public
    assert "Angka publik memakai Semester I 2024" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--dari", "2024-13", "--sampai", "2024-10"], "--dari '2024-13' bukan bulan yang sah"),
    (["--dari", "2024-01", "--sampai", "Oktober"], "--sampai 'Oktober' bukan bulan yang sah"),
    (["--dari", "2024-10", "--sampai", "2024-01"], "--sampai 2024-01 lebih awal dari --dari 2024-10"),
])
def test_bad_months_are_usage_errors(repo_root, demo_db_master, tmp_path, args, message):
    result = run(repo_root, *args, "--out", str(tmp_path / "x"), "--db", str(demo_db_master))
    assert result.returncode == 2
    assert f"Kesalahan penggunaan: {message}" in result.stderr
    assert not (tmp_path / "x").exists()


def test_missing_option_is_a_usage_error(repo_root, tmp_path):
    result = run(repo_root, "--dari", "2024-01", "--out", str(tmp_path))
    assert result.returncode == 2 and "Kesalahan penggunaan" in result.stderr


def test_missing_database_or_empty_period_fails_with_exit_1(repo_root, demo_db_master, tmp_path):
    missing = run(repo_root, "--dari", "2024-01", "--sampai", "2024-10", "--out", str(tmp_path / "a"),
                  "--db", str(tmp_path / "tidak-ada.duckdb"))
    assert missing.returncode == 1 and "Gagal: Database belum ada" in missing.stderr
    empty = run(repo_root, "--dari", "2031-01", "--sampai", "2031-03", "--out", str(tmp_path / "b"),
                "--db", str(demo_db_master))
    assert empty.returncode == 1 and re.search(r"Tidak ada kasus di database untuk Januari–Maret 2031", empty.stderr)


def test_the_paparan_ends_without_teardown_yet_runs_atexit_and_flushes(repo_root, tmp_path):
    """`python -m etl paparan` ends with os._exit (freeing every module's objects cost ~0.3 s): what a normal exit
    does besides still happens, atexit handlers and buffered output included, and the exit code is kept."""
    marker = tmp_path / "atexit-ran"
    script = ("import atexit, pathlib, sys\n"
              f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'ja')\n"
              "sys.stdout.write('tertulis tanpa baris baru')\n"
              "from etl.__main__ import exit_without_teardown\n"
              "exit_without_teardown(3)\n"
              "print('tidak pernah')\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, marker.read_text()) == (3, "tertulis tanpa baris baru", "ja")


def test_chromium_can_start_before_pyarrow_pandas_and_plotly_import(repo_root):
    """`python -m etl paparan` starts Chromium first (1-2 s), while the heavy modules import: what runs before it, the
    command line and report/exports/chromium.py, imports none of them (etl/model.py's Arrow schemas took 0.15 s)."""
    script = ("import sys, etl.__main__, report.exports.chromium\n"
              "print(sorted(m for m in ('pyarrow', 'pandas', 'numpy', 'plotly', 'duckdb') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
