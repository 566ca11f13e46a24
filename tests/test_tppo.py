"""Issue 23: TPPO detail per victim and the case stage, from the official template and police-style layouts."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from openpyxl import Workbook

from etl import load
from etl.template import TppoEntry
from tests.loadhelpers import entry, register

MARCH, APRIL = dt.date(2024, 3, 1), dt.date(2024, 3, 31)


def _rows(db, sql: str, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _load(db, *paths, agency=None):
    report = load.load_files(list(paths), agency=agency, db=db)
    for f in report.files:
        assert f.status in ("loaded", "replaced"), (f.message, f.errors)
    return report


# ---------------------------------------------------------------- the official template's TPPO block

@pytest.mark.parametrize("variant", ["labels", "agency words"])
def test_template_tppo_block_loads_into_tppo_victims(tmp_path, variant):
    """Two variants: the dropdown labels, and what a person types instead (aliases, a city for a country)."""
    if variant == "labels":
        first = TppoEntry("Eksploitasi seksual / prostitusi (termasuk daring)", "Media sosial / aplikasi",
                          "Kepulauan Riau", "Ya", "Ya", "Kepulauan Riau")
        second = TppoEntry("Pekerja migran nonprosedural", "Calo / agen / perusahaan", "Malaysia", "Tidak",
                           "Tidak", None)
    else:
        first = TppoEntry("prostitusi online", "MiChat", "Batam", "anak", None, "Batam")
        second = TppoEntry("PMI ilegal", "sponsor", "Johor Bahru, Malaysia", "dewasa", "belum", None)
    path = register(tmp_path / "uptd.xlsx", "UPTD_PPA", MARCH, APRIL, [
        entry("U/1", dt.date(2024, 3, 4), forms=("TPPO",), age=16, tppo=first, stage="Penyidikan",
              stage_date=dt.date(2024, 3, 20)),
        entry("U/2", dt.date(2024, 3, 6), forms=("Trafficking (TPPO)", "Seksual"), age=24, sex="P", tppo=second),
        # a non-TPPO row with the block filled: the block is ignored
        entry("U/3", dt.date(2024, 3, 8), forms=("Fisik",), tppo=TppoEntry("Kerja paksa", "Keluarga", "Riau")),
    ])
    db = tmp_path / "ppa.duckdb"
    result = _load(db, path).files[0]
    assert result.rows_rejected == 0
    assert not [w for w in result.warnings if w.reason in ("daftar_tidak_dikenal", "tujuan_tidak_dikenal")], \
        result.warnings
    rows = _rows(db, "SELECT case_key, purpose, channel, destination_kind, destination, child_when_recruited, "
                     "repatriated, repatriated_from FROM tppo_victims ORDER BY case_key")
    assert rows == [
        ("UPTD_PPA:U/1", "sexual", "social_media", "other_province", "ID-KR", True, True, "ID-KR"),
        ("UPTD_PPA:U/2", "irregular_migrant_work", "broker_agency", "abroad", "MY", False, False, None),
    ]
    # the non-TPPO victim keeps nothing of the block
    assert _rows(db, "SELECT tppo_purpose, destination FROM victim_records WHERE case_key = 'UPTD_PPA:U/3'") == \
        [(None, None)]


def _police_book(path, headers, rows):
    """A police register as Polresta writes it: a title, a header row, one row per victim."""
    wb = Workbook()
    ws = wb.active
    ws.title = "TPPO 2024"
    ws.append(["DATA PERKARA TPPO UNIT PPA SAT RESKRIM POLRESTA JAMBI"])
    ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("variant", ["modus and negara tujuan", "daerah tujuan and direkrut melalui"])
def test_police_layout_with_modus_loads_into_tppo_fields(tmp_path, variant):
    if variant == "modus and negara tujuan":
        headers = ["No", "No. LP", "Tgl LP", "Nama Korban", "Umur", "JK", "Kecamatan", "Jenis Perkara", "Modus",
                   "Negara Tujuan", "Proses"]
        rows = [
            [1, "LP/B/101/III/2024", "05/03/2024", "Korban A", 17, "P", "Jelutung", "TPPO",
             "Dijanjikan kerja di restoran, ternyata dijadikan PSK lewat MiChat", "Malaysia", "Sidik"],
            [2, "LP/B/102/III/2024", "12/03/2024", "Korban B", 22, "P", "Kota Baru", "Perdagangan orang",
             "PMI nonprosedural melalui calo", "Kamboja", "P21"],
            [3, "LP/B/103/III/2024", "15/03/2024", "Korban C", 9, "L", "Jambi Timur", "Penganiayaan anak",
             "bujuk rayu", None, "Lidik"],
        ]
    else:
        headers = ["No", "Nomor LP", "Tanggal Laporan", "Nama", "Usia", "L/P", "Kec.", "Tindak Pidana",
                   "Direkrut Melalui", "Daerah Tujuan", "Tujuan Eksploitasi", "Dipulangkan Dari", "Tahap",
                   "Tanggal Tahap"]
        rows = [
            [1, "LP/B/101/III/2024", "05/03/2024", "Korban A", 17, "P", "Jelutung", "TPPO", "media sosial",
             "Johor", "prostitusi", "Malaysia", "sidik", "20/03/2024"],
            [2, "LP/B/102/III/2024", "12/03/2024", "Korban B", 22, "P", "Kota Baru", "Perdagangan orang", "calo",
             "Phnom Penh", "online scam", None, "tahap II", "28/03/2024"],
            [3, "LP/B/103/III/2024", "15/03/2024", "Korban C", 9, "L", "Jambi Timur", "Penganiayaan anak", None,
             None, None, None, "lidik", None],
        ]
    path = _police_book(tmp_path / "polresta tppo maret 2024.xlsx", headers, rows)
    db = tmp_path / "ppa.duckdb"
    result = _load(db, path, agency="POLRESTA").files[0]
    assert (result.rows_read, result.rows_rejected) == (3, 0), result.errors
    rows = _rows(db, "SELECT case_ref, purpose, channel, destination_kind, destination, child_when_recruited "
                     "FROM tppo_victims JOIN victims USING (victim_key) ORDER BY case_ref")
    second_purpose = "irregular_migrant_work" if variant.startswith("modus") else "forced_online_crime"
    assert rows == [
        ("LP/B/101/III/2024", "sexual", "social_media" if variant.startswith("daerah") else "job_offer", "abroad",
         "MY", True),
        ("LP/B/102/III/2024", second_purpose, "broker_agency", "abroad", "KH", False),
    ]
    stages = dict(_rows(db, "SELECT case_key, stage FROM case_stages"))
    assert stages == {"POLRESTA:LP/B/101/III/2024": "investigation", "POLRESTA:LP/B/102/III/2024": "prosecution",
                      "POLRESTA:LP/B/103/III/2024": "investigation"}
    # the archive keeps no free text of the modus cell, and reads back the same
    rebuilt = load.rebuild(db)
    assert not rebuilt.any_failed
    assert _rows(db, "SELECT case_ref, purpose, channel, destination FROM tppo_victims JOIN victims "
                     "USING (victim_key) ORDER BY case_ref") == [r[:3] + (r[4],) for r in rows]


def test_modus_free_text_is_not_archived(tmp_path):
    path = _police_book(tmp_path / "polresta.xlsx", ["No. LP", "Tgl LP", "Umur", "JK", "Kecamatan",
                                                     "Jenis Perkara", "Modus"],
                        [["LP/1", "05/03/2024", 17, "P", "Jelutung", "TPPO",
                          "Pelaku Budiman menawarkan kerja via Facebook ke Malaysia"]])
    db = tmp_path / "ppa.duckdb"
    result = _load(db, path, agency="POLRESTA").files[0]
    raw = (db.parent / "raw" / f"{result.submission_id}.cells").read_bytes()
    import io
    import zipfile
    text = b"".join(zipfile.ZipFile(io.BytesIO(raw)).read(n) for n in zipfile.ZipFile(io.BytesIO(raw)).namelist())
    assert b"Budiman" not in text
    assert b"job_offer" in text


# ---------------------------------------------------------------- case stages

def test_case_stages_default_to_reported_and_take_the_latest_submission(tmp_path):
    db = tmp_path / "ppa.duckdb"
    first = register(tmp_path / "uptd maret.xlsx", "UPTD_PPA", MARCH, APRIL, [
        entry("U/1", dt.date(2024, 3, 4), stage="Dilaporkan", stage_date=dt.date(2024, 3, 4)),
        entry("U/2", dt.date(2024, 3, 5)),
    ])
    _load(db, first)
    assert sorted(_rows(db, "SELECT case_key, stage, stage_date, stated FROM case_stages")) == [
        ("UPTD_PPA:U/1", "reported", dt.date(2024, 3, 4), True),
        ("UPTD_PPA:U/2", "reported", dt.date(2024, 3, 5), False)]
    # a revision of the same months states a later stage
    revised = register(tmp_path / "uptd maret revisi.xlsx", "UPTD_PPA", MARCH, APRIL, [
        entry("U/1", dt.date(2024, 3, 4), stage="P21", stage_date=dt.date(2024, 4, 2)),
        entry("U/2", dt.date(2024, 3, 5), stage="SP3", stage_date="10/04/2024"),
    ])
    _load(db, revised)
    assert sorted(_rows(db, "SELECT case_key, stage, stage_date FROM case_stages")) == [
        ("UPTD_PPA:U/1", "prosecution", dt.date(2024, 4, 2)), ("UPTD_PPA:U/2", "stopped", dt.date(2024, 4, 10))]


def test_a_later_police_file_advances_a_matched_case_and_changes_the_funnel(tmp_path):
    from report import queries
    from report.queries import Filters

    db = tmp_path / "ppa.duckdb"
    uptd = register(tmp_path / "uptd.xlsx", "UPTD_PPA", MARCH, APRIL, [
        entry("U/1", dt.date(2024, 3, 4), district="Jelutung", age=15, forms=("TPPO",), stage="Dilaporkan"),
        entry("U/2", dt.date(2024, 3, 9), district="Kota Baru", age=30, forms=("Fisik",)),
    ])
    _load(db, uptd)
    con = duckdb.connect(str(db), read_only=True)
    f = Filters(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    before = queries.stage_funnels(con, f)["all"]
    con.close()
    # the same victim reported by the police a few days later, investigated and sent to the prosecutor; and a police
    # case nobody else reported
    police = _police_book(tmp_path / "polresta.xlsx",
                          ["No. LP", "Tgl LP", "Umur", "JK", "Kecamatan", "Jenis Perkara", "Proses", "Tgl Status"],
                          [["LP/7", "08/03/2024", 15, "P", "Jelutung", "TPPO", "P21", "25/03/2024"],
                           ["LP/8", "20/03/2024", 40, "P", "Danau Teluk", "KDRT fisik", "Lidik", "21/03/2024"]])
    _load(db, police, agency="POLRESTA")
    stages = dict(_rows(db, "SELECT case_key, stage FROM case_stages"))
    assert stages == {"UPTD_PPA:U/1": "prosecution", "UPTD_PPA:U/2": "reported",
                      "POLRESTA:LP/8": "investigation"}
    con = duckdb.connect(str(db), read_only=True)
    after = queries.stage_funnels(con, f)["all"]
    con.close()
    as_dict = lambda df: dict(zip(df["stage"], df["cases"]))  # noqa: E731
    assert as_dict(before)["prosecution"] == 0 and as_dict(after)["prosecution"] == 1
    assert as_dict(after)["reported"] == 3
    # an unmatched police case of another victim does not touch the UPTD case
    assert _rows(db, "SELECT stage FROM case_stages WHERE case_key = 'UPTD_PPA:U/2'") == [("reported",)]


# ---------------------------------------------------------------- BP3MI, Imigrasi, Disnaker: listed, off until enabled

def test_bp3mi_is_refused_until_the_operator_enables_it(tmp_path, monkeypatch):
    import shutil

    from etl import columns, vocab
    from etl.model import UsageError

    assert "BP3MI" not in vocab.agency_codes() and "DISNAKER" not in vocab.agency_codes()
    path = _police_book(tmp_path / "bp3mi pemulangan maret 2024.xlsx",
                        ["No. Register", "Tanggal Pengaduan", "Usia", "Jenis Kelamin", "Kecamatan", "Jenis Kasus",
                         "Negara Penempatan", "Direkrut Melalui", "Dipulangkan Dari"],
                        [["BP/1", "05/03/2024", 23, "P", "Paal Merah", "TPPO", "Arab Saudi", "sponsor",
                          "Riyadh"]])
    with pytest.raises(UsageError, match="BP3MI' terdaftar tetapi belum diaktifkan"):
        load.load_files([path], agency="BP3MI", db=tmp_path / "ppa.duckdb")
    with pytest.raises(UsageError, match="Kode lembaga 'BUKAN_LEMBAGA' tidak dikenal"):
        load.load_files([path], agency="bukan_lembaga", db=tmp_path / "ppa.duckdb")
    reference = tmp_path / "rujukan"
    shutil.copytree(vocab.reference_dir(), reference)
    text = (reference / "agencies.csv").read_text(encoding="utf-8")
    (reference / "agencies.csv").write_text(text.replace("bp2mi,tidak", "bp2mi,ya"), encoding="utf-8")
    monkeypatch.setenv("PPA_REFERENCE", str(reference))
    columns.clear_caches()
    try:
        assert "BP3MI" in vocab.agency_codes() and "IMIGRASI" not in vocab.agency_codes()
        db = tmp_path / "enabled.duckdb"
        _load(db, path, agency="BP3MI")
        assert _rows(db, "SELECT agency, destination_kind, destination, channel, repatriated, repatriated_from "
                         "FROM tppo_victims") == [("BP3MI", "abroad", "SA", "broker_agency", True, "SA")]
    finally:
        monkeypatch.delenv("PPA_REFERENCE")
        columns.clear_caches()
