"""The two official workbooks agencies fill in (register and monthly recap), blank or filled from records.

The layout written here is the contract etl.parse reads strictly; blank templates and filled workbooks (demo data,
tests) go through the same writer functions so they cannot drift apart. Every list comes from etl.vocab.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl import vocab
from etl.layout import EXAMPLE_MARK
from etl.columns import PERPETRATOR_SLOTS

REGISTER_FILE = "template-register-kasus.xlsx"
RECAP_FILE = "template-rekap-bulanan.xlsx"

REGISTER_SHEET = "Register"
RECAP_SHEET = "Rekap"
LISTS_SHEET = "Daftar"
GUIDE_SHEET = "Petunjuk"

# the case stage (every case) and the TPPO block (filled only for TPPO victims): header -> dropdown list, width
CASE_DETAIL_COLUMNS = {
    "Tahap Penanganan": ("Tahap Penanganan", 26), "Tanggal Tahap": (None, 14),
    "TPPO: Tujuan Eksploitasi": ("Tujuan Eksploitasi", 30), "TPPO: Direkrut Melalui": ("Direkrut Melalui", 24),
    "TPPO: Daerah/Negara Tujuan": ("Daerah/Negara Tujuan", 24), "TPPO: Anak saat Direkrut": ("Ya/Tidak", 14),
    "TPPO: Dipulangkan": ("Ya/Tidak", 13), "TPPO: Dipulangkan dari": ("Daerah/Negara Tujuan", 22),
}
REGISTER_HEADERS = (
    "No. Register", "Tanggal Lapor", "Tanggal Kejadian", "Kecamatan", "Kelurahan", "Umur (tahun)",
    "Jenis Kelamin (L/P)", "Jenis Kekerasan", "Tempat Kejadian", "Hubungan dengan Pelaku", "Layanan", "Keterangan",
    *CASE_DETAIL_COLUMNS,
)
REGISTER_HEADER_ROW = 6
REGISTER_FIRST_DATA_ROW = 7
REGISTER_WIDTHS = (16, 14, 16, 18, 22, 13, 20, 30, 22, 24, 28, 36, *(w for _, w in CASE_DETAIL_COLUMNS.values()))
REGISTER_BLANK_ROWS = 500          # rows of a blank template that carry validations and formats

RECAP_HEADER_ROW = 5
RECAP_FIRST_DATA_ROW = 7
PERIOD_FORMAT = "mmmm yyyy"
DATE_FORMAT = "dd/mm/yyyy"
SYNTHETIC_MARK = "DATA CONTOH SINTETIS"
# the blank register's example row: its No. Register says CONTOH, so the loader never reads it as data
# (etl.layout.is_example_text); the date is only an illustration of the day/month/year order
EXAMPLE_DATE = dt.date(2024, 1, 5)


_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class RegisterEntry:
    """One victim as a person would type it into the register: labels, not codes."""

    case_ref: str | None
    report_date: dt.date | str | None
    district: str | None                       # kecamatan name
    sex: str | None                            # 'L' | 'P'
    forms: tuple[str, ...]                     # violence_types.csv labels
    incident_date: dt.date | str | None = None
    subdistrict: str | None = None             # kelurahan name
    age: int | str | None = None
    place: str | None = None                   # closed list label
    relationship: str | None = None            # closed list label
    services: tuple[str, ...] = ()             # closed list labels
    notes: str | None = None
    stage: str | None = None                   # case_detail_lists.csv stage label (or a police wording)
    stage_date: dt.date | str | None = None
    tppo: "TppoEntry | None" = None            # only for TPPO victims
    perpetrators: tuple["PerpetratorEntry", ...] = ()   # Pelaku 1, 2, 3 (PERPETRATOR_GROUPS at most)


@dataclass(frozen=True)
class TppoEntry:
    """The TPPO block of one victim as typed: labels or the agency's words."""

    purpose: str | None = None                 # tujuan eksploitasi
    channel: str | None = None                 # direkrut melalui
    destination: str | None = None             # a province, kabupaten/kota or country
    recruited_as_child: str | None = None      # 'Ya' | 'Tidak'
    repatriated: str | None = None             # 'Ya' | 'Tidak'
    repatriated_from: str | None = None


@dataclass(frozen=True)
class RecapMonth:
    """One month of a recap: victims per (district code, form code, sex 'L'|'P')."""

    month: dt.date
    counts: Mapping[tuple[str, str, str], int] = field(default_factory=dict)


