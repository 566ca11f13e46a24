"""Map an agency's column headers to the product's fields, by synonyms and per-agency profiles.

Synonyms live in ``data/reference/column_synonyms.csv`` (header,field) and per-agency layouts in
``data/reference/profiles/<AGENCY>.csv`` (header,field; a profile wins over the synonyms), so an operator can
teach the loader a new layout without code. Columns holding personal data (names, NIK, addresses, phone
numbers, dates of birth) are recognised so that their values are dropped before anything else reads them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from etl import vocab
from etl.model import EtlError
from etl.vocab import normalize_text

# field -> how the operator sees it
FIELDS = {
    "case_ref": "No. Register",
    "report_date": "Tanggal Lapor",
    "incident_date": "Tanggal Kejadian",
    "district": "Kecamatan",
    "subdistrict": "Kelurahan",
    "age": "Umur",
    "sex": "Jenis Kelamin",
    "violence": "Jenis Kekerasan",
    "legal_basis": "Pasal/UU",
    "birth_date": "Tanggal Lahir",
    "place_of_incident": "Tempat Kejadian",
    "relationship": "Hubungan dengan Pelaku",
    "services": "Layanan",
    # case details (issue 23, etl.tppo): the stage for every case, the TPPO block only for TPPO victims
    "stage": "Tahap Penanganan",
    "stage_date": "Tanggal Tahap",
    "tppo_purpose": "TPPO: Tujuan Eksploitasi",
    "tppo_channel": "TPPO: Direkrut Melalui",
    "tppo_modus": "TPPO: Modus",
    "destination": "TPPO: Daerah/Negara Tujuan",
    "recruited_as_child": "TPPO: Anak saat Direkrut",
    "repatriated": "TPPO: Dipulangkan",
    "repatriated_from": "TPPO: Dipulangkan dari",
    "notes": "Keterangan",
    "number": "No",
    "personal": "(data pribadi: dibuang)",
    "ignore": "(diabaikan)",
}
# Perpetrators (pelaku) sit on the victim's row in numbered groups ("Pelaku 1 Jenis Kelamin", "Umur Tersangka"):
# field perpetrator_<slot>_<part>. Police registers call them tersangka or terlapor; their names are personal data.
PERPETRATOR_SLOTS = 5
PERPETRATOR_PARTS = {"sex": "Jenis Kelamin", "age": "Umur", "relationship": "Hubungan dengan Korban"}
_PERPETRATOR_WORDS = {"pelaku", "tersangka", "terlapor"}
_PERPETRATOR_PART_WORDS = (("relationship", {"hubungan", "hub"}), ("age", {"umur", "usia"}),
                           ("sex", {"kelamin", "jk", "sex", "l p", "lp"}))


def perpetrator_field(slot: int, part: str) -> str:
    """The field name of one part (sex, age, relationship) of the slot-th perpetrator group."""
    return f"perpetrator_{slot}_{part}"


def perpetrator_part(field: str) -> str | None:
    """'sex', 'age' or 'relationship' for a perpetrator field (read like the victim's field of that name)."""
    head, _, part = field.rpartition("_")
    return part if head.startswith("perpetrator_") and part in PERPETRATOR_PARTS else None


FIELDS.update({perpetrator_field(slot, part): f"Pelaku {slot} {label}"
               for slot in range(1, PERPETRATOR_SLOTS + 1) for part, label in PERPETRATOR_PARTS.items()})


def _perpetrator_field_of(header: str) -> str | None:
    """'Pelaku 2 Umur', 'Jenis Kelamin Tersangka', 'Pelaku / Hubungan dengan Korban' -> a perpetrator field; a header
    that also has a personal word (Nama Tersangka) is not one."""
    text = normalize_text(header)
    words = set(text.split())
    if not words & _PERPETRATOR_WORDS or words & _PERSONAL_WORDS:
        return None
    numbers = [int(w) for w in words if w.isdigit()]
    slot = numbers[0] if len(numbers) == 1 else 1 if not numbers else None
    if slot is None or not 1 <= slot <= PERPETRATOR_SLOTS:
        return None
    for part, marks in _PERPETRATOR_PART_WORDS:
        if words & marks or any(" " in m and m in text for m in marks):
            return perpetrator_field(slot, part)
    return None
# Dropped like personal data: free text (Keterangan) can name a victim, a perpetrator or an address, and nothing
# the product shows reads it (docs/data-contract.md, "notes").
DROPPED_FIELDS = ("personal", "notes")
# Read for one thing and then dropped like personal data: a birth date gives the age at the report date and is
# never stored, quoted or archived (the archive blanks ColumnMap.personal).
READ_THEN_DROPPED = ("birth_date",)
REGISTER_FIELDS = tuple(f for f in FIELDS if f not in ("number", "personal", "ignore"))
# Words that mark a header as personal data even when no synonym lists it: safer to drop than to keep.
_PERSONAL_WORDS = {"nama", "nik", "ktp", "alamat", "telp", "telpon", "telepon", "hp", "handphone", "wa",
                   "whatsapp", "lahir", "kk", "email", "rt", "rw", "jalan", "jl"}


class ProfileError(EtlError):
    """A profile or alias given by an operator cannot be saved."""


def _reference_file(name: str) -> Path:
    return vocab.reference_dir() / name


def profile_path(agency: str) -> Path:
    """Where the column profile of an agency is kept."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", agency or ""):
        raise ProfileError(f"Kode lembaga '{agency}' tidak sah untuk nama profil (hanya huruf, angka dan _).")
    return _reference_file("profiles") / f"{agency.upper()}.csv"


def _read_pairs(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        pairs = {}
        for row in csv.DictReader(f):
            header, name = (row.get("header") or "").strip(), (row.get("field") or "").strip()
            if header and name in FIELDS:
                pairs[normalize_text(header)] = name
        return pairs


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """Normalised header -> field, from column_synonyms.csv."""
    return _read_pairs(_reference_file("column_synonyms.csv"))


@lru_cache(maxsize=32)
def profile(agency: str | None) -> dict[str, str]:
    """Normalised header -> field for one agency's own layout (empty when it has none)."""
    if not agency:
        return {}
    try:
        return _read_pairs(profile_path(agency))
    except ProfileError:
        return {}


def clear_caches() -> None:
    """Forget synonyms, profiles and vocabularies after a reference file changed."""
    synonyms.cache_clear()
    profile.cache_clear()
    vocab.clear_caches()


def _without_brackets(text: str) -> str:
    return re.sub(r"\([^)]*\)?", " ", text)


def field_of(header: str | None, agency: str | None = None) -> str | None:
    """The field a header means, or None; a flattened 'PARENT / CHILD' header is tried whole, then by parts."""
    if not header:
        return None
    table = {**synonyms(), **profile(agency)}
    candidates = [header]
    if " / " in header:
        parent, child = header.rsplit(" / ", 1)
        candidates += [child, parent]
    for position, candidate in enumerate(candidates):
        for text in (candidate, _without_brackets(candidate)):
            key = normalize_text(text)
            if key in table:
                return table[key]
        # the whole header first: 'Pelaku / Umur' is the perpetrator's age, not the victim's 'Umur'
        if position == 0 and (perpetrator := _perpetrator_field_of(candidate)):
            return perpetrator
    for candidate in candidates:
        words = set(normalize_text(candidate).split())
        if words & _PERSONAL_WORDS:
            return "personal"
    return None


@dataclass
class ColumnMap:
    """Which column (0-based index) holds which field, and which columns are personal data or unknown."""

    fields: dict[str, int] = field(default_factory=dict)
    headers: dict[int, str] = field(default_factory=dict)     # every non-empty header, as written
    personal: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)

    def header(self, name: str) -> str:
        """The header text as the agency wrote it for a field."""
        return self.headers.get(self.fields[name], FIELDS[name])

    def describe(self) -> dict[str, str]:
        """Header as written -> field (for the load summary)."""
        out = {self.headers[i]: name for name, i in self.fields.items()}
        out.update({self.headers[i]: "personal" for i in self.personal})
        return out


