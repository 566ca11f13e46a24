"""What a parsed workbook is: the hand-over from reading/parsing (etl.parse) to loading (etl.load)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from etl.errors import EtlError, UsageError, WorkbookError  # noqa: F401 - where the loader's modules import them


# the reason of a register row dated outside the period its file declares (etl.parse): such a rejection says
# nothing about the declared months, so it does not cast doubt on a NIHIL month (etl.ledger.standing_months)
OUTSIDE_PERIOD = "di_luar_periode"
# the words of the message for a file whose agency cannot be recognised: each caller names its own way to choose
AGENCY_UNKNOWN = "lembaga pengirim tidak dapat dikenali"


@dataclass(frozen=True)
class Problem:
    """A row-level error (the row is rejected) or warning (the row is kept), located in the workbook."""

    sheet: str | None
    row: int | None          # 1-based row number as Excel shows it
    column: str | None       # the header text as the agency wrote it (or the Excel column letter)
    reason: str              # short machine code, e.g. 'tanggal', 'umur', 'wilayah_luar', 'bentuk_tidak_dikenal'
    message: str             # Indonesian: what is wrong and how to fix it; never quotes personal data

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Perpetrator:
    """One perpetrator written on a victim's row (group ``slot``: Pelaku 1, 2, ...); never a name."""

    slot: int
    sex: str | None = None                 # 'L' | 'P' | None
    age: int | None = None
    is_child: bool | None = None
    relationship: str | None = None        # closed_lists code (relationship to the victim)


@dataclass(frozen=True)
class VictimRow:
    """One victim record from a register, with values already normalised to vocabulary codes."""

    sheet: str
    sheet_index: int
    row: int
    case_ref: str | None
    report_date: dt.date
    district_code: str
    violence_types: tuple[str, ...]
    sex: str | None = None                 # 'L' | 'P' | None
    age: int | None = None
    is_child: bool | None = None           # set when only a coarse band (e.g. 10-17) is known
    subdistrict_code: str | None = None
    incident_date: dt.date | None = None
    place_of_incident: str | None = None   # closed_lists code
    relationship: str | None = None        # closed_lists code
    services: tuple[str, ...] = ()
    notes: str | None = None               # already NIK-masked
    # case details (etl.tppo): the stage for any case; the TPPO block only for TPPO victims
    stage: str | None = None               # case_detail_lists.csv, list stage
    stage_date: dt.date | None = None
    tppo_purpose: str | None = None        # list exploitation
    tppo_channel: str | None = None        # list recruitment
    destination_kind: str | None = None    # list destination_kind
    destination: str | None = None         # destinations.csv code
    recruited_as_child: bool | None = None
    repatriated: bool | None = None
    repatriated_from: str | None = None    # destinations.csv code
    perpetrators: tuple[Perpetrator, ...] = ()


# case details (etl.tppo.DETAIL_COLUMNS), at the end of a victims table
CASE_DETAIL_FIELDS = [
    ("stage", pa.string()), ("stage_date", pa.date32()), ("tppo_purpose", pa.string()),
    ("tppo_channel", pa.string()), ("destination_kind", pa.string()), ("destination", pa.string()),
    ("recruited_as_child", pa.bool_()), ("repatriated", pa.bool_()), ("repatriated_from", pa.string()),
]

PERPETRATOR_TYPE = pa.struct([("slot", pa.int8()), ("sex", pa.string()), ("age", pa.int32()),
                              ("is_child", pa.bool_()), ("relationship", pa.string())])

# A register's victims travel from the parser to the loader as one Arrow table with a column per VictimRow field
# (in field order): no Python object per victim on the fast path, cheap to hand between processes.
VICTIM_TABLE_SCHEMA = pa.schema([
    ("sheet", pa.string()), ("sheet_index", pa.int32()), ("row", pa.int32()), ("case_ref", pa.string()),
    ("report_date", pa.date32()), ("district_code", pa.string()), ("violence_types", pa.list_(pa.string())),
    ("sex", pa.string()), ("age", pa.int32()), ("is_child", pa.bool_()), ("subdistrict_code", pa.string()),
    ("incident_date", pa.date32()), ("place_of_incident", pa.string()), ("relationship", pa.string()),
    ("services", pa.list_(pa.string())), ("notes", pa.string()),
    *CASE_DETAIL_FIELDS, ("perpetrators", pa.list_(PERPETRATOR_TYPE)),
])


def victims_as_table(rows: list[VictimRow]) -> pa.Table:
    """VictimRows as a victims table (the slow way; the parser builds its table column by column)."""
    columns = {name: [getattr(v, name) for v in rows] for name in VICTIM_TABLE_SCHEMA.names}
    columns["violence_types"] = [list(t) for t in columns["violence_types"]]
    columns["services"] = [list(t) for t in columns["services"]]
    columns["perpetrators"] = [[vars(p) for p in t] for t in columns["perpetrators"]]
    return pa.table(columns, schema=VICTIM_TABLE_SCHEMA)


@dataclass(frozen=True)
class RecapCell:
    """One count from a recap: victims of one form in one kecamatan and month (and sex, when split)."""

    sheet: str
    row: int
    column: str
    month: dt.date                          # first day of the month
    district_code: str
    violence_type: str
    sex: str | None
    victims: int


@dataclass
class ParsedWorkbook:
    """Everything the loader needs from one file; produced without touching the database."""

    file_name: str
    agency: str
    shape: str                              # 'register' | 'recap'
    months: list[dt.date]                   # first day of each month covered, sorted
    rows_read: int
    victim_table: pa.Table = field(default_factory=VICTIM_TABLE_SCHEMA.empty_table)   # registers
    recap: list[RecapCell] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)     # problems of rejected rows (several per row possible)
    warnings: list[Problem] = field(default_factory=list)
    detected: dict = field(default_factory=dict)            # what was detected and from where (for the summary)
    archive_copy: bytes | None = None                       # what the archive keeps of the file (etl.archive)
    nihil: bool = False                                     # it reports no cases ('NIHIL') and has no rows
    nihil_months: list[dt.date] = field(default_factory=list)  # months a NIHIL sheet beside data sheets declares

    @property
    def victims(self) -> list[VictimRow]:
        """The victims as VictimRow objects (built on each call: for checks and tests, not for loading)."""
        return [VictimRow(**{**row, "violence_types": tuple(row["violence_types"]),
                             "services": tuple(row["services"] or ()),
                             "perpetrators": tuple(Perpetrator(**p) for p in row["perpetrators"] or ())})
                for row in self.victim_table.to_pylist()]

    @property
    def record_months(self) -> set[dt.date]:
        """First days of the months the file's records fall in (report dates of victims, months of recap cells)."""
        if self.shape == "register":
            dates = pc.unique(self.victim_table.column("report_date")).to_pylist()
            return {d.replace(day=1) for d in dates}
        return {c.month.replace(day=1) for c in self.recap}

    @property
    def rows_rejected(self) -> int:
        return len({(e.sheet, e.row) for e in self.errors})

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_rejected

    @property
    def period(self) -> tuple[str, str] | None:
        if not self.months:
            return None
        return (self.months[0].strftime("%Y-%m"), self.months[-1].strftime("%Y-%m"))
