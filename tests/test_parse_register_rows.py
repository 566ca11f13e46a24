"""Register rows, parsed column by column: a property test over generated registers with messy cells shows that the
records, rejections and warnings are what reading each row's cells one by one through etl.values gives."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from etl import parse, values
from etl.model import Problem, VictimRow
from etl.read import read_workbook
from etl.template import REGISTER_HEADERS

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
         "Eksploitasi ekonomi", "persetubuhan terhadap anak", "pelecehan seksual", "dipukul sapu", "Lainnya", "KDRT",
         "Eksploitasi Seksual", "mucikari", "pekerja migran ilegal/nonprosedural"]
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
incident_places = st.one_of(st.sampled_from(["Rumah Tangga", "rumah tangga", "Sekolah", "Fasilitas Umum", "Lainnya",
                                       "Planet Mars", "Tempat Kerja", "-"]).flatmap(_case), st.none())
relations = st.one_of(st.sampled_from(["Orang Tua", "Saudara", "Keluarga/Saudara", "Pacar", "Teman", "Tetangga",
                                       "Guru", "Alien", "Suami", "Tidak diketahui", "Ayah Tiri", "Paman"]
                                      ).flatmap(_case), st.none())
SERVICES = ["Pengaduan", "Kesehatan", "Bantuan Hukum", "Pemulangan", "Sulap", "Rehabilitasi Sosial", "Psikologi",
            "Pendampingan Kepolisian/Pengadilan", "Home Visit"]
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
                 _mostly(st.sampled_from(FORMS[:5]), forms), _mostly(st.none(), incident_places),
                 _mostly(st.none(), relations), _mostly(st.none(), services), notes)


def _write(path, register_rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["DATA KORBAN"])
    ws.append(["Lembaga", "UPTD_PPA"])
    ws.append(["Periode dari", D(2024, 5, 1)])
    ws.append(["Periode sampai", D(2024, 5, 1)])
    ws.append([])
    ws.append(list(REGISTER_HEADERS))
    for row in register_rows:
        ws.append(list(row))
    wb.save(path)
    return path


FIRST_ROW = 7  # Excel row of the first register row written by _write
HEADER = dict(zip(("ref", "report", "incident", "district", "subdistrict", "age", "sex", "forms", "setting",
                   "relation", "services", "notes"), REGISTER_HEADERS))


def _expected_row(cells: tuple, excel_row: int, today: dt.date):
    """One register row read cell by cell through etl.values, the rules stated plainly: (VictimRow or None,
    problems of a rejected row, warnings) with problems as (row, column, reason, message or None when the
    message is the parser's own)."""
    cell = dict(zip(HEADER, cells))
    errors, warnings = [], []

    def take(outcome, key, required=False):
        if outcome is None:
            if required:
                errors.append((excel_row, HEADER[key], "wajib_kosong", None))
            return None
        if isinstance(outcome, Problem):
            errors.append((excel_row, HEADER[key], outcome.reason, outcome.message))
            return None
        if outcome.warning is not None:
            warnings.append((excel_row, HEADER[key], outcome.warning.reason, outcome.warning.message))
        return outcome.value

    report = take(values.parse_date(cell["report"], today, what="Tanggal lapor"), "report", required=True)
    incident = take(values.parse_date(cell["incident"], today, what="Tanggal kejadian"), "incident")
    sex = take(values.parse_sex(cell["sex"]), "sex", required=True)
    age = take(values.parse_age(cell["age"]), "age")
    forms = take(values.parse_violence(cell["forms"]), "forms", required=True)
    # kecamatan and kelurahan: an unknown kelurahan in a known kecamatan is only dropped; they must agree
    failed = len(errors)
    district = take(values.parse_district(cell["district"]), "district")
    kelurahan = values.parse_subdistrict(cell["subdistrict"], district)
    if district and isinstance(kelurahan, Problem) and kelurahan.reason == "wilayah_tidak_dikenal":
        warnings.append((excel_row, HEADER["subdistrict"], "kelurahan_tidak_dikenal", None))
        subdistrict = None
    else:
        subdistrict = take(kelurahan, "subdistrict")
    if len(errors) == failed:
        parent = values.district_of_subdistrict(subdistrict) if subdistrict else None
        if district is None and subdistrict is None:
            errors.append((excel_row, HEADER["district"], "wajib_kosong", None))
        elif parent and district and parent != district:
            errors.append((excel_row, HEADER["subdistrict"], "wilayah_bertentangan", None))
        district = district or parent
    read_setting = values.parse_closed(cell["setting"], "place_of_incident")
    setting = take(read_setting, "setting")
    if read_setting is None:  # an empty place of incident is the one the wording implies ('KDRT psikis')
        setting = values.place_of_violence(cell["forms"])
    relation = take(values.parse_closed(cell["relation"], "relationship"), "relation")
    services = take(values.parse_services(cell["services"]), "services") or ()
    if errors:
        return None, errors, warnings
    return VictimRow(
        sheet="Register", sheet_index=0, row=excel_row, case_ref=values.case_reference(cell["ref"]),
        report_date=report, district_code=district, violence_types=forms, sex=sex,
        age=age.years if age else None, is_child=age.is_child if age else None, subdistrict_code=subdistrict,
        incident_date=incident, place_of_incident=setting, relationship=relation, services=tuple(services),
        notes=None), errors, warnings  # Keterangan is dropped like personal data (docs/data-contract.md)


def _located(problems) -> list[tuple]:
    return [(p.row, p.column, p.reason, p.message) for p in problems]


def _same(found: list[tuple], expected: list[tuple]) -> bool:
    return len(found) == len(expected) and all(
        f[:3] == e[:3] and (e[3] is None or f[3] == e[3]) for f, e in zip(found, expected))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(register=st.lists(rows, min_size=1, max_size=25))
def test_column_wise_parse_equals_reading_each_row_cell_by_cell(tmp_path, register):
    path = _write(tmp_path / "register.xlsx", register)
    parsed = parse.parse_workbook(path, today=TODAY)
    sheet = read_workbook(path).sheets[0]  # the cells as the parser sees them (after the reader)
    victims, errors, warnings = [], [], []
    for i in range(len(register)):
        victim, row_errors, row_warnings = _expected_row(sheet.row(FIRST_ROW - 1 + i), FIRST_ROW + i, TODAY)
        victims += [victim] if victim else []
        errors += row_errors
        warnings += row_warnings
    # the file's own rules, checked here: a row dated outside the declared May 2024 is rejected; when most rows
    # name places outside the region, one sentence says so and each row's place message is its first sentence
    inside = [v for v in victims if v.report_date.replace(day=1) == D(2024, 5, 1)]
    assert parsed.victims == inside
    outside = [e for e in parsed.errors if e.reason == "di_luar_periode"]
    assert [e.row for e in outside] == [v.row for v in victims if v not in inside]
    another_region = [w for w in parsed.warnings if w.reason == "wilayah_lain"]
    if another_region:
        errors = [e[:3] + (None,) if e[2] in ("wilayah_luar", "wilayah_tidak_dikenal") else e for e in errors]
    assert _same(_located(e for e in parsed.errors if e.reason != "di_luar_periode"), errors)
    assert _same(_located(w for w in parsed.warnings if w.reason != "wilayah_lain"), warnings)
    assert (parsed.rows_read, parsed.rows_loaded) == (len(register), len(inside))
    assert {e.sheet for e in parsed.errors + parsed.warnings if e not in another_region} <= {"Register"}


def test_today_is_not_remembered_between_files(tmp_path):
    """A date in the future on one day is accepted once that day has passed (nothing cached across parses)."""
    path = _write(tmp_path / "register.xlsx", [["R/1", D(2024, 5, 20), None, "Telanaipura", None, 7, "P", "Seksual"]])
    early = parse.parse_workbook(path, today=D(2024, 5, 10))
    later = parse.parse_workbook(path, today=D(2024, 5, 31))
    assert [e.reason for e in early.errors] == ["tanggal_masa_depan"] and not early.victims
    assert not later.errors and len(later.victims) == 1


def test_a_dash_for_kecamatan_rejects_the_row_instead_of_the_file(tmp_path):
    path = _write(tmp_path / "register.xlsx", [["R/1", D(2024, 5, 2), None, "-", None, 7, "P", "Seksual"],
                                               ["R/2", D(2024, 5, 2), None, "Telanaipura", None, 7, "P", "Seksual"]])
    parsed = parse.parse_workbook(path, today=D(2024, 6, 30))
    assert [(e.row, e.column, e.reason) for e in parsed.errors] == [(7, "Kecamatan", "wajib_kosong")]
    assert [v.row for v in parsed.victims] == [8]


@pytest.mark.parametrize("cells, problems", [
    # several problems in one row come in the order of the row's fields, each at its own column
    (["R/1", "kemarin", None, "Sungai Gelam", None, 130, "X", "Sulap"],
     [("Tanggal Lapor", "tanggal"), ("Jenis Kelamin (L/P)", "jenis_kelamin"), ("Umur (tahun)", "umur"),
      ("Jenis Kekerasan", "bentuk_tidak_dikenal"), ("Kecamatan", "wilayah_luar")]),
    (["R/1", D(2024, 5, 2), None, "Telanaipura", "Legok", 7, None, "Seksual"],
     [("Jenis Kelamin (L/P)", "wajib_kosong"), ("Kelurahan", "wilayah_bertentangan")]),
])
def test_a_rejected_row_names_each_problem_at_its_column(tmp_path, cells, problems):
    parsed = parse.parse_workbook(_write(tmp_path / "register.xlsx", [cells]), today=TODAY)
    assert [(e.row, e.column, e.reason) for e in parsed.errors] == [(7, c, r) for c, r in problems]
    assert not parsed.victims and parsed.rows_rejected == 1
