"""A file covers the period it declares (issue 16, items 1 and 4; issue 21, item 5).

Example rows and instruction sheets are never data, a row outside the declared period is rejected and never
widens it, a NIHIL report stands for its month with zero cases, inspect says which months of which earlier file a
load replaces, and a file from another region gets one sentence, not one hint per row. Every fixture is a real
workbook made with openpyxl, loaded into a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import duckdb
import openpyxl
import pytest

from etl import archive, compliance, db as dbmod, ledger, load, summary, template
from etl.model import WorkbookError
from etl.parse import parse_workbook
from loadhelpers import entry, register, snapshot

D = dt.date
TODAY = D(2024, 11, 15)
HEADERS = ["No", "No. Register", "Tanggal Lapor", "Kecamatan", "Umur", "Jenis Kelamin", "Jenis Kekerasan",
           "Keterangan"]


def row(number, ref, day, district="Jelutung", age=9, sex="P", form="Fisik", note=None):
    return [number, ref, day, district, age, sex, form, note]


def workbook(path, sheets):
    """sheets: (name, rows, state) with rows as lists of cells, written from A1."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, state in sheets:
        ws = wb.create_sheet(name)
        for values in rows:
            ws.append(values)
        ws.sheet_state = state
    wb.save(path)
    return path


def october_rows():
    return [row(1, "UPTD/10/1", D(2024, 10, 3)), row(2, "UPTD/10/2", D(2024, 10, 17), form="Seksual")]


JANUARY_EXAMPLE = row(1, "CONTOH/001", D(2024, 1, 5), district="Telanaipura")


def october_with_example(tmp_path, variant):
    """An October UPTD PPA register whose only January row is an example row, in one of several forms."""
    title = [["LAPORAN KASUS KEKERASAN TERHADAP PEREMPUAN DAN ANAK UPTD PPA BULAN OKTOBER 2024"], []]
    path = tmp_path / f"uptd-oktober-{variant}.xlsx"
    if variant == "petunjuk_sheet":
        return workbook(path, [("Register", title + [HEADERS] + october_rows(), "visible"),
                               ("Petunjuk", [["Cara mengisi: satu baris per korban"], HEADERS, JANUARY_EXAMPLE],
                                "visible")])
    if variant == "contoh_pengisian_sheet_no_period":  # no declared period: the example must not define one
        return workbook(path, [("Data", [["DATA KORBAN UPTD PPA"], HEADERS] + october_rows(), "visible"),
                               ("Contoh pengisian", [HEADERS, JANUARY_EXAMPLE], "visible")])
    if variant == "example_titled_sheet":  # a sheet named like any other, titled as an example
        return workbook(path, [("Register", title + [HEADERS] + october_rows(), "visible"),
                               ("Sheet2", [["CONTOH PENGISIAN REGISTER"], HEADERS, JANUARY_EXAMPLE], "visible")])
    if variant == "hidden_sheet":
        return workbook(path, [("Register", title + [HEADERS] + october_rows(), "visible"),
                               ("Lama", [HEADERS, JANUARY_EXAMPLE], "hidden")])
    if variant == "contoh_marked":
        marked = ["CONTOH"] + JANUARY_EXAMPLE[1:]
        return workbook(path, [("Register", title + [HEADERS, marked] + october_rows(), "visible")])
    if variant == "contoh_in_notes_no_period":
        marked = JANUARY_EXAMPLE[:-1] + ["contoh"]
        return workbook(path, [("Register", [["DATA KORBAN UPTD PPA"], HEADERS, marked] + october_rows(),
                                "visible")])
    if variant == "template_example_row":
        blank = template.write_register(tmp_path / "blank.xlsx", agency="UPTD_PPA",
                                        period=(D(2024, 10, 1), D(2024, 10, 1)))
        wb = openpyxl.load_workbook(blank)
        ws = wb["Register"]
        assert ws.cell(template.REGISTER_FIRST_DATA_ROW, 1).value == template.EXAMPLE_MARK
        assert ws.cell(template.REGISTER_FIRST_DATA_ROW, 2).value.month == 1  # the template's own January row
        for r, (ref, day) in enumerate([("UPTD/10/1", "03/10/2024"), ("UPTD/10/2", "17/10/2024")],
                                       start=template.REGISTER_FIRST_DATA_ROW + 1):
            for c, value in enumerate([ref, day, None, "Jelutung", None, 9, "P", "Fisik"], start=1):
                if value is not None:
                    ws.cell(r, c, value)
        wb.save(path)
        return path
    raise ValueError(variant)


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "data" / "ppa.duckdb"


