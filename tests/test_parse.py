"""parse_workbook on real generated workbooks: official templates, messy agency layouts, legacy formats, failures."""

from __future__ import annotations

import collections
import datetime as dt
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest

from etl import columns, template, vocab
from etl.model import WorkbookError
from etl.parse import parse_workbook

TODAY = dt.date(2024, 11, 15)


def counts(parsed) -> dict:
    total: collections.Counter = collections.Counter()
    for v in parsed.victims:
        for form in v.violence_types:
            total[(v.report_date.strftime("%Y-%m"), v.district_code, form, v.sex)] += 1
    for c in parsed.recap:
        total[(c.month.strftime("%Y-%m"), c.district_code, c.violence_type, c.sex)] += c.victims
    return dict(total)


def convert(path: Path, fmt: str, out_dir: Path) -> Path:
    """Convert a workbook with LibreOffice (as an agency saving in another format would)."""
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) not installed")
    profile = out_dir / f"lo-{uuid.uuid4().hex}"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", fmt,
                    "--outdir", str(out_dir), str(path)], check=True, capture_output=True, timeout=180)
    shutil.rmtree(profile, ignore_errors=True)
    return out_dir / f"{path.stem}.{fmt}"


# ---------------------------------------------------------------- the official templates

ENTRIES = [
    template.RegisterEntry("R-001", dt.date(2024, 6, 3), "Jelutung", "P", ("Fisik", "Psikis"),
                           incident_date=dt.date(2024, 6, 1), subdistrict="Lebak Bandung", age=7,
                           place="Rumah Tangga", relationship="Orang Tua", services=("Pengaduan", "Kesehatan"),
                           notes="ibu korban, NIK 1571010101010001, hp 081234567890"),
    template.RegisterEntry("R-001", dt.date(2024, 6, 3), "Jelutung", "L", ("Seksual",), age=9),
    template.RegisterEntry("R-002", "12/06/2024", None, "P", ("Trafficking (TPPO)",), subdistrict="Kasang Jaya"),
    template.RegisterEntry("R-003", dt.date(2024, 7, 2), "Kota Baru", "P", ("Eksploitasi", "Seksual"), age=16,
                           services=("Rehabilitasi Sosial",)),
]


@pytest.fixture()
def official_register(tmp_path) -> Path:
    return template.write_register(tmp_path / "register UPTD.xlsx", ENTRIES, agency="UPTD_PPA",
                                   period=(dt.date(2024, 6, 1), dt.date(2024, 7, 1)))


def test_official_register_parses_every_field(official_register):
    parsed = parse_workbook(official_register, today=TODAY)
    assert (parsed.agency, parsed.shape, parsed.period) == ("UPTD_PPA", "register", ("2024-06", "2024-07"))
    assert (parsed.rows_read, parsed.rows_loaded, parsed.rows_rejected) == (4, 4, 0)
    assert parsed.errors == [] and parsed.warnings == []
    first, second, third, fourth = parsed.victims
    assert (first.sheet, first.sheet_index, first.row, first.case_ref) == ("Register", 0, 7, "R-001")
    assert first.report_date == dt.date(2024, 6, 3) and first.incident_date == dt.date(2024, 6, 1)
    assert (first.district_code, first.subdistrict_code) == ("15.71.08", "15.71.08.1004")
    assert (first.age, first.is_child, first.sex, first.violence_types) == (7, True, "P", ("fisik", "psikis"))
    assert (first.place_of_incident, first.relationship, first.services) == ("rumah_tangga", "orang_tua",
                                                                              ("pengaduan", "kesehatan"))
    assert first.notes is None  # Keterangan is free text: not kept (docs/data-contract.md)
    assert second.case_ref == first.case_ref                     # two victims, one case
    assert (third.report_date, third.district_code, third.violence_types) == (dt.date(2024, 6, 12), "15.71.03",
                                                                            ("tppo",))
    assert third.age is None and third.is_child is None          # unknown age allowed
    assert fourth.violence_types == ("eksploitasi",)  # eksploitasi seksual: one form
    detected = parsed.detected
    assert detected["agency_source"] == "sel Lembaga (lembar 'Register' B2)"
    assert detected["period_source"] == "sel periode (lembar 'Register' B3, B4)"
    assert {s["sheet"]: s["reason"] for s in detected["skipped_sheets"]} == {
        "Daftar": "lembar tersembunyi", "Petunjuk": "lembar petunjuk/contoh pengisian"}
    assert detected["sheets"][0]["header_rows"] == [6]


