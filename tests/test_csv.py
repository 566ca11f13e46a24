"""CSV as Excel writes it in Indonesia (`;`, Windows-1252 or UTF-8 with BOM, dd/mm/yyyy, decimal commas) goes
through the same pipeline as the workbook it came from: the official template filled with openpyxl, saved as CSV
the way Excel does and by LibreOffice, loads into the same victims as the .xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl import vocab
from etl.load import rebuild, workbook_files
from etl.model import WorkbookError
from etl.parse import parse_workbook
from etl.read import MAX_CELLS, read_workbook

D = dt.date
# what a victims row is, apart from where it came from (the file's hash and sheet) and the keys derived from them
COMPARED = "* EXCLUDE (victim_key, case_key, submission_id, source_sheet)"
ROWS = [  # No. Register, Tanggal Lapor, Tanggal Kejadian, Kecamatan, Kelurahan, Umur, JK, Jenis, Tempat, Hubungan,
    # Layanan, Keterangan
    ("UPTD/001/V/2024", D(2024, 5, 2), D(2024, 4, 28), "Telanaipura", "Pematang Sulur", 12, "P", "Seksual",
     "Rumah Tangga", "Tetangga", "Pengaduan, Kesehatan", "rujukan; lanjut\nke RS – pendampingan"),
    ("UPTD/002/V/2024", D(2024, 5, 13), None, "Kotabaru", None, 1.5, "L", "Fisik, Psikis", None, "Orang Tua",
     None, None),
    ("UPTD/003/V/2024", D(2024, 5, 31), D(2024, 5, 30), "Jelutung", None, 34, "P", "Fisik", "Rumah Tangga",
     "Suami/Istri", "Bantuan Hukum", "KDRT, \"berulang\""),
    ("0123", D(2024, 5, 7), None, "Alam Barajo", None, None, "P", "Trafficking (TPPO)", None, None, None, None),
]


def filled_template(repo_root: Path, folder: Path) -> Path:
    """The official register template (python -m etl template) with ROWS typed in through openpyxl."""
    subprocess.run([sys.executable, "-m", "etl", "template", "--out", str(folder / "tpl")], cwd=repo_root,
                   check=True, capture_output=True)
    wb = openpyxl.load_workbook(folder / "tpl" / "template-register-kasus.xlsx")
    ws = wb["Register"]
    ws["B2"], ws["B3"], ws["B4"] = "UPTD_PPA", D(2024, 5, 1), D(2024, 5, 1)
    for r, values in enumerate(ROWS, start=7):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    path = folder / "uptd-mei-2024.xlsx"
    wb.save(path)
    return path


def excel_text(value, number_format: str) -> str:
    """A cell as Excel in an Indonesian locale writes it to CSV: what it shows."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if "mmmm" in number_format:
            return vocab.month_year(value)
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return str(value).replace(".", ",")
    return str(value)


def save_as_csv(xlsx: Path, target: Path, delimiter: str, encoding: str) -> Path:
    """The first sheet as Excel saves 'CSV (dipisah koma)': every row as wide as the used range."""
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in ws.iter_rows():
        writer.writerow([excel_text(cell.value, cell.number_format) for cell in row])
    target.write_bytes(out.getvalue().encode(encoding))
    return target


