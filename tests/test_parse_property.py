"""Property test over generated registers with messy cells: the register parser's records, rejections and warnings
are what reading each row's cells through etl.values gives."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from etl import parse
from tests.test_parse_fast import _write

D = dt.date
TODAY = D(2024, 6, 30)
MONTH_WORDS = ["Juni", "Jun", "juni", "JUNI", "June", "Mei", "Pebruari", "Agt", "Agustus", "Des", "Desember",
               "Nop", "Okt", "Sept", "Maret", "Januari", "Jan", "Juli", "April", "Bulan"]
DAY_NAMES = ["", "Senin, ", "Jumat ", "Ahad, "]


def _texts(*options: str):
    return st.sampled_from(options)


def _case(text: str):
    """A wording as typed: as is, upper, lower, or with stray spaces."""
    return st.sampled_from([text, text.upper(), text.lower(), f"  {text} ", text.replace(" ", "  ")])


def _misspelt(text: str):
    """A wording with one letter dropped, doubled or swapped (fuzzy matching may or may not accept it)."""
    return st.integers(0, max(0, len(text) - 2)).flatmap(lambda i: st.sampled_from([
        text[:i] + text[i + 1:], text[:i] + text[i] + text[i:], text[:i] + text[i + 1] + text[i] + text[i + 2:]]))


def _spelling(names: list[str]):
    return st.sampled_from(names).flatmap(lambda n: st.one_of(_case(n), _misspelt(n), _case(f"Kec. {n}"),
                                                              _case(f"Kel. {n}")))


dates = st.one_of(
    st.dates(D(1995, 1, 1), D(2025, 12, 31)),
    st.datetimes(dt.datetime(2019, 1, 1), dt.datetime(2025, 1, 1)),
    st.integers(-5, 50_000), st.floats(43_000, 46_000, allow_nan=False),
    st.builds(lambda d, sep, yy: f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year % 100 if yy else d.year}",
              st.dates(D(2019, 1, 1), D(2025, 1, 1)), st.sampled_from(["/", "-", ".", " / "]), st.booleans()),
    st.builds(lambda day, d, m, y: f"{day}{d} {m} {y}", st.sampled_from(DAY_NAMES), st.integers(0, 32),
              st.sampled_from(MONTH_WORDS), st.sampled_from([2024, 24, 2023, 1999, 2031])),
    st.builds(lambda d: d.isoformat() + " 10:15", st.dates(D(2020, 1, 1), D(2025, 1, 1))),
    _texts("31/02/2024", "kemarin", "-", "  ", "05/06", "2024", "tgl 5 juni 2024"),
    st.booleans(), st.none(),
)
ages = st.one_of(
    st.integers(-2, 130), st.floats(-1, 120, allow_nan=False), st.booleans(), st.none(),
    st.builds(lambda n, unit: f"{n}{unit}", st.integers(0, 120),
              st.sampled_from(["", " th", " thn", " tahun", "th", " bln", " bulan", " hari", " th 3 bln", ",5 th"])),
    _texts("10-17", "5-30", "18 - 40", "> 18", "< 5", "dewasa", "anak", "balita", "-", "tua", "?", "umur 7",
           "±15 th", "17+", "lansia"),
)
sexes = st.one_of(st.sampled_from(["L", "P", "Perempuan", "Laki-laki", "lk", "pr", "Wanita", "pria", "X", "-",
                                   "Laki laki", "perempuan ", "F"]).flatmap(_case), st.none(), st.integers(0, 2))
FORMS = ["Seksual", "Fisik", "Psikis", "pencabulan", "KDRT fisik", "Penelantaran", "TPPO", "trafficking",
         "Eksploitasi ekonomi", "persetubuhan terhadap anak", "pelecehan seksual", "dipukul sapu", "Lainnya"]
forms = st.one_of(
    st.sampled_from(FORMS).flatmap(_case),
    st.lists(st.sampled_from(FORMS), min_size=2, max_size=3).flatmap(
        lambda parts: st.sampled_from([", ", " dan ", "/", "; ", " + ", "\n"]).map(lambda sep: sep.join(parts))),
    st.builds(lambda a, b: f"Kekerasan ({a}, {b})", st.sampled_from(FORMS), st.sampled_from(FORMS)),
    st.none(), st.integers(0, 3), st.booleans(), _texts("-", "  "),
)
DISTRICTS = ["Telanaipura", "Jambi Selatan", "Jambi Timur", "Pasar Jambi", "Kota Baru", "Alam Barajo",
             "Paal Merah", "Danau Sipin", "Pelayangan", "Danau Teluk", "Jelutung", "Telanai Pura", "Kotabaru",
             "Jamtim", "Sungai Gelam", "Mestong", "Antah Berantah"]
SUBDISTRICTS = ["Simpang IV Sipin", "Pematang Sulur", "Legok", "Jelutung", "Kenali Asam Bawah", "Paal Merah",
                "Talang Bakung", "Kelurahan Fiktif", "Sijinjang", "The Hok", "Thehok", "Olak Kemang",
                "Telanaipura", "Pasir Putih", "Sungai Gelam"]
districts = st.one_of(_spelling(DISTRICTS), st.none(), _texts("-", "Kec.", ""))
subdistricts = st.one_of(_spelling(SUBDISTRICTS), st.none(), st.none(), _texts("-"))
settings_ = st.one_of(st.sampled_from(["Rumah Tangga", "rumah tangga", "Sekolah", "Fasilitas Umum", "Lainnya",
                                       "Planet Mars", "Tempat Kerja", "-"]).flatmap(_case), st.none())
relations = st.one_of(st.sampled_from(["Orang Tua", "Saudara", "Keluarga/Saudara", "Pacar", "Teman", "Tetangga",
                                       "Guru", "Alien", "Suami", "Tidak diketahui"]).flatmap(_case), st.none())
SERVICES = ["Pengaduan", "Kesehatan", "Bantuan Hukum", "Pemulangan", "Sulap", "Rehabilitasi Sosial"]
services = st.one_of(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3).map(", ".join),
                     st.lists(st.sampled_from(SERVICES), min_size=2, max_size=2).map(" dan ".join), st.none())
notes = st.one_of(st.none(), _texts("hubungi 0812-3456-7890", "NIK 1571010101010001 ibu korban", "rujukan RS",
                                    "ditangani 2x", "+62 812 3456 7890 (ayah)"))
refs = st.one_of(st.none(), _texts("R/1", "LP/B/12/VI/2024", "0812 3456 7890", "12"), st.integers(1, 30),
                 st.floats(1, 30, allow_nan=False))


def _mostly(clean, messy):
    """Mostly clean cells (seven in eight), so that about half the generated rows load and every path carries
    rows; the other rows each have a messy cell or two."""
    return st.integers(0, 7).flatmap(lambda draw: clean if draw else messy)


rows = st.tuples(refs, _mostly(st.dates(D(2024, 5, 1), D(2024, 5, 31)), dates), _mostly(st.none(), dates),
                 _mostly(st.sampled_from(DISTRICTS[:11]), districts), _mostly(st.none(), subdistricts),
                 _mostly(st.integers(0, 80), ages), _mostly(st.sampled_from(["L", "P"]), sexes),
                 _mostly(st.sampled_from(FORMS[:5]), forms), _mostly(st.none(), settings_),
                 _mostly(st.none(), relations), _mostly(st.none(), services), notes)


def _outcome(parsed):
    return (parsed.victims, parsed.errors, parsed.warnings, parsed.rows_read, parsed.rows_loaded, parsed.months)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(register=st.lists(rows, min_size=1, max_size=25))
def test_column_wise_path_equals_row_by_row_path(tmp_path, register):
    path = _write(tmp_path / "register.xlsx", register)
    column_wise = parse.parse_workbook(path, today=TODAY)
    with mock.patch.object(parse, "_clean", lambda outcome, required=False: parse._SLOW):  # every row row by row
        row_by_row = parse.parse_workbook(path, today=TODAY)
    assert _outcome(column_wise) == _outcome(row_by_row)
