"""Turn one workbook file into a ParsedWorkbook: victims (registers) or counts (recaps), with every problem located.

Pure: reads the file, never touches the database. ``rows_read = rows_loaded + rows_rejected`` always holds.
Personal-data columns are blanked right after the header is mapped, so their values reach nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl import archive, recap_grid, tppo, vocab
from etl.columns import (FIELDS, PERPETRATOR_PARTS, PERPETRATOR_SLOTS, missing_columns_message,
                         missing_register_fields, perpetrator_field, profile)
from etl.layout import (HEADER_SEARCH_ROWS, SheetLayout, cell_text, declared_period, detect_agency,
                        file_period, form_codes_of_header, is_total_label, period_cell_unreadable, sex_of_header,
                        title_texts)
from etl.model import (AGENCY_UNKNOWN, OUTSIDE_PERIOD, PERPETRATOR_TYPE, VICTIM_TABLE_SCHEMA, ParsedWorkbook, Problem, RecapCell,
                       WorkbookError)
from etl.read import Column, Workbook, column_letter, read_workbook
from etl.values import (ADD_SPELLING, Value, age_from_birth_date, case_references, district_name, district_of_subdistrict,
                        masked_texts, normalize_text, parse_age, parse_closed, parse_date, parse_district,
                        parse_offence, parse_services, parse_sex, parse_subdistrict, parse_violence,
                        place_of_citation, place_of_violence, recap_count, subdistrict_name)


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
        if (problem := vocab.unknown_agency(agency)) is not None:
            raise WorkbookError(problem)

    layouts = [recap_grid.detect(sheet, agency) for sheet in book.sheets]
    detected: dict = {}
    found = detect_agency(book, {lay.sheet.index: lay.title_rows for lay in layouts})
    if agency is not None:
        agency_code, agency_source = agency, "parameter --agency"
        if found and found[0] != agency:
            detected["agency_detected"] = {"agency": found[0], "source": found[1]}
    elif found is not None:
        agency_code, agency_source = found
        if profile(agency_code):  # the agency's own column names may change what the layout is
            layouts = [recap_grid.detect(sheet, agency_code) for sheet in book.sheets]

    registers = [lay for lay in layouts if lay.shape == "register"]
    recaps = [lay for lay in layouts if lay.shape == "recap"]
    nihil = [lay for lay in layouts if lay.shape is None and lay.nihil]
    warnings: list[Problem] = []
    sheets_info, skipped = [], []
    for lay in layouts:
        if lay.shape is None:
            skipped.append({"sheet": lay.sheet.name, "reason": lay.skip_reason})
        if lay.example_rows:
            warnings.append(_examples_skipped(lay))
    if registers and recaps:
        for lay in recaps:
            skipped.append({"sheet": lay.sheet.name, "reason": "rekap di dalam workbook register (tidak dihitung dua kali)"})
            warnings.append(Problem(lay.sheet.name, None, None, "rekap_diabaikan",
                                    f"Lembar '{lay.sheet.name}' berbentuk rekap dan diabaikan karena workbook ini "
                                    "berisi register per korban; kirim rekap sebagai file terpisah bila perlu."))
        recaps = []
    # the shape first: a file that is neither register, recap nor NIHIL report is refused for that, whoever sent it
    if not registers and not recaps and not nihil:
        found_sheets = _skipped_text(skipped)
        raise WorkbookError(
            f"File '{name}': tidak ada lembar berisi data yang dikenali ({found_sheets}). Gunakan template resmi, "
            "atau beri judul kolom seperti Tanggal Lapor, Kecamatan, Jenis Kelamin, Jenis Kekerasan.")
    if agency is None and found is None:
        raise WorkbookError(f"File '{name}': {AGENCY_UNKNOWN} dari isi, nama lembar maupun nama file. Pilih "
                            f"lembaga pengirimnya (salah satu: {', '.join(vocab.agency_codes())}) lalu periksa "
                            "atau muat ulang.")
    detected.update({"agency": agency_code, "agency_source": agency_source})

    stand_ins = {}  # birth dates the archive replaces by dates giving the same age
    shape = "register" if registers else "recap" if recaps else _nihil_shape(nihil)
    result = ParsedWorkbook(file_name=name, agency=agency_code, shape=shape, months=[], rows_read=0,
                            warnings=warnings)
    if registers:
        stand_ins = _parse_registers(book, registers, result, today, detected)
    elif recaps:
        _parse_recaps(book, recaps, result, today, detected)
    else:
        _parse_nihil(book, nihil, result, detected)
    # NIHIL sheets beside sheets with rows: a sheet saying only NIHIL, or a table whose only row says it
    tables = registers or recaps
    nihil_tables = [lay for lay in tables if lay.nihil and not lay.data_rows] \
        if any(lay.data_rows for lay in tables) else []
    if tables and (nihil or nihil_tables):
        _nihil_sheets(book, nihil + nihil_tables, result, today, skipped)
    result.nihil = not result.rows_read and any(lay.nihil for lay in registers or recaps or nihil)
    _one_sentence_for_another_region(result)
    for lay in registers or recaps:
        sheets_info.append(_describe(lay))
    detected["shape"] = result.shape
    detected["sheets"] = sheets_info
    detected["skipped_sheets"] = skipped
    detected["period"] = list(result.period) if result.period else None
    detected["nihil"] = result.nihil
    result.detected = detected
    result.archive_copy = archive.copy_bytes(archive.redacted(book, layouts, found, stand_ins))
    return result


_PLAIN_SKIPS = ("lembar tersembunyi", "lembar kosong", "lembar petunjuk/contoh pengisian")


def _skipped_text(skipped: list[dict]) -> str:
    """Why no sheet was read, short: the first sheet skipped for its columns by name, the others counted."""
    named = [f"'{s['sheet']}': {s['reason']}" for s in skipped if s["reason"] not in _PLAIN_SKIPS]
    parts = named[:1] + ([f"{len(named) - 1} lembar lain juga"] if len(named) > 1 else [])
    for reason in _PLAIN_SKIPS:
        count = sum(s["reason"] == reason for s in skipped)
        if count:
            parts.append(f"'{skipped[0]['sheet']}': {reason}" if len(skipped) == 1 else f"{count} {reason}")
    return "; ".join(parts) or "tidak ada lembar"


def _examples_skipped(lay: SheetLayout) -> Problem:
    """The one note for a sheet's example rows (or an instruction sheet's table): skipped, never data."""
    rows = [r + 1 for r in lay.example_rows]
    listed = ", ".join(map(str, rows[:5])) + (" …" if len(rows) > 5 else "")
    if lay.instruction:
        text = (f"Lembar '{lay.sheet.name}' berisi petunjuk atau contoh pengisian; {len(rows)} baris di dalamnya "
                f"(baris {listed}) tidak dimuat.")
    else:
        text = (f"Lembar '{lay.sheet.name}': {len(rows)} baris bertanda contoh (baris {listed}) dilewati; baris "
                "contoh bukan data dan tidak dimuat.")
    return Problem(lay.sheet.name, None, None, "contoh_dilewati", text)


def _nihil_shape(layouts: list[SheetLayout]) -> str:
    """A NIHIL report without a table is a recap when its title says so, otherwise a register."""
    titles = " ".join(t for lay in layouts for t in title_texts(lay.sheet.head(HEADER_SEARCH_ROWS)))
    return "recap" if "rekap" in normalize_text(titles) else "register"


def _parse_nihil(book: Workbook, layouts: list[SheetLayout], result: ParsedWorkbook, detected: dict) -> None:
    """A report that there were no cases ('NIHIL', 'Tidak ada kasus'): zero records for the period it declares."""
    # a sheet without a table: its whole top is its title block
    declared = file_period([replace(lay, header_rows=[HEADER_SEARCH_ROWS]) for lay in layouts], book.file_name)
    if declared is None:
        raise _nihil_without_month(book.file_name)
    result.months = list(declared.months)
    detected["period_source"] = declared.source
    detected["sheets_nihil"] = [lay.sheet.name for lay in layouts]


def _nihil_sheets(book: Workbook, layouts: list[SheetLayout], result: ParsedWorkbook, today: dt.date,
                  skipped: list[dict]) -> None:
    """NIHIL sheets beside register or recap sheets ('Agustus': NIHIL): each declares its own month (sheet name or
    title, not the file name) without cases; a month the other sheets bring records for keeps its records."""
    months: set[dt.date] = set()
    for lay in layouts:
        top = lay if lay.shape else replace(lay, header_rows=[HEADER_SEARCH_ROWS])  # no table: all of it is title
        declared = declared_period(top, book.file_name, sheet_only=True)
        if declared is None:
            result.warnings.append(Problem(lay.sheet.name, None, None, "nihil_tanpa_bulan", (
                f"Lembar '{lay.sheet.name}' menyatakan NIHIL (tidak ada kasus), tetapi bulannya tidak tertulis di "
                "nama lembar maupun judulnya; lembar ini tidak dihitung. Beri nama lembar dengan bulannya (mis. "
                "'Agustus 2024') atau tulis bulannya di judul.")))
            continue
        mine = {m for m in declared.months if m <= today.replace(day=1)} - result.record_months
        months |= mine
        for sheet in skipped:
            if sheet["sheet"] == lay.sheet.name and mine:
                sheet["reason"] = f"laporan NIHIL (tidak ada kasus) untuk {vocab.months_text(sorted(mine))}"
    result.nihil_months = sorted(months)
    result.months = sorted(set(result.months) | months)


def _nihil_without_month(file_name: str) -> WorkbookError:
    return WorkbookError(
        f"File '{file_name}': laporan NIHIL (tidak ada kasus), tetapi bulan laporannya tidak tertulis. Tulis "
        "bulannya di judul (mis. 'LAPORAN BULAN AGUSTUS 2024'), di sel Bulan, atau di nama file.")


_PLACE_REASONS = ("wilayah_luar", "wilayah_tidak_dikenal")


def _one_sentence_for_another_region(result: ParsedWorkbook) -> None:
    """When most rows name places outside the region, one sentence says so first, and each row's message keeps
    only its first sentence (not one 'add this spelling' hint per row)."""
    outside = {(p.sheet, p.row) for p in result.errors if p.reason in _PLACE_REASONS}
    if len(outside) < 3 or 2 * len(outside) <= result.rows_read:
        return
    names = list(dict.fromkeys(m[1] for p in result.errors if p.reason in _PLACE_REASONS
                               for m in [_QUOTED.search(p.message)] if m))
    result.errors = [replace(p, message=_first_sentence(p.message)) if p.reason in _PLACE_REASONS else p
                     for p in result.errors]
    example = f" (mis. {', '.join(names[:3])})" if names else ""
    result.warnings.insert(0, Problem(None, None, None, "wilayah_lain", (
        f"{len(outside)} dari {result.rows_read} baris file ini menyebut kecamatan atau kelurahan di luar "
        f"{vocab.region().name}{example}: file ini tampaknya berasal dari wilayah lain, jadi baris-baris itu "
        "ditolak; periksa apakah file ini memang untuk wilayah ini.")))


_QUOTED = re.compile(r"'([^']+)'")


def _first_sentence(message: str) -> str:
    """The message up to the end of its first sentence (a quoted value may hold a full stop: 'Kec. X')."""
    quoted = _QUOTED.search(message)
    end = message.find(". ", quoted.end() if quoted else 0)
    return message if end < 0 else message[:end + 1]


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
                     detected: dict) -> dict[tuple[int, int], dict[int, dt.date | str]]:
    """Parse the register sheets into ``result``; return the archive's stand-ins for the birth dates read."""
    tables = []
    stand_ins: dict[tuple[int, int], dict[int, dt.date | str]] = {}
    for lay in layouts:
        missing = missing_register_fields(lay.columns)
        if missing:
            raise WorkbookError(missing_columns_message(book.file_name, lay.sheet.name, lay.header_rows[-1] + 1,
                                                        lay.headers, missing, counts=_counts_only(lay)))
        if period_cell_unreadable(lay):
            result.warnings.append(Problem(lay.sheet.name, None, None, "periode",
                                           "Sel periode tidak dapat dibaca sebagai bulan dan tahun. Tulis mis. "
                                           "'Juni 2024' atau 2024-06."))
        tables.append(_parse_register_rows(lay, today, result, stand_ins))
    victims = pa.concat_tables(tables)
    declared = file_period(layouts, book.file_name)
    if declared is None:  # the rows' months define the period
        if not result.rows_read and any(lay.nihil for lay in layouts):
            raise _nihil_without_month(book.file_name)
        result.victim_table = victims
        result.months = sorted(result.record_months)
        detected["period_source"] = "tanggal lapor" if result.months else None
        return stand_ins
    result.months = list(declared.months)
    detected["period_source"] = declared.source
    month = pc.floor_temporal(victims.column("report_date"), unit="month")
    inside = pc.is_in(month, value_set=pa.array(declared.months, pa.date32()))
    if pc.all(inside).as_py() is not False:
        result.victim_table = victims
        _months_of_words(result, declared, layouts)
        return stand_ins
    headers = {lay.sheet.name: lay.columns.header("report_date") for lay in layouts}
    period = vocab.months_text(list(declared.months))
    for v in victims.filter(pc.invert(inside)).select(["sheet", "row", "report_date"]).to_pylist():
        day = vocab.format_date(v["report_date"])
        result.errors.append(Problem(
            v["sheet"], v["row"], headers.get(v["sheet"]), OUTSIDE_PERIOD,
            f"Lembar '{v['sheet']}' baris {v['row']}: tanggal lapor {day} di luar periode laporan {period}, "
            f"yang tertulis di {declared.source}. Baris ini tidak dimuat; kirim dengan laporan bulan "
            f"{vocab.month_year(v['report_date'].replace(day=1))}, atau perbaiki tanggalnya."))
    result.victim_table = victims.filter(inside)
    _months_of_words(result, declared, layouts)
    return stand_ins