def january_register(tmp_path):
    return register(tmp_path / "uptd-januari.xlsx", "UPTD_PPA", D(2024, 1, 1), D(2024, 1, 1),
                    [entry(f"UPTD/01/{i}", D(2024, 1, 4 + i)) for i in range(1, 4)])


def january_records(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT victim_key, case_ref, report_date, submission_id FROM victim_records "
                           "WHERE month(report_date) = 1 ORDER BY ALL").fetchall()


@pytest.mark.parametrize("variant", ["petunjuk_sheet", "contoh_pengisian_sheet_no_period", "example_titled_sheet",
                                     "hidden_sheet",
                                     "contoh_marked", "contoh_in_notes_no_period", "template_example_row"])
def test_an_example_row_never_replaces_a_real_month(tmp_path, db, variant):
    first = load.load_files([january_register(tmp_path)], db=db).files[0]
    before = january_records(db)
    assert len(before) == 3

    october = october_with_example(tmp_path, variant)
    result = load.load_files([october], db=db).files[0]
    assert result.status == "loaded", result.message
    assert result.months == [D(2024, 10, 1)] and result.replaced == []
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    assert result.errors == []  # skipped, not rejected row by row
    notes = [w for w in result.warnings if w.reason == "contoh_dilewati"]
    if variant == "hidden_sheet":
        assert notes == [] and {"sheet": "Lama", "reason": "lembar tersembunyi"} in result.detected["skipped_sheets"]
    else:
        assert len(notes) == 1 and "tidak dimuat" in notes[0].message
    assert january_records(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status, months FROM submissions WHERE submission_id = ?",
                           [first.submission_id]).fetchone() == ("active", [D(2024, 1, 1)])
        assert con.execute("SELECT count(*) FROM victim_records WHERE case_ref LIKE 'CONTOH%'").fetchone()[0] == 0


def test_the_blank_template_has_an_example_row_that_is_never_read(tmp_path):
    parsed = parse_workbook(template.write_register(tmp_path / "blank.xlsx"), "UPTD_PPA", today=TODAY)
    assert (parsed.rows_read, parsed.months, parsed.errors) == (0, [], [])
    assert [w.reason for w in parsed.warnings] == ["contoh_dilewati"]


# ---------------------------------------------------------------- declared period

def declared_in(tmp_path, where, rows):
    """A UPTD PPA register declaring October 2024 (or January–March 2024) in one of the places agencies use."""
    name = "register-uptd.xlsx"
    top = [["DATA KORBAN KEKERASAN UPTD PPA"]]
    if where == "title":
        top = [["LAPORAN KASUS KEKERASAN TERHADAP PEREMPUAN DAN ANAK UPTD PPA BULAN OKTOBER 2024"]]
    elif where == "title_range":
        top = [["REGISTER KORBAN UPTD PPA"], ["Periode: Januari–Maret 2024"]]
    elif where == "bulan_cell":
        top = [["REGISTER KORBAN UPTD PPA"], ["Bulan/Periode", "Oktober 2024"]]
    elif where == "bulan_cell_date":
        top = [["REGISTER KORBAN UPTD PPA"], ["Bulan :", D(2024, 10, 1)]]
    elif where == "file_name":
        name = "laporan_uptd_ppa_Oktober_2024.xlsx"
    return workbook(tmp_path / name, [("Register", top + [[], HEADERS] + rows, "visible")])


