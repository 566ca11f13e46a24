"""Turn one workbook file into a ParsedWorkbook: victims (registers) or counts (recaps), with every problem located.

Pure: reads the file, never touches the database. ``rows_read = rows_loaded + rows_rejected`` always holds.
Personal-data columns are blanked right after the header is mapped, so their values reach nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from etl import archive, vocab
from etl.columns import FIELDS, missing_register_fields, profile
from etl.layout import (SheetLayout, cell_text, detect_agency, detect_layout, form_codes_of_header,
                        is_total_label, sex_of_header, template_cells, title_texts)
from etl.model import (VICTIM_TABLE_SCHEMA, ParsedWorkbook, Problem, RecapCell, VictimRow, WorkbookError,
                       victims_as_table)
from etl.read import Column, Workbook, column_letter, read_workbook
from etl.values import (Age, Value, district_name, district_of_subdistrict, format_date, mask_personal_numbers,
                        parse_age, parse_closed, parse_date, parse_district, parse_months, parse_services,
                        parse_sex, parse_subdistrict, parse_violence, recap_count, subdistrict_name,
                        case_reference, case_references, masked_texts)


def parse_workbook(path: str | Path, agency: str | None = None, *, file_name: str | None = None,
                   today: dt.date | None = None) -> ParsedWorkbook:
    """Read, lay out, map and normalise one workbook; raise WorkbookError when the file as a whole can't be used."""
    today = today or dt.date.today()
    book = archive.read_copy(path, file_name) if archive.is_copy(path) else read_workbook(path, file_name)
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
                        f"Tanggal lapor {format_date(v['report_date'])} di luar periode laporan "
                        f"({_period_text(declared)}). Baris tetap dimuat; periksa tanggalnya."))
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


def _period_text(months: list[dt.date]) -> str:
    from etl.values import MONTH_NAMES_ID
    first, last = months[0], months[-1]
    text = f"{MONTH_NAMES_ID[first.month - 1]} {first.year}"
    return text if first == last else f"{text} – {MONTH_NAMES_ID[last.month - 1]} {last.year}"


_SLOW = object()  # a cell that does not read cleanly: its row goes through _register_row for located messages


