"""`python -m etl`: exit codes 0/1/2, the --json schema of issue 2 item 5, and the other commands."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest

from loadhelpers import entry, register
from tests.messy import TERMINAL_CODES, write_register_with_wording

D = dt.date


def etl(repo_root, *args, input=None):
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=repo_root, capture_output=True,
                          text=True, input=input, timeout=300)


@pytest.fixture()
def good(tmp_path):
    return register(tmp_path / "uptd-maret.xlsx", "UPTD_PPA", D(2024, 3, 1), D(2024, 3, 1),
                    [entry("R1", D(2024, 3, 5)), entry("R2", D(2024, 3, 6), district="Sungai Gelam")])


def test_load_exit_0_and_readable_summary(repo_root, tmp_path, good):
    run = etl(repo_root, "load", good, "--db", tmp_path / "ppa.duckdb")
    assert run.returncode == 0, run.stderr
    assert "uptd-maret.xlsx" in run.stdout and "Maret 2024" in run.stdout
    assert "1 dimuat, 1 ditolak" in run.stdout
    assert "baris 8" in run.stdout and "Kecamatan" in run.stdout  # the rejected row is located


def test_load_json_schema(repo_root, tmp_path, good):
    run = etl(repo_root, "load", good, "--db", tmp_path / "ppa.duckdb", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out) == {"files", "rows_loaded", "rows_rejected"}
    (f,) = out["files"]
    assert set(f) == {"path", "status", "agency", "period", "shape", "rows_read", "rows_loaded", "rows_rejected",
                      "errors", "warnings"}
    assert (f["status"], f["agency"], f["period"], f["shape"]) == ("loaded", "UPTD_PPA", ["2024-03", "2024-03"],
                                                                   "register")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (2, 1, 1)
    assert (out["rows_loaded"], out["rows_rejected"]) == (1, 1)
    assert set(f["errors"][0]) == {"sheet", "row", "column", "message"} and f["errors"][0]["row"] == 8
    again = json.loads(etl(repo_root, "load", good, "--db", tmp_path / "ppa.duckdb", "--json").stdout)
    assert again["files"][0]["status"] == "unchanged"


def test_load_exit_1_when_a_file_fails(repo_root, tmp_path, good):
    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"PK\x03\x04 bukan zip yang utuh")
    run = etl(repo_root, "load", broken, good, "--db", tmp_path / "ppa.duckdb", "--json")
    assert run.returncode == 1
    statuses = [f["status"] for f in json.loads(run.stdout)["files"]]
    assert statuses == ["failed", "loaded"]


@pytest.mark.parametrize("args", [
    ["load", "/tidak/ada.xlsx"],
    ["load", "{good}", "--agency", "BUKAN_LEMBAGA"],
    ["load"],
    ["perintah-tak-dikenal"],
])
def test_usage_errors_exit_2(repo_root, tmp_path, good, args):
    args = [a.replace("{good}", str(good)) for a in args]
    run = etl(repo_root, *args, "--db", tmp_path / "ppa.duckdb")
    assert run.returncode == 2
    assert "Kesalahan penggunaan" in run.stderr
    assert not (tmp_path / "ppa.duckdb").exists()  # a usage error touches no database


def test_template_writes_the_workbooks_and_the_population_table(repo_root, tmp_path):
    run = etl(repo_root, "template", "--out", tmp_path / "tpl")
    assert run.returncode == 0
    assert sorted(p.name for p in (tmp_path / "tpl").iterdir()) == ["template-penduduk-kecamatan.csv",
                                                                     "template-register-kasus.xlsx",
                                                                     "template-rekap-bulanan.xlsx"]


def test_rebuild_exit_0_and_same_counts(repo_root, tmp_path, good):
    db = tmp_path / "ppa.duckdb"
    etl(repo_root, "load", good, "--db", db)
    run = etl(repo_root, "rebuild", "--db", db)
    assert run.returncode == 0, run.stderr
    assert "1 file" in run.stdout


def test_duplicates_json_lists_pairs(repo_root, demo_db):
    run = etl(repo_root, "duplicates", "--db", demo_db, "--json")
    assert run.returncode == 0
    pairs = json.loads(run.stdout)
    assert pairs and {"victim_key", "agency", "primary_victim_key", "primary_agency", "gap_days"} <= set(pairs[0])
    assert all(p["agency"] != p["primary_agency"] and p["gap_days"] <= 30 for p in pairs)
    text = etl(repo_root, "duplicates", "--db", demo_db)
    assert text.returncode == 0 and f"{len(pairs)} catatan korban" in text.stdout


def test_a_file_s_terminal_codes_are_printed_as_replacement_characters(repo_root, tmp_path):
    """A cell's escape codes quoted in a message would colour, rewrite or clear the operator's terminal, or ring it:
    every control character a command prints (but tab, new line and the progress bar's carriage return) is U+FFFD."""
    path = write_register_with_wording(tmp_path / "kode.xlsx", TERMINAL_CODES)
    for command in (("inspect", path), ("load", path, "--db", tmp_path / "ppa.duckdb")):
        run = etl(repo_root, *command)
        assert run.returncode == 0, run.stderr
        assert "'KDRT \ufffd[31mmerah\ufffd[0m\ufffd' tidak dikenal" in run.stdout
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", run.stdout + run.stderr)
    run = etl(repo_root, "inspect", path, "--json")
    # JSON escapes them itself (\u001b): a program reading it gets the text of the cell as it was
    assert any("\x1b[31mmerah" in e["message"] for e in json.loads(run.stdout)["files"][0]["errors"])
