"""Nothing personal on disk: the redacted archive, messages, notes, private work files, crash leftovers and the
migration that cleans what older versions stored (issue 15, item 5; docs/data-contract.md, docs/operations.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl import archive, db as dbmod, history, load, vocab

TODAY = dt.date.today()
MONTH = dt.date(TODAY.year - 1, 6, 1)

# what an agency may type that must never be written anywhere by the product
NAME, NIK, PHONE, ADDRESS = "Wartinah Sulistyowati", "3571024509870001", "081234567890", "Jl. Kenanga Ujung No. 12"
TKP_ADDRESS = "Jl. Pattimura Gang Mawar No. 7"       # an address typed in the place-of-incident (TKP) column
KEL_ADDRESS = "Perumahan Griya Sejahtera Blok C"      # an address typed in the kelurahan column
NOTE_NAME = "Bapak Sukarjono Wirohadi"               # a name typed in Keterangan
AGE_NIK = "3571099912120002"                          # a NIK typed in the age column: the message masks it
SIGNER, SIGNER_NIP = "Dra. Wartini Sukmawati", "19700101 199503 2 001"  # a signature block under the table
SECRETS = (NAME, NIK, PHONE, ADDRESS, TKP_ADDRESS, KEL_ADDRESS, NOTE_NAME, AGE_NIK, SIGNER, SIGNER_NIP)
FILE_PERSON = "Siti Aminah"                           # a victim's name in the file's name: "Laporan_korban_Siti_Aminah"

HEADERS = ["No", "No. Register", "Nama Korban", "NIK", "Alamat", "No. HP", "Tanggal Lapor", "Kecamatan",
           "Kelurahan", "Umur", "Jenis Kelamin", "Jenis Kekerasan", "TKP", "Hubungan dengan Pelaku", "Keterangan"]


def agency_register(path: Path, month: dt.date = MONTH, extra_rows: int = 0, revision: bool = False) -> Path:
    """An agency's own register: a title block, personal columns, an address in TKP and kelurahan, a name in
    Keterangan, a NIK in the age column, a hidden sheet holding names, and ``extra_rows`` ordinary victims."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["REGISTER KORBAN UPTD PPA KOTA JAMBI"])
    ws.append(["Lembaga", "UPTD PPA"])
    ws.append(["Periode", month])
    ws.append([])
    ws.append(HEADERS)
    day = month.replace(day=5)
    rows = [
        [1, "R-001", NAME, NIK, ADDRESS, PHONE, day, "Telanaipura", None, 9, "P", "Pencabulan", TKP_ADDRESS,
         "Tetangga", f"dilaporkan oleh {NOTE_NAME}, hp {PHONE}"],
        [2, "R-002", "Siti Contoh Dua", "3571024509870002", "Jl. Melati 3", "0812 9999 1111", day, "Jelutung",
         KEL_ADDRESS, 15, "P", "KDRT fisik", "Rumah Tangga", "Orang Tua", None],
        [3, "R-003", "Budi Contoh Tiga", None, None, None, day, "Kotabaru", None, AGE_NIK, "L", "Penganiayaan",
         "Sekolah", "Guru", None],
    ]
    if revision:
        rows.append([4, "R-004", "Rina Contoh Empat", None, "Jl. Anggrek 9", None, day, "Pasar Jambi", None, 30,
                     "P", "KDRT psikis", "Rumah Tangga", "Suami/Istri", None])
    for i in range(extra_rows):
        rows.append([5 + i, f"R-{100 + i}", f"Korban Contoh {i}", f"35710245098{i:05d}", f"Jl. Contoh {i}",
                     f"0813{i:08d}", day, "Alam Barajo", None, 20 + i % 40, "P", "Psikis", "Rumah Tangga",
                     "Lainnya", f"catatan {i}"])
    for row in rows:
        ws.append(row)
    ws.append([])
    ws.append([None, f"Jambi, 30 Juni {month.year}", None])
    ws.append([None, "Mengetahui,"])
    ws.append([None, "Kepala UPTD PPA Kota Jambi"])
    ws.append([])
    ws.append([None, SIGNER])
    ws.append([None, f"NIP. {SIGNER_NIP}"])
    hidden = wb.create_sheet("Data Pelapor")
    hidden.append(["Nama Pelapor", "Alamat"])
    hidden.append([NOTE_NAME, ADDRESS])
    hidden.sheet_state = "hidden"
    wb.save(path)
    return path