month_name = vocab.month_year  # 'Januari 2024' for a month's first day (etl.demo imports it from here)


def _closed_labels(name: str) -> list[str]:
    return [label for _code, label in vocab.closed_lists().get(name, ())]


def _lists() -> dict[str, list[str]]:
    """The dropdown lists, in the column order of the Daftar sheet."""
    return {
        "Kecamatan": [d.name for d in vocab.districts()],
        "Kelurahan": [s.name for s in vocab.subdistricts()],
        "Jenis Kelamin": [code for code, _label in vocab.closed_lists().get("sex", ())] or ["L", "P"],
        "Jenis Kekerasan": [v.label for v in vocab.violence_types()],
        "Tempat Kejadian": _closed_labels("place_of_incident"),
        "Hubungan dengan Pelaku": _closed_labels("relationship"),
        "Layanan": _closed_labels("service"),
        "Lembaga": list(vocab.agency_codes()),
        **_case_detail_lists(),
    }


def _case_detail_lists() -> dict[str, list[str]]:
    """The dropdown lists of the stage and TPPO columns."""
    labels = vocab.case_detail_labels
    return {"Tahap Penanganan": list(labels("stage").values()),
            "Tujuan Eksploitasi": list(labels("exploitation").values()),
            "Direkrut Melalui": list(labels("recruitment").values()),
            "Daerah/Negara Tujuan": list(labels("destination").values()),
            "Ya/Tidak": list(labels("yes_no").values())}


def _case_detail_values(e: "RegisterEntry") -> tuple:
    """The stage and TPPO cells of one entry, in CASE_DETAIL_COLUMNS order."""
    t = e.tppo or TppoEntry()
    return (e.stage, _as_cell_date(e.stage_date), t.purpose, t.channel, t.destination, t.recruited_as_child,
            t.repatriated, t.repatriated_from)


def _case_detail_validations(ws: Worksheet, ranges: dict[str, str], first: int, last: int) -> None:
    """Dropdowns and the date format of the stage and TPPO columns (a destination may also be typed)."""
    for header, (list_name, _width) in CASE_DETAIL_COLUMNS.items():
        letter = get_column_letter(REGISTER_HEADERS.index(header) + 1)
        if list_name is None:
            for r in range(first, last + 1):
                ws[f"{letter}{r}"].number_format = DATE_FORMAT
        else:
            _dropdown(ws, ranges[list_name], f"{letter}{first}:{letter}{last}", header.removeprefix("TPPO: "),
                      strict=list_name != "Daerah/Negara Tujuan")


def _write_lists_sheet(wb: Workbook) -> dict[str, str]:
    """Write the hidden Daftar sheet; return list name -> absolute range formula for a validation."""
    ws = wb.create_sheet(LISTS_SHEET)
    ranges: dict[str, str] = {}
    for col, (name, values) in enumerate(_lists().items(), start=1):
        letter = get_column_letter(col)
        ws.cell(row=1, column=col, value=name).font = _BOLD
        for r, value in enumerate(values, start=2):
            ws.cell(row=r, column=col, value=value)
        ranges[name] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        ws.column_dimensions[letter].width = max(14, max((len(v) for v in values), default=10) + 2)
    ws.sheet_state = "hidden"
    return ranges


def _dropdown(ws: Worksheet, formula: str, cells: str, title: str, strict: bool = True) -> None:
    """A list validation; strict=False shows the dropdown but accepts free text (several comma-separated values)."""
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
    dv.showErrorMessage = strict
    dv.showInputMessage = True
    dv.promptTitle = title[:32]
    dv.prompt = ("Pilih dari daftar." if strict else
                 "Pilih dari daftar; untuk beberapa nilai tulis dipisah koma, mis. 'Fisik, Psikis'.")
    if strict:
        dv.errorTitle = "Nilai tidak ada di daftar"
        dv.error = f"Pilih {title} dari daftar (lihat sheet {GUIDE_SHEET})."
    dv.add(cells)
    ws.add_data_validation(dv)


def _title_block(ws: Worksheet, title: str, agency: str | None, period_rows: list[tuple[str, dt.date | None]],
                 agency_range: str) -> None:
    ws["A1"] = title
    ws["A1"].font = _TITLE
    ws["A2"] = "Lembaga"
    ws["A2"].font = _BOLD
    ws["B2"] = agency
    _dropdown(ws, agency_range, "B2", "Lembaga")
    for offset, (label, value) in enumerate(period_rows):
        row = 3 + offset
        ws.cell(row=row, column=1, value=label).font = _BOLD
        cell = ws.cell(row=row, column=2, value=value)
        cell.number_format = PERIOD_FORMAT


