"""Turn one workbook file into a ParsedWorkbook: victims (registers) or counts (recaps), with every problem located.

Pure: reads the file, never touches the database. ``rows_read = rows_loaded + rows_rejected`` always holds.
Personal-data columns are blanked right after the header is mapped, so their values reach nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl import archive, vocab
from etl.columns import FIELDS, missing_register_fields, profile
from etl.layout import (SheetLayout, cell_text, detect_agency, detect_layout, form_codes_of_header,
                        is_total_label, sex_of_header, template_cells, title_texts)
from etl.model import VICTIM_TABLE_SCHEMA, ParsedWorkbook, Problem, RecapCell, WorkbookError
from etl.read import Column, Workbook, column_letter, read_workbook
from etl.values import (Value, case_references, district_name, district_of_subdistrict, masked_texts, parse_age,
                        parse_closed, parse_date, parse_district, parse_months, parse_services, parse_sex,
                        parse_subdistrict, parse_violence, place_of_violence, recap_count,
                        subdistrict_name)


def parse_workbook(path: str | Path, agency: str | None = None, *, file_name: str | None = None,
                   today: dt.date | None = None) -> ParsedWorkbook:
    """Read, lay out, map and normalise one workbook; raise WorkbookError when the file as a whole can't be used."""
    book = archive.read_copy(path, file_name) if archive.is_copy(path) else read_workbook(path, file_name)
    return parse_book(book, agency, today=today)


def parse_book(book: Workbook, agency: str | None = None, *, today: dt.date | None = None) -> ParsedWorkbook:
    """Lay out, map and normalise a workbook already read (parse_workbook; the upload page keeps the cells)."""
    today = today or dt.date.today()
    name = book.file_name
    if agency is not None:
        agency = agency.strip().upper()
        if agency not in vocab.agency_codes():
            raise WorkbookError(f"Kode lembaga '{agency}' tidak dikenal. Pilih salah satu: "
                                f"{', '.join(vocab.agency_codes())} (atau tambahkan di data/reference/agencies.csv).")

    layouts = [detect_layout(sheet, agency) for sheet in book.sheets]
    detected: dict = {}
    if agency is not None:
        agency_code, agency_source = agency, "parameter --agency"
        found = detect_agency(book, {lay.sheet.index: lay.title_rows for lay in layouts})
        if found and found[0] != agency:
            detected["agency_detected"] = {"agency": found[0], "source": found[1]}
    else:
        found = detect_agency(book, {lay.sheet.index: lay.title_rows for lay in layouts})
        if found is None:
            raise WorkbookError(
                f"File '{name}': lembaga pengirim tidak dapat dikenali dari isi, nama lembar maupun nama file. "
                f"Muat ulang dengan --agency KODE (salah satu: {', '.join(vocab.agency_codes())}).")
        agency_code, agency_source = found
        if profile(agency_code):  # the agency's own column names may change what the layout is
            layouts = [detect_layout(sheet, agency_code) for sheet in book.sheets]
    detected.update({"agency": agency_code, "agency_source": agency_source})

    registers = [lay for lay in layouts if lay.shape == "register"]
    recaps = [lay for lay in layouts if lay.shape == "recap"]
    warnings: list[Problem] = []
    sheets_info, skipped = [], []
    for lay in layouts:
        if lay.shape is None:
            skipped.append({"sheet": lay.sheet.name, "reason": lay.skip_reason})
    if registers and recaps:
        for lay in recaps:
            skipped.append({"sheet": lay.sheet.name, "reason": "rekap di dalam workbook register (tidak dihitung dua kali)"})
            warnings.append(Problem(lay.sheet.name, None, None, "rekap_diabaikan",
                                    f"Lembar '{lay.sheet.name}' berbentuk rekap dan diabaikan karena workbook ini "
                                    "berisi register per korban; kirim rekap sebagai file terpisah bila perlu."))
        recaps = []
    if not registers and not recaps:
        found_sheets = "; ".join(f"'{s['sheet']}': {s['reason']}" for s in skipped) or "tidak ada lembar"
        raise WorkbookError(
            f"File '{name}': tidak ada lembar berisi data yang dikenali ({found_sheets}). Gunakan template resmi "
            "(python -m etl template) atau pastikan ada baris judul kolom seperti Tanggal Lapor, Kecamatan, "
            "Jenis Kelamin, Jenis Kekerasan.")

    result = ParsedWorkbook(file_name=name, agency=agency_code, shape="register" if registers else "recap",
                            months=[], rows_read=0, warnings=warnings)
    if registers:
        _parse_registers(book, registers, result, today, detected)
    else:
        _parse_recaps(book, recaps, result, today, detected)
    for lay in registers or recaps:
        sheets_info.append(_describe(lay))
    detected["shape"] = result.shape
    detected["sheets"] = sheets_info
    detected["skipped_sheets"] = skipped
    detected["period"] = list(result.period) if result.period else None
    result.detected = detected
    result.archive_copy = archive.copy_bytes(archive.redacted(book, layouts, found))
    return result


