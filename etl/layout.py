"""Find where the data is in a sheet: header block, data rows, footer; register or recap; agency and period hints.

Works on the plain rows from etl.read. Nothing here converts values; it only decides which rows and columns
hold what, so that etl.parse can normalise them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl import vocab
from etl.columns import REGISTER_FIELDS, ColumnMap, field_of, map_columns
from etl.read import Column, Sheet, Workbook
from etl.values import normalize_text, parse_months

HEADER_SEARCH_ROWS = 40
_TOTAL_WORDS = ("jumlah", "total", "jml", "grand total", "sub total", "subtotal", "jumlah total", "total keseluruhan")
_TOTAL_HINT = re.compile("jumlah|total|jml", re.I)  # each of _TOTAL_WORDS holds one of these
_SIGNATURE_START = ("kepala", "nip", "mengetahui", "kasi ", "kabid", "kasubag", "kasubbag", "dibuat oleh",
                    "yang membuat", "pembuat laporan", "petugas pencatat", "a n ", "an kepala", "plt ", "plh ",
                    "pj ", "sekretaris", "koordinator", "pembina", "penata", "kanit", "kasat", "direktur",
                    "ketua", "disetujui", "diketahui", "tanda tangan", "ttd")
_PLACE_DATE = re.compile(r"^[a-z .]+,\s*(\d{1,2}\s+[a-z]+\s+\d{4}|\d{1,2}[/-]\d{1,2}[/-]\d{2,4})$", re.I)


def cell_text(value) -> str | None:
    """A header-like cell as text (numbers written as headers, e.g. 2024, become '2024')."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return text or None


def is_total_label(value) -> bool:
    """'JUMLAH', 'Total', 'Jumlah Total' …: a totals row or column label."""
    if not isinstance(value, str):
        return False
    if value.isascii() and not _TOTAL_HINT.search(value):
        return False  # every data row's first cells pass here; folding each unique case number is slow
    text = normalize_text(value)
    return text in _TOTAL_WORDS or text.startswith(("jumlah ", "total "))


def _total_labels(column: Column) -> np.ndarray:
    """A boolean per row: the cell is a totals label. Only text that is not plain ASCII or that holds a hint word
    can be one: the column's distinct texts are sorted out in Arrow first (a register number each row)."""
    texts = pa.array([v if v.__class__ is str else None for v in column.values], pa.string())
    maybe = pc.or_(pc.invert(pc.string_is_ascii(texts)),
                   pc.match_substring_regex(texts, _TOTAL_HINT.pattern, ignore_case=True)).fill_null(False)
    labels = np.zeros(len(column.values), bool)
    for i in np.flatnonzero(maybe.to_numpy(zero_copy_only=False)).tolist():
        labels[i] = is_total_label(column.values[i])
    return labels[column.codes]


def is_signature_row(row: list) -> bool:
    """A footer line: 'Jambi, 30 September 2024', 'Kepala …', 'NIP. …', 'Mengetahui'."""
    texts = [v for v in row if v is not None]
    if not texts or len(texts) > 2 or not all(isinstance(v, str) for v in texts):
        return False
    for value in texts:
        text = normalize_text(value) + " "
        if _PLACE_DATE.match(" ".join(str(value).split())) or text.startswith(_SIGNATURE_START):
            return True
    return False


def is_blank(row: list) -> bool:
    return all(v is None for v in row)


def numbering_row(row: list) -> bool:
    """A row of column numbers under the header: 1, 2, 3 … (or '(1)', '(2)' …)."""
    numbers = []
    for value in row:
        if value is None:
            continue
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)) and float(value).is_integer():
            numbers.append(int(value))
            continue
        m = re.fullmatch(r"\(?\s*(\d+)\s*\)?\.?", str(value).strip())
        if not m:
            return False
        numbers.append(int(m[1]))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] <= 2


