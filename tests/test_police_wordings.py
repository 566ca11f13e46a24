"""Offences as Unit PPA writes them: article and law ("Pasal 81 UU 35/2014"), read through law_articles.csv, in an
offence column or a Pasal/UU column; and the advice of a rejected wording, followed, makes the row load (issue 16,
item 2)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl import vocab
from etl.model import Problem
from etl.parse import parse_workbook
from etl.values import _split_top_level, parse_offence, parse_violence, place_of_violence

TODAY = dt.date(2024, 7, 15)
DAY = dt.date(2024, 6, 3)

# the wordings of issue 16 and the forms their law and article name
WORDINGS = [
    ("Pasal 81 UU 35/2014", ("seksual",)),
    ("Pasal 82 UU No. 17 Tahun 2016", ("seksual",)),
    ("TPPO UU 21/2007", ("tppo",)),
    ("KDRT fisik Pasal 44 UU 23/2004", ("fisik",)),
    ("Pasal 76E jo 82", ("seksual",)),
    ("UU TPKS", ("seksual",)),
    ("Pasal 285 KUHP", ("seksual",)),
    ("Psl 351 KUHP", ("fisik",)),
    ("UU RI No. 23 Th 2004 Ps. 44 ayat (1)", ("fisik",)),
    ("Pasal 45 UU 23/2004", ("psikis",)),
    ("Pasal 47 UU PKDRT", ("seksual",)),
    ("Pasal 49 UU 23/2004", ("penelantaran",)),
    ("Pasal 80 ayat (1) UU 35/2014", ("fisik",)),
    ("Pasal 81 jo 76D UU 35/2014 tentang Perlindungan Anak", ("seksual",)),
    ("Pasal 88 jo 76I UU 35/2014", ("eksploitasi",)),
    ("Pasal 77B jo 76B UU No. 35 Tahun 2014", ("penelantaran",)),
    ("Pasal 76 E jo Pasal 82 ayat (1) UU RI Nomor 17 Tahun 2016", ("seksual",)),
    ("Pasal 2 UU 21/2007", ("tppo",)),                       # any article of the TPPO law is trafficking
    ("Pasal 6 UU 12/2022", ("seksual",)),
    ("Pasal 289 KUHP", ("seksual",)),
    ("Pasal 356 KUHP", ("fisik",)),
    ("Persetubuhan Pasal 81 UU 35/2014", ("seksual",)),
    ("Pencabulan (Pasal 82 UU 35/2014)", ("seksual",)),
    ("Pasal 81 UU 35/2014, Pasal 44 UU 23/2004", ("fisik", "seksual")),
    ("Pasal 80 UU 35/2014 dan Pasal 45 UU 23/2004", ("fisik", "psikis")),
    ("KDRT, Pasal 45 UU 23/2004", ("psikis",)),              # 'KDRT' names no form: the article does
    ("Pasal 76C/80 UU 35/2014", ("fisik",)),                 # two articles of one offence
    ("Pasal 76D/81", ("seksual",)),
]


@pytest.mark.parametrize("wording, forms", WORDINGS)
def test_each_police_wording_maps_to_its_form(wording, forms):
    outcome = parse_violence(wording)
    assert not isinstance(outcome, Problem), outcome.message
    assert (outcome.value, outcome.warning) == (forms, None)


@pytest.mark.parametrize("text, parts", [
    ("Pasal 81 UU 35/2014", ["Pasal 81 UU 35/2014"]),
    ("Pasal 81 UU No. 35 / 2014, Fisik", ["Pasal 81 UU No. 35 / 2014", "Fisik"]),
    ("TPPO UU 21/2007/Psikis", ["TPPO UU 21/2007", "Psikis"]),
    ("Fisik/Psikis", ["Fisik", "Psikis"]),                    # a '/' between wordings still separates them
    ("Pasal 76C/80", ["Pasal 76C", "80"]),
])
def test_a_slash_inside_a_law_number_is_not_a_list_separator(text, parts):
    assert _split_top_level(text) == parts


def test_a_law_named_without_article_that_names_no_form_is_vague_like_kdrt():
    outcome = parse_violence("UU 23/2004")
    assert outcome.value == ("lainnya",)
    assert outcome.warning.reason == "bentuk_tidak_disebut"
    assert parse_violence("KDRT fisik Pasal 44 UU 23/2004").value == ("fisik",)
    assert place_of_violence("KDRT fisik Pasal 44 UU 23/2004") == "rumah_tangga"
    assert place_of_violence("Pasal 45 UU 23/2004") == place_of_violence("UU PKDRT") == "rumah_tangga"
    assert place_of_violence("Pasal 81 UU 35/2014") is None


@pytest.mark.parametrize("wording, says", [
    ("Pasal 170 KUHP", "pasal 170 KUHP belum ada di daftar pasal undang-undang"),
    ("Pasal 99", "pasal 99 tanpa nama undang-undang tidak dikenal"),
    ("Pasal 50 UU 23/2004", "pasal 50 UU 23/2004 belum ada di daftar pasal undang-undang"),
])
def test_an_article_the_table_does_not_resolve_is_rejected_naming_both_fixes(wording, says):
    outcome = parse_violence(wording)
    assert isinstance(outcome, Problem) and outcome.reason == "bentuk_tidak_dikenal"
    assert outcome.message.startswith(f"Jenis kekerasan '{wording}' tidak dikenal: {says}.")
    assert outcome.message.endswith("minta operator menambahkan ejaan ini ke daftar ejaan bentuk kekerasan (di "
                                    "halaman Unggah Data).")
    assert "data/reference" not in outcome.message and ".csv" not in outcome.message


def test_an_article_without_a_law_in_two_laws_with_different_forms_asks_for_the_law(tmp_path, monkeypatch):
    reference = _reference_copy(tmp_path)
    _append(reference / "law_articles.csv", law="kuhp", article="82", violence_types="fisik")
    monkeypatch.setenv("PPA_REFERENCE", str(reference))
    vocab.clear_caches()
    try:
        outcome = parse_violence("Pasal 76E jo 82")
        assert isinstance(outcome, Problem)
        assert "pasal 82 ada di lebih dari satu undang-undang" in outcome.message
        assert parse_violence("Pasal 82 UU 35/2014").value == ("seksual",)   # with its law it still reads
    finally:
        monkeypatch.delenv("PPA_REFERENCE")
        vocab.clear_caches()


@pytest.mark.parametrize("offence, citation, forms, warning", [
    ("Pencabulan", "82 UU 35/2014", ("seksual",), None),
    ("Penganiayaan anak", 80, ("fisik",), None),                # a bare number in the Pasal column is an article
    ("KDRT", "Pasal 44 UU 23/2004", ("fisik",), None),          # the citation names the form KDRT does not
    (None, "Pasal 81 UU 35/2014", ("seksual",), None),
    ("Perdagangan orang", "-", ("tppo",), None),
    ("Pencabulan", "Pasal 170 KUHP", ("seksual",), "pasal_tidak_dikenal"),
])
def test_an_offence_and_its_pasal_cell_are_read_together(offence, citation, forms, warning):
    outcome = parse_offence(offence, citation)
    assert outcome.value == forms
    assert getattr(outcome.warning, "reason", None) == warning


# ---------------------------------------------------------------- registers as the police send them

def _police_register_with_pasal_column(path: Path) -> Path:
    """Variant 1: Jenis Perkara beside a Pasal/UU column, two header rows, names of victims."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "LP Juni 2024"
    ws.append(["DATA LAPORAN POLISI KASUS PEREMPUAN DAN ANAK"])
    ws.append(["UNIT PPA SAT RESKRIM POLRESTA JAMBI"])
    ws.append(["BULAN JUNI 2024"])
    ws.append([])
    ws.append(["NO", "NO. LP", "TGL LP", "NAMA KORBAN", "UMUR", "JK", "KECAMATAN", "JENIS PERKARA", "PASAL/UU"])
    rows = [
        ("Persetubuhan", "Pasal 81 UU 35/2014"),
        ("Pencabulan", "Pasal 82 UU No. 17 Tahun 2016"),
        ("Perdagangan orang", "UU 21/2007"),
        ("KDRT", "Pasal 44 UU 23/2004"),
        ("Pencabulan", "Pasal 76E jo 82"),
        ("Penganiayaan", "Psl 351 KUHP"),
        (None, "Pasal 285 KUHP"),
        ("Kekerasan seksual", "UU TPKS"),
        ("KDRT", "UU RI No. 23 Th 2004 Ps. 44 ayat (1)"),
        ("Penganiayaan anak", 80),
        ("Pencabulan", "Pasal 170 KUHP"),
        ("Penganiayaan", "Pasal 45 UU 23/2004"),
        (None, "Pasal 99"),
    ]
    for n, (offence, citation) in enumerate(rows, start=1):
        ws.append([n, f"LP/B/{n}/VI/2024", DAY, f"Korban Contoh {n}", 14, "P", "Jelutung", offence, citation])
    wb.save(path)
    return path