def _guide_sheet(wb: Workbook, lines: Iterable[str]) -> None:
    ws = wb.create_sheet(GUIDE_SHEET)
    ws.column_dimensions["A"].width = 110
    ws["A1"] = "Petunjuk pengisian"
    ws["A1"].font = _TITLE
    for r, line in enumerate(lines, start=3):
        ws.cell(row=r, column=1, value=line).alignment = Alignment(wrap_text=True, vertical="top")


def _register_guide() -> list[str]:
    forms = ", ".join(v.label for v in vocab.violence_types())
    return [
        "1. Satu baris untuk satu korban. Korban-korban dalam satu kasus ditulis pada baris terpisah dengan "
        "No. Register yang sama.",
        "2. Wajib diisi: Tanggal Lapor, Kecamatan (atau Kelurahan, kecamatan diturunkan darinya), "
        "Jenis Kelamin (L/P) dan Jenis Kekerasan. Kolom lain boleh kosong; umur yang tidak diketahui dibiarkan kosong.",
        "3. Tanggal ditulis hari/bulan/tahun, mis. 05/03/2024.",
        f"4. Jenis Kekerasan: pilih dari daftar ({forms}). Bila korban mengalami lebih dari satu bentuk, tulis "
        "semuanya dipisah koma, mis. 'Fisik, Psikis'.",
        "5. Kecamatan, Kelurahan, Tempat Kejadian dan Hubungan dengan Pelaku: pilih dari daftar.",
        "6. Layanan: boleh lebih dari satu, dipisah koma.",
        "7. JANGAN menulis nama, NIK, alamat, atau nomor telepon korban maupun pelaku di mana pun dalam file ini "
        "(dilindungi UU 35/2014 dan UU 27/2022).",
        "8. Isi Lembaga (kode) di sel B2 dan periode laporan di B3 (dari) dan B4 (sampai), mis. 01/01/2024.",
        "9. Kirim ulang file yang sudah diperbaiki untuk periode yang sama: data lama lembaga Anda untuk bulan-bulan "
        "itu akan diganti.",
        f"10. Baris {REGISTER_FIRST_DATA_ROW} bertanda {EXAMPLE_MARK} hanya contoh pengisian dan tidak pernah "
        "dimuat: timpa baris itu atau mulai mengisi di bawahnya.",
        "11. Tahap Penanganan (semua kasus): tahap terakhir kasus (dilaporkan, penyelidikan/penyidikan, P21/pelimpahan "
        "ke kejaksaan, putusan, dihentikan, diselesaikan di luar pengadilan) dan Tanggal Tahap saat tahap itu dicapai. "
        "Kiriman yang lebih baru memperbarui tahap kasus.",
        "12. Kolom berawalan 'TPPO:' hanya diisi untuk korban TPPO (perdagangan orang): tujuan eksploitasi, cara "
        "direkrut, daerah/negara tujuan (provinsi, kabupaten/kota atau negara; boleh diketik), apakah korban masih "
        "anak saat direkrut, apakah sudah dipulangkan dan dari mana. Untuk korban lain kolom ini diabaikan.",
    ]


def _recap_guide() -> list[str]:
    return [
        "1. Satu sheet untuk satu bulan. Salin sheet 'Rekap' untuk bulan berikutnya.",
        "2. Isi Lembaga (kode) di sel B2 dan bulan di B3, mis. 01/03/2024.",
        "3. Isi jumlah korban per kecamatan, per bentuk kekerasan, laki-laki (L) dan perempuan (P). "
        "Sel kosong dihitung 0.",
        "4. Satu korban yang mengalami dua bentuk kekerasan dihitung pada kedua bentuk itu.",
        "5. Baris dan kolom 'Jumlah' dihitung otomatis; jangan diubah.",
        "6. JANGAN menulis nama, NIK, alamat, atau nomor telepon siapa pun dalam file ini.",
    ]