def form_codes_of_header(name: str | None) -> tuple[str, ...] | None:
    """The forms a recap column header names ('FISIK', 'Fisik / L', 'Trafficking (TPPO)'), or None."""
    if not name:
        return None
    # a wording that names no form ('KDRT') is no form column: a recap is counted by form
    aliases, vague = vocab.violence_aliases(), vocab.vague_violence_wordings()
    parts = [name]
    if " / " in name:
        parts.append(name.rsplit(" / ", 1)[0])
    for part in parts:
        for text in (part, re.sub(r"\([^)]*\)", " ", part)):
            key = normalize_text(text)
            if key in aliases and key not in vague:
                return aliases[key]
            key = re.sub(r"^(?:kekerasan|kasus|jumlah kasus|korban)\s+", "", key)
            if key in aliases and key and key not in vague:
                return aliases[key]
    return None


def sex_of_header(name: str | None) -> str | None:
    """'L'/'P' when a flattened header ends in an L/P sub-column ('Fisik / L')."""
    if not name or " / " not in name:
        return None
    return vocab.closed_list_index("sex").get(normalize_text(name.rsplit(" / ", 1)[1]))


def _texts(row: list) -> list[str | None]:
    return [cell_text(v) if isinstance(v, str) else None for v in row]


def _header_like(row: list, minimum: int = 2) -> bool:
    filled = [v for v in row if v is not None]
    return len(filled) >= minimum and sum(isinstance(v, str) for v in filled) >= max(minimum, len(filled) - 1)


_DATE_LIKE = re.compile(r"\d{1,4}\s*[/.-]\s*\d{1,2}")


def _could_be_subheader(row: list) -> bool:
    """False for a row that is clearly data (numbers, dates, date-like text) or a numbering row."""
    if numbering_row(row):
        return False
    return all(isinstance(v, str) and not _DATE_LIKE.search(v) for v in row if v is not None)


def flatten_headers(parent: list, child: list) -> list[str | None]:
    """Two header rows -> one name per column: 'PARENT / CHILD' under a merged parent, else whichever is filled."""
    width = max(len(parent), len(child))
    names: list[str | None] = []
    spanning: str | None = None
    for j in range(width):
        p = cell_text(parent[j]) if j < len(parent) else None
        c = cell_text(child[j]) if j < len(child) else None
        if p is not None:
            spanning = p if c is not None else None
            names.append(f"{p} / {c}" if c is not None else p)
        elif c is not None:
            names.append(f"{spanning} / {c}" if spanning else c)
        else:
            spanning = None
            names.append(None)
    return names


def _meaning(name: str | None, agency: str | None):
    if not name:
        return None
    parent = name.rsplit(" / ", 1)[0] if " / " in name else name
    if is_total_label(name) or is_total_label(parent):
        return ("total", sex_of_header(name))
    found = field_of(name, agency)
    if found in REGISTER_FIELDS:
        if found in ("sex", "age") and sex_of_header(name):
            return (found, sex_of_header(name))
        return (found, None)
    forms = form_codes_of_header(name)
    if forms:
        return ("form", forms, sex_of_header(name))
    if found == "personal":
        return ("personal",)
    return None


def _score(names: list[str | None], agency: str | None) -> int:
    meanings = {m for m in (_meaning(n, agency) for n in names) if m is not None}
    return len(meanings)


@dataclass
class SheetLayout:
    """Where the data is in one sheet and what shape it has (shape None: the sheet is skipped, see skip_reason)."""

    sheet: Sheet
    shape: str | None = None                 # 'register' | 'recap' | None
    skip_reason: str | None = None
    header_rows: list[int] = field(default_factory=list)    # 0-based row indexes of the header block
    headers: list[str | None] = field(default_factory=list)  # flattened name per column
    columns: ColumnMap = field(default_factory=ColumnMap)
    numbering_row: int | None = None
    data_rows: list[int] = field(default_factory=list)       # 0-based indexes of non-blank data rows
    total_row: int | None = None
    footer_row: int | None = None
    example_rows: list[int] = field(default_factory=list)    # 0-based rows marked as examples (never data)
    instruction: bool = False                # an instruction/example sheet: nothing on it is data
    nihil: bool = False                      # the sheet says there were no cases ('NIHIL', 'Tidak ada kasus')

    @property
    def title_rows(self) -> list[list]:
        """Rows above the header block (title block, template cells)."""
        return self.sheet.head(self.header_rows[0] if self.header_rows else 10)


