"""The official templates: exact layout, dropdowns from the vocabularies, and a person-filled copy loads cleanly."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from openpyxl import load_workbook

from etl import load, template, vocab


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    return template.write_templates(tmp_path_factory.mktemp("tpl"))


def _validations(ws) -> dict[str, object]:
    """First cell range of each validation -> the validation."""
    return {str(dv.sqref).split()[0].split(":")[0]: dv for dv in ws.data_validations.dataValidation}


def test_templates_have_the_official_names(blank):
    assert [p.name for p in blank] == ["template-register-kasus.xlsx", "template-rekap-bulanan.xlsx",
                                       "template-penduduk-kecamatan.csv"]
    assert "rekap" not in blank[0].name and "rekap" in blank[1].name


def test_register_header_block_and_columns(blank):
    ws = load_workbook(blank[0])["Register"]
    assert [ws[f"A{r}"].value for r in (2, 3, 4)] == ["Lembaga", "Periode dari", "Periode sampai"]
    assert ws["B3"].number_format == ws["B4"].number_format == "mmmm yyyy"
    headers = list(template.REGISTER_HEADERS) + list(template.perpetrator_headers())
    assert [c.value for c in ws[6]] == headers
    assert not any(word in h.lower() for h in headers for word in ("nama", "nik", "alamat"))
    assert ws.freeze_panes == "A7"
    assert ws["B7"].number_format == ws["C7"].number_format == "dd/mm/yyyy"


def test_register_dropdowns_come_from_the_hidden_list_sheet(blank):
    wb = load_workbook(blank[0])
    assert wb["Daftar"].sheet_state == "hidden"
    lists = wb["Daftar"]
    column = {lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)
                                        if lists.cell(r, c).value] for c in range(1, lists.max_column + 1)}
    assert column["Kecamatan"] == [d.name for d in vocab.districts()]
    assert column["Kelurahan"] == [s.name for s in vocab.subdistricts()]
    assert column["Jenis Kekerasan"] == [v.label for v in vocab.violence_types()]
    assert column["Lembaga"] == list(vocab.agency_codes())
    dvs = _validations(wb["Register"])
    for cell in ("B2", "D7", "E7", "G7", "H7", "I7", "J7", "K7"):
        assert dvs[cell].type == "list" and "Daftar" in dvs[cell].formula1, cell
    # several forms / services are typed comma-separated, so those dropdowns must accept free text
    assert not dvs["H7"].showErrorMessage and not dvs["K7"].showErrorMessage
    assert dvs["D7"].showErrorMessage


def test_register_has_instructions(blank):
    text = " ".join(str(c.value) for row in load_workbook(blank[0])["Petunjuk"].iter_rows() for c in row if c.value)
    for needle in ("Satu baris untuk satu korban", "dipisah koma", "NIK", "Wajib diisi"):
        assert needle in text


def test_recap_layout(blank):
    ws = load_workbook(blank[1])["Rekap"]
    forms = [v.label for v in vocab.violence_types()]
    assert (ws["A2"].value, ws["A3"].value, ws["B3"].number_format) == ("Lembaga", "Bulan", "mmmm yyyy")
    row5 = [ws.cell(5, c).value for c in range(1, 3 + 2 * (len(forms) + 1))]
    assert row5 == ["No", "Kecamatan"] + [x for f in forms + ["Jumlah"] for x in (f, None)]
    assert [ws.cell(6, c).value for c in range(3, 3 + 2 * (len(forms) + 1))] == ["L", "P"] * (len(forms) + 1)
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "C5:D5" in merged
    assert [ws.cell(r, 2).value for r in range(7, 18)] == [d.name for d in vocab.districts()]
    assert ws.cell(18, 2).value == "Jumlah" and ws.cell(18, 3).value == "=SUM(C7:C17)"


def _fill_like_a_person(path, out):
    """Type into the blank register the way staff do: text dates, dropdown labels, forms comma-separated."""
    wb = load_workbook(path)
    ws = wb["Register"]
    ws["B2"] = "UPTD_PPA"
    ws["B3"] = "01/03/2024"
    ws["B4"] = "31/03/2024"
    kelurahan = vocab.subdistricts()[5]
    rows = [
        ["UPTD/2024/031", "04/03/2024", "01/03/2024", "Kota Baru", None, 9, "P", "Seksual, Psikis",
         "Rumah Tangga", "Keluarga/Saudara", "Pengaduan, Kesehatan", "dirujuk dari sekolah"],
        ["UPTD/2024/031", "04/03/2024", "01/03/2024", "Kota Baru", None, 12, "L", "Psikis",
         "Rumah Tangga", "Keluarga/Saudara", "Pengaduan", None],
        ["UPTD/2024/032", "11/03/2024", None, None, kelurahan.name, None, "P", "Fisik",
         "Rumah Tangga", "Suami/Istri", None, None],
        ["UPTD/2024/033", "20/3/2024", "18/03/2024", "Alam Barajo", None, "15", "P", "Trafficking (TPPO)",
         "Tempat Kerja", "Pacar/Teman", "Pemulangan", None],
    ]
    for r, values in enumerate(rows, start=7):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(r, c, value)
    wb.save(out)
    return kelurahan


def test_a_template_filled_by_a_person_loads_without_rejections(blank, tmp_path):
    filled = tmp_path / "register UPTD Maret 2024.xlsx"
    kelurahan = _fill_like_a_person(blank[0], filled)
    db = tmp_path / "ppa.duckdb"
    result = load.load_files([filled], db=db).files[0]
    assert (result.status, result.rows_read, result.rows_rejected) == ("loaded", 4, 0), result.errors
    assert result.agency == "UPTD_PPA" and result.period == ["2024-03", "2024-03"]
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT case_key, report_date, district_code, sex, age, list_sort(violence_types) FROM victims "
                       "ORDER BY source_row").fetchall()
    cases = con.execute("SELECT count(DISTINCT case_key) FROM victims").fetchone()[0]
    con.close()
    assert cases == 3
    assert rows[0] == ("UPTD_PPA:UPTD/2024/031", dt.date(2024, 3, 4), "15.71.07", "P", 9, ["psikis", "seksual"])
    assert rows[2][2] == kelurahan.district_code and rows[2][4] is None
    assert rows[3][1:] == (dt.date(2024, 3, 20), "15.71.09", "P", 15, ["tppo"])


def test_a_filled_recap_loads_its_counts(tmp_path):
    counts = {("15.71.01", "fisik", "L"): 2, ("15.71.01", "seksual", "P"): 3, ("15.71.11", "tppo", "P"): 1}
    path = template.write_recap(tmp_path / "rekap rsud.xlsx",
                                [template.RecapMonth(dt.date(2024, 5, 1), counts),
                                 template.RecapMonth(dt.date(2024, 6, 1), {("15.71.02", "psikis", "P"): 4})],
                                agency="RSUD")
    db = tmp_path / "ppa.duckdb"
    result = load.load_files([path], db=db).files[0]
    assert (result.status, result.shape, result.rows_rejected, result.warnings) == ("loaded", "recap", 0, [])
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT month, district_code, violence_type, sex, victims FROM recap_counts "
                         "WHERE victims > 0 ORDER BY ALL").fetchall()
    con.close()
    expected = sorted([(dt.date(2024, 5, 1), *k, n) for k, n in counts.items()] +
                      [(dt.date(2024, 6, 1), "15.71.02", "psikis", "P", 4)])
    assert stored == expected