def _as_cell_date(value: dt.date | str | None) -> dt.date | str | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def write_register(path: str | Path, entries: Iterable[RegisterEntry] = (), *, agency: str | None = None,
                   period: tuple[dt.date, dt.date] | None = None, title: str | None = None) -> Path:
    """Write a register workbook (blank when there are no entries) in the official layout."""
    path = Path(path)
    entries = list(entries)
    wb = Workbook()
    ws = wb.active
    ws.title = REGISTER_SHEET
    ranges = _write_lists_sheet(wb)
    _title_block(ws, title or "REGISTER KASUS KEKERASAN TERHADAP PEREMPUAN DAN ANAK", agency,
                 [("Periode dari", period[0] if period else None),
                  ("Periode sampai", period[1] if period else None)], ranges["Lembaga"])

    for col, (header, width) in enumerate(zip(REGISTER_HEADERS, REGISTER_WIDTHS), start=1):
        cell = ws.cell(row=REGISTER_HEADER_ROW, column=col, value=header)
        cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEADER_FILL, _BOX, _CENTER
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=REGISTER_FIRST_DATA_ROW, column=1)

    for r, e in enumerate(entries, start=REGISTER_FIRST_DATA_ROW):
        values = (e.case_ref, _as_cell_date(e.report_date), _as_cell_date(e.incident_date), e.district,
                  e.subdistrict, e.age, e.sex, ", ".join(e.forms) or None, e.place, e.relationship,
                  ", ".join(e.services) or None, e.notes, *_case_detail_values(e))
        for col, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=col, value=value)

    if not entries:  # a blank template shows how a row is filled in, marked so that it is never loaded
        _example_row(ws)
    # a blank template prepares rows for typing; a filled one formats the rows it holds
    last = REGISTER_FIRST_DATA_ROW + (len(entries) or REGISTER_BLANK_ROWS) - 1
    first = REGISTER_FIRST_DATA_ROW
    for letter in ("B", "C"):
        for r in range(first, last + 1):
            ws[f"{letter}{r}"].number_format = DATE_FORMAT
    _dropdown(ws, ranges["Kecamatan"], f"D{first}:D{last}", "Kecamatan")
    _dropdown(ws, ranges["Kelurahan"], f"E{first}:E{last}", "Kelurahan")
    _dropdown(ws, ranges["Jenis Kelamin"], f"G{first}:G{last}", "Jenis Kelamin")
    _dropdown(ws, ranges["Jenis Kekerasan"], f"H{first}:H{last}", "Jenis Kekerasan", strict=False)
    _dropdown(ws, ranges["Tempat Kejadian"], f"I{first}:I{last}", "Tempat Kejadian")
    _dropdown(ws, ranges["Hubungan dengan Pelaku"], f"J{first}:J{last}", "Hubungan dengan Pelaku")
    _dropdown(ws, ranges["Layanan"], f"K{first}:K{last}", "Layanan", strict=False)
    _case_detail_validations(ws, ranges, first, last)
    age_dv = DataValidation(type="whole", operator="between", formula1="0", formula2="110", allow_blank=True)
    age_dv.error, age_dv.errorTitle = "Umur dalam tahun penuh, 0 sampai 110.", "Umur tidak valid"
    age_dv.add(f"F{first}:F{last}")
    ws.add_data_validation(age_dv)

    _perpetrator_block(ws, entries, ranges, len(REGISTER_HEADERS) + 1, first, last)
    _guide_sheet(wb, _register_guide() + _perpetrator_guide())
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _example_row(ws: Worksheet) -> None:
    """The blank register's example row, in grey italics: the labels a person picks from the dropdowns."""
    def first(name: str) -> str | None:
        return (_closed_labels(name) or [None])[0]

    forms = [v.label for v in vocab.violence_types()][:2]
    values = (EXAMPLE_MARK, EXAMPLE_DATE, EXAMPLE_DATE, vocab.districts()[0].name if vocab.districts() else None,
              None, 12, "P", ", ".join(forms), first("place_of_incident"), first("relationship"), first("service"),
              "Baris contoh: timpa atau isi di bawahnya")
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=REGISTER_FIRST_DATA_ROW, column=col, value=value)
        cell.font = Font(italic=True, color="808080")


# ---------------------------------------------------------------- perpetrators (pelaku)
# A case's perpetrators go in numbered groups of columns after the register's own columns, on the case's row:
# several perpetrators per case without a second sheet to keep in step (docs/data-contract.md, "perpetrators").

PERPETRATOR_GROUPS = 3
PERPETRATOR_WIDTHS = (12, 10, 20)


@dataclass(frozen=True)
class PerpetratorEntry:
    """One perpetrator as typed into a group of the register: sex, age, relationship label; never a name."""

    sex: str | None = None                     # 'L' | 'P'
    age: int | str | None = None
    relationship: str | None = None            # closed list label ("Hubungan dengan Pelaku" list)


