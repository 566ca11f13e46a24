"""Recaps with the months across the columns (JAN … DES, JUMLAH), one workbook per year: victim-forms per month,
per kecamatan where the file gives one; and the same year turned round (months down the rows, forms across).

Down the rows: violence forms (a city-wide recap), kecamatan (the form named by the sheet, one sheet per form),
or both: a Kecamatan and a Bentuk column, or kecamatan rows each followed by its forms; a sheet per kecamatan
(named by the sheet or its title) holds forms. A month header is a month name or abbreviation ("JAN", "Januari",
"JANUARI 2024", "Jan-24", a date shown as a month) or its number ("Bln 1", "Bulan ke-1"); an L/P row under
the months splits each month by sex. The months run one after another, at most a year of them: JAN … DES, a
part (JAN … JUN), or a fiscal or school year turning at December (JUL … DES JAN … JUN: the months after December
fall in the next year). The year comes from the month headers, the title block, the sheet name or the file name
(for a year turning at December, the year of its first month: see ``_year``).

What the file stands for: the months whose column holds at least one value in a data row. A blank cell is not
a zero: a month column left blank (the rest of the year, in a file sent during the year) stands for nothing and
replaces nothing, while 0 or "-" states that month had no victims of that row. Inside a month that stands, a
blank cell of one row counts 0. A month after the current one is ignored when it holds only zeros, and refused
when it holds a count.

Printed totals are checked, never loaded: the JUMLAH column against the row's months, and each JUMLAH/TOTAL row
(and counts written on a kecamatan's own row) against the rows it sums, with the warning of every recap total.
A recap without a kecamatan stores its counts under the region's own code (region.toml ``code``, e.g. 15.71):
they count in the city's totals and in no kecamatan's. So does a recap whose rows are puskesmas (health centres):
no reference data says which kecamatan one serves, so its counts are the city's, with one note per sheet.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from etl import vocab
from etl.columns import ColumnMap, map_columns, missing_register_fields
from etl.layout import (HEADER_SEARCH_ROWS, SheetLayout, cell_text, detect_layout, form_codes_of_header,
                        is_signature_row, is_total_label, numbering_row, sex_of_header, template_cells)
from etl.values import ADD_SPELLING
from etl.model import ParsedWorkbook, Problem, RecapCell, WorkbookError
from etl.read import Sheet, Workbook, column_letter
from etl.values import Value, normalize_text, parse_district, recap_count

MIN_MONTH_COLUMNS = 3  # a quarter at least, in calendar order without a gap: no data row of a register is that
_MONTH_NUMBER = re.compile(r"^(?:bulan|bln|bl)\s*(?:ke\s*)?(\d{1,2})$")
_MONTH_WORD = re.compile(r"^([a-z]+)(?:\s+(\d{4}|\d{2}))?$")
_OVER_MONTHS = re.compile(r"^(?:bulan|periode|tahun|jumlah korban|jumlah kasus)\b")
_ENUMERATION = re.compile(r"^\s*(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{1,4})\s*[.)]\s+")
_ENUMERATION_ONLY = re.compile(r"\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})\s*[.)]?\s*")
_DISTRICT_IN_TITLE = re.compile(r"\bkec(?:amatan)?\.?\s*:?\s+([A-Za-z][A-Za-z .'-]*?)\s*(?:$|[,(\d]|\btahun\b|\bbulan\b)",
                                re.I)


@dataclass
class GridColumns(ColumnMap):
    """The columns of a months-across recap; the summary shows each month column as the month it holds."""

    months: dict[int, tuple[int, int | None, str | None]] = field(default_factory=dict)  # col -> (month, year, sex)
    totals: dict[int, str | None] = field(default_factory=dict)                          # JUMLAH col -> sex
    labels: list[int] = field(default_factory=list)                                      # form/kecamatan cols

    def describe(self) -> dict[str, str]:
        out = super().describe()
        for j, (month, _year, sex) in self.months.items():
            out[self.headers.get(j, column_letter(j))] = f"bulan {vocab.MONTH_NAMES[month - 1]}" + (
                f" {sex}" if sex else "")
        for j, sex in self.totals.items():
            out[self.headers.get(j, column_letter(j))] = "jumlah" + (f" {sex}" if sex else "")
        for j in self.labels:
            if j in self.headers:
                out[self.headers[j]] = "bentuk kekerasan / kecamatan (baris)"
        return out


@dataclass
class GridLayout(SheetLayout):
    """A sheet laid out as a months-across recap (shape 'recap'); ``columns`` is a GridColumns."""


def month_of_header(value) -> tuple[int, int | None] | None:
    """(month, year or None) a column header names, or None."""
    if isinstance(value, (dt.date, dt.datetime)):  # a month shown as 'Jan-24' is its first day
        return (value.month, value.year) if value.day == 1 else None
    if not isinstance(value, str):
        return None
    text = normalize_text(value)
    if m := _MONTH_NUMBER.match(text):
        return (int(m[1]), None) if 1 <= int(m[1]) <= 12 else None
    if m := _MONTH_WORD.match(text):
        month = vocab.MONTH_SPELLINGS.get(m[1])
        if month is None:
            return None
        year = None
        if m[2]:
            year = int(m[2]) + (2000 if len(m[2]) == 2 else 0)
        return month, year
    return None


def detect(sheet: Sheet, agency: str | None = None) -> SheetLayout:
    """etl.layout.detect_layout, or a GridLayout when the sheet is no complete register or recap but has a row
    of month headers, or a MonthRowsLayout for a recap of forms across whose rows are months (a register with its
    required columns is never looked at again: the fast path stays)."""
    lay = detect_layout(sheet, agency)
    if lay.shape == "recap":
        return month_rows_layout(lay) or lay
    if lay.shape == "register" and not missing_register_fields(lay.columns):
        return lay
    return grid_layout(sheet, agency) or lay


@dataclass
class MonthRowsLayout(SheetLayout):
    """A recap with the forms across the columns and the months down the rows (one row per month of a year)."""

    month_column: int = 0


def month_rows_layout(lay: SheetLayout) -> MonthRowsLayout | None:
    """The recap as months down the rows: no Kecamatan column, and a column whose data rows name at least three
    months one after another; None otherwise (a recap per kecamatan, read as it always was)."""
    if "district" in lay.columns.fields:
        return None
    rows = [lay.sheet.row(r) for r in lay.data_rows]
    for j in range(min(4, max(map(len, rows), default=0))):
        months = [found[0] for row in rows if j < len(row) and (found := month_of_header(row[j]))]
        if len(months) >= MIN_MONTH_COLUMNS and _one_year_in_order(months):
            return MonthRowsLayout(**{f.name: getattr(lay, f.name) for f in fields(SheetLayout)}, month_column=j)
    return None


def grid_layout(sheet: Sheet, agency: str | None = None) -> GridLayout | None:
    """The sheet as a months-across recap, or None when no row of its head holds month headers in order."""
    if not sheet.visible or not sheet.height:
        return None
    rows = sheet.head(HEADER_SEARCH_ROWS + 1)
    for r, row in enumerate(rows):
        months = {j: found for j, v in enumerate(row) if (found := month_of_header(v))}
        if len(months) < MIN_MONTH_COLUMNS or not _one_year_in_order([months[j][0] for j in sorted(months)]):
            continue
        return _grid(sheet, rows, r, months, agency)
    return None


def _one_year_in_order(order: list[int]) -> bool:
    """Months one after another, at most a year of them: JAN … DES, JAN … JUN, or a fiscal or school year that
    turns at December (JUL … DES JAN … JUN)."""
    return len(order) <= 12 and all((b - a) % 12 == 1 for a, b in zip(order, order[1:]))


def _sexes(row: tuple) -> dict[int, str | None]:
    """Column -> 'L'/'P' for a row of L/P sub-headers, None under an 'L+P'/'Jml' column beside them (empty when
    the row is anything else)."""
    index = vocab.closed_list_index("sex")
    found = {}
    for j, v in enumerate(row):
        if v is None:
            continue
        if not isinstance(v, str):
            return {}
        key = normalize_text(v)
        if key in index:
            found[j] = index[key]
        elif key in ("l p", "lp") or is_total_label(v):
            found[j] = None
        else:
            return {}
    return found if {"L", "P"} <= set(found.values()) else {}


def _grid(sheet: Sheet, rows: list, r: int, months: dict, agency: str | None) -> GridLayout:
    header_rows = [r]
    above = rows[r - 1] if r else ()
    # labels over a merged block ('Bentuk Kekerasan' | 'BULAN' spanning the months | 'JUMLAH') sit in the row
    # above; a title block's 'Kecamatan : Telanaipura' or 'Lembaga | RSUD' is no such row
    first = min(months)
    over_months = any(isinstance(v, str) and (_OVER_MONTHS.match(normalize_text(v)) or is_total_label(v))
                      for v in above[first:])
    labels_above = (not any(isinstance(v, str) for v in rows[r][:first])
                    and any(isinstance(v, str) for v in above[:first]))
    if above and all(isinstance(v, str) for v in above if v is not None) and (over_months or labels_above):
        header_rows.insert(0, r - 1)
    sexes = _sexes(rows[r + 1]) if r + 1 < len(rows) else {}
    width = max(len(rows[i]) for i in header_rows)

    def texts(j: int) -> list[str]:
        return [t for i in header_rows if j < len(rows[i]) and (t := cell_text(rows[i][j]))
                and isinstance(rows[i][j], str)]

    headers = [(texts(j) or [None])[-1] for j in range(width)]
    spans: dict[int, tuple[int, int | None, str | None]] = {}
    totals: dict[int, str | None] = {}
    kind = None
    for j in range(min(months), max(width, max(sexes, default=0) + 1)):
        if j in months:
            kind = months[j]
        elif any(is_total_label(t) for t in texts(j)):
            kind = "total"
        elif texts(j) or not sexes:
            kind = None  # another column (Keterangan …) or a blank one: not counted
        # else: a blank header beside an L/P sub-header continues the month or total before it
        if kind is None or (sexes and j not in sexes):
            continue
        if sexes and sexes[j] is None and kind != "total":
            continue  # a month's own L+P column: its L and P are read, the sum is not
        if kind == "total":
            totals[j] = sexes.get(j)
        else:
            spans[j] = (*kind, sexes.get(j))
    if sexes:
        header_rows.append(r + 1)
    mapped = map_columns(headers, agency)
    number = mapped.fields.get("number")
    labels = [j for j in range(min(months)) if j != number and _holds_text(sheet, j, header_rows[-1] + 1)]
    used = set(spans) | set(totals) | set(labels)
    columns = GridColumns(fields={"number": number} if number is not None else {}, headers=mapped.headers,
                          personal=[j for j in mapped.personal if j not in used],
                          unknown=[j for j in mapped.unknown if j not in used], months=spans, totals=totals,
                          labels=labels)
    lay = GridLayout(sheet, shape="recap", header_rows=header_rows, headers=headers, columns=columns)
    start = header_rows[-1] + 1
    if start < sheet.height and numbering_row(sheet.row(start)):
        lay.numbering_row = start
        start += 1
    for i in range(start, sheet.height):
        row = sheet.row(i)
        # a table per kecamatan stacked down the sheet repeats its header and numbering rows
        if all(v is None for v in row) or numbering_row(row) or sum(
                month_of_header(row[j]) is not None for j in spans if j < len(row)) >= MIN_MONTH_COLUMNS:
            continue
        if is_signature_row(row):
            lay.footer_row = i
            break
        lay.data_rows.append(i)
    return lay


def _holds_text(sheet: Sheet, j: int, first_row: int) -> bool:
    """Whether a column holds text below the header (a label column; a No column holds numbers)."""
    if j >= len(sheet.columns):
        return False
    column = sheet.columns[j]
    is_text = np.array([isinstance(v, str) for v in column.values], bool)
    return bool(is_text[column.codes[first_row:sheet.height]].any())


# ---------------------------------------------------------------- reading the counts

@dataclass
class _Sums:
    """Counts summed per column over a stretch of rows."""

    cells: dict[int, int] = field(default_factory=dict)
    rows: int = 0

    def add(self, counts: dict[int, int]) -> None:
        self.rows += 1
        for j, n in counts.items():
            self.cells[j] = self.cells.get(j, 0) + n

    def copy(self) -> "_Sums":
        return _Sums(dict(self.cells), self.rows)


def _year_in(text: str) -> int | None:
    """The last year a text names: the one rule of etl.parse (etl.layout once the 'period' branch moves it)."""
    try:
        from etl.layout import _year_in as rule
    except ImportError:
        from etl.parse import _year_in as rule
    return rule(text)


def _year(book: Workbook, lay: GridLayout, turns: bool = False) -> tuple[int | None, str]:
    """The sheet's year and where it was found (the month headers may still carry their own). ``turns``: the
    months turn at December (JUL … JUN), and the year is that of the first month column: the first of two
    consecutive years ('2023/2024', 'TA 2023/24', 'Juli 2023 - Juni 2024'), else the one year written ('TA 2024':
    Juli 2024 - Juni 2025)."""
    cells = template_cells(lay.title_rows)
    texts = [(cell_text(cells[key][0]) or "", f"sel periode (lembar '{lay.sheet.name}' {cells[key][1]})")
             for key in ("month", "period_from") if key in cells]
    title = " ".join(cell_text(v) or "" for row in lay.title_rows for v in row)
    texts += [(lay.sheet.name, f"nama lembar '{lay.sheet.name}'"), (title, f"judul lembar '{lay.sheet.name}'"),
              (Path(book.file_name).stem, "nama file")]
    for text, source in texts:
        if not (year := _year_in(text)):
            continue
        years = sorted({int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", text)})
        if turns and len(years) == 2 and years[1] == years[0] + 1:
            return years[0], source
        return year, source
    return None, ""


def _sheet_district(lay: GridLayout) -> str | None:
    """The kecamatan a whole sheet is about: its name, or 'Kecamatan X' in its title."""
    outcome = parse_district(lay.sheet.name)
    if isinstance(outcome, Value):
        return outcome.value
    for text in (" ".join(cell_text(v) or "" for v in row) for row in lay.title_rows):
        for m in _DISTRICT_IN_TITLE.finditer(text):
            outcome = parse_district(m[1])
            if isinstance(outcome, Value):
                return outcome.value
    return None


def _title_forms(lay: GridLayout) -> tuple[str, ...] | None:
    """The one form (or form pair) the title block names in a run of one to three words, or None (none or
    several: 'KEKERASAN FISIK DAN PSIKIS' names no one form)."""
    aliases, vague = vocab.violence_aliases(), vocab.vague_violence_wordings()
    found = set()
    for row in lay.title_rows:
        words = normalize_text(" ".join(cell_text(v) or "" for v in row if isinstance(v, str))).split()
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                key = " ".join(words[i:i + size])
                if key in aliases and key not in vague:
                    found.add(aliases[key])
    # 'kekerasan seksual' and 'seksual' name the same form
    return found.pop() if len(found) == 1 else None


def _region_names() -> set[str]:
    """The region's name as a row label may write it ('kota jambi', 'jambi')."""
    name = normalize_text(vocab.region().name)
    return {name, name.split(" ", 1)[-1]}