def test_official_register_period_as_text_and_agency_override(tmp_path):
    path = template.write_register(tmp_path / "reg.xlsx", ENTRIES[:2], agency="DINSOS")
    wb = openpyxl.load_workbook(path)
    wb["Register"]["B3"], wb["Register"]["B4"] = "2024-06", "Juni 2024"
    wb.save(path)
    parsed = parse_workbook(path, "lsm", today=TODAY)
    assert parsed.agency == "LSM" and parsed.period == ("2024-06", "2024-06")
    assert parsed.detected["agency_source"] == "parameter --agency"
    assert parsed.detected["agency_detected"]["agency"] == "DINSOS"


def test_report_date_outside_the_declared_period_is_rejected_and_never_widens_it(tmp_path):
    path = template.write_register(tmp_path / "reg.xlsx", ENTRIES, agency="UPTD_PPA",
                                   period=(dt.date(2024, 6, 1), dt.date(2024, 6, 1)))
    parsed = parse_workbook(path, today=TODAY)
    assert (parsed.rows_rejected, parsed.period, parsed.warnings) == (1, ("2024-06", "2024-06"), [])
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [
        (10, "Tanggal Lapor", "Lembar 'Register' baris 10: tanggal lapor 2 Juli 2024 di luar periode laporan Juni "
                              "2024, yang tertulis di sel periode (lembar 'Register' B3, B4). Baris ini tidak "
                              "dimuat; kirim dengan laporan bulan Juli 2024, atau perbaiki tanggalnya.")]


def test_register_rows_with_problems_are_rejected_with_located_messages(tmp_path):
    entries = [
        template.RegisterEntry("X-1", "05/06/2024", "Jelutung", "P", ("Fisik",)),
        template.RegisterEntry("X-2", None, "Jelutung", "P", ("Fisik",)),
        template.RegisterEntry("X-3", "5 Desember 2024", "Jelutung", "P", ("Fisik",)),
        template.RegisterEntry("X-4", "06/06/2024", "Jelutung", "P", ("Santet",)),
        template.RegisterEntry("X-5", "07/06/2024", "Jelutung", "P", ("Fisik",), subdistrict="Kasang Jaya"),
        template.RegisterEntry("X-6", "08/06/2024", None, None, ("Psikis",)),
    ]
    path = template.write_register(tmp_path / "reg.xlsx", entries, agency="UPTD_PPA")
    parsed = parse_workbook(path, today=TODAY)
    assert (parsed.rows_read, parsed.rows_loaded, parsed.rows_rejected) == (6, 1, 5)
    got = [(e.row, e.column, e.message) for e in parsed.errors]
    assert got == [
        (8, "Tanggal Lapor", "Tanggal lapor kosong. Kolom ini wajib diisi untuk setiap korban."),
        (9, "Tanggal Lapor", "Tanggal lapor 5 Desember 2024 ada di masa depan (hari ini 15 November 2024). "
                             "Periksa tanggal, bulan dan tahunnya (urutan hari/bulan/tahun)."),
        (10, "Jenis Kekerasan", "Jenis kekerasan 'Santet' tidak dikenal. Gunakan salah satu bentuk (Fisik, Psikis, "
                                "Seksual, Eksploitasi, Trafficking (TPPO), Penelantaran, Lainnya), atau minta "
                                "operator menambahkan ejaan ini ke daftar ejaan bentuk kekerasan (di halaman "
                                "Unggah Data)."),
        (11, "Kelurahan", "Kelurahan Kasang Jaya berada di Kecamatan Jambi Timur, bukan Kecamatan Jelutung. "
                          "Perbaiki kecamatan atau kelurahannya."),
        (12, "Jenis Kelamin (L/P)", "Jenis kelamin kosong. Kolom ini wajib diisi untuk setiap korban."),
        (12, "Kecamatan", "Kecamatan kosong. Isi kecamatan (atau kelurahan) tempat kejadian."),
    ]
    assert parsed.period == ("2024-06", "2024-06")               # from the report dates: no period cells