def _months_of_words(result: ParsedWorkbook, declared, layouts: list[SheetLayout]) -> None:
    """A quarter or a year in words (DeclaredPeriod.bounds_only) bounds the rows' dates; the file stands for the
    months its rows fill (a NIHIL report for it stands for all of them)."""
    if declared.bounds_only and not any(lay.nihil for lay in layouts):
        result.months = sorted(result.record_months)


def _counts_only(lay: SheetLayout) -> bool:
    """The sheet has count columns (L/P, Jumlah, a form) but no date and no kecamatan: a recap without kecamatan."""
    fields = lay.columns.fields
    if {"report_date", "incident_date", "district", "subdistrict"} & set(fields):
        return False
    sexes = vocab.closed_list_index("sex")
    return any(h and (is_total_label(h) or sex_of_header(h) or vocab.normalize_text(h) in sexes
                      or form_codes_of_header(h)) for h in lay.headers)



@dataclass(frozen=True)
class _Read:
    """What one distinct cell (or kecamatan/kelurahan pair) reads as: its value, and the errors (the row is
    rejected) and warnings it brings, located at sheet and column; the row is added for each row holding it."""

    value: object = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


def _parse_register_rows(lay: SheetLayout, today: dt.date, result: ParsedWorkbook,
                         stand_ins: dict[tuple[int, int], dict[int, dt.date | str]]) -> pa.Table:
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
        cells, where = column(name), header(name)
        return [_read(normalise(v), sheet.name, where, name, required) for v in cells.values], cells.codes[rows]

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
        "violence_types": _read_offences(column, rows, sheet.name, header) if "legal_basis" in columns.fields
        else read("violence", parse_violence, required=True),
        "place": (places, place_codes.reshape(-1)),
        "place_of_incident": read("place_of_incident", lambda v: parse_closed(v, "place_of_incident")),
        "relationship": read("relationship", lambda v: parse_closed(v, "relationship")),
        "services": read("services", parse_services),
        **{name: read(name, tppo.normaliser(name, today)) for name in tppo.STAGE_FIELDS + tppo.TPPO_FIELDS},
    }
    if "birth_date" in columns.fields:
        fields["age"], born = _ages_with_birth_dates(fields, column("birth_date"), rows, sheet.name,
                                                     header("birth_date"))
        stand_ins[(sheet.index, columns.fields["birth_date"])] = born
    slots = _perpetrator_slots(columns)
    for slot in slots:  # a perpetrator's unreadable cell is left empty with a warning: the victim's row stays
        for part, normalise in _PERPETRATOR_READERS.items():
            name = perpetrator_field(slot, part)
            if name in columns.fields:
                fields[name] = read(name, lambda v, normalise=normalise: _lenient(normalise(v)))
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
        values = [value(o.value) for o in outcomes]
        if all(v is None for v in values):  # a column the sheet lacks or leaves empty (most TPPO columns)
            return pa.nulls(len(codes))
        return pa.array(values).take(codes)

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
    if "legal_basis" in columns.fields:  # else the place a cited law implies (UU 23/2004 PKDRT: rumah tangga)
        cited = column("legal_basis")
        implied = pc.coalesce(implied, pa.array(cited.each(place_of_citation), pa.string()).take(cited.codes[rows]))
    out["place_of_incident"] = pc.if_else(pa.array(empty), implied, spread("place_of_incident").cast(pa.string()))
    out.update(tppo.detail_arrays(spread, out["violence_types"]))
    out["perpetrators"] = _perpetrators(slots, fields, out["case_ref"])
    table = pa.table({name: out[name].cast(VICTIM_TABLE_SCHEMA.field(name).type)
                      for name in VICTIM_TABLE_SCHEMA.names}, schema=VICTIM_TABLE_SCHEMA)
    return table.filter(pa.array(~rejected)) if rejected.any() else table