def map_columns(headers: list[str | None], agency: str | None = None) -> ColumnMap:
    """Map a row of (flattened) header names; the first column for a field wins, later duplicates are unknown."""
    mapping = ColumnMap()
    for index, header in enumerate(headers):
        if not header:
            continue
        mapping.headers[index] = header
        name = field_of(header, agency)
        if name in READ_THEN_DROPPED:
            mapping.personal.append(index)
            mapping.fields.setdefault(name, index)
        elif name in DROPPED_FIELDS:
            mapping.personal.append(index)
        elif name is None or name == "ignore":
            mapping.unknown.append(index)
        elif name not in mapping.fields:
            mapping.fields[name] = index
        else:
            mapping.unknown.append(index)
    return mapping


def missing_register_fields(mapping: ColumnMap) -> list[str]:
    """Required register fields without a column (kecamatan may come from kelurahan)."""
    missing = [FIELDS[f] for f in ("report_date", "sex") if f not in mapping.fields]
    if "violence" not in mapping.fields and "legal_basis" not in mapping.fields:
        missing.append(FIELDS["violence"])  # a police register's Pasal/UU column alone also names the forms
    if "district" not in mapping.fields and "subdistrict" not in mapping.fields:
        missing.insert(1, "Kecamatan (atau Kelurahan)")
    return missing