def _describe(lay: SheetLayout) -> dict:
    return {
        "sheet": lay.sheet.name,
        "index": lay.sheet.index,
        "shape": lay.shape,
        "header_rows": [r + 1 for r in lay.header_rows],
        "numbering_row": lay.numbering_row + 1 if lay.numbering_row is not None else None,
        "data_rows": [lay.data_rows[0] + 1, lay.data_rows[-1] + 1] if lay.data_rows else None,
        "total_row": lay.total_row + 1 if lay.total_row is not None else None,
        "footer_row": lay.footer_row + 1 if lay.footer_row is not None else None,
        "columns": _describe_columns(lay),
        "personal_columns_dropped": [lay.columns.headers[i] for i in lay.columns.personal],
        "ignored_columns": [lay.columns.headers[i] for i in lay.columns.unknown
                            if lay.columns.headers[i] not in _describe_columns(lay)],
    }


def _describe_columns(lay: SheetLayout) -> dict[str, str]:
    """Header as written -> what it was read as (fields; for recaps also 'bentuk fisik L', 'jumlah')."""
    described = lay.columns.describe()
    if lay.shape == "recap":
        for name in lay.headers:
            if not name or name in described:
                continue
            parent = name.rsplit(" / ", 1)[0] if " / " in name else name
            sex = sex_of_header(name)
            if is_total_label(name) or is_total_label(parent):
                described[name] = "jumlah" + (f" {sex}" if sex else "")
            elif forms := form_codes_of_header(name):
                described[name] = "bentuk " + "+".join(forms) + (f" {sex}" if sex else "")
    return described


def _blank_personal(lay: SheetLayout) -> list[list]:
    """The sheet's rows with personal-data columns emptied: nothing downstream can see those values."""
    personal = set(lay.columns.personal)
    if not personal:
        return lay.sheet.rows
    return [[None if j in personal else v for j, v in enumerate(row)] for row in lay.sheet.rows]


# ---------------------------------------------------------------- registers

def _parse_registers(book: Workbook, layouts: list[SheetLayout], result: ParsedWorkbook, today: dt.date,
                     detected: dict) -> None:
    declared: list[dt.date] = []
    tables = []
    for lay in layouts:
        missing = missing_register_fields(lay.columns)
        if missing:
            found = ", ".join(f"'{h}'" for h in lay.headers if h) or "(tidak ada)"
            raise WorkbookError(
                f"File '{book.file_name}', lembar '{lay.sheet.name}' (baris judul {lay.header_rows[-1] + 1}): "
                f"kolom wajib tidak ditemukan: {', '.join(missing)}. Judul kolom yang ada: {found}. Ganti judul "
                "kolom sesuai template resmi, atau simpan profil kolom lembaga ini (data/reference/profiles/).")
        cells = template_cells(lay.title_rows)
        if not declared and ("period_from" in cells or "month" in cells):
            first = parse_months(cells.get("period_from", cells.get("month"))[0])
            last = parse_months(cells["period_to"][0]) if "period_to" in cells else first
            if first and last and first[0] <= last[-1]:
                declared = _span(first[0], last[-1])
                refs = [cells[k][1] for k in ("period_from", "period_to", "month") if k in cells]
                detected["period_source"] = f"sel periode (lembar '{lay.sheet.name}' {', '.join(refs)})"
            elif first or last:
                result.warnings.append(Problem(lay.sheet.name, None, None, "periode",
                                               "Sel periode tidak dapat dibaca sebagai bulan dan tahun; periode "
                                               "diambil dari tanggal lapor. Tulis mis. 'Juni 2024' atau 2024-06."))
        tables.append(_parse_register_rows(lay, today, result))
    result.victim_table = pa.concat_tables(tables)
    if declared:
        result.months = declared
        if not result.record_months <= set(declared):
            victims = result.victim_table.select(["sheet", "row", "report_date"]).to_pylist()
            for v in victims:
                if v["report_date"].replace(day=1) not in declared:
                    result.warnings.append(Problem(
                        v["sheet"], v["row"], None, "di_luar_periode",
                        f"Tanggal lapor {vocab.format_date(v['report_date'])} di luar periode laporan "
                        f"({vocab.months_text(declared)}). Baris tetap dimuat; periksa tanggalnya."))
        result.months = sorted(set(declared) | result.record_months)
    else:
        result.months = sorted(result.record_months)
        detected["period_source"] = "tanggal lapor" if result.months else None


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    months, current = [], first
    while current <= last and len(months) < 240:
        months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


