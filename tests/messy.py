"""A messy agency register generated for the operator's tests: title block, a name column, problems to mark."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from etl import vocab

HEADERS = ["NO", "NAMA KORBAN", "TGL MASUK", "USIA", "L/P", "KECAMATAN", "BENTUK KEKERASAN"]
ROWS = [
    [1, "Siti Contoh", dt.date(2024, 11, 4), "7 th", "P", "Kotabaru", "Pencabulan"],
    [2, "Budi Contoh", dt.date(2024, 11, 9), 130, "L", "Jambi Timur", "Penganiayaan"],          # age rejected
    [3, "Rina Contoh", dt.date(2024, 11, 12), 15, "P", "Sungai Gelam", "Pelecehan seksual"],     # out of area
    [4, "Ani Contoh", dt.date(2024, 11, 20), 30, "P", "Telanaipura", "Dijambret suami"],         # unknown wording
    [5, "Dewi Contoh", dt.date(2024, 11, 25), 16, "P", "Alam Barajo", "KDRT psikis"],
]
NAMES = [r[1] for r in ROWS]
# A wording holding a terminal's escape codes and a bell, as an .xlsx writes control characters (_xHHHH_): the
# readers give back ESC and BEL.
TERMINAL_CODES = "KDRT _x001B_[31mmerah_x001B_[0m_x0007_"


def write_messy_register(path: Path, rows: list[list] | None = None) -> Path:
    """Write the messy Dinsos register (rows 5.. under a two-line title block); the title and the sheet name
    declare the months of its rows' report dates, November 2024 for the default rows (a row outside the declared
    period would be rejected)."""
    rows = rows or ROWS
    months = sorted({d.replace(day=1) for row in rows for d in row[2:3] if isinstance(d, dt.date)})
    if months and months[0] != months[-1]:
        period, sheet = f"PERIODE {vocab.month_year(months[0])} s.d. {vocab.month_year(months[-1])}", "Data"
    else:
        month = months[0] if months else dt.date(2024, 11, 1)
        period, sheet = f"BULAN {vocab.month_year(month).upper()}", f"{month:%b %Y}"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws["A1"] = "DATA KORBAN KEKERASAN DINAS SOSIAL KOTA JAMBI"
    ws["A2"] = period
    ws.append([])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    ws.append([])
    ws.append([None, None, None, None, None, "Jambi, 30 November 2024"])
    wb.save(path)
    return path


def write_register_with_wording(path: Path, wording: str) -> Path:
    """The messy register whose unknown wording ("Dijambret suami") is ``wording``."""
    rows = [list(row) for row in ROWS]
    rows[3][6] = wording
    return write_messy_register(path, rows)
