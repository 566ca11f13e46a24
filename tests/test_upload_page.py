"""The operator's pages in the real Streamlit app (AppTest): upload → detection → marked copy → load → undo."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from etl import columns, markup, vocab
from loadhelpers import entry, register
from rendered import rendered, rendered_table
from tests.messy import NAMES, TERMINAL_CODES, write_messy_register, write_register_with_wording

D = dt.date

TIMEOUT = 120


def page(name: str) -> AppTest:
    at = AppTest.from_file(f"../pages/{name}.py", default_timeout=TIMEOUT)
    at.session_state[auth.SESSION_KEY] = auth.session_record("uji", "operator")
    return at


def totals(db) -> tuple[int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*), count(*) FILTER (WHERE agency = 'DINSOS' AND month = DATE '2024-11-01') "
                           "FROM victims").fetchone()


@pytest.fixture()
def operator_db(demo_db, monkeypatch, tmp_path):
    """The demo database, and a private copy of the reference data the operator may teach."""
    monkeypatch.setenv("PPA_DB", str(demo_db))
    ref = tmp_path / "reference"
    shutil.copytree(vocab.reference_dir(), ref)
    monkeypatch.setenv("PPA_REFERENCE", str(ref))
    columns.clear_caches()
    yield demo_db
    monkeypatch.undo()
    columns.clear_caches()


def test_upload_check_markup_load_and_undo(operator_db, tmp_path):
    messy = write_messy_register(tmp_path / "Dinsos November 2024.xlsx").read_bytes()
    before = totals(operator_db)

    at = page("unggah")
    at.run()
    assert not at.exception
    at.file_uploader(key="uploads").set_value(("Dinsos November 2024.xlsx", messy,
                                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    detected = rendered_table(at.table[0].value)
    shown = dict(zip(detected["Terdeteksi"], detected["Nilai"]))
    assert shown["Lembaga"].startswith("Dinas Sosial Kota Jambi")
    assert shown["Periode"].startswith("November 2024")
    assert shown["Bentuk"].startswith("register")
    assert shown["Baris"] == "5 dibaca, 2 dapat dimuat, 3 ditolak"
    assert "NAMA KORBAN" in shown["Kolom data pribadi (dibuang)"]
    problems = rendered_table(at.table[1].value)  # a few problems: a table whose messages wrap
    assert set(problems["Baris"][problems["Jenis"] == "ditolak"]) == {6, 7, 8}
    assert totals(operator_db) == before, "nothing is stored before the confirm button"

    # the marked copy: the agency's own file with the problem cells filled and the messages in an added column
    inspection, = at.session_state["checked"].values()
    marked = inspection.marked
    assert at.get("download_button")
    wb = openpyxl.load_workbook(io.BytesIO(marked))
    ws = wb["Nov 2024"]
    assert ws["H4"].value == markup.MESSAGE_HEADER
    assert ws["D6"].fill.fgColor.rgb.endswith(markup.ERROR_FILL.fgColor.rgb[-6:])   # USIA 130
    assert ws["F7"].fill.fgColor.rgb.endswith(markup.ERROR_FILL.fgColor.rgb[-6:])   # Sungai Gelam
    assert "Umur 130" in ws["H6"].value and ws["H6"].value.startswith("DITOLAK")
    assert "Dijambret suami" in ws["H8"].value
    assert ws["H5"].value is None and ws["B5"].value == NAMES[0]   # their own file goes back as they sent it

    # teach the unknown wording, re-check: the row is now accepted
    assert at.session_state["checked"]
    at.multiselect(key="alias_forms_0_0").set_value(["fisik"])
    at.button[[b.label for b in at.button].index("Simpan istilah dan periksa ulang")].click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown = dict(zip(*rendered_table(at.table[0].value)[["Terdeteksi", "Nilai"]].T.values))
    assert shown["Baris"] == "5 dibaca, 3 dapat dimuat, 2 ditolak"

    at.button(key="confirm").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    outcome = at.dataframe[-1].value
    assert list(outcome["Hasil"]) == ["dimuat"] and list(outcome["Baris dimuat"]) == [3]
    assert totals(operator_db) == (before[0] + 3, 3)
    with duckdb.connect(str(operator_db), read_only=True) as con:
        stored = " ".join(str(v) for row in con.execute("SELECT * FROM victim_records").fetchall() for v in row)
        stored += " ".join(str(v) for row in con.execute("SELECT * FROM rejected_rows").fetchall() for v in row)
    assert not any(name in stored for name in NAMES)

    history = page("riwayat")
    history.run()
    assert not history.exception, [e.message for e in history.exception]
    assert history.dataframe[0].value["File"].iloc[0] == "Dinsos November 2024.xlsx"
    history.checkbox(key="undo_confirm").check()
    history.run()
    history.button(key="undo").click()
    history.run()
    assert not history.exception, [e.message for e in history.exception]
    assert "dibatalkan" in rendered(history.success[0].value)
    assert totals(operator_db) == before
    assert history.dataframe[0].value["Status"].iloc[0] == "dibatalkan"


def test_unmapped_layout_is_taught_in_the_browser(operator_db, tmp_path):
    ref = vocab.reference_dir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["LEMBAGA: DINAS SOSIAL KOTA JAMBI"])
    ws.append(["Waktu Datang", "Daerah", "Gender", "Kasusnya"])
    ws.append([dt.date(2024, 11, 5), "Kotabaru", "P", "Pencabulan"])
    data = io.BytesIO()
    wb.save(data)

    at = page("unggah")
    at.run()
    at.selectbox(key="agency").set_value("DINSOS")
    at.file_uploader(key="uploads").set_value(("aneh.xlsx", data.getvalue(), "application/octet-stream"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error and "aneh.xlsx" in rendered(at.error[0].value)
    for header, name in {"Waktu Datang": "report_date", "Daerah": "district", "Gender": "sex",
                         "Kasusnya": "violence"}.items():
        at.selectbox(key=f"map_0_{header}").set_value(name)
    at.button[[b.label for b in at.button].index("Simpan profil kolom dan periksa ulang")].click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown = dict(zip(*rendered_table(at.table[0].value)[["Terdeteksi", "Nilai"]].T.values))
    assert shown["Baris"] == "1 dibaca, 1 dapat dimuat, 0 ditolak"
    assert (ref / "profiles" / "DINSOS.csv").read_text().count("Waktu Datang") == 1


def test_compliance_page_shows_matrix_and_reminders(operator_db):
    at = page("kepatuhan")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.dataframe and at.code
    assert all(c.value.startswith("Yth. ") for c in at.code)


@pytest.mark.parametrize("name", ["unggah", "riwayat", "kepatuhan"])
@pytest.mark.parametrize("role", [None, "analis"])
def test_operator_pages_refuse_everyone_else(operator_db, name, role):
    at = AppTest.from_file(f"../pages/{name}.py", default_timeout=TIMEOUT)
    if role:
        at.session_state[auth.SESSION_KEY] = auth.session_record("uji", role)
    at.run()
    assert not at.exception
    assert at.warning and ("hanya untuk staf" in at.warning[0].value or "tidak berhak" in at.warning[0].value)
    assert not at.get("file_uploader") and not at.dataframe and not at.button


def _with_entity_bomb(source, target):
    """A copy of a workbook whose docProps/core.xml holds a billion-laughs entity bomb (the cells are untouched)."""
    entities = "".join(f'<!ENTITY lol{i + 1} "{("&lol%s;" % (i if i else "")) * 10}">' for i in range(9))
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + entities + ']>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol9;</dc:title></cp:coreProperties>')
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, bomb.encode() if item.filename == "docProps/core.xml" else zin.read(item.filename))
    return target


def test_an_entity_bomb_in_core_xml_is_one_message_and_the_other_files_check_and_load(operator_db, tmp_path):
    bomb = _with_entity_bomb(write_messy_register(tmp_path / "asli.xlsx"), tmp_path / "bom.xlsx")
    good = [register(tmp_path / "polresta-2012.xlsx", "POLRESTA", D(2012, 1, 1), D(2012, 1, 1),
                     [entry("LP/1", D(2012, 1, 6)), entry("LP/2", D(2012, 1, 7))]),
            register(tmp_path / "lsm-2012.xlsx", "LSM", D(2012, 2, 1), D(2012, 2, 1), [entry("L/1", D(2012, 2, 3))])]
    at = page("unggah")
    at.run()
    at.file_uploader(key="uploads").set_value(
        [(p.name, p.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
         for p in [bomb, *good]])
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    messages = [rendered(w.value) for w in [*at.warning, *at.error]]
    assert [m for m in messages if "bom.xlsx" in m] == [
        m for m in messages if "Salinan bertanda untuk 'bom.xlsx' tidak dapat dibuat" in m] and len(
        [m for m in messages if "bom.xlsx" in m]) == 1
    assert not any(name in m for m in messages for name in ("polresta-2012", "lsm-2012"))
    # every file was checked: what was detected is shown for each
    assert len([t for t in at.table if "Terdeteksi" in t.value.columns]) == 3

    at.button(key="confirm").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    outcome = at.dataframe[-1].value
    assert list(outcome["File"]) == ["bom.xlsx", "polresta-2012.xlsx", "lsm-2012.xlsx"]
    assert list(outcome["Hasil"]) == ["dimuat"] * 3
    with duckdb.connect(str(operator_db), read_only=True) as con:
        assert con.execute("SELECT agency, count(*) FROM victims WHERE year(month) = 2012 GROUP BY 1 "
                           "ORDER BY 1").fetchall() == [("LSM", 1), ("POLRESTA", 2)]


def test_a_revision_losing_records_to_rejected_rows_waits_for_the_operators_confirmation(operator_db, tmp_path):
    from etl import load
    first = register(tmp_path / "uptd-2012.xlsx", "UPTD_PPA", D(2012, 3, 1), D(2012, 3, 1),
                     [entry(f"R{i}", D(2012, 3, 4 + i)) for i in range(1, 4)])
    assert load.load_files([first], db=operator_db).files[0].status == "loaded"
    revision = register(tmp_path / "uptd-2012-revisi.xlsx", "UPTD_PPA", D(2012, 3, 1), D(2012, 3, 1), [
        entry("R1", D(2012, 3, 5)), entry("R2", D(2012, 3, 6), district="Mestong"),
        entry("R3", D(2012, 3, 7), district="Sungai Gelam")])
    standing = "SELECT string_agg(case_ref, ',' ORDER BY case_ref) FROM victims WHERE year(month) = 2012"

    at = page("unggah")
    at.run()
    at.file_uploader(key="uploads").set_value((revision.name, revision.read_bytes(), "application/octet-stream"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    warned = [rendered(w.value) for w in at.warning if "ditahan" in w.value]
    assert len(warned) == 1 and "Maret 2012: 3 menjadi 1 korban (berkurang 2)" in warned[0]
    assert "--" not in warned[0]  # the page speaks of its own controls, not of CLI flags
    at.button(key="confirm").click()
    at.run()
    assert list(at.dataframe[-1].value["Hasil"]) == ["ditahan (data bulan itu akan berkurang; belum dimuat)"]
    with duckdb.connect(str(operator_db), read_only=True) as con:
        assert con.execute(standing).fetchone()[0] == "R1,R2,R3"

    at.checkbox(key="replace_partial").check()
    at.run()
    at.button(key="confirm").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert list(at.dataframe[-1].value["Hasil"]) == ["dimuat, menggantikan data lama"]
    with duckdb.connect(str(operator_db), read_only=True) as con:
        assert con.execute(standing).fetchone()[0] == "R1"


def test_the_upload_page_says_which_leftovers_of_a_killed_load_it_removed(operator_db, tmp_path):
    leftover = operator_db.with_name(f".{operator_db.name}.work-999999")  # what a killed load leaves (etl.writer)
    leftover.write_bytes(b"half a copy")
    data = register(tmp_path / "Dinsos Desember 2012.xlsx", "DINSOS", D(2012, 12, 1), D(2012, 12, 1),
                    [entry("R-1", D(2012, 12, 3))]).read_bytes()
    at = page("unggah")
    at.run()
    at.file_uploader(key="uploads").set_value(("Dinsos Desember 2012.xlsx", data, "application/octet-stream"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.button(key="confirm").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not leftover.exists()
    assert [rendered(i.value) for i in at.info if "Sisa pemuatan sebelumnya yang terhenti" in i.value] == [
        f"Sisa pemuatan sebelumnya yang terhenti (salinan kerja, file arsip sementara, cadangan setengah jadi) "
        f"dihapus: 1 file ({leftover.name})."]


def test_the_marked_copy_is_made_from_the_cells_read_once(tmp_path):
    """The checked file keeps the cells read (load.check_file keep_book): a marked copy rebuilt from them (as for
    an .xls) needs the file no more."""
    from etl import inspect

    path = write_messy_register(tmp_path / "Dinsos November 2024.xlsx")
    checked = inspect.inspect_file(path, path.name)
    assert checked.checked.book is not None and checked.parsed.errors
    path.unlink()
    wb = openpyxl.load_workbook(io.BytesIO(markup.marked_workbook(tmp_path / "gone.xls", checked.parsed,
                                                                  checked.checked.book)))
    assert markup.MESSAGE_HEADER in [c.value for row in wb["Nov 2024"].iter_rows() for c in row]


# An agency's own text with Markdown in it: a file name, and a wording whose image would make the browser fetch an
# address (192.0.2.1: TEST-NET-1, never routed), with emphasis, an emoji code and a formula.
HOSTILE_FILE = "Dinsos **Nov** _2024_ :smile: [x] $1$.xlsx"
HOSTILE_WORDING = "KDRT *fisik* ![x](http://192.0.2.1/x.png) :smile: $x$ a_b"


def hostile_register(folder) -> bytes:
    """The messy register with HOSTILE_WORDING as its unknown wording."""
    return write_register_with_wording(folder / "messy.xlsx", HOSTILE_WORDING).read_bytes()


def test_an_agency_s_text_is_shown_as_written_on_every_operator_page(operator_db, tmp_path):
    """File names, wordings and the messages quoting them reach Markdown elements (headings, messages, static
    tables) as their escaped source (app.frame.literal), which a reader sees exactly as written: never emphasis, a
    link or an image (test_browser checks what the browser draws and that it fetches nothing)."""
    from app.frame import literal

    at = page("unggah")
    at.run()
    at.file_uploader(key="uploads").set_value((HOSTILE_FILE, hostile_register(tmp_path),
                                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [h.value for h in at.subheader] == [literal(HOSTILE_FILE)]
    assert f"Istilah **'{literal(HOSTILE_WORDING)}'** belum dikenal." in [m.value.split(" Termasuk")[0]
                                                                          for m in at.markdown]
    problems = at.table[1].value
    quoting = [m for m in problems["Pesan"] if literal(HOSTILE_WORDING) in m]
    assert quoting and all(HOSTILE_WORDING in rendered(m) for m in quoting)
    assert not [m for m in problems["Pesan"] if "![" in m or "**" in m]  # nothing left for Markdown to read

    at.button(key="confirm").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]

    quality = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
    quality.session_state[auth.SESSION_KEY] = auth.session_record("uji", "operator")
    quality.query_params.update({"dari": "2024-11", "sampai": "2024-11"})
    quality.run()
    quality.switch_page("pages/kualitas_data.py").run()
    assert not quality.exception, [e.message for e in quality.exception]
    cells = [v for t in quality.table for v in t.value.to_numpy().ravel() if isinstance(v, str)]
    # the file's name as stored (the loader shortens a word in it that could be a person's name) and the wording
    assert [c for c in cells if rendered(c).startswith("Dinsos **Nov** _2024_ ") and rendered(c).endswith("$1$.xlsx")]
    assert [c for c in cells if HOSTILE_WORDING in rendered(c)]
    assert all(literal(rendered(c)) == c for c in cells)  # every text cell is its escaped source, nothing bare
    assert not [c for c in cells if "![" in c or "**" in c or ":smile:" in c]

    history = page("riwayat")
    history.run()
    history.checkbox(key="undo_confirm").check()
    history.run()
    history.button(key="undo").click()
    history.run()
    assert not history.exception, [e.message for e in history.exception]
    assert "(" + literal("Dinsos **Nov** _2024_ ") in history.success[0].value


def test_a_cell_s_control_characters_leave_the_marked_copy_and_the_batch_whole(operator_db, tmp_path):
    """An .xlsx cannot hold control characters, so openpyxl refused the marked copy of a file whose cell held a
    terminal's escape codes, and the page stopped with a traceback before the next file. The copy now shows them as
    U+FFFD in its messages and keeps the agency's own cell as it came."""
    codes = write_register_with_wording(tmp_path / "kode.xlsx", TERMINAL_CODES)
    good = register(tmp_path / "lsm-2012.xlsx", "LSM", D(2012, 2, 1), D(2012, 2, 1), [entry("L/1", D(2012, 2, 3))])
    at = page("unggah")
    at.run()
    at.file_uploader(key="uploads").set_value(
        [(p.name, p.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
         for p in (codes, good)])
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [rendered(h.value) for h in at.subheader] == ["kode.xlsx", "lsm-2012.xlsx"]
    inspection = next(i for i in at.session_state["checked"].values() if i.file_name == "kode.xlsx")
    assert inspection.marked and inspection.marked_error is None
    ws = openpyxl.load_workbook(io.BytesIO(inspection.marked))["Nov 2024"]
    assert "'KDRT \ufffd[31mmerah\ufffd[0m\ufffd' tidak dikenal" in ws["H8"].value
    assert ws["G8"].value == openpyxl.load_workbook(codes)["Nov 2024"]["G8"].value  # their cell, as they sent it