def victims(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT {COMPARED} FROM victims ORDER BY ALL").fetchall()
    finally:
        con.close()


def load(repo_root: Path, path: Path, db: Path) -> dict:
    run = subprocess.run([sys.executable, "-m", "etl", "load", "--json", "--db", str(db), str(path)],
                         cwd=repo_root, capture_output=True, text=True)
    report = json.loads(run.stdout)
    assert run.returncode == 0, (run.stdout, run.stderr)
    return report["files"][0]


@pytest.fixture(scope="module")
def template_xlsx(tmp_path_factory, repo_root) -> Path:
    return filled_template(repo_root, tmp_path_factory.mktemp("tpl"))


@pytest.fixture(scope="module")
def xlsx_victims(template_xlsx, repo_root, tmp_path_factory) -> list[tuple]:
    db = tmp_path_factory.mktemp("xlsx") / "ppa.duckdb"
    assert load(repo_root, template_xlsx, db)["rows_loaded"] == len(ROWS)
    return victims(db)


@pytest.mark.parametrize("delimiter, encoding", [(";", "cp1252"), (";", "utf-8-sig"), (",", "utf-8-sig"),
                                                 ("\t", "cp1252")])
def test_the_template_saved_as_csv_loads_the_same_victims_as_the_xlsx(template_xlsx, xlsx_victims, repo_root,
                                                                      tmp_path, delimiter, encoding):
    path = save_as_csv(template_xlsx, tmp_path / "uptd-mei-2024.csv", delimiter, encoding)
    result = load(repo_root, path, tmp_path / "ppa.duckdb")
    assert result["status"] == "loaded" and result["rows_loaded"] == len(ROWS), result
    assert victims(tmp_path / "ppa.duckdb") == xlsx_victims
    assert len(xlsx_victims) == len(ROWS)
    if delimiter == ";" and encoding == "cp1252":  # the archive's redacted copy of a CSV rebuilds the same
        rebuild(tmp_path / "ppa.duckdb")
        assert victims(tmp_path / "ppa.duckdb") == xlsx_victims


def test_the_template_converted_by_libreoffice_loads_the_same_victims(template_xlsx, xlsx_victims, repo_root,
                                                                      tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) not installed")
    out = tmp_path / "lo"
    # 59 = ';', 34 = '"', 76 = UTF-8: as the issue's export
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    'csv:Text - txt - csv (StarCalc):59,34,76', "--outdir", str(out), str(template_xlsx)],
                   check=True, capture_output=True, timeout=180)
    path = out / "uptd-mei-2024.csv"
    assert b";" in path.read_bytes()
    result = load(repo_root, path, tmp_path / "ppa.duckdb")
    assert result["rows_loaded"] == len(ROWS), result
    assert victims(tmp_path / "ppa.duckdb") == xlsx_victims


def test_cells_are_typed_as_the_workbook_holds_them(tmp_path):
    path = tmp_path / "Rekap Dinsos.csv"
    path.write_bytes("sep=;\r\nA;B;C;D;E;F\r\n12;12,5;1.234;0812;05/06/2024;2024-06-05\r\n"
                     "2.5;-3;;\"x;\r\ny\";Kotabaru;Pal Merah\r\n".encode("cp1252"))
    book = read_workbook(path)
    assert [s.name for s in book.sheets] == ["Rekap Dinsos"]
    rows = book.sheets[0].rows
    assert rows[0] == ("A", "B", "C", "D", "E", "F")
    assert rows[1] == (12.0, 12.5, 1234.0, "0812", "05/06/2024", D(2024, 6, 5))
    assert rows[2] == ("2.5", -3.0, None, "x;\r\ny", "Kotabaru", "Pal Merah")