def perpetrator_headers(groups: int = PERPETRATOR_GROUPS) -> tuple[str, ...]:
    """'Pelaku 1 Jenis Kelamin', 'Pelaku 1 Umur', 'Pelaku 1 Hubungan dengan Korban', 'Pelaku 2 ...'."""
    return tuple(f"Pelaku {slot} {label}" for slot in range(1, groups + 1)
                 for label in ("Jenis Kelamin", "Umur", "Hubungan dengan Korban"))


def _perpetrator_block(ws: Worksheet, entries: list[RegisterEntry], ranges: dict[str, str], start: int,
                       first: int, last: int) -> None:
    """Headers, values and dropdowns of the perpetrator groups, from column ``start`` on."""
    for offset, header in enumerate(perpetrator_headers()):
        col = start + offset
        cell = ws.cell(row=REGISTER_HEADER_ROW, column=col, value=header)
        cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEADER_FILL, _BOX, _CENTER
        ws.column_dimensions[get_column_letter(col)].width = PERPETRATOR_WIDTHS[offset % 3]
    for r, e in enumerate(entries, start=REGISTER_FIRST_DATA_ROW):
        if len(e.perpetrators) > PERPETRATOR_GROUPS:
            raise ValueError(f"at most {PERPETRATOR_GROUPS} perpetrators per row")
        for i, p in enumerate(e.perpetrators):
            for offset, value in enumerate((p.sex, p.age, p.relationship)):
                if value is not None:
                    ws.cell(row=r, column=start + 3 * i + offset, value=value)
    age_dv = DataValidation(type="whole", operator="between", formula1="0", formula2="110", allow_blank=True)
    age_dv.error, age_dv.errorTitle = "Umur pelaku dalam tahun penuh, 0 sampai 110.", "Umur tidak valid"
    for i in range(PERPETRATOR_GROUPS):
        sex, age, relationship = (get_column_letter(start + 3 * i + k) for k in range(3))
        _dropdown(ws, ranges["Jenis Kelamin"], f"{sex}{first}:{sex}{last}", "Jenis Kelamin Pelaku")
        age_dv.add(f"{age}{first}:{age}{last}")
        _dropdown(ws, ranges["Hubungan dengan Pelaku"], f"{relationship}{first}:{relationship}{last}",
                  "Hubungan Pelaku dengan Korban")
    ws.add_data_validation(age_dv)


def _perpetrator_guide() -> list[str]:
    return [
        f"Pelaku: isi kolom Pelaku 1 sampai Pelaku {PERPETRATOR_GROUPS} (jenis kelamin, umur, hubungan dengan "
        "korban) pada baris kasus, satu kelompok kolom untuk satu pelaku; kosongkan bila pelaku tidak diketahui. "
        "Pelaku yang sama boleh ditulis lagi pada baris korban lain dalam kasus yang sama (No. Register sama): "
        "dihitung satu kali. Kasus dengan lebih dari "
        f"{PERPETRATOR_GROUPS} pelaku: tambahkan di kanan kolom 'Pelaku {PERPETRATOR_GROUPS + 1} Jenis Kelamin', "
        f"'Pelaku {PERPETRATOR_GROUPS + 1} Umur', 'Pelaku {PERPETRATOR_GROUPS + 1} Hubungan dengan Korban' (sampai "
        f"Pelaku {PERPETRATOR_SLOTS}). JANGAN menulis nama pelaku.",
    ]


