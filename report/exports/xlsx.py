"""The tables behind the charts as CSV and as an Excel workbook (one sheet per table plus "Catatan").

Text that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a leading
apostrophe, so a hostile cell such as "=HYPERLINK(...)" arrives as text; numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from etl import vocab
from report import charts, sentences
from report import format as fmt

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NOTES_SHEET = "Catatan"
MAX_SHEET_NAME = 31

# Indonesian column headers for every query column the dashboard's charts draw from.
HEADERS = {
    **charts.TABLE_HEADERS,
    "month": "Bulan", "victims": "Korban", "label": "Label", "violence_type": "Kode bentuk",
    "district_code": "Kode kecamatan", "subdistrict_code": "Kode kelurahan",
    "korban_rata3": "Korban (rata-rata 3 bulan)",
    "provisional": "Data sementara", "which": "Tahun ini/lalu", "year": "Tahun", "month_number": "Bulan ke",
    "kasus_kumulatif": "Kasus kumulatif", "korban_kumulatif": "Korban kumulatif", "victim_group": "Kelompok korban",
    "age_group": "Kelompok umur", "age_band": "Kelompok umur", "sex": "Jenis kelamin", "status": "Status",
    "agency_name": "Nama lembaga", "active_files": "File aktif", "replaced_files": "File diganti",
    "shapes": "Bentuk file",
    "kasus_tppo": "Kasus TPPO", "korban_tppo": "Korban TPPO", "korban_anak": "Korban anak", "jumlah": "Jumlah",
    "value": "Jumlah", "suppressed": "Disamarkan", "code": "Kode",
}
DEFINITIONS = (
    "Kasus: nomor register kasus yang berbeda; satu kasus dapat memiliki beberapa korban.",
    "Korban: catatan korban; korban yang dilaporkan dua lembaga dihitung sekali (catatan UPTD PPA diutamakan).",
    "Korban per bentuk: satu korban dapat mengalami lebih dari satu bentuk kekerasan, sehingga jumlah menurut "
    "bentuk lebih besar dari jumlah korban. Jangan dijumlahkan sebagai jumlah kasus.",
    "Anak: korban berumur di bawah 18 tahun.",
    "Data sementara: bulan terakhir masih dapat bertambah oleh laporan yang terlambat.",
    sentences.NOT_PREVALENCE,
)


@dataclass(frozen=True)
class TableNotes:
    """What the "Catatan" sheet says: source, period, date prepared, definitions, and the public legend."""

    period: str
    source: str
    prepared_on: dt.date = field(default_factory=dt.date.today)
    extra: tuple[str, ...] = ()            # footer lines, caveats, disclosure legend for publik


def neutralise(value):
    """A text cell that would start a formula gets a leading apostrophe; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(value):
    """A DataFrame value as a plain Python value for a spreadsheet cell (NA -> empty, bool -> ya/tidak)."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return "ya" if value else "tidak"
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return neutralise(value) if isinstance(value, str) else value


def download_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A query result with Indonesian headers; values untouched (neutralising happens when writing)."""
    return df.rename(columns={c: HEADERS.get(c, c) for c in df.columns})


def _rows(df: pd.DataFrame) -> list[list]:
    return [[_cell(v) for v in row] for row in df.itertuples(index=False, name=None)]


def csv_bytes(df: pd.DataFrame) -> bytes:
    """One table as UTF-8 CSV (with BOM so Excel reads the accents), formula-safe, Indonesian headers."""
    frame = download_frame(df)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for values in _rows(frame):
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v
                         for v in values])
    return out.getvalue().encode("utf-8-sig")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:MAX_SHEET_NAME] or "Tabel"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[:MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def workbook_bytes(tables: Mapping[str, pd.DataFrame], notes: TableNotes) -> bytes:
    """An .xlsx with a "Catatan" sheet first, then one sheet per table (header row frozen, numbers as numbers)."""
    book = Workbook()
    info = book.active
    info.title = NOTES_SHEET
    taken = {NOTES_SHEET.lower()}
    lines = [("Judul", f"Kekerasan terhadap perempuan dan anak, {vocab.region().name}: tabel di balik grafik"),
             ("Periode", notes.period), ("Sumber", notes.source),
             ("Disiapkan", fmt.date_label(notes.prepared_on))]
    lines += [("Definisi", d) for d in DEFINITIONS]
    lines += [("Catatan", e) for e in notes.extra]
    sheets = {name: sheet_title(name, taken) for name in tables}
    lines += [("Lembar", f"{title}: {name}") for name, title in sheets.items()]
    for row, (key, text) in enumerate(lines, start=1):
        info.cell(row, 1, key).font = Font(bold=True)
        info.cell(row, 2, neutralise(text)).alignment = Alignment(wrap_text=True, vertical="top")
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 110
    for name, df in tables.items():
        sheet = book.create_sheet(sheets[name])
        frame = download_frame(df)
        for col, header in enumerate(frame.columns, start=1):
            sheet.cell(1, col, neutralise(str(header))).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(col)].width = max(12, min(45, len(str(header)) + 4))
        for r, values in enumerate(_rows(frame), start=2):
            for col, value in enumerate(values, start=1):
                cell = sheet.cell(r, col, value)
                if isinstance(value, (dt.date, dt.datetime)):
                    cell.number_format = "yyyy-mm-dd" if frame.columns[col - 1] != "Bulan" else "yyyy-mm"
                elif isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever openpyxl would infer
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