def _strings_in(data: bytes) -> bytes:
    """A file's bytes, and for a zip (an archived copy, a workbook) every member's bytes as well."""
    parts = [data]
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts += [zf.read(name) for name in zf.namelist()]
    return b"\n".join(parts)


def _database_text(path: Path) -> str:
    """Every value of every table of a DuckDB file, as text (DuckDB compresses strings on disk: a byte scan of
    the file alone could miss one)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS scanned (READ_ONLY)", [str(path)])
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'scanned'").fetchall()
        return "\n".join(repr(con.execute(f'SELECT * FROM scanned."{t}"').fetchall()) for (t,) in tables)
    finally:
        con.close()


def personal_values_on_disk(folder: Path, secrets=SECRETS + (FILE_PERSON,)) -> dict[str, list[str]]:
    """secret -> files under ``folder`` that hold it (bytes, zip members, and database contents)."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = _strings_in(path.read_bytes())
        text = _database_text(path) if data[:16].find(b"DUCK") >= 0 or path.suffix == ".duckdb" else ""
        for secret in secrets:
            if secret.encode() in data or secret in text:
                found.setdefault(secret, []).append(str(path.relative_to(folder)))
    return found


def checksums(db: Path) -> dict[str, str]:
    """sha256 of every row of the contract views, sorted."""
    con = dbmod.connect(db, read_only=True)
    try:
        return {view: hashlib.sha256(repr(con.execute(f"SELECT * FROM {view} ORDER BY ALL").fetchall()).encode())
                .hexdigest() for view in ("victims", "monthly_counts")}
    finally:
        con.close()


@pytest.fixture()
def db(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    return folder / "ppa.duckdb"


def test_loaded_revised_and_undone_leaves_no_personal_value_anywhere(tmp_path, db):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = agency_register(inbox / f"Laporan_korban_{FILE_PERSON.replace(' ', '_')}_juni.xlsx")
    revision = agency_register(inbox / f"register juni revisi {FILE_PERSON}.xlsx", revision=True)
    # the scanner finds every value in what the agency sent (the test can fail)
    assert set(personal_values_on_disk(inbox, SECRETS)) == set(SECRETS)

    loaded = load.load_files([first], db=db).files[0]
    assert loaded.status == "loaded" and loaded.rows_loaded == 2 and loaded.rows_rejected == 1
    revised = load.load_files([revision], db=db).files[0]
    assert revised.status == "replaced" and revised.replaced == [loaded.submission_id]
    history.undo(db, revised.submission_id)   # the first file stands again: read back from its redacted copy
    con = dbmod.connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM victims").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM victim_records WHERE notes IS NOT NULL").fetchone()[0] == 0
    finally:
        con.close()
    assert list(backups_of(db))                 # the scan covers backups too
    assert personal_values_on_disk(db.parent) == {}
    # the operator still recognises the files by their other words, the agency and the month
    con = dbmod.connect(db, read_only=True)
    try:
        assert sorted(n for (n,) in con.execute("SELECT file_name FROM submissions").fetchall()) == [
            "Laporan_korban_…_juni.xlsx", "register juni revisi ….xlsx"]
    finally:
        con.close()


def backups_of(db: Path):
    return (db.parent / "backups").glob("*.duckdb")


def test_messages_name_the_cell_but_never_quote_an_address_or_a_number_like_a_nik(tmp_path, db):
    report = load.load_files([agency_register(tmp_path / "juni.xlsx")], db=db).files[0]
    problems = {(p.row, p.column): p.message for p in report.errors + report.warnings}
    tkp = problems[(6, "TKP")]
    assert tkp.startswith("Tempat kejadian tidak ada dalam daftar") and TKP_ADDRESS not in tkp
    kelurahan = problems[(7, "Kelurahan")]
    assert kelurahan.startswith("Kelurahan tidak dikenal di wilayah ini") and "Perumahan" not in kelurahan
    age = problems[(8, "Umur")]
    assert age.startswith("Umur [NIK disamarkan] tidak masuk akal") and AGE_NIK not in age