def find_header(rows: list[list], agency: str | None = None) -> tuple[list[int], list[str | None]] | None:
    """The header block (one or two rows) that names the most known columns, or None when there is none."""
    best: tuple[int, int, list[int], list[str | None]] | None = None
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for r in range(limit):
        row = rows[r]
        if not _header_like(row):
            continue
        candidates = [([r], [cell_text(v) if isinstance(v, str) else None for v in row])]
        if r + 1 < len(rows) and _header_like(rows[r + 1], minimum=1) and _could_be_subheader(rows[r + 1]):
            candidates.append(([r, r + 1], flatten_headers(_texts(row), _texts(rows[r + 1]))))
        for header_rows, names in candidates:
            score = _score(names, agency)
            # a second header row must add meaning; otherwise it is the first data row
            if best is None or score > best[0] or (score == best[0] and len(header_rows) < len(best[2])
                                                   and r in best[2]):
                best = (score, r, header_rows, names)
    if best is None or best[0] < 2:
        return None
    return best[2], best[3]


def _likely_header(rows: list[list]) -> int | None:
    """The first row that looks like unrecognised column headers over data (to show the operator), or None.

    Only a row of text directly above a row holding numbers or dates qualifies, so that a data row (which might
    hold a name) is never quoted.
    """
    for r in range(min(len(rows) - 1, 10)):
        if not _header_like(rows[r], minimum=3) or not all(isinstance(v, str) for v in rows[r] if v is not None):
            continue
        below = next((row for row in rows[r + 1:] if not is_blank(row)), None)
        if below is not None and any(v is not None and not isinstance(v, str) for v in below):
            return r
        return None
    return None


def detect_layout(sheet: Sheet, agency: str | None = None) -> SheetLayout:
    """Header block, shape and data rows of one sheet."""
    layout = SheetLayout(sheet)
    if not sheet.visible:
        layout.skip_reason = "lembar tersembunyi"
        return layout
    if not sheet.height:
        layout.skip_reason = "lembar kosong"
        return layout
    head = sheet.head(HEADER_SEARCH_ROWS + 1)
    found = find_header(head, agency)
    layout.instruction = is_instruction_sheet(sheet.name, head if found is None else head[:found[0][0]])
    if found is None:
        layout.nihil = not layout.instruction and any(is_nihil_text(v) for row in head for v in row)
        layout.skip_reason = ("lembar petunjuk/contoh pengisian" if layout.instruction else
                              "laporan NIHIL (tidak ada kasus)" if layout.nihil else
                              "tidak ada baris judul kolom yang dikenali")
        guess = None if layout.instruction or layout.nihil else _likely_header(sheet.rows)
        if guess is not None:  # a few names, shortened: a message is a sentence, not the sheet's header row
            names = [cell_text(v) for v in sheet.row(guess) if v is not None]
            shown = ", ".join(f"'{n if len(n) <= 24 else n[:23] + '…'}'" for n in names[:5 if len(names) <= 5 else 3])
            more = f", … ({len(names)} kolom)" if len(names) > 5 else ""
            layout.skip_reason += f" (baris {guess + 1}: {shown}{more})"
        return layout
    layout.header_rows, layout.headers = found
    layout.columns = map_columns(layout.headers, agency)
    meanings = [_meaning(n, agency) for n in layout.headers]
    form_columns = [m for m in meanings if m and m[0] == "form"]
    register_fields = set(layout.columns.fields) & {"report_date", "violence", "sex", "age", "case_ref"}
    if len(form_columns) >= 2 and "report_date" not in layout.columns.fields and "violence" not in layout.columns.fields:
        layout.shape = "recap"
    elif register_fields:
        layout.shape = "register"
    else:
        layout.skip_reason = "judul kolom bukan register maupun rekap"
        return layout
    _find_data_rows(layout)
    _set_aside_marked_rows(layout)
    if layout.instruction:  # its table is an example of how to fill in the register: set aside whole
        layout.example_rows = sorted(layout.example_rows + layout.data_rows)
        layout.data_rows, layout.shape = [], None
        layout.skip_reason = "lembar petunjuk/contoh pengisian"
    return layout


