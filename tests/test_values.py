"""The value normalisers: parametrised tables of what agencies type and what the product makes of it."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from hypothesis import given, settings, strategies as st

from etl import values, vocab
from etl.layout import sex_of_header
from etl.model import Problem
from etl.values import (Age, Value, case_reference, case_references, mask_personal_numbers, masked_texts, parse_age,
                        parse_closed, parse_date, parse_district, parse_months, parse_services, parse_sex,
                        parse_subdistrict, parse_violence, recap_count)

TODAY = dt.date(2024, 11, 15)


def value_of(outcome):
    assert isinstance(outcome, Value), outcome
    return outcome.value


@pytest.mark.parametrize("cell, expected", [
    (dt.date(2024, 6, 5), dt.date(2024, 6, 5)),
    (dt.datetime(2024, 6, 5, 13, 30), dt.date(2024, 6, 5)),
    (45448, dt.date(2024, 6, 5)),                  # Excel serial number
    (45448.0, dt.date(2024, 6, 5)),
    ("05/06/2024", dt.date(2024, 6, 5)),           # day first, always
    ("5/6/2024", dt.date(2024, 6, 5)),
    ("05-06-2024", dt.date(2024, 6, 5)),
    ("05.06.2024", dt.date(2024, 6, 5)),
    ("05/06/24", dt.date(2024, 6, 5)),
    ("2024-06-05", dt.date(2024, 6, 5)),
    ("2024-06-05 10:15:00", dt.date(2024, 6, 5)),
    ("5 Oktober 2024", dt.date(2024, 10, 5)),
    ("5 Okt 2024", dt.date(2024, 10, 5)),
    ("05-Okt-24", dt.date(2024, 10, 5)),
    ("5 Agustus 2024", dt.date(2024, 8, 5)),
    ("18 Juni 2024", dt.date(2024, 6, 18)),
    ("Senin, 3 Juni 2024", dt.date(2024, 6, 3)),
    ("13/12/2023", dt.date(2023, 12, 13)),
])
def test_dates_are_read_day_first(cell, expected):
    assert value_of(parse_date(cell, TODAY)) == expected


@pytest.mark.parametrize("cell, message", [
    ("5 Desember 2024", "Tanggal lapor 5 Desember 2024 ada di masa depan (hari ini 15 November 2024). "
                        "Periksa tanggal, bulan dan tahunnya (urutan hari/bulan/tahun)."),
    ("31/02/2024", "Tanggal lapor '31/02/2024' tidak dapat dibaca. Tulis tanggal sebagai tanggal Excel atau "
                   "hari-bulan-tahun, mis. 05/06/2024 atau 5 Juni 2024."),
    ("kemarin", "Tanggal lapor 'kemarin' tidak dapat dibaca. Tulis tanggal sebagai tanggal Excel atau "
                "hari-bulan-tahun, mis. 05/06/2024 atau 5 Juni 2024."),
    ("5 Okto 2024", "Tanggal lapor '5 Okto 2024' tidak dapat dibaca. Tulis tanggal sebagai tanggal Excel atau "
                    "hari-bulan-tahun, mis. 05/06/2024 atau 5 Juni 2024."),
    ("01/01/1995", "Tanggal lapor 1 Januari 1995 terlalu lama (sebelum tahun 2000). Periksa tahunnya. Tulis "
                   "tanggal sebagai tanggal Excel atau hari-bulan-tahun, mis. 05/06/2024 atau 5 Juni 2024."),
])
def test_bad_dates_are_rejected_with_a_message(cell, message):
    outcome = parse_date(cell, TODAY, what="Tanggal lapor")
    assert isinstance(outcome, Problem)
    assert outcome.message == message


def test_empty_date_is_none():
    assert parse_date(None, TODAY) is None
    assert parse_date("  ", TODAY) is None


@pytest.mark.parametrize("cell, months", [
    (dt.date(2024, 6, 1), ["2024-06"]),
    ("2024-06", ["2024-06"]),
    ("06/2024", ["2024-06"]),
    ("Juni 2024", ["2024-06"]),
    ("BULAN MEI 2024", ["2024-05"]),
    ("Apr-Mei 2024", ["2024-04", "2024-05"]),
    ("Januari - Maret 2024", ["2024-01", "2024-02", "2024-03"]),
    ("Desember 2023 - Januari 2024", ["2023-12", "2024-01"]),
    ("Juni", []),
    ("Rekap", []),
])
def test_period_texts(cell, months):
    assert [m.strftime("%Y-%m") for m in parse_months(cell)] == months


@pytest.mark.parametrize("cell, age", [
    (7, Age(7, True)), (7.0, Age(7, True)), ("7", Age(7, True)),
    ("7 th", Age(7, True)), ("7 thn", Age(7, True)), ("7 tahun", Age(7, True)), ("7th", Age(7, True)),
    ("1,5 th", Age(1, True)), ("1.5 tahun", Age(1, True)), ("3 bln", Age(0, True)), ("8 bulan", Age(0, True)),
    ("17 tahun", Age(17, True)), ("18", Age(18, False)), ("45 thn", Age(45, False)), (110, Age(110, False)),
    ("10-17", Age(None, True)), ("0-4", Age(None, True)), ("18-49", Age(None, False)), (">=50", Age(None, False)),
    ("≥50", Age(None, False)), ("60+", Age(None, False)), ("Anak", Age(None, True)),
])
def test_ages(cell, age):
    assert value_of(parse_age(cell)) == age


@pytest.mark.parametrize("cell, message", [
    (130, "Umur 130 tidak masuk akal (lebih dari 110 tahun). Periksa dan perbaiki umur korban, atau kosongkan "
          "bila tidak diketahui."),
    (130.0, "Umur 130 tidak masuk akal (lebih dari 110 tahun). Periksa dan perbaiki umur korban, atau "
            "kosongkan bila tidak diketahui."),
    ("tujuh", "Umur 'tujuh' tidak dapat dibaca. Tulis umur dalam tahun, mis. 7 atau '7 th' (bayi: '3 bln'), "
              "atau kosongkan bila tidak diketahui."),
])
def test_bad_ages_are_rejected(cell, message):
    outcome = parse_age(cell)
    assert isinstance(outcome, Problem) and outcome.message == message


def test_band_across_18_is_unknown_with_a_warning():
    outcome = parse_age("15-20")
    assert outcome.value == Age(None, None)
    assert outcome.warning.message.startswith("Kelompok umur '15-20' mencakup anak dan dewasa")


def test_unknown_age_is_allowed():
    assert parse_age(None) is None
    assert parse_age("-") is None


@pytest.mark.parametrize("cell, sex", [
    ("L", "L"), ("l", "L"), ("Laki-laki", "L"), ("LAKI LAKI", "L"), ("Lk", "L"), ("Pria", "L"),
    ("P", "P"), ("Perempuan", "P"), ("Pr", "P"), ("Wanita", "P"), ("p ", "P"),
])
def test_sex(cell, sex):
    assert value_of(parse_sex(cell)) == sex


def test_unknown_sex_is_rejected():
    assert parse_sex("X").message == "Jenis kelamin 'X' tidak dikenal. Tulis L (laki-laki) atau P (perempuan)."


def _reference_copy(tmp_path, monkeypatch, file_name: str, line: str):
    """A copy of the reference folder with one line added to a file, in use from the next vocab.clear_caches()."""
    folder = tmp_path / "reference"
    shutil.copytree(vocab.reference_dir(), folder)
    with open(folder / file_name, "a", encoding="utf-8") as f:
        f.write(line + "\n")
    monkeypatch.setenv("PPA_REFERENCE", str(folder))
    return folder


def test_sex_spellings_come_from_the_reference_data(tmp_path, monkeypatch):
    assert isinstance(parse_sex("Jantan"), Problem)
    _reference_copy(tmp_path, monkeypatch, "closed_list_aliases.csv", "sex,Jantan,L,uji")
    vocab.clear_caches()
    try:
        assert value_of(parse_sex("Jantan")) == "L"
        assert sex_of_header("Fisik / Jantan") == "L"  # a recap's L/P sub-columns read the same spellings
    finally:
        monkeypatch.delenv("PPA_REFERENCE")
        vocab.clear_caches()
    assert isinstance(parse_sex("Jantan"), Problem) and sex_of_header("Fisik / Wanita") == "P"


def test_what_is_built_from_the_vocabularies_is_kept_until_they_are_cleared(tmp_path, monkeypatch):
    """Indexes and remembered results are cached once, and rebuilt after vocab.clear_caches() (not by the
    identity of the vocabulary objects, which Python may give to new objects)."""
    assert values._place_index("kecamatan") is values._place_index("kecamatan")
    assert isinstance(parse_district("Tanah Pilih Baru"), Problem)
    _reference_copy(tmp_path, monkeypatch, "place_aliases.csv", "kecamatan,15.71.01,Tanah Pilih Baru,uji")
    assert isinstance(parse_district("Tanah Pilih Baru"), Problem)  # read before: remembered until cleared
    vocab.clear_caches()
    try:
        assert value_of(parse_district("Tanah Pilih Baru")) == "15.71.01"
    finally:
        monkeypatch.delenv("PPA_REFERENCE")
        vocab.clear_caches()
    assert isinstance(parse_district("Tanah Pilih Baru"), Problem)


@pytest.mark.parametrize("day, month_year, date, spelling", [
    (dt.date(2024, 6, 5), "Juni 2024", "5 Juni 2024", "jun"), (dt.date(2023, 2, 28), "Februari 2023",
                                                              "28 Februari 2023", "pebruari"),
    (dt.date(2024, 11, 1), "November 2024", "1 November 2024", "nop"),
])
def test_month_names_are_written_once(day, month_year, date, spelling):
    assert (vocab.month_year(day), vocab.format_date(day)) == (month_year, date)
    assert vocab.MONTH_SPELLINGS[spelling] == day.month
    assert vocab.months_text([day]) == month_year
    assert vocab.months_text([dt.date(2024, 1, 1), dt.date(2024, 3, 1)]) == "Januari 2024 – Maret 2024"


@pytest.mark.parametrize("cell, code", [
    ("Jelutung", "15.71.08"), ("JELUTUNG", "15.71.08"), ("Kec. Jelutung", "15.71.08"),
    ("Kecamatan Jelutung", "15.71.08"), ("  kec  jelutung ", "15.71.08"),
    ("Kec. Kotabaru", "15.71.07"), ("Kota Baru", "15.71.07"), ("Telanai Pura", "15.71.01"),
    ("Telanaipura", "15.71.01"), ("Jambi Sel.", "15.71.02"), ("Jamtim", "15.71.03"), ("ALAM BARAJO", "15.71.09"),
    ("Alambarajo", "15.71.09"), ("Paal Merah", "15.71.11"), ("Pal Merah", "15.71.11"), ("Danau-Sipin", "15.71.10"),
])
def test_district_spellings(cell, code):
    outcome = parse_district(cell)
    assert value_of(outcome) == code
    assert outcome.warning is None


@pytest.mark.parametrize("cell, code, official", [
    ("Pall Merah", "15.71.11", "Paal Merah"),
    ("Jelutumg", "15.71.08", "Jelutung"),
    ("Danau Sipim", "15.71.10", "Danau Sipin"),
])
def test_misspelt_district_is_accepted_with_a_warning_naming_both(cell, code, official):
    outcome = parse_district(cell)
    assert outcome.value == code
    assert outcome.warning.message == (f"Kecamatan '{cell}' dibaca sebagai '{official}' (ejaan mirip). "
                                       "Periksa bila keliru.")


@pytest.mark.parametrize("cell, belongs", [
    ("Jambi Luar Kota", "Kabupaten Muaro Jambi"), ("Kec. Sungai Gelam", "Kabupaten Muaro Jambi"),
    ("Mestong", "Kabupaten Muaro Jambi"), ("Palmerah", "Kota Jakarta Barat"),
])
def test_out_of_area_district_is_rejected_naming_the_place(cell, belongs):
    outcome = parse_district(cell)
    assert isinstance(outcome, Problem) and outcome.reason == "wilayah_luar"
    assert outcome.message == (f"Kecamatan '{cell}' berada di luar wilayah ({belongs}), bukan bagian dari "
                               "wilayah laporan ini. Kasus di luar wilayah tidak dicatat di sini; bila sebenarnya "
                               "terjadi di Kota Jambi, tulis nama wilayah yang benar.")


def test_unknown_district_is_rejected():
    outcome = parse_district("Bandung")
    assert outcome.message == ("Kecamatan tidak dikenal di wilayah ini. Tulis nama kecamatan resmi "
                               "(lihat daftar di template), atau minta operator menambahkan ejaan ini "
                               "ke daftar ejaan nama wilayah.")


@pytest.mark.parametrize("cell, code", [
    ("Lebak Bandung", "15.71.08.1004"), ("Kel. Kasang Jaya", "15.71.03.1002"),
    ("Simpang IV Sipin", "15.71.01.1001"), ("Simpang 4 Sipin", "15.71.01.1001"), ("The Hok", "15.71.02.1004"),
    ("Payo Selincah", "15.71.11.1002"),
    # four kelurahan share a kecamatan's name: in a kelurahan column they are the kelurahan
    ("Jelutung", "15.71.08.1006"), ("Paal Merah", "15.71.11.1005"), ("Telanaipura", "15.71.01.1004"),
    ("Pasar Jambi", "15.71.04.1003"),
])
def test_subdistricts(cell, code):
    assert value_of(parse_subdistrict(cell)) == code


def test_out_of_area_subdistrict_is_rejected():
    outcome = parse_subdistrict("Mendalo Darat")
    assert outcome.reason == "wilayah_luar"
    assert outcome.message.startswith("Kelurahan 'Mendalo Darat' berada di luar wilayah (Kabupaten Muaro Jambi)")


@pytest.mark.parametrize("cell, codes", [
    ("Fisik", ("fisik",)),
    ("Fisik, Psikis", ("fisik", "psikis")),
    ("KDRT Fisik, Psikis", ("fisik", "psikis")),
    ("Fisik dan Psikis", ("fisik", "psikis")),
    ("fisik; seksual", ("fisik", "seksual")),
    ("Fisik/Psikis", ("fisik", "psikis")),
    ("Fisik + Penelantaran", ("fisik", "penelantaran")),
    ("Psikis & Seksual", ("psikis", "seksual")),
    ("Eksploitasi Seksual", ("eksploitasi",)),  # one form: SIMFONI's Eksploitasi is economic or sexual
    ("Trafficking (TPPO)", ("tppo",)),
    ("Kekerasan dalam pacaran (fisik)", ("fisik",)),
    ("Pencabulan", ("seksual",)),
    ("Persetubuhan terhadap anak", ("seksual",)),
    ("Penganiayaan (Pasal 80 UU 35/2014)", ("fisik",)),
    ("Kekerasan (fisik, psikis)", ("fisik", "psikis")),
    ("Perdagangan Orang", ("tppo",)),
    ("Penelantaran ekonomi", ("penelantaran",)),
    ("Psikis, psikis", ("psikis",)),
])
def test_violence_wordings(cell, codes):
    assert value_of(parse_violence(cell)) == codes


@pytest.mark.parametrize("cell, wording", [
    ("Santet", "Santet"),
    ("Fisik, Santet", "Santet"),
])
def test_unknown_wording_rejects_the_row_and_says_where_to_add_it(cell, wording):
    outcome = parse_violence(cell)
    assert isinstance(outcome, Problem) and outcome.reason == "bentuk_tidak_dikenal"
    assert outcome.message == (
        f"Jenis kekerasan '{wording}' tidak dikenal. Gunakan salah satu bentuk (Fisik, Psikis, Seksual, "
        "Eksploitasi, Trafficking (TPPO), Penelantaran, Lainnya), atau minta operator menambahkan ejaan ini "
        "ke daftar ejaan bentuk kekerasan (di halaman Unggah Data).")


def test_closed_lists_keep_known_values_and_warn_on_unknown():
    assert value_of(parse_closed("Rumah Tangga", "place_of_incident")) == "rumah_tangga"
    assert value_of(parse_closed("saudara", "relationship")) == "keluarga"
    outcome = parse_closed("Kebun sawit", "place_of_incident")
    assert outcome.value is None
    # an address may be typed in the place-of-incident column: the message names the column, never the cell
    assert outcome.warning.message.startswith("Tempat kejadian tidak ada dalam daftar (Rumah Tangga,")
    services = parse_services("Pengaduan, Kesehatan, Doa bersama")
    assert services.value == ("pengaduan", "kesehatan")
    assert "Layanan 'Doa bersama' tidak ada dalam daftar" in services.warning.message


@pytest.mark.parametrize("text, masked", [
    ("NIK 1571010101010001 korban", "NIK [NIK disamarkan] korban"),
    ("nik: 1571 0101 0101 0001", "nik: [NIK disamarkan]"),
    ("nik 1571.0101.0101.0001.", "nik [NIK disamarkan]."),
    ("hub 081234567890 ibu", "hub [nomor telepon disamarkan] ibu"),
    ("hp 0812-3456-7890", "hp [nomor telepon disamarkan]"),
    ("+62 812 3456 7890", "[nomor telepon disamarkan]"),
    ("LP/B/123/VI/2024", "LP/B/123/VI/2024"),
    ("dirujuk ke RS tanggal 05/06/2024", "dirujuk ke RS tanggal 05/06/2024"),
])
def test_personal_numbers_are_masked_in_free_text(text, masked):
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize("cell, count", [(None, 0), ("-", 0), (" - ", 0), (3, 3), (3.0, 3), ("4", 4)])
def test_recap_counts(cell, count):
    assert recap_count(cell) == count


@pytest.mark.parametrize("cell", [-1, 2.5, "dua", "3 orang"])
def test_bad_recap_counts(cell):
    assert isinstance(recap_count(cell), Problem)


_REFERENCE_LIKE = st.one_of(
    st.text(alphabet=st.sampled_from(list("0123456789 .-/ABKLPabc\t\u00a0é")), max_size=40),
    st.text(max_size=30), st.floats(allow_nan=False), st.integers(), st.none(), st.dates())


@settings(deadline=None)  # the first call compiles the Arrow regular expressions: slow on a busy machine
@given(st.lists(_REFERENCE_LIKE, max_size=30))
def test_register_numbers_and_notes_read_all_at_once_equal_one_by_one(values):
    assert case_references(values) == [case_reference(v) for v in values]
    assert masked_texts(values) == [mask_personal_numbers(v) for v in values]
