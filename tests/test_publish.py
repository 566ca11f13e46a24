"""The public extract: only protected aggregates, no victim rows, no accounts, nothing the rules forbid."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from report import disclosure as dc


@pytest.fixture(scope="module")
def extract(demo_db_master, tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp("publik") / "publik.duckdb"
    r = subprocess.run([sys.executable, "-m", "etl", "publish", "--db", str(demo_db_master), "--out", str(out)],
                       cwd=repo_root, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Database publik ditulis" in r.stdout
    return out


def test_extract_holds_only_the_public_tables(extract):
    with duckdb.connect(str(extract), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns").fetchall()}
    assert tables == {"public_periods", "public_counts", "public_meta"}
    for leak in ("victim_key", "case_key", "case_ref", "age", "subdistrict", "subdistrict_code", "notes", "hash",
                 "report_date", "month"):
        assert leak not in columns


def test_extract_has_no_forbidden_count(extract):
    with duckdb.connect(str(extract), read_only=True) as con:
        rows = con.execute("SELECT table_name, dim1, key1, dim2, key2, value, label, suppressed FROM public_counts"
                           ).fetchall()
        kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM public_periods").fetchall()}
        dims = {r[0] for r in con.execute("SELECT DISTINCT dim1 FROM public_counts UNION "
                                          "SELECT DISTINCT dim2 FROM public_counts").fetchall()}
    assert rows
    assert kinds <= {"triwulan", "semester", "tahun"}
    assert dims <= {None, "kecamatan", "bentuk", "kelompok_umur", "jenis_kelamin", "tujuan_eksploitasi", "daerah_tujuan"}
    for table, d1, k1, d2, k2, value, label, suppressed in rows:
        assert suppressed == (value is None)
        if value is None:
            assert label in ("<5", "<10", "x")
            continue
        strict = "tppo" in table or k1 == "tppo" or (k1 == "seksual" and k2 == "anak")
        limit = dc.threshold(strict) if (d1 is not None or "tppo" in table) else dc.THRESHOLD
        assert value == 0 or value >= limit, (table, k1, k2, value)
        assert label == dc.format_count(value)


def test_extract_agrees_with_the_analytics_database(extract, demo_db_master):
    with duckdb.connect(str(demo_db_master), read_only=True) as con:
        victims_2023 = con.execute("SELECT count(*) FROM victims WHERE duplicate_of IS NULL "
                                   "AND year(report_date) = 2023").fetchone()[0]
    with duckdb.connect(str(extract), read_only=True) as con:
        published = con.execute("SELECT value FROM public_counts WHERE period_code = '2023' "
                                "AND table_name = 'korban' AND part = 'total'").fetchone()[0]
        suppressed = con.execute("SELECT count(*) FROM public_counts WHERE suppressed").fetchone()[0]
    assert published == victims_2023
    assert suppressed > 0  # the demo has small cells: protection is really exercised


def test_publish_refuses_missing_database(tmp_path, repo_root):
    r = subprocess.run([sys.executable, "-m", "etl", "publish", "--db", str(tmp_path / "tidak-ada.duckdb"),
                        "--out", str(tmp_path / "p.duckdb")], cwd=repo_root, capture_output=True, text=True)
    assert r.returncode == 1
    assert "tidak ada" in r.stderr
