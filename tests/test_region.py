"""Another region, built from scratch as a new DPMPPA would (three kecamatan, its own names), configured once in a
settings file: the demo, every page, the paparan files and the messages carry its names and never 'Jambi'."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import streamlit as st
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from app import auth
from app.navigation import OPERATOR_PAGES, PAGES, PUBLIC_PAGES
from etl import columns, compliance, vocab
from etl.template import RegisterEntry, write_register

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = "jambi"
REGION_NAME = "Kabupaten Sukamakmur"
GENERIC = ("violence_types.csv", "violence_aliases.csv", "age_bands.csv", "closed_lists.csv", "closed_list_aliases.csv",
           "column_synonyms.csv", "case_detail_lists.csv", "case_detail_aliases.csv", "destinations.csv",
           "law_articles.csv")


def write_region(folder: Path) -> Path:
    """A reference folder for a made-up kabupaten with three kecamatan, written as docs/wilayah-baru.md says."""
    folder.mkdir(parents=True)
    for name in GENERIC:  # the national vocabularies are the same everywhere
        shutil.copy(REPO / "data" / "reference" / name, folder / name)
    (folder / "region.toml").write_text(
        'code = "99.07"\n'
        f'name = "{REGION_NAME}"\n'
        'government = "Pemerintah Kabupaten Sukamakmur"\n'
        'office = "Dinas Pemberdayaan Perempuan dan Perlindungan Anak"\n'
        'office_short = "DP3A Kabupaten Sukamakmur"\n', encoding="utf-8")
    (folder / "districts.csv").write_text(
        "district_code,district\n99.07.01,Sukamaju\n99.07.02,Bukit Harapan\n99.07.03,Tanjung Sari\n",
        encoding="utf-8")
    (folder / "subdistricts.csv").write_text(
        "subdistrict_code,subdistrict,district_code,postcode,new_in_2023\n"
        "99.07.01.2001,Sukamaju Ilir,99.07.01,,\n99.07.01.2002,Sukamaju Ulu,99.07.01,,\n"
        "99.07.02.2001,Harapan Baru,99.07.02,,\n99.07.02.2002,Harapan Jaya,99.07.02,,\n"
        "99.07.03.2001,Sari Mulya,99.07.03,,\n99.07.03.2002,Sari Rejo,99.07.03,,\n", encoding="utf-8")
    (folder / "place_aliases.csv").write_text("level,code,alias,note\nkecamatan,99.07.02,Bkt Harapan,singkatan\n",
                                              encoding="utf-8")
    (folder / "out_of_area.csv").write_text("place,belongs_to\nPadang Luas,Kabupaten Tetangga\n", encoding="utf-8")
    (folder / "district_tiles.csv").write_text("district_code,row,col\n99.07.01,0,0\n99.07.02,0,1\n99.07.03,1,0\n",
                                               encoding="utf-8")
    (folder / "agencies.csv").write_text(
        "agency,name,priority,report_due_day,keywords\n"
        "UPTD_PPA,UPTD PPA Kabupaten Sukamakmur,1,10,uptd ppa\n"
        "POLRESTA,Unit PPA Polres Sukamakmur,2,10,polres\n"
        "RSUD,RSUD Sukamakmur,3,10,rsud\n"
        "PUSKESMAS,Puskesmas se-Kabupaten Sukamakmur,4,10,puskesmas\n"
        "DINSOS,Dinas Sosial Kabupaten Sukamakmur,5,10,dinas sosial\n"
        "LSM,LSM Pendamping,6,10,lsm\n", encoding="utf-8")
    return folder


def etl(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """A deployment folder with ppa.toml (reference folder and database), its demo database and its paparan."""
    home = tmp_path_factory.mktemp("sukamakmur")
    write_region(home / "rujukan")
    (home / "ppa.toml").write_text('reference = "rujukan"\ndb = "data/ppa.duckdb"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPA_")}
    env["PPA_CONFIG"] = str(home / "ppa.toml")
    demo = etl("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    paparan = etl("paparan", "--dari", "2024-01", "--sampai", "2024-10", "--out", str(home / "paparan"), env=env)
    return home, env, demo, paparan


def test_the_settings_file_places_database_and_reference_folder(region):
    home, env, demo, _ = region
    assert (home / "data" / "ppa.duckdb").exists()
    assert str(home / "data" / "ppa.duckdb") in demo.stdout
    config = etl("config", env=env)
    assert config.returncode == 0, config.stderr
    assert f"file pengaturan {home / 'ppa.toml'}" in config.stdout and str(home / "rujukan") in config.stdout


def demo_cases_jan_oct_2024() -> int:
    """Kota Jambi's 117 + 32 cases scaled to three kecamatan of eleven (etl/demo.py)."""
    return round(117 * 3 / 11) + round(32 * 3 / 11)


