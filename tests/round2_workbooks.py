"""Fixture workbooks for the round-2 intake tests, written with openpyxl or with XlsxWriter (two writers: the
reader must not depend on one library's way of storing cells, dates or sheet states)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import xlsxwriter

WRITERS = ("openpyxl", "xlsxwriter")


def write_book(path: Path, sheets: list[tuple[str, list[list]]], writer: str,
               hidden: tuple[str, ...] = ()) -> Path:
    """sheets: (name, rows) with rows as lists of cells written from A1; dates are shown dd/mm/yyyy."""
    if writer == "openpyxl":
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, rows in sheets:
            ws = wb.create_sheet(name)
            for values in rows:
                ws.append(values)
            if name in hidden:
                ws.sheet_state = "hidden"
        wb.save(path)
        return path
    wb = xlsxwriter.Workbook(str(path))
    dates = wb.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
                elif value is not None:
                    ws.write(r, c, value)
        if name in hidden:
            ws.hide()
    wb.close()
    return path
