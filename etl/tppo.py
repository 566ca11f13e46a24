"""Normalisers for the case details of issue 23: TPPO detail per victim and the case stage (tahap penanganan).

Like etl.values: each returns a ``Value`` (perhaps with a warning) or None when the cell is empty; none of them
rejects a row (the details are optional). The vocabularies are etl.vocab's (``case_detail_lists.csv``,
``destinations.csv``, ``case_detail_aliases.csv``). A police "modus" cell is free text: it is scanned for the
wordings of those lists, never quoted, and the archive keeps only what was recognised in it (``archive_rewrite``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl import vocab
from etl.model import Problem
from etl.values import Value, _quote, normalize_text, parse_date, parse_district, parse_subdistrict

# register fields of this module (etl.columns.FIELDS), and which of them only TPPO victims carry
STAGE_FIELDS = ("stage", "stage_date")
TPPO_FIELDS = ("tppo_purpose", "tppo_channel", "tppo_modus", "destination", "recruited_as_child", "repatriated",
               "repatriated_from")
# the columns these fields become (etl.model.VICTIM_TABLE_SCHEMA, victim_records)
DETAIL_COLUMNS = ("stage", "stage_date", "tppo_purpose", "tppo_channel", "destination_kind", "destination",
                  "recruited_as_child", "repatriated", "repatriated_from")

_LIST_NAMES = {"exploitation": "Tujuan eksploitasi", "recruitment": "Cara perekrutan", "stage": "Tahap penanganan",
               "yes_no": "Isian ya/tidak"}
# the furthest first: a cell naming a transit and a final place ('Batam - Malaysia') is read as the final one
_KIND_RANK = {"within_city": 0, "within_province": 1, "other_province": 2, "abroad": 3}
# keys this short are too common inside free text ('wa', 'x', 'pt') to be searched for there
_MIN_SCAN = 3


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@vocab.derived_cache
def _scanner(list_name: str, min_length: int) -> re.Pattern:
    """A regex finding the list's spellings as whole words in normalised text, longest first."""
    keys = sorted((k for k in vocab.case_detail_index(list_name) if len(k) >= min_length), key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, keys)) + r")(?![a-z0-9])")


def _found(text: str, list_name: str, min_length: int = 1) -> list[str]:
    """Codes of the list's spellings found in normalised text, in order."""
    index = vocab.case_detail_index(list_name)
    return [index[m.group(1)] for m in _scanner(list_name, min_length).finditer(text)]


def _unknown(value, list_name: str, quote: bool = True) -> Problem:
    labels = ", ".join(label for _, label in vocab.case_detail_lists().get(list_name, ()))
    mention = f" '{_quote(value)}'" if quote else ""
    return Problem(None, None, None, "daftar_tidak_dikenal",
                   f"{_LIST_NAMES.get(list_name, list_name)}{mention} tidak ada dalam daftar ({labels}); nilai ini "
                   "dikosongkan. Pilih dari daftar pada template.")


def parse_listed(value, list_name: str) -> Value | None:
    """A code of a case-detail list (exploitation, recruitment, yes_no); unknown: NULL with a warning."""
    if _empty(value):
        return None
    code = vocab.case_detail_index(list_name).get(normalize_text(value))
    if code is None and list_name != "yes_no":
        found = _found(normalize_text(value), list_name)
        code = found[0] if found else None
    return Value(code) if code is not None else Value(None, _unknown(value, list_name))


def parse_purpose(value) -> Value | None:
    return parse_listed(value, "exploitation")


def parse_channel(value) -> Value | None:
    return parse_listed(value, "recruitment")