def _find_data_rows(layout: SheetLayout) -> None:
    """The data rows under the header block, up to a JUMLAH/TOTAL row, a signature block or a note under the
    table. What each row holds is counted column by column (numpy); only rows that might end the table, or are
    blank, are looked at one by one."""
    sheet = layout.sheet
    start = layout.header_rows[-1] + 1
    if start < sheet.height and numbering_row(sheet.row(start)):
        layout.numbering_row = start
        start += 1
    relevant = sorted(set(layout.columns.fields.values()) | set(layout.columns.personal) | set(layout.columns.unknown)
                      | {i for i, n in enumerate(layout.headers) if n})
    relevant = [i for i in relevant if layout.columns.fields.get("number") != i]
    key_columns = [layout.columns.fields[f] for f in ("report_date", "district", "subdistrict", "sex", "violence")
                   if f in layout.columns.fields]
    if start >= sheet.height:
        return
    body = slice(start, sheet.height)
    columns = sheet.columns

    def filled(indexes) -> np.ndarray:
        count = np.zeros(sheet.height - start, np.int32)
        for j in indexes:
            if j < len(columns):
                count += columns[j].filled[body]
        return count

    filled_all, filled_relevant, filled_keys = filled(range(len(columns))), filled(relevant), filled(key_columns)
    register = layout.shape == "register"
    # a JUMLAH/TOTAL label in the first four columns ends the table, unless the row holds register values
    labelled = np.zeros(sheet.height - start, bool)
    for column in columns[:4]:
        labelled |= _total_labels(column)[body]
    total = labelled & (filled_keys < 2) if register else labelled
    look = total | (filled_relevant == 0) | (filled_all <= 2)
    if register and key_columns:
        look |= filled_keys == 0
    seen_blank = False
    data_rows: list[int] = []
    plain_from = start  # rows between the looked-at ones are plain data rows
    for r in (np.flatnonzero(look) + start).tolist():
        data_rows.extend(range(plain_from, r))
        plain_from = r + 1
        i = r - start
        if total[i]:
            layout.total_row = r
            break
        if not filled_relevant[i]:
            seen_blank = seen_blank or bool(data_rows)
            continue
        if filled_all[i] <= 2 and is_signature_row(sheet.row(r)):
            layout.footer_row = r
            break
        if seen_blank and register and key_columns and not filled_keys[i]:
            layout.footer_row = r  # a note under the table, after a blank line, with no register values
            break
        data_rows.append(r)
    else:
        data_rows.extend(range(plain_from, sheet.height))
    layout.data_rows = data_rows


# ---------------------------------------------------------------- examples, instructions, NIHIL

# a sheet named or titled so holds instructions or a filled-in example, never data
_INSTRUCTION_NAMES = ("petunjuk", "contoh", "cara mengisi", "cara pengisian", "panduan", "instruksi", "cover",
                      "sampul", "example", "sample", "keterangan pengisian")
# a title only marks a sheet when it says the table is an example: notes such as 'Petunjuk pengisian: …' are also
# written above real registers
_INSTRUCTION_TITLES = ("contoh pengisian", "contoh cara pengisian", "contoh cara mengisi", "contoh isian",
                       "contoh format", "contoh data")
