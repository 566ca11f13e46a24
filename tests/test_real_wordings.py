"""Wordings that real registers use (relationships, services, police offence names, KDRT alone) load through
`python -m etl load` with nothing blanked: the reference vocabularies in data/reference/ know them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys

import duckdb
import pytest
from openpyxl import Workbook

from etl import vocab
from etl.values import parse_closed, parse_services, parse_violence, place_of_violence

D = dt.date(2024, 9, 3)
# UPTD PPA registers and police registers as published by Indonesian services: (jenis kekerasan, hubungan,
# layanan) as typed, and what each must be read as
ROWS = [
    ("Pencabulan", "Ayah Kandung", "Pengaduan, Psikologi", ("seksual",), "orang_tua",
     ("pengaduan", "rehabilitasi_sosial")),
    ("Persetubuhan terhadap anak", "Ayah Tiri", "Hukum", ("seksual",), "orang_tua", ("bantuan_hukum",)),
    ("KDRT fisik", "Suami", "Konsultasi Hukum, Pelayanan Medis", ("fisik",), "suami_istri",
     ("bantuan_hukum", "kesehatan")),
    ("Penganiayaan anak", "Ibu Kandung", "Konseling", ("fisik",), "orang_tua", ("rehabilitasi_sosial",)),
    ("KDRT psikis", "Ibu Tiri", "Mediasi", ("psikis",), "orang_tua", ("bantuan_hukum",)),
    ("Penelantaran anak", "Ayah Angkat", "Home Visit", ("penelantaran",), "orang_tua", ("pengaduan",)),
    ("Pelecehan seksual", "Kakek", "Pendampingan Kepolisian/Pengadilan/Psikologi", ("seksual",), "keluarga",
     ("bantuan_hukum", "rehabilitasi_sosial")),
    ("Pencabulan", "Paman", "Rumah Aman", ("seksual",), "keluarga", ("rehabilitasi_sosial",)),
    ("Pemerkosaan", "Sepupu", "Penjangkauan, Pengelolaan Kasus", ("seksual",), "keluarga",
     ("pengaduan", "rehabilitasi_sosial")),
    ("Prostitusi online", "Pacar", "Penampungan Sementara", ("tppo",), "pacar_teman", ("rehabilitasi_sosial",)),
    ("Mucikari", "Teman", "Pendampingan", ("tppo",), "pacar_teman", ("bantuan_hukum",)),
    ("Pekerja migran ilegal / nonprosedural", "Majikan", "Pemulangan", ("tppo",), "majikan", ("pemulangan",)),
    ("Eksploitasi Seksual", "Tetangga", "Kesehatan, Visum", ("eksploitasi",), "tetangga", ("kesehatan",)),
    ("Eksploitasi ekonomi", "Nenek", "Reintegrasi", ("eksploitasi",), "keluarga", ("reintegrasi_sosial",)),
    ("Pencabulan", "Ustadz", "Pendampingan Psikologis dan Bimbingan Rohani", ("seksual",), "guru",
     ("rehabilitasi_sosial", "pendampingan_tokoh_agama")),
    ("KDRT", "Suami", "Pengaduan", ("lainnya",), "suami_istri", ("pengaduan",)),
]
HEADERS = ["NO", "NO. LP", "TGL LAPOR", "KECAMATAN", "UMUR", "JK", "JENIS PERKARA", "TKP",
           "HUBUNGAN DGN PELAKU", "LAYANAN"]


def _police_register(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "September 2024"
    ws.append(["DATA KORBAN KEKERASAN PEREMPUAN DAN ANAK UNIT PPA SAT RESKRIM POLRESTA JAMBI"])
    ws.append(["BULAN SEPTEMBER 2024"])
    ws.append([])
    ws.append(HEADERS)
    for n, (form, relation, services, *_expected) in enumerate(ROWS, start=1):
        ws.append([n, f"LP/B/{n}/IX/2024", D, "Kota Baru", 15 + n, "P", form, None, relation, services])
    wb.save(path)
    return path


@pytest.mark.parametrize("form, relation, services, forms, relationship, service_codes", ROWS)
def test_each_real_wording_reads_without_a_warning(form, relation, services, forms, relationship, service_codes):
    assert parse_violence(form).value == forms
    assert parse_closed(relation, "relationship").value == relationship
    read = parse_services(services)
    assert (read.value, read.warning) == (service_codes, None)


def test_a_register_of_real_wordings_loads_with_nothing_blanked(tmp_path, repo_root):
    path = _police_register(tmp_path / "POLRESTA PPA September 2024.xlsx")
    db = tmp_path / "ppa.duckdb"
    run = subprocess.run([sys.executable, "-m", "etl", "load", path, "--db", db, "--json"], cwd=repo_root,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    (result,) = report["files"]
    assert (result["agency"], result["rows_loaded"], result["rows_rejected"]) == ("POLRESTA", len(ROWS), 0)
    # the one warning: KDRT alone asks for the form (and nothing about a relationship or service)
    assert [w["row"] for w in result["warnings"]] == [4 + len(ROWS)]
    assert "tidak menyebut bentuknya" in result["warnings"][0]["message"]
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT source_row, violence_types, place_of_incident, relationship, services "
                         "FROM victims ORDER BY source_row").fetchall()
    con.close()
    assert [(forms, relationship, services) for _, forms, _, relationship, services in stored] == [
        (list(f), r, list(s)) for *_typed, f, r, s in ROWS]
    places = {row: place for row, _, place, _, _ in stored}
    assert places[4 + 3] == places[4 + 5] == "rumah_tangga"   # KDRT fisik / psikis: a household
    assert places[4 + len(ROWS)] == "rumah_tangga"               # KDRT alone: household, form Lainnya
    assert places[4 + 1] is None                                 # nothing said, nothing assumed


def test_every_service_wording_maps_to_one_of_the_simfoni_service_groups():
    groups = {code for code, _ in vocab.closed_lists()["service"]}
    assert len(groups) == 8
    assert set(vocab.closed_list_aliases()["service"].values()) <= groups
    assert set(vocab.closed_list_index("service").values()) == groups   # each group reachable by its label


def test_a_wording_that_names_no_form_stands_aside_for_one_that_does():
    assert parse_violence("KDRT, pencabulan").value == ("seksual",)
    assert parse_violence("KDRT, pencabulan").warning is None
    assert parse_violence("KDRT").warning.reason == "bentuk_tidak_disebut"


@pytest.mark.parametrize("cell, forms, place, asks_for_form", [
    ("KDRT", ("lainnya",), "rumah_tangga", True),
    ("Kekerasan dalam rumah tangga", ("lainnya",), "rumah_tangga", True),
    ("KDRT (fisik)", ("fisik",), "rumah_tangga", False),            # the form in brackets, the place outside
    ("KDRT fisik, psikis", ("fisik", "psikis"), "rumah_tangga", False),
    ("KDRT, pencabulan", ("seksual",), "rumah_tangga", False),      # a wording naming no form stands aside
    ("Penelantaran rumah tangga", ("penelantaran",), "rumah_tangga", False),
    ("Pencabulan", ("seksual",), None, False),
    ("Eksploitasi seksual terhadap anak", ("eksploitasi",), None, False),
])
def test_kdrt_wordings_give_the_household_as_place_and_ask_for_a_missing_form(cell, forms, place, asks_for_form):
    read = parse_violence(cell)
    assert read.value == forms
    assert (read.warning is not None) == asks_for_form
    assert place_of_violence(cell) == place


def _published(shared_dir, file_name: str, column: str) -> list[str]:
    """The distinct wordings of one column of the UPT P2TP2A DKI Jakarta 2020 open data (../shared/real)."""
    path = shared_dir / "real" / "dki_saramoniica" / "data" / file_name
    if not path.exists():
        pytest.skip("../shared/real not present")
    with open(path, encoding="utf-8", newline="") as f:
        return sorted({r[column] for r in csv.DictReader(f) if r[column] and r[column] != column})


def test_a_register_with_every_wording_a_real_service_published_loads_with_nothing_blanked(tmp_path, repo_root,
                                                                                            shared_dir):
    services = _published(shared_dir, "pelayanan.csv", "jenis_pelayanan")
    relationships = _published(shared_dir, "hub_pelaku.csv", "pelaku_kekerasan")
    places = _published(shared_dir, "tempat_perkara.csv", "tempat_kejadian")
    forms = (_published(shared_dir, "bentuk_kekerasan.csv", "bentuk_kekerasan")
             + _published(shared_dir, "jenis_kekerasan.csv", "jenis_kekerasan"))
    assert len(services) >= 25 and "Rujukan Rumah Aman/Shelter" in services
    wb = Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["DATA KORBAN UPTD PPA KOTA JAMBI"])
    ws.append(["BULAN SEPTEMBER 2024"])
    ws.append(["No. Register", "Tanggal Lapor", "Kecamatan", "Jenis Kelamin", "Jenis Kekerasan", "Tempat Kejadian",
               "Hubungan dengan Pelaku", "Layanan"])
    for n, service in enumerate(services):
        ws.append([f"R-{n}", D, "Jelutung", "P", forms[n % len(forms)], places[n % len(places)],
                   relationships[n % len(relationships)], service])
    path = tmp_path / "UPTD PPA September 2024.xlsx"
    wb.save(path)
    db = tmp_path / "ppa.duckdb"
    run = subprocess.run([sys.executable, "-m", "etl", "load", path, "--db", db, "--agency", "UPTD_PPA", "--json"],
                         cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    (result,) = json.loads(run.stdout)["files"]
    assert (result["rows_loaded"], result["rows_rejected"]) == (len(services), 0)
    assert {w["message"].split(" '")[0] for w in result["warnings"]} <= {"Jenis kekerasan"}  # only 'KDRT' alone
    con = duckdb.connect(str(db), read_only=True)
    blanked = con.execute("SELECT count(*) FROM victims WHERE relationship IS NULL OR place_of_incident IS NULL "
                          "OR len(services) = 0").fetchone()[0]
    con.close()
    assert blanked == 0