def test_the_archive_keeps_a_redacted_copy_named_by_the_original_and_rebuild_gives_the_same_database(tmp_path, db):
    files = [agency_register(tmp_path / "juni.xlsx", extra_rows=40),
             agency_register(tmp_path / "juli.xlsx", month=MONTH.replace(month=7), extra_rows=5),
             agency_register(tmp_path / "juni revisi.xlsx", revision=True)]
    # the revision has fewer rows that load than June had: confirmed, as an operator would (--ganti-sebagian)
    report = load.load_files(files, db=db, replace_partial=True)
    assert [f.status for f in report.files] == ["loaded", "loaded", "replaced"]
    raw = db.parent / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(f"{f.submission_id}.cells" for f in report.files)
    for f, path in zip(report.files, files):
        copy = archive.copy_path(raw, f.submission_id)
        assert f.submission_id == hashlib.sha256(path.read_bytes()).hexdigest()
        assert archive.identity(copy, copy.read_bytes()) == (f.submission_id, ".xlsx")
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    # the same original again is unchanged: the copy records its sha256
    assert load.load_files([files[0]], db=db).files[0].status == "unchanged"

    before = checksums(db)
    problems_before = _problems(db)
    load.rebuild(db)
    assert checksums(db) == before
    # the same rejected rows and warnings; only the NIK typed as an age (kept masked) reads differently
    problems_after = _problems(db)
    assert [p[:5] for p in problems_after] == [p[:5] for p in problems_before]
    assert {p[5] for p in problems_after} - {p[5] for p in problems_before} == {
        "Umur '[NIK disamarkan]' tidak dapat dibaca. Tulis umur dalam tahun, mis. 7 atau '7 th' (bayi: '3 bln'), "
        "atau kosongkan bila tidak diketahui."}
    assert personal_values_on_disk(raw) == {}


def _problems(db: Path) -> list:
    con = dbmod.connect(db, read_only=True)
    try:
        return con.execute("SELECT * FROM (SELECT * FROM rejected_rows UNION ALL SELECT * FROM load_warnings) "
                           "ORDER BY ALL").fetchall()
    finally:
        con.close()