def _recap_sheet(wb: Workbook, ws: Worksheet, ranges: dict[str, str], title: str, agency: str | None,
                 month: RecapMonth | None) -> None:
    forms = vocab.violence_types()
    districts = vocab.districts()
    _title_block(ws, title, agency, [("Bulan", month.month if month else None)], ranges["Lembaga"])
    h = RECAP_HEADER_ROW
    for col, label in ((1, "No"), (2, "Kecamatan")):
        ws.cell(row=h, column=col, value=label)
        ws.merge_cells(start_row=h, start_column=col, end_row=h + 1, end_column=col)
    groups = [v.label for v in forms] + ["Jumlah"]
    for i, label in enumerate(groups):
        col = 3 + 2 * i
        ws.cell(row=h, column=col, value=label)
        ws.merge_cells(start_row=h, start_column=col, end_row=h, end_column=col + 1)
        ws.cell(row=h + 1, column=col, value="L")
        ws.cell(row=h + 1, column=col + 1, value="P")
    last_col = 2 + 2 * len(groups)
    for r in (h, h + 1):
        for col in range(1, last_col + 1):
            cell = ws.cell(row=r, column=col)
            cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEADER_FILL, _BOX, _CENTER

    total_col = 3 + 2 * len(forms)
    counts = month.counts if month else {}
    filled = month is not None
    for i, d in enumerate(districts):
        r = RECAP_FIRST_DATA_ROW + i
        ws.cell(row=r, column=1, value=i + 1)
        ws.cell(row=r, column=2, value=d.name)
        row_total = {"L": 0, "P": 0}
        for j, v in enumerate(forms):
            for k, sex in enumerate(("L", "P")):
                n = counts.get((d.code, v.code, sex), 0)
                row_total[sex] += n
                if filled:
                    ws.cell(row=r, column=3 + 2 * j + k, value=n)
        for k, sex in enumerate(("L", "P")):
            col = total_col + k
            letters = [get_column_letter(3 + 2 * j + k) for j in range(len(forms))]
            # a filled workbook carries the totals as numbers (as a saved Excel file carries cached results);
            # the blank template carries formulas that compute as the agency types
            ws.cell(row=r, column=col, value=row_total[sex] if filled else "=" + "+".join(f"{c}{r}" for c in letters))
    total_row = RECAP_FIRST_DATA_ROW + len(districts)
    ws.cell(row=total_row, column=2, value="Jumlah").font = _BOLD
    first, last = RECAP_FIRST_DATA_ROW, total_row - 1
    for col in range(3, last_col + 1):
        letter = get_column_letter(col)
        if filled:
            value = sum(ws.cell(row=r, column=col).value or 0 for r in range(first, last + 1))
        else:
            value = f"=SUM({letter}{first}:{letter}{last})"
        cell = ws.cell(row=total_row, column=col, value=value)
        cell.font = _BOLD
    for r in range(first, total_row + 1):
        for col in range(1, last_col + 1):
            ws.cell(row=r, column=col).border = _BOX
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 18
    for col in range(3, last_col + 1):
        ws.column_dimensions[get_column_letter(col)].width = 7
    ws.freeze_panes = ws.cell(row=RECAP_FIRST_DATA_ROW, column=3)
    count_dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    count_dv.error, count_dv.errorTitle = "Isi jumlah korban (bilangan bulat, 0 atau lebih).", "Jumlah tidak valid"
    count_dv.add(f"C{first}:{get_column_letter(total_col - 1)}{last}")
    ws.add_data_validation(count_dv)


def write_recap(path: str | Path, months: Iterable[RecapMonth] = (), *, agency: str | None = None,
                title: str | None = None) -> Path:
    """Write a recap workbook, one sheet per month (one blank 'Rekap' sheet when no months are given)."""
    path = Path(path)
    months = sorted(months, key=lambda m: m.month)
    wb = Workbook()
    first_ws = wb.active
    ranges = _write_lists_sheet(wb)
    base_title = title or "REKAPITULASI BULANAN KORBAN KEKERASAN TERHADAP PEREMPUAN DAN ANAK"
    if not months:
        first_ws.title = RECAP_SHEET
        _recap_sheet(wb, first_ws, ranges, base_title, agency, None)
    for i, m in enumerate(months):
        ws = first_ws if i == 0 else wb.create_sheet(index=i)
        ws.title = month_name(m.month) if len(months) > 1 else RECAP_SHEET
        _recap_sheet(wb, ws, ranges, f"{base_title} — {month_name(m.month).upper()}", agency, m)
    _guide_sheet(wb, _recap_guide())
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_templates(out_dir: str | Path) -> list[Path]:
    """Write the blank official templates (register, recap, population table) into a folder; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [write_register(out / REGISTER_FILE), write_recap(out / RECAP_FILE),
            write_population_template(out / POPULATION_FILE)]


# The population table behind rates per 10,000 (PPA_POPULATION; read by report/geography.py). Only district_code
# and population are required; district is for the person filling it in and is not read.
POPULATION_FILE = "template-penduduk-kecamatan.csv"
POPULATION_COLUMNS = ("district_code", "district", "population", "female_population", "child_population", "year",
                      "source")


def write_population_template(path: str | Path) -> Path:
    """A CSV with one row per kecamatan (code and name) and empty population columns to fill from BPS."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(POPULATION_COLUMNS)
        for district in vocab.districts():
            writer.writerow([district.code, district.name, "", "", "", "", "BPS, Kota Jambi Dalam Angka"])
    return path
