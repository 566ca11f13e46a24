"""The column-wise register path (each distinct cell value normalised once) gives exactly the row-by-row result."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from openpyxl import Workbook

from etl import parse
from etl.template import REGISTER_HEADERS

D = dt.date
# cells as agencies type them: clean values, values with warnings, errors, and values equal in Python but read
# differently (1, 1.0, True; a date and a datetime)
POOLS = {
    "ref": ["R/1", "R/2", 12.0, 12, None, "0812 3456 7890"],
    "report": [D(2024, 5, 2), dt.datetime(2024, 5, 2), "05/05/2024", "5 Mei 2024", 45414, 45414.0, True, None,
               "31/02/2024", D(2031, 1, 1), "kemarin"],
    "incident": [D(2024, 4, 30), None, "1 Mei 2024", "bukan tanggal", D(2031, 1, 1)],
    "district": ["Telanaipura", "Kec. Kotabaru", "Jambi Sel.", "Telanai Pura", "Sungai Gelam", "Kota Baruu", None,
                 "Antah Berantah", "-"],
    "subdistrict": [None, None, None, "Simpang IV Sipin", "Pematang Sulur", "Kelurahan Fiktif", "Legok"],
    "age": [7, 7.0, True, 1, 1.0, "7 th", "1,5 th", "3 bln", "10-17", "5-30", 120, None, "tua"],
    "sex": ["P", "L", "Perempuan", "lk", "X", None, 1],
    "forms": ["Seksual", "Fisik, Psikis", "pencabulan", "KDRT fisik", "dipukul sapu", None, 1, True],
    "setting": ["Rumah Tangga", None, "Planet Mars", "rumah tangga"],
    "relation": ["Orang Tua", None, "Alien"],
    "services": ["Pengaduan", "Pengaduan, Kesehatan", "Pengaduan, Sulap", None],
    "notes": [None, "hubungi 0812-3456-7890", "NIK 1571010101010001"],
}


def _write(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["DATA KORBAN"])
    ws.append(["Lembaga", "UPTD_PPA"])
    ws.append(["Periode dari", D(2024, 5, 1)])
    ws.append(["Periode sampai", D(2024, 5, 1)])
    ws.append([])
    ws.append(list(REGISTER_HEADERS))
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_column_wise_equals_row_by_row(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    # mostly the first (clean) value of each pool, so that both paths carry many rows
    rows = [[rng.choice(pool) if rng.random() < 0.15 else pool[0] for pool in POOLS.values()]
            for _ in range(400)]
    path = _write(tmp_path / "register.xlsx", rows)
    today = D(2024, 6, 30)
    fast = parse.parse_workbook(path, today=today)
    assert len(fast.victims) > 100 and fast.errors and fast.warnings  # the mix exercises every path

    monkeypatch.setattr(parse, "_clean", lambda outcome, required=False: parse._SLOW)  # every row row-by-row
    slow = parse.parse_workbook(path, today=today)
    assert fast.victims == slow.victims
    assert fast.errors == slow.errors
    assert fast.warnings == slow.warnings
    assert (fast.rows_read, fast.rows_loaded, fast.months) == (slow.rows_read, slow.rows_loaded, slow.months)


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