EXAMPLE_MARK = "CONTOH"  # what the template's example row and the archive's copy of an example row say
# a cell holding only one of these marks its row as an example: 'CONTOH', '(contoh)', 'Contoh 1', 'sample'
_EXAMPLE_TEXT = re.compile(r"^(?:baris |data )?(?:contoh|sample|example|misal|misalnya)(?: \d+| pengisian| isian"
                           r"| data| saja)?$")
_NIHIL_TEXTS = ("nihil", "tidak ada kasus", "tidak ada korban", "tidak ada laporan", "tidak ada kejadian",
                "tidak ada kasus kekerasan", "tidak ada laporan kasus", "belum ada kasus", "kasus nihil",
                "laporan nihil", "nihil tidak ada kasus", "tidak ada kasus nihil")
_MARK_HINT = re.compile(r"contoh|sample|example|misal|nihil|tidak ada|belum ada", re.I)


def is_instruction_sheet(name: str, title_rows: list) -> bool:
    """A sheet of instructions or of a filled-in example ('Petunjuk', 'Contoh pengisian', 'Cara mengisi'),
    by its name or a title above its table."""
    if normalize_text(name).startswith(_INSTRUCTION_NAMES):
        return True
    titles = (normalize_text(v) for row in title_rows for v in row if isinstance(v, str))
    return any(t.startswith(_INSTRUCTION_TITLES) or t == "contoh" for t in titles)


def is_example_text(value) -> bool:
    """'CONTOH', 'contoh', '(Contoh)', 'Contoh 1', 'sample', 'Contoh pengisian': the cell marks an example row."""
    return isinstance(value, str) and bool(_EXAMPLE_TEXT.match(normalize_text(value)))


def is_nihil_text(value) -> bool:
    """'NIHIL', 'Nihil.', 'Tidak ada kasus', 'NIHIL / tidak ada kasus': a report of no cases."""
    return isinstance(value, str) and normalize_text(value) in _NIHIL_TEXTS


def _marks(columns: list[Column]) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """For each column, for each of its distinct cells: does it mark an example (is_example_text), does it say
    NIHIL (is_nihil_text); None for a column where no cell does. The texts of all columns go through one Arrow
    regex (each call costs ~0.1 ms to set up); only texts holding a hint word are looked at one by one."""
    texts = [v if v.__class__ is str else None for column in columns for v in column.values]
    hints = pc.match_substring_regex(pa.array(texts, pa.string()), _MARK_HINT.pattern, ignore_case=True)
    maybe = np.flatnonzero(hints.fill_null(False).to_numpy(zero_copy_only=False)).tolist()
    starts = np.cumsum([0] + [len(column.values) for column in columns]).tolist()
    found: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(columns)
    for position in maybe:
        j = int(np.searchsorted(starts, position, side="right")) - 1
        text = texts[position]
        if not (is_example_text(text) or is_nihil_text(text)):
            continue
        if found[j] is None:
            found[j] = (np.zeros(len(columns[j].values), bool), np.zeros(len(columns[j].values), bool))
        found[j][0][position - starts[j]] = is_example_text(text)
        found[j][1][position - starts[j]] = is_nihil_text(text)
    return found


def _set_aside_marked_rows(layout: SheetLayout) -> None:
    """Take example rows (a cell marks them CONTOH) and NIHIL rows (their only text says there were no cases)
    out of the data rows, column by column; a NIHIL anywhere under the header marks the sheet NIHIL."""
    sheet = layout.sheet
    below = slice(layout.header_rows[-1] + 1, sheet.height)
    rows = np.array(layout.data_rows, np.int64)
    example = np.zeros(len(rows), bool)
    nihil = np.zeros(len(rows), np.int32)
    number = layout.columns.fields.get("number")
    read = [j for j in range(len(sheet.columns)) if j not in layout.columns.personal]
    for j, marks in zip(read, _marks([sheet.columns[j] for j in read])):
        if marks is None:
            continue
        column = sheet.columns[j]
        layout.nihil = layout.nihil or bool(marks[1][column.codes[below]].any())
        example |= marks[0][column.codes[rows]]
        if j != number:  # a row number beside 'NIHIL' is no data
            nihil += marks[1][column.codes[rows]]
    nihil_rows = nihil > 0
    if nihil_rows.any():  # a NIHIL row holds nothing else (a row number aside)
        filled = np.zeros(len(rows), np.int32)
        for j, column in enumerate(sheet.columns):
            if j != number and j not in layout.columns.personal:
                filled += column.filled[rows]
        nihil_rows &= filled <= nihil
    if example.any() or nihil_rows.any():
        layout.example_rows = rows[example & ~nihil_rows].tolist()
        layout.data_rows = rows[~example & ~nihil_rows].tolist()