def _read_offences(column, rows: np.ndarray, sheet: str, header) -> tuple[list[_Read], np.ndarray]:
    """The forms of each distinct (offence, Pasal/UU) pair of a register's rows, read together (etl.values); a
    problem is located in the Pasal/UU column when the offence cell alone reads (or is empty)."""
    violence, legal = column("violence"), column("legal_basis")
    width = len(legal.values)
    pairs, codes = np.unique(violence.codes[rows].astype(np.int64) * width + legal.codes[rows], return_inverse=True)
    outcomes = []
    for p in pairs.tolist():
        offence, citation = violence.values[p // width], legal.values[p % width]
        outcome = parse_offence(offence, citation)
        alone = parse_violence(offence)
        cited = outcome is not None and alone is not None and not isinstance(alone, Problem) and (
            isinstance(outcome, Problem) or outcome.warning is not None and alone.warning is None)
        where = header("legal_basis") if alone is None or cited else header("violence")
        outcomes.append(_read(outcome, sheet, where, "violence", required=True))
    return outcomes, codes.reshape(-1)


def _ages_with_birth_dates(fields: dict, births, rows: np.ndarray, sheet: str, where: str):
    """The age outcomes with, for each row whose age cell is empty, the age its birth date gives at the report
    date (else the incident date); and what the archive keeps instead of each birth date read: for a row given an
    age, the reference date that many years earlier (the same age, and nothing more); for a cell read as no date
    ('tidak diketahui'), '-'; an unreadable one is blanked like any personal cell, and reads as unreadable."""
    ages, age_codes = fields["age"]
    reports, report_codes = fields["report_date"]
    incidents, incident_codes = fields["incident_date"]
    outcomes, codes, index, born = list(ages), age_codes.copy(), {}, {}
    birth_codes = births.codes[rows]
    for i in np.flatnonzero([ages[c].value is None and not ages[c].errors for c in age_codes.tolist()]).tolist():
        on = reports[report_codes[i]].value or incidents[incident_codes[i]].value
        key = (int(birth_codes[i]), on)
        if key not in index:
            index[key] = len(outcomes)
            outcomes.append(_read(age_from_birth_date(births.values[key[0]], on), sheet, where, "birth_date"))
        codes[i] = index[key]
        outcome = outcomes[codes[i]]
        if outcome.value is not None:
            born[int(rows[i])] = _years_before(on, outcome.value.years)
        elif not outcome.warnings and births.values[key[0]] is not None:
            born[int(rows[i])] = "-"  # 'tidak diketahui' and the like: read as no birth date, as '-' is
    return (outcomes, codes), born


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one: the day before gives the same age
        return dt.date(day.year - years, 2, 28)


_PERPETRATOR_READERS = {"sex": parse_sex, "age": parse_age,
                        "relationship": lambda v: parse_closed(v, "relationship")}


def _perpetrator_slots(columns) -> list[int]:
    """The perpetrator groups (Pelaku 1, 2, ...) a sheet has a column for."""
    return [slot for slot in range(1, PERPETRATOR_SLOTS + 1)
            if any(perpetrator_field(slot, part) in columns.fields for part in PERPETRATOR_PARTS)]


def _lenient(outcome):
    """A perpetrator cell's outcome: an error becomes a warning and an empty value (the victim's row is kept)."""
    if not isinstance(outcome, Problem):
        return outcome
    return Value(None, replace(outcome, message=outcome.message + " Isian pelaku ini dikosongkan; baris korban "
                                                                  "tetap dimuat."))


def _perpetrators(slots: list[int], fields: dict, case_refs: pa.Array) -> pa.Array:
    """Each row's perpetrators: a group counts when its sex or age is filled; group 1 without a relationship column
    of its own takes the row's (a police register's single 'Hubungan dengan Korban'). A group repeated with the
    same values on a later row of the same case (register number) is the same perpetrator: kept on the first."""
    n = len(case_refs)
    if not slots:  # no perpetrator columns: an empty list per row, built without a Python object per row
        return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, np.int32)), pa.array([], PERPETRATOR_TYPE))
    case_refs = case_refs.to_pylist()

    def values(name: str, pick=lambda v: v) -> list:
        if name not in fields:
            return [None] * n
        outcomes, codes = fields[name]
        mapped = [pick(o.value) if o.value is not None else None for o in outcomes]
        return [mapped[c] for c in codes.tolist()]

    columns = []
    for slot in slots:
        own = perpetrator_field(slot, "relationship")
        columns.append((slot, values(perpetrator_field(slot, "sex")),
                        values(perpetrator_field(slot, "age"), lambda a: a.years),
                        values(perpetrator_field(slot, "age"), lambda a: a.is_child),
                        values(own if own in fields or slot != 1 else "relationship")))
    rows: list[list[dict]] = [[] for _ in range(n)]
    seen: set[tuple] = set()
    for i, ref in enumerate(case_refs):
        ref = ref.strip() if isinstance(ref, str) else None
        for slot, sex, age, child, relationship in columns:
            if sex[i] is None and age[i] is None and child[i] is None:
                continue
            perpetrator = {"slot": slot, "sex": sex[i], "age": age[i], "is_child": child[i],
                           "relationship": relationship[i]}
            key = (ref, *perpetrator.values())
            if ref and key in seen:
                continue
            seen.add(key)
            rows[i].append(perpetrator)
    return pa.array(rows, pa.list_(PERPETRATOR_TYPE))


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