def missing_columns_message(file_name: str, sheet: str, header_row: int, headers: list[str | None],
                            missing: list[str], *, counts: bool) -> str:
    """Why a sheet read as a register cannot be loaded. ``counts``: its columns hold counts (L/P, Jumlah or form
    columns) and neither dates nor a kecamatan: a recap without kecamatan, told what a recap needs, not a register."""
    found = ", ".join(f"'{h}'" for h in headers if h) or "(tidak ada)"
    where = f"File '{file_name}', lembar '{sheet}' (baris judul {header_row})"
    if counts:
        forms = ", ".join(v.label for v in vocab.violence_types())
        return (f"{where} tampak seperti rekap jumlah korban tanpa kolom Kecamatan. Rekap dihitung per kecamatan: "
                f"kolom yang diharapkan adalah {FIELDS['district']} (satu baris per kecamatan), lalu jumlah korban "
                f"per bentuk kekerasan ({forms}), masing-masing L dan P, dan Jumlah. Judul kolom yang ada: {found}. "
                "Isi rekap per kecamatan pada template rekap bulanan resmi, atau kirim register satu baris per "
                "korban.")
    return (f"{where}: kolom wajib tidak ditemukan: {', '.join(missing)}. Judul kolom yang ada: {found}. Ganti judul "
            "kolom sesuai template resmi, atau minta operator menyimpan profil kolom lembaga ini (di halaman Unggah Data).")


def _write_pairs(path: Path, pairs: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["header", "field"])
        writer.writerows(pairs)
    tmp.replace(path)


def save_profile(agency: str, mapping: dict[str, str]) -> Path:
    """Add or change header -> field lines in an agency's profile file and forget cached mappings."""
    for header, name in mapping.items():
        if name not in FIELDS:
            raise ProfileError(f"Kolom '{header}': field '{name}' tidak dikenal. Pilih salah satu: "
                               f"{', '.join(FIELDS)}.")
        if not normalize_text(header):
            raise ProfileError("Judul kolom kosong tidak dapat disimpan dalam profil.")
    path = profile_path(agency)
    existing: list[tuple[str, str]] = []
    if path.exists():
        with open(path, newline="", encoding="utf-8") as f:
            existing = [((r.get("header") or "").strip(), (r.get("field") or "").strip()) for r in csv.DictReader(f)]
    new_keys = {normalize_text(h) for h in mapping}
    kept = [(h, n) for h, n in existing if h and normalize_text(h) not in new_keys]
    _write_pairs(path, kept + [(h.strip(), n) for h, n in mapping.items()])
    clear_caches()
    return path


def add_violence_alias(wording: str, codes: list[str] | tuple[str, ...]) -> Path:
    """Teach the loader that an agency wording means these form codes (appended to violence_aliases.csv)."""
    known = {v.code for v in vocab.violence_types()}
    codes = [c.strip() for c in codes if c and c.strip()]
    if not normalize_text(wording or ""):
        raise ProfileError("Kata/istilah kosong tidak dapat dijadikan alias jenis kekerasan.")
    if not codes or set(codes) - known:
        raise ProfileError(f"Kode bentuk kekerasan {sorted(set(codes) - known) or '(kosong)'} tidak dikenal. "
                           f"Pilih dari: {', '.join(sorted(known))}.")
    path = _reference_file("violence_aliases.csv")
    key = normalize_text(wording)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if r and normalize_text(r[0]) != key]
    body.append([wording.strip(), ";".join(dict.fromkeys(codes))] + [""] * (len(header) - 2))
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header] + body)
    tmp.replace(path)
    clear_caches()
    return path