# ---------------------------------------------------------------- template cells, agency and period hints

_LABELS = {
    "lembaga": "agency", "nama lembaga": "agency", "instansi": "agency", "unit kerja": "agency",
    "pelapor": "agency", "lembaga pelapor": "agency", "kode lembaga": "agency",
    "periode dari": "period_from", "dari": "period_from", "periode awal": "period_from", "mulai": "period_from",
    "periode sampai": "period_to", "sampai": "period_to", "periode akhir": "period_to", "s d": "period_to",
    "hingga": "period_to",
    "bulan": "month", "periode": "month", "bulan laporan": "month", "periode laporan": "month",
    "bulan periode": "month", "periode bulan": "month", "bulan tahun": "month", "masa laporan": "month",
    "bulan pelaporan": "month", "periode pelaporan": "month", "laporan bulan": "month",
}


def template_cells(rows: list[list]) -> dict[str, tuple[object, str]]:
    """Labelled cells of a title block ('Lembaga' | B2 …) -> (value, cell reference like 'B2')."""
    from etl.read import column_letter

    found: dict[str, tuple[object, str]] = {}
    for r, row in enumerate(rows):
        filled = [(j, v) for j, v in enumerate(row) if v is not None]
        for k, (j, value) in enumerate(filled[:-1]):
            if not isinstance(value, str):
                continue
            key = _LABELS.get(normalize_text(value.rstrip(":")))
            if key and key not in found:
                target_j, target = filled[k + 1]
                found[key] = (target, f"{column_letter(target_j)}{r + 1}")
    return found


def title_texts(rows: list[list]) -> list[str]:
    """Text cells of a title block."""
    return [v for row in rows for v in row if isinstance(v, str)]


@dataclass(frozen=True)
class DeclaredPeriod:
    """The months a sheet or a file says it reports on, and where that was read (Indonesian, for messages)."""

    months: tuple[dt.date, ...]
    source: str
    # a quarter, semester or year in words ('TRIWULAN III 2024'): it bounds the rows' dates, but says nothing of each
    # month, so the file stands only for the months its rows fill (a month or a range of months named declares
    # each of them: an empty one is NIHIL when no row was rejected, etl.ledger)
    bounds_only: bool = False


# title cells that name a period; a cell that dates the document ('Dicetak 5 November 2024') names none
_PERIOD_WORDS = re.compile(r"\b(bulan|periode|triwulan|semester|s d|sampai|hingga)\b")
_NOT_A_PERIOD = re.compile(r"^(dicetak|tanggal|tgl|diperbarui|dibuat|update|per tanggal)\b")


def declared_period(lay: SheetLayout, file_name: str, *, single: bool = False,
                    sheet_only: bool = False) -> DeclaredPeriod | None:
    """The period a sheet declares, first found of: its Bulan/Periode cells, its name, its title ('LAPORAN …
    BULAN OKTOBER 2024', 'Periode: Januari–Maret 2024'), the file name ('…_Oktober_2024.xlsx'), its name with
    the year of the title or file name ('Juni'). None when it declares none: its rows' months define it then.
    ``single``: only a one-month period counts (a recap sheet is one month). ``sheet_only``: the file name's months
    do not count (a NIHIL sheet beside data sheets says its own month; the file name may name all of them), its year
    still does.

    The one rule for registers and recaps alike; a file's period is that of its data sheets (file_period).
    """
    name = lay.sheet.name
    stem = PurePath(file_name).stem
    titles = [t for t in title_texts(lay.title_rows) if not _NOT_A_PERIOD.match(normalize_text(t))
              and not _PLACE_DATE.match(" ".join(t.split()))]
    for months, source, in_words in _period_candidates(lay, name, titles, stem):
        if months and (len(months) == 1 or not single) and not (sheet_only and source == _FILE_NAME):
            return DeclaredPeriod(tuple(months), source, in_words)
    return None