@pytest.mark.parametrize("where, months, source", [
    ("title", [D(2024, 10, 1)], "judul lembar 'Register'"),
    ("title_range", [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)], "judul lembar 'Register'"),
    ("bulan_cell", [D(2024, 10, 1)], "sel Bulan (lembar 'Register' B2)"),
    ("bulan_cell_date", [D(2024, 10, 1)], "sel Bulan (lembar 'Register' B2)"),
    ("file_name", [D(2024, 10, 1)], "nama file"),
])
def test_a_row_outside_the_declared_period_is_rejected_and_never_widens_it(tmp_path, where, months, source):
    inside = months[0].replace(day=9)
    path = declared_in(tmp_path, where, [row(1, "R/1", inside), row(2, "R/2", D(2024, 6, 20)),
                                         row(3, "R/3", inside, form="Psikis")])
    parsed = parse_workbook(path, today=TODAY)
    assert parsed.months == months and parsed.detected["period_source"] == source
    assert (parsed.rows_read, parsed.rows_loaded, parsed.rows_rejected) == (3, 2, 1)
    assert [v.report_date for v in parsed.victims] == [inside, inside]
    (error,) = parsed.errors
    period = "Oktober 2024" if len(months) == 1 else "Januari 2024 – Maret 2024"
    assert (error.sheet, error.row, error.column, error.reason) == ("Register", len(path_rows(path)) - 1,
                                                                    "Tanggal Lapor", "di_luar_periode")
    assert error.message.startswith(f"Lembar 'Register' baris {error.row}: tanggal lapor 20 Juni 2024 di luar "
                                    f"periode laporan {period}, yang tertulis di {source}.")


def path_rows(path):
    return list(openpyxl.load_workbook(path)["Register"].iter_rows(values_only=True))


def test_without_a_declared_period_the_rows_define_it(tmp_path):
    path = declared_in(tmp_path, "none", [row(1, "R/1", D(2024, 9, 9)), row(2, "R/2", D(2024, 10, 2))])
    parsed = parse_workbook(path, today=TODAY)
    assert parsed.months == [D(2024, 9, 1), D(2024, 10, 1)] and parsed.errors == []
    assert parsed.detected["period_source"] == "tanggal lapor"


def test_a_revision_with_a_row_outside_its_period_replaces_only_its_own_month(tmp_path, db):
    load.load_files([january_register(tmp_path)], db=db)
    october = declared_in(tmp_path, "title", october_rows() + [row(3, "UPTD/01/9", D(2024, 1, 20))])
    result = load.load_files([october], db=db).files[0]
    assert result.status == "loaded" and result.months == [D(2024, 10, 1)] and result.rows_rejected == 1
    assert len(january_records(db)) == 3


# ---------------------------------------------------------------- NIHIL

def nihil_report(tmp_path, layout):
    title = ["LAPORAN KASUS KEKERASAN TERHADAP PEREMPUAN DAN ANAK UPTD PPA KOTA JAMBI BULAN AGUSTUS 2024"]
    path = tmp_path / f"uptd-agustus-{layout}.xlsx"
    if layout == "text_only":
        return workbook(path, [("Laporan", [title, [], ["NIHIL"], [], [None, "Jambi, 2 September 2024"]],
                                "visible")])
    if layout == "register_row":
        return workbook(path, [("Register", [title, [], HEADERS, [1, "Tidak ada kasus"]], "visible")])
    if layout == "register_merged_lowercase":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Agustus"
        ws.append(title)
        ws.append([])
        ws.append(HEADERS)
        ws.append(["nihil"])
        ws.merge_cells("A4:H4")
        wb.save(path)
        return path
    raise ValueError(layout)