def recap_months() -> list[template.RecapMonth]:
    return [
        template.RecapMonth(dt.date(2024, 5, 1), {("15.71.01", "fisik", "L"): 2, ("15.71.01", "fisik", "P"): 1,
                                                  ("15.71.04", "tppo", "P"): 3}),
        template.RecapMonth(dt.date(2024, 6, 1), {("15.71.11", "seksual", "P"): 4, ("15.71.09", "lainnya", "L"): 1}),
    ]


def expected_recap() -> dict:
    return {(m.month.strftime("%Y-%m"), d, f, s): n for m in recap_months() for (d, f, s), n in m.counts.items()}


def test_official_recap_one_sheet_per_month(tmp_path):
    path = template.write_recap(tmp_path / "rekap RSUD.xlsx", recap_months(), agency="RSUD")
    parsed = parse_workbook(path, today=TODAY)
    assert (parsed.agency, parsed.shape, parsed.period) == ("RSUD", "recap", ("2024-05", "2024-06"))
    assert (parsed.rows_read, parsed.rows_rejected) == (22, 0)
    assert counts(parsed) == expected_recap()
    assert parsed.warnings == []
    sheet = parsed.detected["sheets"][0]
    assert sheet["header_rows"] == [5, 6] and sheet["total_row"] == 18
    assert sheet["columns"]["Fisik / L"] == "bentuk fisik L"


def test_recap_total_that_disagrees_is_a_warning_naming_the_cell(tmp_path):
    path = template.write_recap(tmp_path / "rekap.xlsx", recap_months()[:1], agency="RSUD")
    wb = openpyxl.load_workbook(path)
    wb["Rekap"]["C18"] = 5                                       # the rows say 2
    wb["Rekap"]["R7"] = 9                                        # Jumlah P of Telanaipura: the row says 1
    wb.save(path)
    parsed = parse_workbook(path, today=TODAY)
    assert counts(parsed) == {k: v for k, v in expected_recap().items() if k[0] == "2024-05"}
    assert sorted((w.column, w.message) for w in parsed.warnings) == [
        ("C18", "Jumlah di sel C18 (lembar 'Rekap') tertulis 5, tetapi penjumlahan kolom ini menghasilkan 2. "
                "Angka per kecamatan yang dimuat; periksa rumus jumlahnya."),
        ("R7", "Jumlah di sel R7 (lembar 'Rekap') tertulis 9, tetapi penjumlahan baris ini menghasilkan 1. "
               "Angka per kecamatan yang dimuat; periksa rumus jumlahnya."),
    ]


def test_recap_totals_as_formulas_without_cached_values_are_not_errors(tmp_path):
    path = template.write_recap(tmp_path / "rekap.xlsx", agency="PUSKESMAS")   # blank: totals are formulas
    wb = openpyxl.load_workbook(path)
    ws = wb["Rekap"]
    ws["B3"] = "Juni 2024"
    ws["C9"], ws["F9"], ws["G9"] = 2, "-", 1                         # Jambi Timur: fisik L, psikis P, seksual L
    wb.save(path)
    parsed = parse_workbook(path, today=TODAY)
    assert parsed.errors == [] and parsed.warnings == []
    assert counts(parsed) == {("2024-06", "15.71.03", "fisik", "L"): 2, ("2024-06", "15.71.03", "seksual", "L"): 1}
    assert parsed.detected["period_source"] == "sel Bulan (lembar 'Rekap' B3)"


def test_blank_official_register_needs_an_agency_and_has_no_rows(tmp_path):
    path = template.write_register(tmp_path / "template-register.xlsx")
    with pytest.raises(WorkbookError) as caught:
        parse_workbook(path, today=TODAY)
    # the message fits the upload page and the command line alike: it names the choice, not a CLI flag
    assert "lembaga pengirim tidak dapat dikenali" in str(caught.value) and "--agency" not in str(caught.value)
    assert "Pilih lembaga pengirimnya (salah satu: UPTD_PPA" in str(caught.value)
    parsed = parse_workbook(path, "UPTD_PPA", today=TODAY)
    assert (parsed.rows_read, parsed.months, parsed.errors) == (0, [], [])


# ---------------------------------------------------------------- agency layouts