PASAL_COLUMN_FORMS = [("seksual",), ("seksual",), ("tppo",), ("fisik",), ("seksual",), ("fisik",), ("seksual",),
                      ("seksual",), ("fisik",), ("fisik",), ("seksual",), ("fisik", "psikis")]


def _police_register_with_law_in_offence(path: Path, wordings: list[str]) -> Path:
    """Variant 2: the law and article written inside Jenis Kasus, one header row, no Pasal column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juni"
    ws.append(["REKAP LP UNIT PPA POLRESTA JAMBI JUNI 2024"])
    ws.append(["No", "No LP", "Tanggal Lapor", "Jenis Kelamin", "Usia", "Kecamatan", "Jenis Kasus"])
    for n, wording in enumerate(wordings, start=1):
        ws.append([n, f"LP/{n}/VI/2024", f"{DAY:%d/%m/%Y}", "P", "12 th", "Kota Baru", wording])
    wb.save(path)
    return path


def test_a_register_with_a_pasal_column_reads_each_offence_with_its_article(tmp_path):
    parsed = parse_workbook(_police_register_with_pasal_column(tmp_path / "polresta.xlsx"), today=TODAY)
    assert parsed.agency == "POLRESTA"
    (error,) = parsed.errors     # the Pasal/UU cell alone names no known article: rejected, located there
    assert (error.row, error.column, error.reason) == (18, "PASAL/UU", "bentuk_tidak_dikenal")
    victims = parsed.victim_table.to_pylist()
    assert [tuple(v["violence_types"]) for v in victims] == PASAL_COLUMN_FORMS
    places = [v["place_of_incident"] for v in victims]
    assert places[3] == places[8] == "rumah_tangga"     # KDRT: a household
    assert places[11] == "rumah_tangga"                 # a PKDRT article: a household too
    assert places[0] is None
    (warning,) = parsed.warnings
    assert (warning.row, warning.column, warning.reason) == (16, "PASAL/UU", "pasal_tidak_dikenal")
    assert warning.message.startswith("Pasal/UU 'Pasal 170 KUHP' tidak dikenal (bentuk diambil dari jenis "
                                      "kekerasan saja)")
    assert "PASAL/UU" in parsed.detected["sheets"][0]["columns"]


def test_a_register_with_the_law_inside_jenis_kasus_reads_each_wording(tmp_path):
    path = _police_register_with_law_in_offence(tmp_path / "polresta juni.xlsx", [w for w, _ in WORDINGS])
    parsed = parse_workbook(path, agency="POLRESTA", today=TODAY)
    assert parsed.errors == [] and parsed.warnings == []
    assert [tuple(v["violence_types"]) for v in parsed.victim_table.to_pylist()] == [f for _, f in WORDINGS]


# ---------------------------------------------------------------- the advice of a rejected wording works

def _reference_copy(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(vocab.REPO_ROOT / "data" / "reference", target)
    return target


def _load(path: Path, db: Path, reference: Path, repo_root: Path) -> dict:
    run = subprocess.run([sys.executable, "-m", "etl", "load", str(path), "--db", str(db), "--json"], cwd=repo_root,
                         capture_output=True, text=True, timeout=300,
                         env={**_environment(), "PPA_REFERENCE": str(reference)})
    assert "Traceback" not in run.stderr
    (result,) = json.loads(run.stdout)["files"]
    return result


def _environment() -> dict:
    import os
    return {k: v for k, v in os.environ.items() if k != "PPA_REFERENCE"}


def _first_list(message: str) -> str:
    """The reference file of the first list a message asks the operator to extend (vocab.LIST_NAMES)."""
    named = {message.find(name): file for file, name in vocab.LIST_NAMES.items() if name in message}
    return named[min(named)]


def _follow(message: str, reference: Path, form: str) -> None:
    """Do what a rejection message says: add its quoted wording to the first reference list it names, as a
    spelling (daftar ejaan bentuk kekerasan) or as the article it names (daftar pasal undang-undang)."""
    wording = re.match(r"Jenis kekerasan '([^']+)' tidak dikenal", message)[1]
    file_name = _first_list(message)
    if file_name == "law_articles.csv":
        article, label = re.search(r"menambahkan pasal (\w+) (.+?) beserta bentuk", message).groups()
        law = {name: code for code, name in vocab.law_articles().labels.items()}[label]
        _append(reference / file_name, law=law, article=article, violence_types=form)
    else:
        _append(reference / file_name, wording=wording, violence_types=form)


def _append(path: Path, **row: str) -> None:
    """A row added at the end of a reference CSV, by column name (other columns empty)."""
    with open(path, encoding="utf-8", newline="") as f:
        columns = next(csv.reader(f))
    with open(path, "a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, columns, restval="", lineterminator="\n").writerow(row)


def test_following_the_advice_of_a_rejection_makes_the_row_load(tmp_path, repo_root):
    reference = _reference_copy(tmp_path)
    wordings = ["Pasal 81 UU 35/2014", "Pasal 170 KUHP", "Pengeroyokan anak", "Pasal 99 jo 100"]
    path = _police_register_with_law_in_offence(tmp_path / "polresta juni.xlsx", wordings)
    first = _load(path, tmp_path / "one" / "ppa.duckdb", reference, repo_root)
    assert (first["rows_loaded"], first["rows_rejected"]) == (1, 3)
    messages = [e["message"] for e in first["errors"]]
    assert [_first_list(m) for m in messages] == [
        "law_articles.csv", "violence_aliases.csv", "violence_aliases.csv"]
    for message in messages:
        _follow(message, reference, "fisik")
    again = _load(path, tmp_path / "two" / "ppa.duckdb", reference, repo_root)
    assert (again["rows_loaded"], again["rows_rejected"]) == (4, 0), again["errors"]
    con = duckdb.connect(str(tmp_path / "two" / "ppa.duckdb"), read_only=True)
    stored = con.execute("SELECT violence_types FROM victims ORDER BY source_row").fetchall()
    con.close()
    assert [tuple(f) for (f,) in stored] == [("seksual",), ("fisik",), ("fisik",), ("fisik",)]