@pytest.mark.parametrize("layout", ["text_only", "register_row", "register_merged_lowercase"])
def test_a_nihil_report_loads_zero_cases_for_its_month_and_counts_as_received(tmp_path, db, layout):
    july = register(tmp_path / "uptd-juli.xlsx", "UPTD_PPA", D(2024, 7, 1), D(2024, 7, 1),
                    [entry("UPTD/07/1", D(2024, 7, 9))])
    august = register(tmp_path / "uptd-agustus-awal.xlsx", "UPTD_PPA", D(2024, 8, 1), D(2024, 8, 1),
                      [entry("UPTD/08/1", D(2024, 8, 9))])
    load.load_files([july, august], db=db)
    result = load.load_files([nihil_report(tmp_path, layout)], db=db).files[0]
    assert result.status == "replaced", result.message
    assert (result.months, result.rows_read, result.rows_rejected, result.shape) == ([D(2024, 8, 1)], 0, 0,
                                                                                    "register")
    assert result.detected["nihil"] is True
    assert "laporan NIHIL (tidak ada kasus)" in summary.file_summary(result)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM victims WHERE month = DATE '2024-08-01'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM victims WHERE month = DATE '2024-07-01'").fetchone()[0] == 1
    con = dbmod.connect(db, read_only=True)
    try:
        statuses = {(s.agency, s.month): s.status for s in compliance.compliance(
            con, D(2024, 7, 1), D(2024, 9, 1), today=D(2024, 10, 20))}
    finally:
        con.close()
    assert statuses[("UPTD_PPA", D(2024, 8, 1))] in (compliance.ON_TIME, compliance.LATE)
    assert statuses[("UPTD_PPA", D(2024, 9, 1))] == compliance.MISSING


def test_a_nihil_report_alone_is_received_and_one_without_a_month_is_refused(tmp_path, db):
    result = load.load_files([nihil_report(tmp_path, "text_only")], db=db).files[0]
    assert (result.status, result.months) == ("loaded", [D(2024, 8, 1)])
    con = dbmod.connect(db, read_only=True)
    try:
        assert ("UPTD_PPA", D(2024, 8, 1)) in ledger.received_months(con)
    finally:
        con.close()
    no_month = workbook(tmp_path / "uptd-nihil.xlsx", [("Laporan", [["LAPORAN UPTD PPA"], ["Tidak ada kasus"]],
                                                        "visible")])
    with pytest.raises(WorkbookError, match="laporan NIHIL .* bulan laporannya tidak tertulis"):
        parse_workbook(no_month, today=TODAY)


# ---------------------------------------------------------------- inspect: what a load replaces