def as_version_3_left_it(tmp_path: Path, db: Path) -> tuple[Path, str]:
    """A database and archive as version 3 left them: the original in the archive, notes, messages quoting an
    address and a NIK; (the file, its submission id)."""
    path = agency_register(tmp_path / "juni.xlsx")
    loaded = load.load_files([path], db=db).files[0]
    raw = db.parent / "raw"
    archive.copy_path(raw, loaded.submission_id).unlink()
    (raw / f"{loaded.submission_id}.xlsx").write_bytes(path.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("UPDATE victim_records SET notes = ?", [f"dilaporkan oleh {NOTE_NAME}"])
    con.execute("UPDATE load_warnings SET message = ? WHERE column_name = 'TKP'",
                [f"Tempat kejadian '{TKP_ADDRESS}' tidak ada dalam daftar (Rumah Tangga); nilai ini dikosongkan."])
    con.execute("UPDATE rejected_rows SET message = ? WHERE column_name = 'Umur'",
                [f"Umur '{AGE_NIK}' tidak dapat dibaca."])
    con.execute("DELETE FROM schema_version WHERE version >= 4")  # 4 and any later migration run again
    con.close()
    assert set(personal_values_on_disk(db.parent)) >= {NOTE_NAME, TKP_ADDRESS, AGE_NIK, NAME}
    return path, loaded.submission_id


def test_migration_4_redacts_what_an_older_version_stored(tmp_path, db):
    path, submission_id = as_version_3_left_it(tmp_path, db)
    raw = db.parent / "raw"

    # the next change migrates (and writes the file anew): here, loading the same file again (unchanged)
    assert load.load_files([path], db=db).files[0].status == "unchanged"
    assert personal_values_on_disk(db.parent / "raw") == {}
    leaks = personal_values_on_disk(db.parent)
    # only the snapshot taken before the migration still holds them: docs/operations.md says what to do
    assert leaks and all(f.startswith("backups/") for files in leaks.values() for f in files)
    for old in backups_of(db):
        old.unlink()
    assert personal_values_on_disk(db.parent) == {}
    assert sorted(p.name for p in raw.iterdir()) == [f"{submission_id}.cells"]
    con = dbmod.connect(db, read_only=True)
    try:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(dbmod.MIGRATIONS)
        assert con.execute("SELECT message FROM load_warnings WHERE column_name = 'TKP'").fetchone()[0] == (
            "Tempat kejadian tidak ada dalam daftar (Rumah Tangga); nilai ini dikosongkan.")
    finally:
        con.close()
    before = checksums(db)
    load.rebuild(db)   # from the copy the migration made
    assert checksums(db) == before


def test_rebuild_redacts_an_older_versions_originals_before_replaying_them(tmp_path, db):
    _path, submission_id = as_version_3_left_it(tmp_path, db)
    load.rebuild(db)
    raw = db.parent / "raw"
    assert sorted(p.name for p in raw.iterdir()) == [f"{submission_id}.cells"]
    assert personal_values_on_disk(raw) == {}
    for old in backups_of(db):
        old.unlink()
    assert personal_values_on_disk(db.parent) == {}   # a rebuilt database is a new file, written by this version


# ---------------------------------------------------------------- killed loads

def _not_private(folder: Path) -> list[str]:
    """Files and folders under ``folder`` that a user other than the owner could read (or list)."""
    out = []
    for path in folder.rglob("*"):
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except FileNotFoundError:
            continue  # renamed or removed while we looked
        if mode & 0o077:
            out.append(f"{path.relative_to(folder)} {mode:o}")
    return out


def _start_load(files: list[Path], db: Path) -> subprocess.Popen:
    env = {**os.environ, "PPA_LOAD_WORKERS": "1"}
    return subprocess.Popen([sys.executable, "-m", "etl", "load", *map(str, files), "--db", str(db)],
                            cwd=Path(__file__).resolve().parents[1], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("moment", ["work copy", "staged archive copy", "third file stored"])
def test_a_killed_load_leaves_nothing_readable_and_the_next_load_removes_its_leftovers(tmp_path, db, moment):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    load.load_files([agency_register(inbox / "awal.xlsx", extra_rows=5)], db=db)  # a live database to copy
    files = [agency_register(inbox / f"r{m:02d}.xlsx", month=MONTH.replace(month=m), extra_rows=300)
             for m in range(1, 13)]
    folder = db.parent
    proc = _start_load(files, db)
    started, seen = time.monotonic(), []
    try:
        while proc.poll() is None and time.monotonic() - started < 60:
            seen += _not_private(folder)
            names = [p.name for p in folder.rglob("*")]
            if ((moment == "work copy" and any(".work-" in n for n in names))
                    or (moment == "staged archive copy" and any(n.startswith(".pending-") for n in names))
                    or (moment == "third file stored" and sum(n.endswith(".cells") for n in names) >= 4)):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, f"the load ended before the moment '{moment}'"
    seen += _not_private(folder)
    assert seen == []
    left = [p.name for p in load_leftovers(db)]
    assert left, "a load killed mid-way leaves its work files (this test would not prove the clean-up otherwise)"

    after = subprocess.run([sys.executable, "-m", "etl", "load", str(files[0]), "--db", str(db)],
                           cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stderr
    assert "Sisa pemuatan sebelumnya yang terhenti" in after.stdout and left[0] in after.stdout
    assert load_leftovers(db) == [] and _not_private(folder) == []


def load_leftovers(db: Path) -> list[Path]:
    from etl import writer
    return writer.leftovers(db)


@pytest.mark.parametrize("distinct", [20, 400])  # one by one, and all at once in Arrow (archive.with_digit_run)
def test_a_nik_in_a_register_number_is_kept_masked_in_the_archive_however_many_numbers_the_column_has(
        tmp_path, db, distinct):
    import re

    path = agency_register(tmp_path / "juni.xlsx", extra_rows=distinct)
    wb = openpyxl.load_workbook(path)
    ws = wb["Register"]
    for row in range(6, ws.max_row + 1):  # long register numbers: each needs a look for a run of nine digits
        if ws.cell(row, 2).value:
            ws.cell(row, 2).value = f"LP/B/{row:04d}/VI/2024/SPKT POLRESTA JAMBI"
    ws.cell(6, 2).value = f"LP/{NIK}/2024"
    ws.cell(7, 2).value = "LP/B/٣٥٧١٠٢٤٥٠٩٨٧٠٠٠٩/2024"  # Unicode digits are digits to the parser too
    wb.save(path)
    assert load.load_files([path], db=db).files[0].status == "loaded"
    copy = (db.parent / "raw").glob("*.cells")
    assert personal_values_on_disk(db.parent) == {}
    values = [v for s in archive.read_copy(next(copy)).sheets for c in s.columns for v in c.values]
    assert "LP/[NIK disamarkan]/2024" in values and "LP/B/[NIK disamarkan]/2024" in values
    texts = [f"{i} x {i * 7919:09d}" if i % 3 else f"no {i}" for i in range(distinct)] + [None, 4.0, "١٢٣٤٥٦٧٨٩",
                                                                                     "no 1234٥٦٧٨٩", "é 123456789", "é 12345678"]
    assert archive.with_digit_run(texts) == [i for i, v in enumerate(texts)
                                             if isinstance(v, str) and re.search(r"\d(?:[ .\-]?\d){8}", v)]


def test_a_nik_typed_in_a_recap_count_cell_is_refused_and_never_kept(tmp_path, db):
    from loadhelpers import recap

    first, second, third = (d.code for d in vocab.districts()[:3])
    path = recap(tmp_path / "rekap.xlsx", "DINSOS", {MONTH: {(first, "fisik", "P"): 41, (second, "psikis", "L"): 1,
                                                             (third, "fisik", "L"): 43}})
    wb = openpyxl.load_workbook(path)
    count = {}
    for c in (c for row in wb["Rekap"].iter_rows(min_row=5) for c in row if c.value in (41, 43)):
        count.setdefault(c.value, c)      # the kecamatan's cell (the JUMLAH row below holds the same number)
    count[41].value = int(NIK)             # a NIK typed as a number where a count belongs (read as its 16 digits)
    count[43].value = int(PHONE)           # a phone number typed as a number: 81234567890
    wb.save(path)
    report = load.load_files([path], db=db).files[0]
    assert report.status == "loaded" and report.rows_rejected == 2
    assert all(e.message.startswith("Isi sel berupa angka 9 digit atau lebih, bukan jumlah korban")
               for e in report.errors)
    assert personal_values_on_disk(db.parent, (NIK, str(int(PHONE)))) == {}
    before = checksums(db)
    load.rebuild(db)
    assert checksums(db) == before


def test_the_file_name_migration_keeps_file_names_without_a_persons_name(tmp_path, db):
    path = agency_register(tmp_path / f"Laporan_korban_{FILE_PERSON.replace(' ', '_')}.xlsx")
    loaded = load.load_files([path], db=db).files[0]
    con = duckdb.connect(str(db))  # as version 4 left it: the name as sent, in the ledger, log and messages
    con.execute("UPDATE submissions SET file_name = ?", [path.name])
    con.execute("UPDATE load_log SET file_name = ?, message = ?", [path.name, f"File '{path.name}' dimuat"])
    version = dbmod.MIGRATIONS.index(dbmod._keep_file_names_without_persons) + 1
    con.execute("DELETE FROM schema_version WHERE version >= ?", [version])  # it and any later one run again
    con.close()
    assert personal_values_on_disk(db.parent, (FILE_PERSON.replace(" ", "_"),))
    assert load.load_files([path], db=db).files[0].status == "unchanged"   # the next change migrates
    for old in backups_of(db):
        old.unlink()
    assert personal_values_on_disk(db.parent, (FILE_PERSON.replace(" ", "_"), FILE_PERSON)) == {}
    con = dbmod.connect(db, read_only=True)
    try:
        assert con.execute("SELECT file_name FROM submissions").fetchone()[0] == "Laporan_korban_….xlsx"
        assert ("File 'Laporan_korban_….xlsx' dimuat",) in con.execute("SELECT message FROM load_log").fetchall()
    finally:
        con.close()
    assert loaded.submission_id