def messy_register(path: Path) -> Path:
    """A police register: title block, two-row merged header, numbering row, JUMLAH row, signature, hidden sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "LP Juni"
    ws["A1"] = "DATA LAPORAN POLISI KASUS PEREMPUAN DAN ANAK"
    ws["A2"] = "UNIT PPA SAT RESKRIM POLRESTA JAMBI"
    ws["A3"] = "BULAN JUNI 2024"
    top = ["NO", "NO. LP", "TGL LP", "IDENTITAS KORBAN", None, None, None, "KEJADIAN", None, "JENIS PERKARA",
           "PASAL", "KET"]
    sub = [None, None, None, "NAMA", "UMUR", "JK", "NIK", "KECAMATAN", "KELURAHAN", None, None, None]
    for j, (a, b) in enumerate(zip(top, sub), start=1):
        ws.cell(5, j, a)
        ws.cell(6, j, b)
    ws.merge_cells("D5:G5")
    ws.merge_cells("H5:I5")
    for j in range(1, 13):
        ws.cell(7, j, j)                                          # numbering row
    data = [
        ["LP/B/101/VI/2024", "03/06/2024", "Contoh Polisi", "14 th", "P", "1571010101010009", "Kec. Kotabaru",
         None, "Pencabulan", "82 UU 35/2014", "hub. ibu 081298765432"],
        ["LP/B/102/VI/2024", "5 Juni 2024", "Contoh Kedua", "9 thn", "L", "1571010101010010", "Telanai Pura", None,
         "Penganiayaan anak", "80", None],
        ["LP/B/103/VI/2024", "10-Jun-24", "Contoh Ketiga", "3 bln", "P", None, "Jambi Sel.", "The Hok",
         "Penelantaran anak dan KDRT psikis", "77B", None],
        ["LP/B/104/VI/2024", "11/06/2024", "Contoh Keempat", 25, "P", None, "Sungai Gelam", None,
         "Persetubuhan", "81", None],
        ["LP/B/105/VI/2024", "12/06/2024", "Contoh Kelima", 30, "P", None, "Jelutung", None, "Santet", "-", None],
        ["LP/B/106/VI/2024", "14.06.2024", "Contoh Keenam", "17", "P", None, "Danau Sipin", None,
         "Perdagangan orang", "UU 21/2007", None],
    ]
    r = 8
    for row in data:
        ws.cell(r, 1, r - 7)
        for j, value in enumerate(row, start=2):
            ws.cell(r, j, value)
        r += 1
    ws.cell(r, 1, "JUMLAH")
    ws.cell(r, 5, 6)
    ws.cell(r + 2, 10, "Jambi, 30 Juni 2024")
    ws.cell(r + 3, 10, "KANIT PPA")
    ws.cell(r + 6, 10, "NIP. 19800101 200501 1 001")
    hidden = wb.create_sheet("data lama")
    hidden.sheet_state = "hidden"
    hidden.append(["TGL LP", "KECAMATAN", "JENIS PERKARA", "JK"])
    hidden.append(["01/05/2024", "Jelutung", "Pencabulan", "P"])
    wb.create_sheet("Kosong")
    wb.save(path)
    return path


def test_messy_police_register(tmp_path):
    parsed = parse_workbook(messy_register(tmp_path / "laporan unit ppa.xlsx"), today=TODAY)
    assert (parsed.agency, parsed.detected["agency_source"]) == ("POLRESTA", "judul lembar 'LP Juni'")
    assert (parsed.rows_read, parsed.rows_loaded, parsed.rows_rejected) == (6, 4, 2)
    sheet = parsed.detected["sheets"][0]
    assert sheet["header_rows"] == [5, 6] and sheet["numbering_row"] == 7
    assert sheet["data_rows"] == [8, 13] and sheet["total_row"] == 14
    assert sheet["columns"]["IDENTITAS KORBAN / UMUR"] == "age"
    assert sheet["columns"]["KEJADIAN / KECAMATAN"] == "district"
    assert sheet["personal_columns_dropped"] == ["IDENTITAS KORBAN / NAMA", "IDENTITAS KORBAN / NIK", "KET"]
    assert {s["sheet"]: s["reason"] for s in parsed.detected["skipped_sheets"]} == {
        "data lama": "lembar tersembunyi", "Kosong": "lembar kosong"}
    got = [(v.row, v.case_ref, v.report_date, v.district_code, v.subdistrict_code, v.age, v.sex, v.violence_types)
           for v in parsed.victims]
    assert got == [
        (8, "LP/B/101/VI/2024", dt.date(2024, 6, 3), "15.71.07", None, 14, "P", ("seksual",)),
        (9, "LP/B/102/VI/2024", dt.date(2024, 6, 5), "15.71.01", None, 9, "L", ("fisik",)),
        (10, "LP/B/103/VI/2024", dt.date(2024, 6, 10), "15.71.02", "15.71.02.1004", 0, "P",
         ("psikis", "penelantaran")),
        (13, "LP/B/106/VI/2024", dt.date(2024, 6, 14), "15.71.10", None, 17, "P", ("tppo",)),
    ]
    assert parsed.victims[0].notes is None  # free text is not kept
    assert [(e.row, e.reason) for e in parsed.errors] == [(11, "wilayah_luar"), (12, "bentuk_tidak_dikenal")]
    assert "Sungai Gelam" in parsed.errors[0].message and "Kabupaten Muaro Jambi" in parsed.errors[0].message
    assert "'Santet'" in parsed.errors[1].message
    text = repr(parsed)
    for secret in ("Contoh", "1571010101010009", "081298765432"):
        assert secret not in text


def test_register_without_required_columns_lists_headers_found_and_missing(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["DATA KORBAN DINAS SOSIAL"])
    ws.append(["NO", "NAMA", "UMUR", "JENIS KELAMIN", "ALAMAT", "CATATAN"])
    ws.append([1, "Contoh Orang", 5, "P", "Jl. Contoh", "x"])
    wb.save(tmp_path / "dinsos.xlsx")
    with pytest.raises(WorkbookError) as caught:
        parse_workbook(tmp_path / "dinsos.xlsx", today=TODAY)
    assert str(caught.value) == (
        "File 'dinsos.xlsx', lembar 'Data' (baris judul 2): kolom wajib tidak ditemukan: Tanggal Lapor, "
        "Kecamatan (atau Kelurahan), Jenis Kekerasan. Judul kolom yang ada: 'NO', 'NAMA', 'UMUR', "
        "'JENIS KELAMIN', 'ALAMAT', 'CATATAN'. Ganti judul kolom sesuai template resmi, atau minta operator "
        "menyimpan profil kolom lembaga ini (di halaman Unggah Data).")
    assert "Contoh Orang" not in str(caught.value)


@pytest.fixture()
def reference_copy(tmp_path, monkeypatch, repo_root):
    """A private copy of data/reference so that tests may teach profiles and aliases."""
    target = tmp_path / "reference"
    shutil.copytree(repo_root / "data" / "reference", target)
    monkeypatch.setenv("PPA_REFERENCE", str(target))
    columns.clear_caches()
    yield target
    monkeypatch.delenv("PPA_REFERENCE")
    columns.clear_caches()


def test_profile_and_alias_teach_a_new_layout(tmp_path, reference_copy):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["REKAP PENDAMPINGAN LSM"])
    ws.append(["Nomor Berkas", "Hari Datang", "Wil.", "Gender", "Persoalan"])
    ws.append(["B-1", dt.date(2024, 6, 3), "Jelutung", "P", "Kawin paksa"])
    path = tmp_path / "lsm.xlsx"
    wb.save(path)
    with pytest.raises(WorkbookError, match=r"\('Sheet': tidak ada baris judul kolom yang dikenali \(baris 2: 'Nomor Berkas', 'Hari Datang', 'Wil.', "
                       r"'Gender', 'Persoalan'\)\)"):
        parse_workbook(path, "LSM", today=TODAY)
    saved = columns.save_profile("LSM", {"Nomor Berkas": "case_ref", "Hari Datang": "report_date", "Wil.": "district",
                                         "Gender": "sex", "Persoalan": "violence"})
    assert saved == reference_copy / "profiles" / "LSM.csv"
    parsed = parse_workbook(path, "LSM", today=TODAY)
    assert parsed.rows_rejected == 1 and "'Kawin paksa' tidak dikenal" in parsed.errors[0].message
    columns.add_violence_alias("Kawin paksa", ["psikis", "seksual"])
    assert "kawin paksa" in vocab.violence_aliases()
    parsed = parse_workbook(path, "LSM", today=TODAY)
    assert parsed.rows_rejected == 0 and parsed.victims[0].violence_types == ("psikis", "seksual")
    assert parsed.victims[0].case_ref == "B-1"
    # other agencies don't get LSM's profile
    with pytest.raises(WorkbookError):
        parse_workbook(path, "DINSOS", today=TODAY)


def test_profile_rejects_unknown_fields(reference_copy):
    with pytest.raises(columns.ProfileError, match="field 'alamat' tidak dikenal"):
        columns.save_profile("LSM", {"Alamat": "alamat"})
    with pytest.raises(columns.ProfileError, match="tidak dikenal"):
        columns.add_violence_alias("Kawin paksa", ["paksaan"])


def recap_without_sex(path: Path) -> Path:
    """A puskesmas-style recap: title, numbering row, '-' and blanks, TOTAL row and column, signature."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juli"
    ws["A1"] = "LAPORAN KASUS KEKERASAN PUSKESMAS SE-KOTA JAMBI"
    ws["A2"] = "BULAN JULI 2024"
    ws.append([])
    ws.append(["NO", "KECAMATAN", "KEKERASAN FISIK", "PSIKIS", "PENCABULAN", "PENELANTARAN", "TOTAL"])
    ws.append([1, 2, 3, 4, 5, 6, 7])
    rows = [("Kec. Kotabaru", 1, "-", None, 0), ("Telanai Pura", 0, 2, 1, None), ("Jambi Sel.", None, None, None, 3),
            ("Pall Merah", 2, 0, 0, 0)]
    for i, (name, *cells) in enumerate(rows, start=1):
        ws.append([i, name, *cells, f"=SUM(C{ws.max_row + 1}:F{ws.max_row + 1})"])
    ws.append([None, "TOTAL", 3, 2, 1, 3, 9])
    ws.append([])
    ws.append([None, None, None, None, "Jambi, 5 Agustus 2024"])
    ws.append([None, None, None, None, "Kepala Puskesmas"])
    wb.save(path)
    return path