def test_inspect_names_the_month_and_the_earlier_file_it_would_replace(repo_root, tmp_path, db):
    load.load_files([january_register(tmp_path)], db=db)
    with duckdb.connect(str(db), read_only=True) as con:
        loaded_at = con.execute("SELECT loaded_at FROM submissions").fetchone()[0]
    revision = declared_in(tmp_path, "file_name", [])  # an October file: replaces nothing
    january_again = workbook(tmp_path / "uptd_januari_2024_revisi.xlsx", [(
        "Register", [["REGISTER UPTD PPA"], HEADERS, row(1, "UPTD/01/1", D(2024, 1, 5))], "visible")])
    before = snapshot(db)
    run = subprocess.run([sys.executable, "-m", "etl", "inspect", str(january_again), str(revision),
                          str(october_with_example(tmp_path, "petunjuk_sheet")), "--db", str(db)],
                         cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    replacing, october_nihil, october = run.stdout.split("\n\n")[:3]
    assert ("Mengganti  : Januari 2024 dari kiriman" in replacing and "(uptd-januari.xlsx, dimuat "
            f"{loaded_at:%d-%m-%Y %H:%M}): 3 → 1 korban (−2)" in replacing)
    assert "Mengganti" not in october_nihil and "Mengganti" not in october
    as_json = subprocess.run([sys.executable, "-m", "etl", "inspect", str(january_again), "--db", str(db), "--json"],
                             cwd=repo_root, capture_output=True, text=True, timeout=300)
    (replaces,) = json.loads(as_json.stdout)["files"][0]["replaces"]
    assert (replaces["file_name"], replaces["loaded_at"][:16], replaces["months"][0]["month"]) == (
        "uptd-januari.xlsx", loaded_at.isoformat()[:16], "2024-01")
    assert snapshot(db) == before


# ---------------------------------------------------------------- the real reason first, one sentence per cause

@pytest.mark.parametrize("places", [["Padang Luas", "Koto Tangah", "Nanggalo", "Kuranji", "Jelutung"],
                                    ["Sungai Gelam", "Mestong", "Kumpeh", "Sekernan", "Kota Baru"]])
def test_a_file_from_another_region_gets_one_sentence_not_a_hint_per_row(tmp_path, places):
    rows = [row(i, f"R/{i}", D(2024, 9, i + 1), district=p) for i, p in enumerate(places, 1)]
    parsed = parse_workbook(workbook(tmp_path / "uptd-september.xlsx",
                                     [("Register", [["REGISTER UPTD PPA"], HEADERS] + rows, "visible")]),
                            today=TODAY)
    assert (parsed.rows_read, parsed.rows_rejected) == (5, 4)
    first = parsed.warnings[0]
    assert first.reason == "wilayah_lain" and first.message.startswith("4 dari 5 baris file ini menyebut kecamatan")
    assert "tampaknya berasal dari wilayah lain" in first.message
    assert sum(w.reason == "wilayah_lain" for w in parsed.warnings) == 1
    assert not any("daftar ejaan nama wilayah" in e.message for e in parsed.errors)
    assert all(e.message.endswith(".") and e.message.count(". ") == 0 for e in parsed.errors)


def test_a_few_rows_outside_the_region_keep_their_own_advice(tmp_path):
    rows = [row(i, f"R/{i}", D(2024, 9, i + 1)) for i in range(1, 5)] + [row(5, "R/5", D(2024, 9, 9),
                                                                             district="Antah Berantah")]
    parsed = parse_workbook(workbook(tmp_path / "uptd.xlsx", [("Register", [["UPTD PPA"], HEADERS] + rows,
                                                                "visible")]), today=TODAY)
    assert not any(w.reason == "wilayah_lain" for w in parsed.warnings)
    assert "daftar ejaan nama wilayah" in parsed.errors[0].message


def test_a_file_that_is_no_table_is_refused_for_that_before_its_agency(tmp_path):
    odd = workbook(tmp_path / "catatan.xlsx", [("Sheet1", [["Catatan rapat"], ["isi bebas", "lain"]], "visible")])
    with pytest.raises(WorkbookError) as caught:
        parse_workbook(odd, today=TODAY)
    assert "tidak ada lembar berisi data yang dikenali" in str(caught.value)
    assert "lembaga pengirim" not in str(caught.value)
    anonymous = workbook(tmp_path / "data.xlsx", [("Data", [HEADERS, row(1, "R/1", D(2024, 9, 2))], "visible")])
    with pytest.raises(WorkbookError) as caught:
        parse_workbook(anonymous, today=TODAY)
    assert "lembaga pengirim tidak dapat dikenali" in str(caught.value) and "--agency" not in str(caught.value)


def test_rebuild_from_the_archive_reads_examples_and_nihil_reports_the_same_way(tmp_path, db):
    files = [october_with_example(tmp_path, "petunjuk_sheet"), october_with_example(tmp_path, "contoh_marked"),
             nihil_report(tmp_path, "text_only"), nihil_report(tmp_path, "register_merged_lowercase")]
    assert [f.status for f in load.load_files(files, db=db).files] == ["loaded", "replaced", "loaded", "replaced"]

    def stored():
        with duckdb.connect(str(db), read_only=True) as con:
            return {table: con.execute(f"SELECT * EXCLUDE ({drop}) FROM {table} ORDER BY ALL").fetchall()
                    for table, drop in (("submissions", "loaded_at, detected"), ("victim_records", "duplicate_of"),
                                        ("load_warnings", "message"), ("rejected_rows", "message"))}
    before = stored()
    assert len(before["submissions"]) == 4 and len(before["victim_records"]) == 2
    assert sum(w[4] == "contoh_dilewati" for w in before["load_warnings"]) == 2
    report = load.rebuild(db)
    assert not report.any_failed and [f.status for f in report.files] == ["loaded", "replaced", "loaded", "replaced"]
    assert stored() == before
    # the archived copies keep nothing of an example row but the word that marks it
    for path in (db.parent / "raw").iterdir():
        cells = {v for sheet in archive.read_copy(path, path.name).sheets for c in sheet.columns for v in c.values}
        assert not cells & {"Telanaipura", "CONTOH/001", D(2024, 1, 5)}, path