# a health centre: 'Puskesmas Putri Ayu', 'PKM Simpang Kawat', 'UPTD Puskesmas Koni', 'Pusk. Paal V'
_HEALTH_CENTRE = re.compile(r"^(?:uptd )?(?:puskesmas|pkm|pusk)(?: |$)")


def is_health_centre(text) -> bool:
    """Whether a row label or a sheet name names a puskesmas (health centre)."""
    return isinstance(text, str) and bool(_HEALTH_CENTRE.match(normalize_text(text)))


def heads_health_centres(header: str | None) -> bool:
    """Whether a column's header says its names are puskesmas: 'Puskesmas', 'Nama Puskesmas', 'PKM'."""
    return bool(re.search(r"\b(?:puskesmas|pkm)\b", normalize_text(header or "")))


def _label(value, health_centres: bool = False) -> tuple[str, object, Problem | None] | None:
    """What a label cell names, and the problem or warning it brings: ('total', None, None), ('forms', codes,
    None), ('sex', 'L'/'P', None), ('health_centre', text, None) (a puskesmas, or any other name in a column
    headed Puskesmas: ``health_centres``), ('district', code, warning or None), ('unknown', text, why the text is
    no kecamatan)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = _ENUMERATION.sub("", value)  # '1. Kekerasan Fisik', 'a) Jelutung'
    if sex := vocab.closed_list_index("sex").get(normalize_text(text)):  # before 'P' is taken for a row letter
        return "sex", sex, None
    if _ENUMERATION_ONLY.fullmatch(text):
        return None  # the number of a row written as text ('1.', 'II')
    if is_total_label(text) or normalize_text(text) in _region_names():  # 'KOTA JAMBI': all its kecamatan
        return "total", None, None
    if forms := form_codes_of_header(text):
        return "forms", forms, None
    if health_centres or is_health_centre(text):
        return "health_centre", " ".join(text.split()), None
    outcome = parse_district(text)
    if isinstance(outcome, Value):
        return "district", outcome.value, outcome.warning
    return "unknown", value, outcome if isinstance(outcome, Problem) else None


def parse_grid(book: Workbook, lay: GridLayout, result: ParsedWorkbook, today: dt.date) -> tuple[set[dt.date], str]:
    """Read a months-across recap sheet into result.recap (and its problems); return the months it stands for
    and where its year came from."""
    from etl.parse import _total_warning  # the one wording of a printed total that does not match

    sheet, cols = lay.sheet.name, lay.columns
    month_of, source = _months(book, lay)
    sheet_district = _sheet_district(lay)
    centre_columns = {j for j in cols.labels if heads_health_centres(lay.headers[j])}
    labelled = [(r, [found for j in cols.labels if j < len(row) and (found := _label(row[j], j in centre_columns))],
                 row) for r in lay.data_rows for row in [lay.sheet.row(r)]]
    # a sheet whose rows name no form is about the one form its name or title names ('Seksual', 'REKAP KASUS
    # KEKERASAN SEKSUAL 2024'); rows that name forms are never overruled by a title
    rows_name_forms = any(kind == "forms" for _r, labels, _row in labelled for kind, *_ in labels)
    sheet_forms = None if rows_name_forms else (form_codes_of_header(sheet) or _title_forms(lay))

    entries = []     # (excel_row, kecamatan code or None, forms, sex or None, counts) of the data rows
    checks = []      # (excel_row, printed counts, the sums they should be, another sum they may be)
    everything, since, block = _Sums(), _Sums(), _Sums()
    block_row: tuple[int, dict[int, int]] | None = None
    district: str | None = None
    last_forms = None
    rejected = 0
    city = vocab.region().code
    centres: list[str] = []  # puskesmas named down the rows
    label_header = lay.headers[cols.labels[0]] if cols.labels else None
    first_month = min(cols.months)

    for r, labels, row in labelled:
        excel_row = r + 1
        counts, row_errors = _row_counts(lay, row, excel_row, list(cols.months) + list(cols.totals))
        # 'JUMLAH' may sit in the No column (merged over No and the labels)
        if any(kind == "total" for kind, *_ in labels) or any(is_total_label(v) for v in row[:first_month]):
            if block_row is not None and block.rows:
                checks.append((*block_row, block.copy(), block.copy()))
            block_row, block = None, _Sums()
            checks.append((excel_row, counts, (since if since.rows else everything).copy(), everything.copy()))
            since = _Sums()
            continue
        forms = next((v for k, v, _ in labels if k == "forms"), None)
        named = next((v for k, v, _ in labels if k == "district"), None)
        if centre := next((v for k, v, _ in labels if k == "health_centre"), None):
            centres.append(centre)
            named = named or city  # no reference says which kecamatan a puskesmas serves: the city's totals
        sex = next((v for k, v, _ in labels if k == "sex"), None)
        if sex and not forms:
            forms = last_forms  # 'Fisik' written once over its L and P rows
        unknown = [(v, why) for k, v, why in labels if k == "unknown"]
        result.warnings.extend(replace(w, sheet=sheet, row=excel_row, column=label_header)
                               for k, _, w in labels if k == "district" and w is not None)
        if named and not forms and not sheet_forms and not unknown:  # a kecamatan's own row: its forms follow
            if block_row is not None and block.rows:
                checks.append((*block_row, block.copy(), block.copy()))
            district, block_row, block, since = named, (excel_row, counts), _Sums(), _Sums()
            continue
        district = named or district
        forms = forms or sheet_forms
        result.rows_read += 1
        if forms and unknown and unknown[0][1] is not None:  # beside its form, an unknown kecamatan
            row_errors.insert(0, replace(unknown[0][1], sheet=sheet, row=excel_row, column=label_header))
        elif not forms:
            text = unknown[0][0] if unknown else None
            row_errors.insert(0, Problem(
                sheet, excel_row, label_header, "bentuk_tidak_dikenal",
                f"Baris {repr(text) if text else '(tanpa nama)'} bukan bentuk kekerasan maupun kecamatan yang "
                "dikenal. Tulis bentuk kekerasan resmi (Fisik, Psikis, Seksual, Eksploitasi, Trafficking, "
                f"Penelantaran, Lainnya) atau nama kecamatan, atau {ADD_SPELLING}."))
        if row_errors:
            result.errors.extend(row_errors)
            rejected += 1
            continue
        last_forms = forms
        entries.append((excel_row, district or sheet_district, forms, sex, counts))
        month_counts = {j: n for j, n in counts.items() if j in cols.months}
        for sums in (everything, since, block):
            sums.add(month_counts)
        for j in cols.totals:
            if j in counts and counts[j] != (expected := _expected(j, cols, _Sums(month_counts))):
                result.warnings.append(_total_warning(sheet, j, excel_row, counts[j], expected, "baris ini"))
    if block_row is not None and block.rows:
        checks.append((*block_row, block.copy(), block.copy()))
    if not entries and not rejected and district is not None:
        raise WorkbookError(
            f"File '{book.file_name}', lembar '{sheet}': rekap per kecamatan per bulan tanpa bentuk kekerasan. "
            "Tambahkan kolom 'Bentuk Kekerasan' di samping kecamatan, atau buat satu lembar per bentuk dengan nama "
            "lembar bentuknya (mis. 'Seksual').")
    for excel_row, counts, sums, alternative in checks:
        for j, reported in counts.items():
            expected = _expected(j, cols, sums)
            if reported not in (expected, _expected(j, cols, alternative)):
                result.warnings.append(_total_warning(sheet, j, excel_row, reported, expected, "kolom ini"))

    filled = {j for *_rest, counts in entries for j in counts if j in cols.months}
    this_month = today.replace(day=1)
    future = {j for j in filled if month_of[j] > this_month}
    for j in sorted(future):
        if any(counts.get(j) for *_rest, counts in entries):
            raise WorkbookError(
                f"File '{book.file_name}', lembar '{sheet}': kolom {lay.headers[j] or column_letter(j)} "
                f"({column_letter(j)}) berisi jumlah untuk {vocab.month_year(month_of[j])}, bulan yang belum tiba. "
                "Periksa tahun rekap (judul atau nama file) dan kolom bulannya.")
    named_centre = is_health_centre(sheet) and re.search(r"[a-z]", _HEALTH_CENTRE.sub("", normalize_text(sheet)))
    if centres or (sheet_district is None and named_centre):  # rows, or a sheet, of one puskesmas ('PKM Koni')
        result.warnings.append(health_centres_note(sheet, centres or [sheet]))
    for excel_row, place, forms, row_sex, counts in entries:
        for j, n in counts.items():
            if j not in cols.months or j in future or not n:
                continue
            for form in forms:
                result.recap.append(RecapCell(sheet=sheet, row=excel_row, column=column_letter(j),
                                              month=month_of[j], district_code=place or city, violence_type=form,
                                              sex=cols.months[j][2] or row_sex, victims=n))
    return {month_of[j] for j in filled - future}, source


def health_centres_note(sheet: str, centres: list[str]) -> Problem:
    """The one note of a sheet whose rows (or whose name) are puskesmas: counted city-wide, in no kecamatan."""
    names = list(dict.fromkeys(centres))
    shown = ", ".join(f"'{n}'" for n in names[:3]) + (f" dan {len(names) - 3} lainnya" if len(names) > 3 else "")
    region = vocab.region()
    return Problem(sheet, None, None, "puskesmas_sekota", (
        f"Lembar '{sheet}' menyebut puskesmas ({shown}), bukan kecamatan. Wilayah kerja puskesmas belum ada di data "
        f"rujukan, jadi jumlahnya dimuat sebagai jumlah {region.name} (kode {region.code}): ikut dalam jumlah kota, "
        "tidak dalam kecamatan mana pun. Untuk angka per kecamatan, kirim rekap dengan kolom Kecamatan tempat "
        "kejadian."))


def _row_counts(lay: SheetLayout, row: tuple, excel_row: int, columns: list[int]) -> tuple[dict[int, int],
                                                                                      list[Problem]]:
    """The counts of a row's cells in these columns (a blank cell has none: see the module docstring), and a
    problem for each cell that is no count."""
    counts, problems = {}, []
    for j in columns:
        value = row[j] if j < len(row) else None
        if value is None:
            continue
        count = recap_count(value)
        if isinstance(count, Problem):
            problems.append(replace(count, sheet=lay.sheet.name, row=excel_row,
                                    column=f"{lay.headers[j] or column_letter(j)} ({column_letter(j)}{excel_row})"))
        else:
            counts[j] = count
    return counts, problems


def _no_year(book: Workbook, sheet: str) -> WorkbookError:
    return WorkbookError(
        f"File '{book.file_name}', lembar '{sheet}': tahun rekap tidak dapat ditentukan (dari judul kolom bulan, "
        "judul lembar, nama lembar maupun nama file). Tulis tahunnya di judul, mis. 'REKAP KASUS TAHUN 2024', atau "
        "di nama file.")


def _months(book: Workbook, lay: GridLayout) -> tuple[dict[int, dt.date], str]:
    """Month column -> its month, and where the year came from; WorkbookError when no year is found."""
    columns = sorted(lay.columns.months)
    turns = any(lay.columns.months[b][0] < lay.columns.months[a][0] for a, b in zip(columns, columns[1:]))
    year, found_in = _year(book, lay, turns)
    month_of, own, later, previous = {}, False, 0, None
    for j in columns:
        month, own_year, _sex = lay.columns.months[j]
        later += previous is not None and month < previous  # JUL … DES, then JAN … JUN of the next year
        previous = month
        if (own_year or year) is None:
            raise _no_year(book, lay.sheet.name)
        month_of[j] = dt.date(own_year or year + later, month, 1)
        own = own or own_year is not None
    where = "judul kolom bulan" if own else found_in
    return month_of, f"kolom bulan lembar '{lay.sheet.name}', tahun dari {where}"


def _expected(j: int, cols: GridColumns, sums: _Sums) -> int:
    """What a printed count in column j should be: the month's sum, or for a JUMLAH column the sum of the months
    (of its sex)."""
    if j in cols.months:
        return sums.cells.get(j, 0)
    sex = cols.totals[j]
    return sum(n for k, n in sums.cells.items() if sex is None or cols.months[k][2] == sex)


# ---------------------------------------------------------------- months down the rows

def parse_month_rows(book: Workbook, lay: MonthRowsLayout, result: ParsedWorkbook,
                     today: dt.date) -> tuple[set[dt.date], str]:
    """Read a recap of forms across and months down into result.recap; return the months it stands for (rows
    holding a value, as for months across) and where its year came from."""
    from etl.parse import _total_warning

    sheet = lay.sheet.name
    order = [found[0] for r in lay.data_rows for row in [lay.sheet.row(r)]
             if (found := month_of_header(row[lay.month_column] if lay.month_column < len(row) else None))]
    year, found_in = _year(book, lay, any(b < a for a, b in zip(order, order[1:])))
    later, previous = 0, None  # JUL … DES, then JAN … JUN of the next year
    forms_of: dict[int, tuple[tuple[str, ...], str | None]] = {}
    totals: dict[int, str | None] = {}
    for j, name in enumerate(lay.headers):
        if j == lay.month_column or not name:
            continue
        parent = name.rsplit(" / ", 1)[0] if " / " in name else name
        if is_total_label(name) or is_total_label(parent):
            totals[j] = sex_of_header(name)
        elif found := form_codes_of_header(name):
            forms_of[j] = (found, sex_of_header(name))
    place = _sheet_district(lay) or vocab.region().code
    sexed = any(sex for _, sex in forms_of.values())
    this_month = today.replace(day=1)
    covered: set[dt.date] = set()
    sums: dict[int, int] = {}
    for r in lay.data_rows:
        row, excel_row = lay.sheet.row(r), r + 1
        found = month_of_header(row[lay.month_column] if lay.month_column < len(row) else None)
        counts, row_errors = _row_counts(lay, row, excel_row, list(forms_of) + list(totals))
        if found is None:
            if any(n for j, n in counts.items() if j in forms_of) or row_errors:
                result.rows_read += 1
                result.errors.append(Problem(sheet, excel_row, lay.headers[lay.month_column], "bulan",
                                             "Baris ini tidak menyebut bulan. Tulis nama bulan (mis. 'Januari') "
                                             "di kolom bulan."))
            continue
        if (found[1] or year) is None:
            raise _no_year(book, sheet)
        later += previous is not None and found[0] < previous
        previous = found[0]
        month = dt.date(found[1] or year + later, found[0], 1)
        result.rows_read += 1
        if row_errors:
            result.errors.extend(row_errors)
            continue
        if not any(j in forms_of for j in counts):
            continue  # a month left blank stands for nothing
        if month > this_month:
            if any(counts.get(j) for j in forms_of):
                raise WorkbookError(
                    f"File '{book.file_name}', lembar '{sheet}': baris {excel_row} berisi jumlah untuk "
                    f"{vocab.month_year(month)}, bulan yang belum tiba. Periksa tahun rekap (judul atau nama file).")
            continue
        covered.add(month)
        for j, (forms, sex) in forms_of.items():
            n = counts.get(j, 0)
            sums[j] = sums.get(j, 0) + n
            for form in forms if n else ():
                result.recap.append(RecapCell(sheet=sheet, row=excel_row, column=column_letter(j), month=month,
                                              district_code=place, violence_type=form,
                                              sex=sex if sexed else None, victims=n))
        for j, sex in totals.items():
            expected = sum(counts.get(k, 0) for k, (_, s) in forms_of.items() if sex is None or s == sex)
            if j in counts and counts[j] != expected:
                result.warnings.append(_total_warning(sheet, j, excel_row, counts[j], expected, "baris ini"))
    if lay.total_row is not None:
        total = lay.sheet.row(lay.total_row)
        for j in list(forms_of) + list(totals):
            count = recap_count(total[j]) if j < len(total) and total[j] is not None else None
            expected = (sums.get(j, 0) if j in forms_of else
                        sum(n for k, n in sums.items() if totals[j] is None or forms_of[k][1] == totals[j]))
            if isinstance(count, int) and count != expected:
                result.warnings.append(_total_warning(sheet, j, lay.total_row + 1, count, expected, "kolom ini"))
    return covered, f"baris bulan lembar '{sheet}', tahun dari {found_in or 'judul kolom bulan'}"