def test_recap_without_sex_split_and_its_conversions_give_the_same_counts(tmp_path):
    xlsx = recap_without_sex(tmp_path / "Laporan Puskesmas Juli 2024.xlsx")
    parsed = parse_workbook(xlsx, today=TODAY)
    expected = {("2024-07", "15.71.07", "fisik", None): 1, ("2024-07", "15.71.01", "psikis", None): 2,
                ("2024-07", "15.71.01", "seksual", None): 1, ("2024-07", "15.71.02", "penelantaran", None): 3,
                ("2024-07", "15.71.11", "fisik", None): 2}
    assert (parsed.agency, parsed.period, parsed.rows_read, parsed.rows_rejected) == ("PUSKESMAS",
                                                                                      ("2024-07", "2024-07"), 4, 0)
    assert counts(parsed) == expected
    assert parsed.detected["period_source"] == "judul lembar 'Juli'"
    assert [w.reason for w in parsed.warnings] == ["wilayah_mirip"]     # the TOTAL row agrees
    ods = convert(xlsx, "ods", tmp_path / "ods")
    xls = convert(xlsx, "xls", tmp_path / "xls")
    for other in (ods, xls):
        again = parse_workbook(other, today=TODAY)
        assert counts(again) == expected, other.suffix
        assert (again.rows_read, again.rows_rejected, len(again.warnings)) == (4, 0, 1)