def _recap_month(book: Workbook, lay: SheetLayout) -> tuple[dt.date, str]:
    declared = declared_period(lay, book.file_name, single=True)
    if declared is not None:
        return declared.months[0], declared.source
    raise WorkbookError(
        f"File '{book.file_name}', lembar '{lay.sheet.name}': bulan rekap tidak dapat ditentukan (dari sel Bulan, "
        "nama lembar, judul, maupun nama file). Isi sel Bulan (mis. 'Juni 2024') atau beri nama lembar "
        "dengan bulan dan tahun.")


def _parse_recaps(book: Workbook, layouts: list[SheetLayout], result: ParsedWorkbook, today: dt.date,
                  detected: dict) -> None:
    months, sources = set(), []
    for lay in layouts:
        if isinstance(lay, (recap_grid.GridLayout, recap_grid.MonthRowsLayout)):  # a year's recap by month
            read = recap_grid.parse_grid if isinstance(lay, recap_grid.GridLayout) else recap_grid.parse_month_rows
            covered, source = read(book, lay, result, today)
            months |= covered
            sources.append(source)
            continue
        month, source = _recap_month(book, lay)
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
    # a column of puskesmas, no kecamatan: the city's totals, with a note (etl.recap_grid.health_centres_note)
    centre_col = next((j for j, h in enumerate(lay.headers) if recap_grid.heads_health_centres(h)), None) \
        if district_col is None else None
    district_col = centre_col if district_col is None else district_col
    if centre_col in lay.columns.personal:  # 'Nama Puskesmas' names a health centre, not a person
        lay.columns.personal.remove(centre_col)
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
            f"Ganti judul kolom dengan bentuk kekerasan resmi, atau {ADD_SPELLING}.")
    sex_split = any(sex for _, sex in form_cols.values())
    column_sums: dict[int, int] = {j: 0 for j in list(form_cols) + list(total_cols)}
    for r in lay.data_rows:
        row = rows[r]
        excel_row = r + 1
        result.rows_read += 1
        label = row[district_col] if district_col < len(row) else None
        outcome = Value(vocab.region().code) if centre_col is not None and label is not None else \
            parse_district(label)
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
    if centre_col is not None and lay.data_rows:
        result.warnings.append(recap_grid.health_centres_note(
            sheet, [str(rows[r][centre_col]) for r in lay.data_rows
                    if centre_col < len(rows[r]) and rows[r][centre_col] is not None]))
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