def test_demo_data_lie_in_the_three_kecamatan(region):
    import duckdb
    home, *_ = region
    with duckdb.connect(str(home / "data" / "ppa.duckdb"), read_only=True) as con:
        districts = {r[0] for r in con.execute("SELECT DISTINCT district FROM victims").fetchall()}
        cases = con.execute("SELECT count(DISTINCT case_key) FROM victims WHERE duplicate_of IS NULL AND "
                            "report_date BETWEEN '2024-01-01' AND '2024-10-31'").fetchone()[0]
    assert districts == {"Sukamaju", "Bukit Harapan", "Tanjung Sari"}
    assert cases == demo_cases_jan_oct_2024()


def test_paparan_files_say_the_region_and_never_jambi(region):
    home, _, _, paparan = region
    assert paparan.returncode == 0, paparan.stderr
    out = home / "paparan"
    files = sorted(p.name for p in out.iterdir())
    named = [f for f in files if f != "angka-publik.csv"]  # the infographic's numbers, a fixed name (issue 17)
    assert named and all("kabupaten-sukamakmur" in f and FORBIDDEN not in f for f in named)
    assert FORBIDDEN not in (out / "angka-publik.csv").read_text(encoding="utf-8").lower()
    assert FORBIDDEN not in (paparan.stdout + paparan.stderr).lower()
    deck_file, = out.glob("paparan-*.pptx")
    deck = Presentation(deck_file)
    deck_text = " ".join(s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame)
    deck_text += " ".join(slide.notes_slide.notes_text_frame.text for slide in deck.slides if slide.has_notes_slide)
    deck_text += deck.core_properties.title + deck.core_properties.author
    assert REGION_NAME in deck_text and FORBIDDEN not in deck_text.lower()
    pdf_file, = out.glob("paparan-*.pdf")
    pdf_text = subprocess.run(["pdftotext", str(pdf_file), "-"], capture_output=True, text=True, check=True).stdout
    assert "PEMERINTAH KABUPATEN SUKAMAKMUR" in pdf_text and FORBIDDEN not in pdf_text.lower()
    for book_file in out.glob("*.xlsx"):
        book = openpyxl.load_workbook(book_file)
        cells = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
                         if c.value is not None)
        assert REGION_NAME in cells and FORBIDDEN not in cells.lower()


def test_messages_and_reminders_name_the_region(region, monkeypatch, tmp_path):
    import duckdb
    home, env, *_ = region
    monkeypatch.setenv("PPA_CONFIG", env["PPA_CONFIG"])
    vocab.clear_caches()
    try:
        with duckdb.connect(str(home / "data" / "ppa.duckdb"), read_only=True) as con:
            statuses = compliance.compliance(con, dt.date(2024, 9, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 20))
        texts = compliance.reminders(statuses)
        path = tmp_path / "uptd.xlsx"
        write_register(path, [RegisterEntry(case_ref="X-1", report_date=dt.date(2024, 11, 4), district="Padang Luas",
                                            sex="P", age=12, forms=("Fisik",)),
                              RegisterEntry(case_ref="X-2", report_date=dt.date(2024, 11, 5), district="Sukamaju",
                                            sex="P", age=12, forms=("Fisik",))],
                       agency="UPTD_PPA", period=(dt.date(2024, 11, 1), dt.date(2024, 11, 1)))
    finally:
        vocab.clear_caches()
    assert texts and all(t.endswith("DP3A Kabupaten Sukamakmur") for t in texts.values())
    assert FORBIDDEN not in " ".join(texts.values()).lower()
    copy = tmp_path / "db.duckdb"
    shutil.copy(home / "data" / "ppa.duckdb", copy)
    loaded = etl("load", str(path), "--db", str(copy), env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "Padang Luas" in loaded.stdout and f"terjadi di {REGION_NAME}" in loaded.stdout
    history = etl("history", "--db", str(copy), env=env)
    assert history.returncode == 0 and FORBIDDEN not in (loaded.stdout + history.stdout).lower()


def _texts(node) -> list[str]:
    children = getattr(node, "children", None)
    if children:
        return [t for child in children.values() for t in _texts(child)]
    proto = getattr(node, "proto", None)
    return [str(proto)] if proto is not None else []


@pytest.fixture()
def region_app(region, monkeypatch):
    home, env, *_ = region
    for key in [k for k in os.environ if k.startswith("PPA_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PPA_CONFIG", env["PPA_CONFIG"])
    vocab.clear_caches()
    columns.clear_caches()
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    vocab.clear_caches()
    columns.clear_caches()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("spec", PUBLIC_PAGES + PAGES + OPERATOR_PAGES, ids=lambda s: s.path)
def test_no_page_says_jambi(region_app, spec):
    at = AppTest.from_file("../dashboard.py", default_timeout=180)
    if spec not in PUBLIC_PAGES:
        at.session_state[auth.SESSION_KEY] = auth.session_record("uji", "operator")
    at.query_params.update(dari="2024-01", sampai="2024-10")
    at.run()
    at.switch_page(spec.path)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    text = "\n".join(_texts(at._tree))
    assert len(text) > 500
    assert FORBIDDEN not in text.lower()
    if spec.path not in ("pages/unggah.py", "pages/riwayat.py"):
        assert "Sukamakmur" in text or "Sukamaju" in text