_FILE_NAME = "nama file"


def _period_candidates(lay: SheetLayout, name: str, titles: list[str], stem: str):
    """(months, source, named in words) in the order declared_period trusts them; computed lazily."""
    cells = template_cells(lay.title_rows)
    months = _cells_period(cells)
    if months:
        refs = ", ".join(cells[k][1] for k in ("period_from", "period_to", "month") if k in cells)
        in_words = not any(parse_months(cells[k][0]) for k in ("period_from", "period_to", "month") if k in cells)
        yield months, f"{'sel periode' if 'period_from' in cells else 'sel Bulan'} (lembar '{name}' {refs})", in_words
    yield parse_months(name), f"nama lembar '{name}'", False
    named = [(parse_months(t), t) for t in titles]
    named = [(m, t) for m, t in named if m]
    worded = [m for m, t in named if _PERIOD_WORDS.search(normalize_text(t))]
    if worded or named:
        yield (worded or [named[0][0]])[0], f"judul lembar '{name}'", False
    yield parse_months(stem), _FILE_NAME, False
    year = _year_in(" ".join(titles)) or _year_in(stem)
    if year:
        yield parse_months(f"{name} {year}"), f"nama lembar '{name}' dengan tahun dari judul/nama file", False
    # a quarter, a semester or a whole year ('TRIWULAN III 2024', 'Semester I 2024', 'LAPORAN … TAHUN 2024'):
    # after every month named anywhere, so that 'TAHUN 2024' above a sheet named 'Oktober' stays October
    yield period_in_words(name), f"nama lembar '{name}'", True
    for t in titles:
        yield period_in_words(t), f"judul lembar '{name}'", True
    yield period_in_words(stem), _FILE_NAME, True


def period_cell_unreadable(lay: SheetLayout) -> bool:
    """Whether the sheet has a Bulan/Periode cell that does not read as a month (a warning: rows decide then)."""
    cells = template_cells(lay.title_rows)
    values = [cells[k][0] for k in ("period_from", "period_to", "month") if k in cells]
    return any(v is not None for v in values) and _cells_period(cells) is None


def _cells_period(cells: dict) -> list[dt.date] | None:
    """The months of a title block's Periode dari/sampai or Bulan cells, or None."""
    first = _months_of_cell(cells.get("period_from", cells.get("month", (None,)))[0])
    last = _months_of_cell(cells["period_to"][0]) if "period_to" in cells else first
    return _months_between(first[0], last[-1]) if first and last and first[0] <= last[-1] else None


def file_period(layouts: list[SheetLayout], file_name: str) -> DeclaredPeriod | None:
    """The period a file declares: the months its data sheets declare, together (declared_period)."""
    found = [p for p in (declared_period(lay, file_name) for lay in layouts) if p]
    if not found:
        return None
    months = sorted({m for p in found for m in p.months})
    return DeclaredPeriod(tuple(months), "; ".join(dict.fromkeys(p.source for p in found)),
                          all(p.bounds_only for p in found))


def _months_of_cell(value) -> list[dt.date]:
    """The months a Bulan/Periode cell names: 'Oktober 2024', a date, or 'Triwulan III 2024' (period_in_words)."""
    return parse_months(value) or (period_in_words(value) if isinstance(value, str) else [])


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4, "pertama": 1, "kesatu": 1,
          "kedua": 2, "ketiga": 3, "keempat": 4}