def parse_yes_no(value) -> Value | None:
    """True/False from Ya/Tidak and their spellings; a number 1/0 too."""
    if isinstance(value, bool):
        return Value(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return Value(bool(value))
    outcome = parse_listed(value, "yes_no")
    return outcome if outcome is None or outcome.value is None else Value(outcome.value == "yes")


def parse_stage(value) -> Value | None:
    """A stage code; a cell naming several ('Sidik / P21') is read as the furthest step."""
    if _empty(value):
        return None
    text = normalize_text(value)
    code = vocab.case_detail_index("stage").get(text)
    if code is None:
        found = _found(text, "stage", 2)
        steps = vocab.stage_steps()
        code = max(found, key=lambda c: steps.get(c, 0)) if found else None
    return Value(code) if code is not None else Value(None, _unknown(value, "stage"))


def parse_stage_date(value, today: dt.date) -> Value | None:
    """The date of the stage; an unreadable date is a warning (the row is kept without it)."""
    outcome = parse_date(value, today, what="Tanggal tahap")
    if isinstance(outcome, Problem):
        return Value(None, Problem(None, None, None, outcome.reason, outcome.message + " Tanggal tahap dikosongkan."))
    return outcome


def _destination_code(text: str) -> str | None:
    """The destination a normalised text names: listed whole, a kecamatan/kelurahan of the region (within the
    city), or the furthest of the places it names."""
    index = vocab.case_detail_index("destination")
    if text in index:
        return index[text]
    if isinstance(parse_district(text), Value) or isinstance(parse_subdistrict(text), Value):
        return "within_city"
    kinds = {d.code: d.kind for d in vocab.destinations()}
    found = _found(text, "destination", _MIN_SCAN)
    return max(found, key=lambda c: _KIND_RANK.get(kinds.get(c), -1)) if found else None


def parse_destination(value) -> Value | None:
    """A destinations.csv code. An unknown place is NULL with a warning that does not quote the cell (an address
    may be typed there)."""
    if _empty(value):
        return None
    code = _destination_code(normalize_text(value))
    if code is not None:
        return Value(code)
    return Value(None, Problem(None, None, None, "tujuan_tidak_dikenal",
                               "Daerah/negara tujuan tidak dikenal; nilai ini dikosongkan. Tulis nama provinsi, "
                               "kabupaten/kota atau negara (mis. Riau, Batam, Malaysia), atau 'Dalam kota'."))


@dataclass(frozen=True)
class Modus:
    """What a free-text modus cell says, as codes (any may be None)."""

    purpose: str | None = None
    channel: str | None = None
    destination: str | None = None

    def text(self) -> str | None:
        """What was recognised, as the archive keeps it instead of the free text: the purpose and channel codes
        and the destination's label, which read back as the same."""
        parts = [self.purpose, self.channel, vocab.case_detail_labels("destination").get(self.destination)]
        return "; ".join(p for p in parts if p) or None


def parse_modus(value) -> Value | None:
    """Purpose, channel and destination named in a modus cell ('dijanjikan kerja di Malaysia, dijadikan PSK');
    never a warning: modus is free text and need not name any of them."""
    if _empty(value):
        return None
    text = normalize_text(value)
    # 'lainnya' in free text says nothing
    purposes = [c for c in _found(text, "exploitation", _MIN_SCAN) if c != "other"]
    channels = [c for c in _found(text, "recruitment", _MIN_SCAN) if c != "other"]
    kinds = {d.code: d.kind for d in vocab.destinations()}
    places = _found(text, "destination", _MIN_SCAN)
    place = max(places, key=lambda c: _KIND_RANK.get(kinds.get(c), -1)) if places else None
    modus = Modus(purposes[0] if purposes else None, channels[0] if channels else None, place)
    return Value(modus) if modus != Modus() else None


def normaliser(field: str, today: dt.date):
    """How etl.parse reads one of this module's fields (None for a field that is not one)."""
    return {
        "stage": parse_stage, "stage_date": lambda v: parse_stage_date(v, today),
        "tppo_purpose": parse_purpose, "tppo_channel": parse_channel, "tppo_modus": parse_modus,
        "destination": parse_destination, "recruited_as_child": parse_yes_no, "repatriated": parse_yes_no,
        "repatriated_from": parse_destination,
    }.get(field)


def archive_rewrite(field: str, blank_of):
    """For the archive (etl.archive): values -> {index: what the copy keeps instead}, or None for a field kept like
    any other read field. A modus cell becomes the labels of what was recognised in it (or a blank): its free text
    may name people; a destination cell that is not recognised is blanked (it may hold an address)."""
    if field == "tppo_modus":
        def rewrite(values: list) -> dict[int, object]:
            changes = {}
            for i, v in enumerate(values):
                if _empty(v):
                    continue
                outcome = parse_modus(v)
                kept = outcome.value.text() if outcome is not None else None
                if kept != v:
                    changes[i] = kept if kept is not None else blank_of(v)
            return changes
        return rewrite
    if field in ("destination", "repatriated_from"):
        def rewrite(values: list) -> dict[int, object]:
            return {i: blank_of(v) for i, v in enumerate(values)
                    if not _empty(v) and parse_destination(v).value is None}
        return rewrite
    return None


def detail_arrays(spread, violence_types: pa.Array) -> dict[str, pa.Array]:
    """The detail columns of a register sheet's rows (DETAIL_COLUMNS) from etl.parse's ``spread(field, value)``:
    the stage for every row; the TPPO block only where the victim's forms include tppo (an agency may leave text
    in it for other rows), the dedicated columns before what a modus cell says, and a place of repatriation
    meaning the victim was repatriated."""
    is_tppo = _has_tppo(violence_types)
    null = pa.nulls(len(violence_types))
    stage = {"stage": spread("stage").cast(pa.string()), "stage_date": spread("stage_date").cast(pa.date32())}
    if not pc.any(is_tppo).as_py():  # most sheets: no TPPO victim, so the whole block is empty (~2 ms a file less)
        return {name: stage.get(name, null) for name in DETAIL_COLUMNS}

    def tppo_only(values: pa.Array) -> pa.Array:  # (an empty column stays as it is)
        return values if values.null_count == len(values) else pc.if_else(is_tppo, values, null.cast(values.type))

    def modus(part: str) -> pa.Array:
        return spread("tppo_modus", lambda m: getattr(m, part) if m else None).cast(pa.string())

    kinds = {d.code: d.kind for d in vocab.destinations()}
    destination = pc.coalesce(spread("destination").cast(pa.string()), modus("destination"))
    repatriated_from = spread("repatriated_from").cast(pa.string())
    repatriated = pc.coalesce(spread("repatriated").cast(pa.bool_()),
                              pc.if_else(pc.is_valid(repatriated_from), pa.scalar(True), pa.scalar(None, pa.bool_())))
    return {
        **stage,
        "tppo_purpose": tppo_only(pc.coalesce(spread("tppo_purpose").cast(pa.string()), modus("purpose"))),
        "tppo_channel": tppo_only(pc.coalesce(spread("tppo_channel").cast(pa.string()), modus("channel"))),
        "destination": tppo_only(destination),
        "destination_kind": tppo_only(pa.array(list(kinds.values()), pa.string()).take(
            pc.index_in(destination, value_set=pa.array(list(kinds), pa.string())))),
        "recruited_as_child": tppo_only(spread("recruited_as_child").cast(pa.bool_())),
        "repatriated": tppo_only(repatriated),
        "repatriated_from": tppo_only(repatriated_from),
    }


def _has_tppo(violence_types: pa.Array) -> pa.Array:
    """A boolean per row: 'tppo' is among the row's forms (a sheet whose form cells are all empty gives nulls)."""
    violence_types = violence_types.cast(pa.list_(pa.string()))
    flat = pc.equal(pc.list_flatten(violence_types), "tppo")
    parents = pc.list_parent_indices(violence_types)
    hits = np.zeros(len(violence_types), bool)
    hits[np.asarray(parents)[np.asarray(flat.fill_null(False))]] = True
    return pa.array(hits)