@dataclass(frozen=True)
class _Read:
    """What one distinct cell (or kecamatan/kelurahan pair) reads as: its value, and the errors (the row is
    rejected) and warnings it brings, located at sheet and column; the row is added for each row holding it."""

    value: object = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


def _parse_register_rows(lay: SheetLayout, today: dt.date, result: ParsedWorkbook) -> pa.Table:
    """Normalise a register sheet column by column, each distinct cell once (agency files repeat a few dates,
    places and forms thousands of times), spread the outcomes over the rows with numpy/Arrow, and locate each
    row's errors and warnings. Personal-data columns are never read."""
    n = len(lay.data_rows)
    result.rows_read += n
    if not n:
        return VICTIM_TABLE_SCHEMA.empty_table()
    rows = np.array(lay.data_rows, np.int32)
    sheet, columns = lay.sheet, lay.columns
    empty = Column([None], np.zeros(sheet.height, np.int32))

    def column(name: str) -> Column:
        index = columns.fields.get(name)
        return sheet.columns[index] if index is not None and index < len(sheet.columns) else empty

    def header(name: str) -> str:
        return columns.header(name) if name in columns.fields else FIELDS[name]

    def read(name: str, normalise, required: bool = False) -> tuple[list[_Read], np.ndarray]:
        """(what each distinct cell of the field's column reads as, the data rows' positions in that list)."""
        cells = column(name)
        return [_read(normalise(v), sheet.name, header(name), name, required) for v in cells.values], \
            cells.codes[rows]

    districts, subdistricts = column("district"), column("subdistrict")
    width = len(subdistricts.values)
    pairs, place_codes = np.unique(districts.codes[rows].astype(np.int64) * width + subdistricts.codes[rows],
                                   return_inverse=True)
    places = [_read_place(districts.values[p // width], subdistricts.values[p % width], sheet.name, header)
              for p in pairs.tolist()]
    # in the order of a row's messages
    fields = {
        "report_date": read("report_date", lambda v: parse_date(v, today, what="Tanggal lapor"), required=True),
        "incident_date": read("incident_date", lambda v: parse_date(v, today, what="Tanggal kejadian")),
        "sex": read("sex", parse_sex, required=True),
        "age": read("age", parse_age),
        "violence_types": read("violence", parse_violence, required=True),
        "place": (places, place_codes.reshape(-1)),
        "place_of_incident": read("place_of_incident", lambda v: parse_closed(v, "place_of_incident")),
        "relationship": read("relationship", lambda v: parse_closed(v, "relationship")),
        "services": read("services", parse_services),
    }
    rejected = np.zeros(n, bool)
    located = []  # (data row position, field position, _Read) for each row with a message
    for position, (outcomes, codes) in enumerate(fields.values()):
        rejected |= np.array([bool(o.errors) for o in outcomes], bool)[codes]
        with_messages = np.array([bool(o.errors or o.warnings) for o in outcomes], bool)[codes]
        located += [(i, position, outcomes[codes[i]]) for i in np.flatnonzero(with_messages).tolist()]
    located.sort(key=lambda entry: entry[:2])
    for i, _, outcome in located:
        excel_row = int(rows[i]) + 1
        result.errors.extend(replace(p, row=excel_row) for p in outcome.errors)
        result.warnings.extend(replace(p, row=excel_row) for p in outcome.warnings)

    def spread(name: str, value=lambda v: v) -> pa.Array:
        outcomes, codes = fields[name]
        return pa.array([value(o.value) for o in outcomes]).take(codes)

    age_of = spread("age", lambda age: age.years if age else None)
    child_of = spread("age", lambda age: age.is_child if age else None)
    case_refs, notes = column("case_ref"), column("notes")
    out = {"sheet": pa.repeat(sheet.name, n), "sheet_index": pa.repeat(pa.scalar(sheet.index, pa.int32()), n),
           "row": pa.array(rows + 1, pa.int32()),
           "case_ref": pa.array(case_references(case_refs.values)).take(case_refs.codes[rows]),
           "district_code": spread("place", lambda p: p and p[0]),
           "subdistrict_code": spread("place", lambda p: p and p[1]),
           "age": age_of, "is_child": child_of,
           "services": spread("services", lambda s: s or ()),
           "notes": pa.array(masked_texts(notes.values)).take(notes.codes[rows])}
    for name in ("report_date", "incident_date", "sex", "violence_types", "relationship"):
        out[name] = spread(name)
    # an empty place of incident is the one the violence wording implies ('KDRT psikis': rumah tangga)
    settings, setting_codes = fields["place_of_incident"]
    empty = np.array([o.value is None and not o.warnings for o in settings], bool)[setting_codes]
    wordings = column("violence")
    implied = pa.array(wordings.each(place_of_violence), pa.string()).take(wordings.codes[rows])
    out["place_of_incident"] = pc.if_else(pa.array(empty), implied, spread("place_of_incident").cast(pa.string()))
    table = pa.table({name: out[name].cast(VICTIM_TABLE_SCHEMA.field(name).type)
                      for name in VICTIM_TABLE_SCHEMA.names}, schema=VICTIM_TABLE_SCHEMA)
    return table.filter(pa.array(~rejected)) if rejected.any() else table


def _read(outcome, sheet: str, column: str, name: str, required: bool = False) -> _Read:
    """A normaliser's outcome for one cell, its problems located at sheet and column."""
    if outcome is None:
        if not required:
            return _Read()
        return _Read(errors=(Problem(sheet, None, column, "wajib_kosong", f"{FIELDS[name].capitalize()} kosong. "
                                     "Kolom ini wajib diisi untuk setiap korban."),))
    if isinstance(outcome, Problem):
        return _Read(errors=(replace(outcome, sheet=sheet, column=column),))
    if outcome.warning is None:
        return _Read(outcome.value)
    return _Read(outcome.value, warnings=(replace(outcome.warning, sheet=sheet, column=column),))


def _read_place(district_cell, subdistrict_cell, sheet: str, header) -> _Read:
    """(district_code, subdistrict_code) from a row's kecamatan and kelurahan cells: an unknown kelurahan in a
    known kecamatan is dropped with a warning; a kelurahan alone gives its kecamatan; the two must agree."""
    district = _read(parse_district(district_cell), sheet, header("district"), "district")
    outcome = parse_subdistrict(subdistrict_cell, district.value)
    if isinstance(outcome, Problem) and outcome.reason == "wilayah_tidak_dikenal" and district.value:
        subdistrict = _Read(warnings=(Problem(sheet, None, header("subdistrict"), "kelurahan_tidak_dikenal",
                                              outcome.message + " Kelurahan dikosongkan."),))
    else:
        subdistrict = _read(outcome, sheet, header("subdistrict"), "subdistrict")
    errors, warnings = district.errors + subdistrict.errors, district.warnings + subdistrict.warnings
    if errors:
        return _Read(None, errors, warnings)
    district_code, subdistrict_code = district.value, subdistrict.value
    if district_code is None and subdistrict_code is None:
        # empty, or only '-' / 'Kec.': the row has no place (it used to crash the whole file)
        return _Read(None, (Problem(sheet, None, header("district"), "wajib_kosong",
                                    "Kecamatan kosong. Isi kecamatan (atau kelurahan) tempat kejadian."),), warnings)
    if subdistrict_code is not None:
        parent = district_of_subdistrict(subdistrict_code)
        if district_code is not None and parent != district_code:
            return _Read(None, (Problem(sheet, None, header("subdistrict"), "wilayah_bertentangan",
                                        f"Kelurahan {subdistrict_name(subdistrict_code)} berada di Kecamatan "
                                        f"{district_name(parent)}, bukan Kecamatan {district_name(district_code)}. "
                                        "Perbaiki kecamatan atau kelurahannya."),), warnings)
        district_code = parent
    return _Read((district_code, subdistrict_code), (), warnings)


# ---------------------------------------------------------------- recaps

def _recap_month(book: Workbook, lay: SheetLayout, result: ParsedWorkbook) -> tuple[dt.date, str]:
    cells = template_cells(lay.title_rows)
    for key in ("month", "period_from"):
        if key in cells:
            months = parse_months(cells[key][0])
            if len(months) == 1:
                return months[0], f"sel Bulan (lembar '{lay.sheet.name}' {cells[key][1]})"
    titles = " ".join(title_texts(lay.title_rows))
    stem = Path(book.file_name).stem
    for text, source in ((lay.sheet.name, "nama lembar"), (titles, "judul lembar"), (stem, "nama file")):
        months = parse_months(text)
        if len(months) == 1:
            return months[0], f"{source} '{lay.sheet.name}'" if source != "nama file" else source
    # a sheet named only 'Juni' takes its year from the title or the file name
    months_named = parse_months(f"{lay.sheet.name} {_year_in(titles) or _year_in(stem) or ''}")
    if len(months_named) == 1:
        return months_named[0], f"nama lembar '{lay.sheet.name}' dengan tahun dari judul/nama file"
    raise WorkbookError(
        f"File '{book.file_name}', lembar '{lay.sheet.name}': bulan rekap tidak dapat ditentukan (dari sel Bulan, "
        "nama lembar, judul, maupun nama file). Isi sel Bulan (mis. 'Juni 2024') atau beri nama lembar "
        "dengan bulan dan tahun.")


def _year_in(text: str) -> int | None:
    import re
    years = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", text)
    return int(years[-1]) if years else None


def _parse_recaps(book: Workbook, layouts: list[SheetLayout], result: ParsedWorkbook, today: dt.date,
                  detected: dict) -> None:
    months, sources = set(), []
    for lay in layouts:
        month, source = _recap_month(book, lay, result)
        if month > today.replace(day=1):
            raise WorkbookError(f"File '{book.file_name}', lembar '{lay.sheet.name}': bulan rekap "
                                f"{vocab.months_text([month])} ada di masa depan. Periksa sel Bulan atau nama lembar.")
        months.add(month)
        sources.append(source)
        _parse_recap_sheet(book, lay, month, result)
    result.months = sorted(months)
    detected["period_source"] = "; ".join(dict.fromkeys(sources))


def _parse_recap_sheet(book: Workbook, lay: SheetLayout, month: dt.date, result: ParsedWorkbook) -> None:
    sheet = lay.sheet.name
    district_col = lay.columns.fields.get("district")
    if district_col is None:
        district_col = _guess_district_column(lay)
    if district_col is None:
        raise WorkbookError(f"File '{book.file_name}', lembar '{sheet}': kolom Kecamatan tidak ditemukan di rekap. "
                            "Beri judul kolom 'Kecamatan' pada kolom nama kecamatan.")
    form_cols: dict[int, tuple[tuple[str, ...], str | None]] = {}
    total_cols: dict[int, str | None] = {}
    for j, name in enumerate(lay.headers):
        if name is None or j == district_col:
            continue
        parent = name.rsplit(" / ", 1)[0] if " / " in name else name
        if is_total_label(name) or is_total_label(parent):
            total_cols[j] = sex_of_header(name)
            continue
        forms = form_codes_of_header(name)
        if forms:
            form_cols[j] = (forms, sex_of_header(name))
    rows = _blank_personal(lay)
    unknown = [j for j, name in enumerate(lay.headers)
               if name and j not in form_cols and j not in total_cols and j != district_col
               and j not in lay.columns.fields.values() and j not in lay.columns.personal
               and any(_positive(rows[r][j] if j < len(rows[r]) else None) for r in lay.data_rows)]
    unknown = [j for j in unknown if lay.columns.fields.get("number") != j]
    if unknown:
        names = ", ".join(f"'{lay.headers[j]}'" for j in unknown)
        raise WorkbookError(
            f"File '{book.file_name}', lembar '{sheet}': kolom rekap {names} bukan bentuk kekerasan yang dikenal. "
            "Ganti judul kolom dengan bentuk kekerasan resmi, atau tambahkan istilah ini sebagai alias di "
            "data/reference/violence_aliases.csv atau dari halaman unggah.")
    sex_split = any(sex for _, sex in form_cols.values())
    column_sums: dict[int, int] = {j: 0 for j in list(form_cols) + list(total_cols)}
    for r in lay.data_rows:
        row = rows[r]
        excel_row = r + 1
        result.rows_read += 1
        label = row[district_col] if district_col < len(row) else None
        outcome = parse_district(label)
        row_errors: list[Problem] = []
        header = lay.headers[district_col] or "Kecamatan"
        if outcome is None:
            row_errors.append(Problem(sheet, excel_row, header, "wajib_kosong",
                                      "Nama kecamatan kosong pada baris rekap. Isi nama kecamatan."))
        elif isinstance(outcome, Problem):
            row_errors.append(replace(outcome, sheet=sheet, row=excel_row, column=header))
        counts: dict[int, int] = {}
        for j in list(form_cols) + list(total_cols):
            value = row[j] if j < len(row) else None
            count = recap_count(value)
            if isinstance(count, Problem):
                row_errors.append(replace(count, sheet=sheet, row=excel_row,
                                          column=f"{lay.headers[j]} ({column_letter(j)}{excel_row})"))
            elif j in total_cols and value is None:
                continue  # a total formula without a cached result: nothing to check
            else:
                counts[j] = count
        if row_errors:
            result.errors.extend(row_errors)
            continue
        if outcome.warning is not None:
            result.warnings.append(replace(outcome.warning, sheet=sheet, row=excel_row, column=header))
        district = outcome.value
        for j, (forms, sex) in form_cols.items():
            column_sums[j] += counts[j]
            if counts[j] == 0:
                continue
            for form in forms:
                result.recap.append(RecapCell(sheet=sheet, row=excel_row, column=column_letter(j), month=month,
                                              district_code=district, violence_type=form,
                                              sex=sex if sex_split else None, victims=counts[j]))
        for j, sex in total_cols.items():
            if j not in counts:
                continue
            expected = sum(counts[k] for k, (_, s) in form_cols.items() if sex is None or s == sex)
            if counts[j] != expected:
                result.warnings.append(_total_warning(sheet, j, excel_row, counts[j], expected, "baris ini"))
    for j, sex in total_cols.items():
        # the grand total checks against the form cells, so row totals left as uncached formulas don't matter
        column_sums[j] = sum(column_sums[k] for k, (_, s) in form_cols.items() if sex is None or s == sex)
    if lay.total_row is not None:
        total = rows[lay.total_row]
        for j in column_sums:
            value = total[j] if j < len(total) else None
            count = recap_count(value)
            if value is None or isinstance(count, Problem):
                continue
            if count != column_sums[j]:
                result.warnings.append(_total_warning(sheet, j, lay.total_row + 1, count, column_sums[j],
                                                      "kolom ini"))


def _total_warning(sheet: str, column: int, excel_row: int, reported: int, computed: int, scope: str) -> Problem:
    ref = f"{column_letter(column)}{excel_row}"
    return Problem(sheet, excel_row, ref, "jumlah_tidak_cocok",
                   f"Jumlah di sel {ref} (lembar '{sheet}') tertulis {reported}, tetapi penjumlahan {scope} "
                   f"menghasilkan {computed}. Angka per kecamatan yang dimuat; periksa rumus jumlahnya.")


def _positive(value) -> bool:
    count = recap_count(value)
    return not isinstance(count, Problem) and count > 0


def _guess_district_column(lay: SheetLayout) -> int | None:
    """The column whose data cells are mostly kecamatan names (a recap whose header there is blank or odd)."""
    best, best_hits = None, 0
    width = max((len(lay.sheet.rows[r]) for r in lay.data_rows), default=0)
    for j in range(width):
        hits = 0
        for r in lay.data_rows:
            row = lay.sheet.rows[r]
            value = row[j] if j < len(row) else None
            if isinstance(value, str) and isinstance(parse_district(value), Value):
                hits += 1
        if hits > best_hits:
            best, best_hits = j, hits
    return best if best_hits >= max(1, len(lay.data_rows) // 2) else None


__all__ = ["parse_workbook", "cell_text"]