_ORDINAL = r"(i{1,3}|iv|[1-4]|pertama|kesatu|kedua|ketiga|keempat)"
_YEAR = r"((?:19|20)\d\d)"
# after normalize_text: 'TRIWULAN KE-3 TAHUN 2024' -> 'triwulan ke 3 tahun 2024'; 'TW.III/2024' -> 'tw iii 2024'
_QUARTER = re.compile(rf"\b(?:triwulan|tw|trw|kuartal|quarter|q)\s*(?:ke\s*)?{_ORDINAL}\b(?:\s+(?:tahun|ta|th))?"
                      rf"(?:\s+anggaran)?\s+{_YEAR}\b")
_SEMESTER = re.compile(rf"\b(?:semester|smt|sem)\s*(?:ke\s*)?{_ORDINAL}\b(?:\s+(?:tahun|ta|th))?"
                       rf"(?:\s+anggaran)?\s+{_YEAR}\b")
# a whole year only where a word says the text is about a year: 'TAHUN 2024', 'TA 2024', 'Laporan Tahunan … 2024'
_WHOLE_YEAR = re.compile(r"\b(?:tahun|th|ta|periode)\s+(?:anggaran\s+)?(?:19|20)\d\d\b|\btahunan\b")


def period_in_words(text) -> list[dt.date]:
    """The months of a quarter, a semester or a year named in words ('TRIWULAN III 2024', 'TW 3 2024', 'Semester
    I Tahun 2024', 'LAPORAN … TAHUN 2024', 'TA 2024'), or [] (a text naming months is parse_months')."""
    if not isinstance(text, str):
        return []
    norm = normalize_text(text)
    if m := _QUARTER.search(norm):
        first = 3 * (_ROMAN[m[1]] - 1) + 1
        return _months_between(dt.date(int(m[2]), first, 1), dt.date(int(m[2]), first + 2, 1))
    if (m := _SEMESTER.search(norm)) and _ROMAN[m[1]] <= 2:
        first = 6 * (_ROMAN[m[1]] - 1) + 1
        return _months_between(dt.date(int(m[2]), first, 1), dt.date(int(m[2]), first + 5, 1))
    years = set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", norm))
    if len(years) == 1 and _WHOLE_YEAR.search(norm):  # '2023/2024' is a fiscal span, no one year
        year = int(years.pop())
        return _months_between(dt.date(year, 1, 1), dt.date(year, 12, 1))
    return []


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, current = [], first
    while current <= last and len(months) < 240:
        months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _year_in(text: str) -> int | None:
    years = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", text)
    return int(years[-1]) if years else None


def agency_in_text(text: str) -> str | None:
    """The one agency whose code, name or keywords appear in a text, or None (none or several)."""
    norm = f" {normalize_text(text)} "
    found = {code for code, words in vocab.agency_keywords().items() if any(f" {w} " in norm for w in words)}
    return found.pop() if len(found) == 1 else None


def detect_agency(book: Workbook, title_blocks: dict[int, list[list]]) -> tuple[str, str] | None:
    """(agency code, where it was found) from template cells, title blocks, sheet names, then the file name."""
    visible = [s for s in book.sheets if s.visible]
    for sheet in visible:
        cells = template_cells(title_blocks.get(sheet.index, []))
        if "agency" in cells:
            value, ref = cells["agency"]
            code = agency_in_text(str(value)) if value is not None else None
            if code:
                return code, f"sel Lembaga (lembar '{sheet.name}' {ref})"
    for sheet in visible:
        text = " ".join(title_texts(title_blocks.get(sheet.index, [])))
        code = agency_in_text(text) if text else None
        if code:
            return code, f"judul lembar '{sheet.name}'"
    code = agency_in_text(" ".join(s.name for s in visible))
    if code:
        return code, "nama lembar"
    code = agency_in_text(re.sub(r"\.[A-Za-z]+$", "", book.file_name))
    if code:
        return code, "nama file"
    return None