def test_a_comma_separated_file_keeps_the_decimal_point(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('Umur,Jumlah,Nilai\n12.5,"1,234",12\n', encoding="utf-8")
    assert read_workbook(path).sheets[0].rows[1] == (12.5, 1234.0, 12.0)


def test_windows_1252_text_is_read_as_such(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes("Keterangan;Kecamatan\r\nrujukan – lanjut;Paal Merah\r\n".encode("cp1252"))
    assert read_workbook(path).sheets[0].rows[1] == ("rujukan – lanjut", "Paal Merah")


def test_an_upload_keeps_its_own_name_as_the_sheet(tmp_path):
    staged = tmp_path / "5f2a9c.csv"
    staged.write_text("Kecamatan;Jumlah\nJelutung;3\n", encoding="utf-8")
    assert read_workbook(staged, "Puskesmas Juni 2024.csv").sheets[0].name == "Puskesmas Juni 2024"


@pytest.mark.parametrize("content, words", [
    (bytes(range(256)) * 40, "bukan teks CSV"),
    (b"\x00\x01\x02garbage\x00" * 100, "bukan teks CSV"),
    (b"PK\x03\x04" + b"\x00" * 200, "berisi workbook Excel/LibreOffice"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "berisi workbook Excel/LibreOffice"),
])
def test_binary_bytes_named_csv_are_refused_in_indonesian(tmp_path, content, words):
    path = tmp_path / "kiriman.csv"
    path.write_bytes(content)
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    assert str(caught.value).startswith("File 'kiriman.csv'") and words in str(caught.value)


def test_a_csv_past_the_cell_limit_is_refused_before_it_is_split(tmp_path):
    path = tmp_path / "lebar.csv"
    path.write_bytes(b";" * (2 * MAX_CELLS + 10))
    with pytest.raises(WorkbookError, match="terlalu besar"):
        read_workbook(path)
    rows = tmp_path / "panjang.csv"
    rows.write_bytes(b"a;b;c;d;e;f;g;h;i;j;k\n" * (MAX_CELLS // 11 + 2))
    with pytest.raises(WorkbookError, match="terlalu besar"):
        read_workbook(rows)


def test_an_empty_csv_is_no_data(tmp_path):
    path = tmp_path / "kosong.csv"
    path.write_bytes(b"")
    with pytest.raises(WorkbookError, match="kosong"):
        parse_workbook(path, "DINSOS")


def test_folders_offer_csv_files_to_the_loader(tmp_path):
    (tmp_path / "a.csv").write_text("x;y\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("x;y\n", encoding="utf-8")
    assert [p.name for p in workbook_files([tmp_path])] == ["a.csv"]


def test_a_csv_with_problems_comes_back_as_a_marked_workbook(tmp_path):
    from etl.markup import marked_workbook

    path = tmp_path / "dinsos-juni-2024.csv"
    path.write_bytes("No. Register;Tanggal Lapor;Kecamatan;Jenis Kelamin;Jenis Kekerasan\r\n"
                     "D/1;03/06/2024;Jelutung;P;Fisik\r\nD/2;31/02/2024;Jelutung;P;Fisik\r\n".encode("cp1252"))
    parsed = parse_workbook(path, "DINSOS", today=D(2024, 7, 1))
    assert parsed.rows_loaded == 1 and [e.row for e in parsed.errors] == [3]
    ws = openpyxl.load_workbook(io.BytesIO(marked_workbook(path, parsed))).worksheets[0]
    assert ws.title == "dinsos-juni-2024" and ws["B3"].fill.fgColor.rgb.endswith("FFC7CE")


def test_a_months_across_recap_saved_as_csv_loads_as_the_recap(tmp_path):
    path = tmp_path / "rekap puskesmas 2024.csv"
    path.write_bytes("REKAP KASUS KEKERASAN TAHUN 2024;;;;;\r\nNo;Bentuk Kekerasan;JAN;FEB;MAR;JUMLAH\r\n"
                     "1;Fisik;1;0;;1\r\n2;Seksual;2;1;;3\r\n;JUMLAH;3;1;;4\r\n".encode("cp1252"))
    parsed = parse_workbook(path, "PUSKESMAS", today=D(2024, 3, 20))
    assert parsed.shape == "recap" and not parsed.warnings
    assert sorted((c.month, c.violence_type, c.victims) for c in parsed.recap) == [
        (D(2024, 1, 1), "fisik", 1), (D(2024, 1, 1), "seksual", 2), (D(2024, 2, 1), "seksual", 1)]
    assert parsed.months == [D(2024, 1, 1), D(2024, 2, 1)]


def test_a_column_written_month_first_by_an_english_excel_is_read_day_first(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("Tanggal Lapor,Tanggal Kejadian\n5/13/2024,05/06/2024\n5/2/2024 10:30 AM,13/06/2024\n",
                    encoding="utf-8")
    rows = read_workbook(path).sheets[0].rows
    assert [r[0] for r in rows[1:]] == ["13/5/2024", "2/5/2024"]  # 13 and 2 May
    assert [r[1] for r in rows[1:]] == ["05/06/2024", "13/06/2024"]  # already day first: left as written