def _parse_register_rows(lay: SheetLayout, today: dt.date, result: ParsedWorkbook) -> pa.Table:
    """Normalise a register sheet column by column, each distinct cell once (agency files repeat a few dates,
    places and forms thousands of times), and spread the outcomes over the rows with numpy/Arrow; rows with any
    error or warning take the row-by-row path (_register_row) so that their messages are located exactly.
    Personal-data columns are never read."""
    n = len(lay.data_rows)
    result.rows_read += n
    if not n:
        return VICTIM_TABLE_SCHEMA.empty_table()
    rows = np.array(lay.data_rows, np.int32)
    sheet, fields = lay.sheet, lay.columns.fields
    empty = Column([None], np.zeros(sheet.height, np.int32))

    def column(name: str) -> Column:
        index = fields.get(name)
        return sheet.columns[index] if index is not None and index < len(sheet.columns) else empty

    def each(name: str, normalise, *, at_once: bool = False) -> tuple[list, np.ndarray]:
        """(outcome per distinct cell of the field's column, the data rows' positions in that list); ``at_once``:
        normalise takes the list of distinct cells."""
        cells = column(name)
        return normalise(cells.values) if at_once else cells.each(normalise), cells.codes[rows]

    districts, subdistricts = column("district"), column("subdistrict")
    pairs, place_codes = np.unique(districts.codes[rows].astype(np.int64) * len(subdistricts.values)
                                   + subdistricts.codes[rows], return_inverse=True)
    places = [_clean_place(districts.values[p // len(subdistricts.values)],
                           subdistricts.values[p % len(subdistricts.values)]) for p in pairs.tolist()]
    checked = {
        "report_date": each("report_date",
                            lambda v: _clean(parse_date(v, today, what="Tanggal lapor"), required=True)),
        "incident_date": each("incident_date", lambda v: _clean(parse_date(v, today, what="Tanggal kejadian"))),
        "sex": each("sex", lambda v: _clean(parse_sex(v), required=True)),
        "age": each("age", lambda v: _age_pair(_clean(parse_age(v)))),
        "violence_types": each("violence", lambda v: _clean(parse_violence(v), required=True)),
        "place": (places, place_codes.reshape(-1)),
        "place_of_incident": each("place_of_incident", lambda v: _clean(parse_closed(v, "place_of_incident"))),
        "relationship": each("relationship", lambda v: _clean(parse_closed(v, "relationship"))),
        "services": each("services", lambda v: _clean(parse_services(v)) or ()),
    }
    slow = np.zeros(n, bool)
    for outcomes, codes in checked.values():
        slow |= np.array([o is _SLOW for o in outcomes], bool)[codes]

    def spread(outcomes: list, codes: np.ndarray, part: int | None = None) -> pa.Array:
        """The outcomes (or one part of each) at the data rows; None where a row is redone row by row."""
        if part is not None:
            outcomes = [None if o is _SLOW else o[part] for o in outcomes]
        return pa.array([None if o is _SLOW else o for o in outcomes]).take(codes)

    out = {"sheet": pa.repeat(sheet.name, n), "sheet_index": pa.repeat(pa.scalar(sheet.index, pa.int32()), n),
           "row": pa.array(rows + 1, pa.int32()),
           "case_ref": spread(*each("case_ref", case_references, at_once=True)),
           "district_code": spread(*checked["place"], part=0), "subdistrict_code": spread(*checked["place"], part=1),
           "age": spread(*checked["age"], part=0), "is_child": spread(*checked["age"], part=1),
           "notes": spread(*each("notes", masked_texts, at_once=True))}
    for name in ("report_date", "incident_date", "sex", "violence_types", "place_of_incident", "relationship",
                 "services"):
        out[name] = spread(*checked[name])
    table = pa.table({name: out[name].cast(VICTIM_TABLE_SCHEMA.field(name).type)
                      for name in VICTIM_TABLE_SCHEMA.names}, schema=VICTIM_TABLE_SCHEMA)
    if not slow.any():
        return table
    personal = set(lay.columns.personal)
    redone = []
    for r in rows[slow].tolist():
        row = tuple(None if j in personal else v for j, v in enumerate(sheet.row(r)))
        victim, errors, warnings = _register_row(lay, row, r + 1, today)
        result.errors.extend(errors)
        result.warnings.extend(warnings)
        if victim is not None:
            redone.append(victim)
    table = pa.concat_tables([table.filter(pa.array(~slow)), victims_as_table(redone)])
    return table.sort_by("row")


def _age_pair(age: Age | None):
    """(years, is_child) of a cleanly read age; (None, None) when empty; _SLOW stays _SLOW."""
    if age is _SLOW:
        return _SLOW
    return (age.years, age.is_child) if age else (None, None)


def _clean(outcome, required: bool = False):
    """The plain value of a normaliser's outcome, or _SLOW when it is an error, carries a warning, or is missing
    but required."""
    if outcome is None:
        return _SLOW if required else None
    if isinstance(outcome, Problem) or outcome.warning is not None:
        return _SLOW
    return outcome.value


def _clean_place(district_cell, subdistrict_cell):
    """(district_code, subdistrict_code) when both cells read cleanly and agree (the common case of _place),
    else _SLOW."""
    district = _clean(parse_district(district_cell))
    if district is _SLOW:
        return _SLOW
    subdistrict = _clean(parse_subdistrict(subdistrict_cell, district))
    if subdistrict is _SLOW:
        return _SLOW
    if subdistrict is None:
        return (district, None) if district is not None else _SLOW
    parent = district_of_subdistrict(subdistrict)
    if district is not None and parent != district:
        return _SLOW
    return parent, subdistrict


def _register_row(lay: SheetLayout, row: list, excel_row: int, today: dt.date):
    """One register row -> (VictimRow or None, errors, warnings)."""
    columns = lay.columns
    sheet = lay.sheet.name
    errors: list[Problem] = []
    warnings: list[Problem] = []

    def cell(name: str):
        index = columns.fields.get(name)
        return row[index] if index is not None and index < len(row) else None

    def locate(problem: Problem, name: str) -> Problem:
        return replace(problem, sheet=sheet, row=excel_row, column=columns.header(name)
                       if name in columns.fields else FIELDS[name])

    def take(outcome, name: str, required: bool = False):
        if outcome is None:
            if required:
                errors.append(Problem(sheet, excel_row, columns.header(name) if name in columns.fields
                                      else FIELDS[name], "wajib_kosong",
                                      f"{FIELDS[name].capitalize()} kosong. Kolom ini wajib diisi untuk setiap korban."))
            return None
        if isinstance(outcome, Problem):
            errors.append(locate(outcome, name))
            return None
        if outcome.warning is not None:
            warnings.append(locate(outcome.warning, name))
        return outcome.value

    report_date = take(parse_date(cell("report_date"), today, what="Tanggal lapor"), "report_date", required=True)
    incident_date = take(parse_date(cell("incident_date"), today, what="Tanggal kejadian"), "incident_date")
    sex = take(parse_sex(cell("sex")), "sex", required=True)
    age: Age | None = take(parse_age(cell("age")), "age")
    violence = take(parse_violence(cell("violence")), "violence", required=True)
    district_code = _place(cell, take, errors, warnings, locate, sheet, excel_row, columns)
    place = take(parse_closed(cell("place_of_incident"), "place_of_incident"), "place_of_incident")
    relationship = take(parse_closed(cell("relationship"), "relationship"), "relationship")
    services = take(parse_services(cell("services")), "services") or ()
    subdistrict_code = district_code[1] if district_code else None
    if errors:
        return None, errors, warnings
    victim = VictimRow(
        sheet=sheet, sheet_index=lay.sheet.index, row=excel_row,
        case_ref=case_reference(cell("case_ref")), report_date=report_date, district_code=district_code[0],
        violence_types=violence, sex=sex, age=age.years if age else None, is_child=age.is_child if age else None,
        subdistrict_code=subdistrict_code, incident_date=incident_date, place_of_incident=place,
        relationship=relationship, services=tuple(services), notes=mask_personal_numbers(cell("notes")),
    )
    return victim, errors, warnings


def _place(cell, take, errors, warnings, locate, sheet, excel_row, columns):
    """(district_code, subdistrict_code) from the kecamatan and kelurahan cells, or None after an error."""
    before = len(errors)
    district = take(parse_district(cell("district")), "district")
    raw_sub = cell("subdistrict")
    sub_outcome = parse_subdistrict(raw_sub, district)
    subdistrict = None
    if isinstance(sub_outcome, Problem) and sub_outcome.reason == "wilayah_tidak_dikenal" and district:
        # an unknown kelurahan in a known kecamatan: keep the row, drop the kelurahan
        warnings.append(replace(locate(sub_outcome, "subdistrict"), reason="kelurahan_tidak_dikenal",
                                message=sub_outcome.message + " Kelurahan dikosongkan."))
    else:
        subdistrict = take(sub_outcome, "subdistrict")
    if len(errors) > before:
        return None
    if district is None and subdistrict is None:
        # empty, or only '-' / 'Kec.': the row has no place (it used to crash the whole file)
        column = columns.header("district") if "district" in columns.fields else FIELDS["district"]
        errors.append(Problem(sheet, excel_row, column, "wajib_kosong",
                              "Kecamatan kosong. Isi kecamatan (atau kelurahan) tempat kejadian."))
        return None
    if subdistrict is not None:
        parent = district_of_subdistrict(subdistrict)
        if district is None:
            district = parent
        elif parent != district:
            errors.append(Problem(sheet, excel_row, columns.header("subdistrict"), "wilayah_bertentangan",
                                  f"Kelurahan {subdistrict_name(subdistrict)} berada di Kecamatan "
                                  f"{district_name(parent)}, bukan Kecamatan {district_name(district)}. "
                                  "Perbaiki kecamatan atau kelurahannya."))
            return None
    return district, subdistrict


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
                                f"{_period_text([month])} ada di masa depan. Periksa sel Bulan atau nama lembar.")
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