def test_official_recap_as_ods_gives_the_same_counts(tmp_path):
    xlsx = template.write_recap(tmp_path / "rekap RSUD.xlsx", recap_months(), agency="RSUD")
    ods = convert(xlsx, "ods", tmp_path / "ods")
    parsed = parse_workbook(ods, today=TODAY)
    assert counts(parsed) == expected_recap()
    assert parsed.warnings == [] and parsed.rows_rejected == 0


def test_hidden_sheet_survives_conversion_to_ods(tmp_path):
    path = template.write_register(tmp_path / "reg.xlsx", ENTRIES, agency="UPTD_PPA")
    ods = convert(path, "ods", tmp_path / "ods")
    parsed = parse_workbook(ods, today=TODAY)
    assert parsed.rows_loaded == 4
    assert {"sheet": "Daftar", "reason": "lembar tersembunyi"} in parsed.detected["skipped_sheets"]


def test_recap_with_an_unknown_form_column_fails_with_what_to_do(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Mei 2024"
    ws.append(["REKAP RSUD"])
    ws.append(["Kecamatan", "Fisik", "Psikis", "Santet"])
    ws.append(["Jelutung", 1, 0, 2])
    wb.save(tmp_path / "rekap.xlsx")
    with pytest.raises(WorkbookError) as caught:
        parse_workbook(tmp_path / "rekap.xlsx", today=TODAY)
    assert str(caught.value) == (
        "File 'rekap.xlsx', lembar 'Mei 2024': kolom rekap 'Santet' bukan bentuk kekerasan yang dikenal. Ganti "
        "judul kolom dengan bentuk kekerasan resmi, atau minta operator menambahkan ejaan ini ke daftar "
        "ejaan bentuk kekerasan (di halaman Unggah Data).")


def test_recap_row_outside_the_city_is_rejected(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juni 2024"
    ws.append(["REKAP RSUD"])
    ws.append(["Kecamatan", "Fisik", "Psikis"])
    ws.append(["Jelutung", 1, 0])
    ws.append(["Jambi Luar Kota", 2, 1])
    ws.append(["Pasar Jambi", "dua", 1])
    wb.save(tmp_path / "rekap.xlsx")
    parsed = parse_workbook(tmp_path / "rekap.xlsx", today=TODAY)
    assert (parsed.rows_read, parsed.rows_loaded, parsed.rows_rejected) == (3, 1, 2)
    assert [(e.row, e.column, e.reason) for e in parsed.errors] == [
        (4, "Kecamatan", "wilayah_luar"), (5, "Fisik (B5)", "jumlah")]
    assert counts(parsed) == {("2024-06", "15.71.08", "fisik", None): 1}


# ---------------------------------------------------------------- files that cannot be read

def test_not_a_spreadsheet(tmp_path):
    path = tmp_path / "laporan.xlsx"
    path.write_text("ini bukan excel")
    with pytest.raises(WorkbookError) as caught:
        parse_workbook(path, "DINSOS", today=TODAY)
    assert str(caught.value) == ("File 'laporan.xlsx' bukan workbook .xlsx yang sah (isinya bukan format "
                                 "spreadsheet). Buka file di Excel atau LibreOffice, simpan ulang sebagai .xlsx, "
                                 "lalu kirim ulang.")


def test_unsupported_suffix_and_empty_file(tmp_path):
    (tmp_path / "laporan.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(WorkbookError, match=r"File 'laporan.pdf' bukan workbook yang didukung \(akhiran '.pdf'\)"):
        parse_workbook(tmp_path / "laporan.pdf", "DINSOS")
    (tmp_path / "kosong.xlsx").write_bytes(b"")
    with pytest.raises(WorkbookError, match=r"File 'kosong.xlsx' kosong \(0 byte\)"):
        parse_workbook(tmp_path / "kosong.xlsx", "DINSOS")


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "rusak.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    with pytest.raises(WorkbookError, match=r"^File 'rusak.xlsx' rusak atau tidak dapat dibaca sebagai spreadsheet"):
        parse_workbook(path, "DINSOS")


def test_truncated_xlsx(tmp_path, official_register):
    data = official_register.read_bytes()
    path = tmp_path / "terpotong.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError, match=r"^File 'terpotong.xlsx' rusak"):
        parse_workbook(path, "DINSOS")


def test_password_protected_xlsx(tmp_path):
    path = tmp_path / "rahasia.xlsx"
    # how Excel stores an encrypted xlsx: an OLE file holding an EncryptedPackage stream
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000 + "EncryptedPackage".encode("utf-16-le")
                     + b"\0" * 2000)
    with pytest.raises(WorkbookError) as caught:
        parse_workbook(path, "DINSOS")
    assert str(caught.value).startswith("File 'rahasia.xlsx' dilindungi kata sandi: simpan ulang tanpa kata sandi")


def test_file_name_given_separately_is_used_in_messages(tmp_path):
    path = tmp_path / "upload-123.tmp"
    path.write_text("bukan")
    with pytest.raises(WorkbookError, match="^File 'Laporan Juni.xlsx' bukan workbook .xlsx yang sah"):
        parse_workbook(path, "DINSOS", file_name="Laporan Juni.xlsx")
