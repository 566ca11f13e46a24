"""The one place that knows the vocabularies: region, violence forms, age bands, agencies, closed lists, month names.

Everything about the region and the agencies' words is read from CSV files in the reference folder
(``data/reference`` by default, ``PPA_REFERENCE`` overrides it), so another kabupaten/kota can use the product by
replacing those files, not code. Month names are the language's, not the region's: they are written here once.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl import settings
from etl.model import UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent

# What a message a user reads calls the reference lists an operator extends: no file path or column name on a page
# or in a file sent back to an agency (data/reference/README.md says which file each is).
LIST_NAMES = {"violence_aliases.csv": "daftar ejaan bentuk kekerasan",
              "law_articles.csv": "daftar pasal undang-undang",
              "place_aliases.csv": "daftar ejaan nama wilayah"}

# ---------------------------------------------------------------- month names

MONTH_NAMES = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
               "November", "Desember")
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
# lower-case spelling in an agency's cell or sheet name -> month number: the names and abbreviations above, the old
# spellings (Pebruari, Nopember), other abbreviations seen in agency files, and English
MONTH_SPELLINGS: dict[str, int] = {
    **{name.lower(): number for number, name in enumerate(MONTH_NAMES, start=1)},
    **{short.lower(): number for number, short in enumerate(MONTH_ABBREVIATIONS, start=1)},
    "pebruari": 2, "peb": 2, "agt": 8, "ags": 8, "agst": 8, "sept": 9, "nopember": 11, "nop": 11,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8, "aug": 8,
    "october": 10, "oct": 10, "december": 12, "dec": 12,
}


def month_year(day: dt.date) -> str:
    """'Juni 2024'."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


def format_date(day: dt.date) -> str:
    """'5 Juni 2024'."""
    return f"{day.day} {month_year(day)}"


def months_text(months: list[dt.date]) -> str:
    """'Juni 2024', or 'Juni 2024 – Agustus 2024' from the first to the last of sorted months."""
    first, last = months[0], months[-1]
    return month_year(first) if first == last else f"{month_year(first)} – {month_year(last)}"


# ---------------------------------------------------------------- reference files


def reference_dir() -> Path:
    """The folder holding the reference files: the setting ``reference`` (``PPA_REFERENCE`` or ppa.toml)."""
    return settings.path("reference") or REPO_ROOT / "data" / "reference"


def normalize_text(value: str) -> str:
    """Fold case, accents, punctuation and spacing so that spellings can be compared."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return " ".join(text.split())


class ReferenceFileMissing(UsageError):
    """A reference file the region's folder lacks (a folder made before a national vocabulary was added)."""

    def __init__(self, name: str, folder: str) -> None:
        super().__init__(name, folder)  # both in args: the exception survives a worker process's pickling
        self.name, self.folder = name, folder

    def __str__(self) -> str:
        return (f"Berkas rujukan '{self.name}' tidak ada di folder rujukan wilayah ({self.folder}). Salin "
                f"'{self.name}' dari data/reference aplikasi: kosakata nasional sama untuk semua wilayah "
                "(docs/wilayah-baru.md).")

    def for_page(self) -> str:
        """The same, for a page: the file's name, no folder or document path."""
        return (f"Berkas rujukan '{self.name}' tidak ada di folder rujukan wilayah dasbor ini. Minta pengelola "
                f"server menyalin '{self.name}' dari folder rujukan bawaan aplikasi: kosakata nasional sama untuk "
                "semua wilayah.")


def _read(name: str) -> list[dict[str, str]]:
    path = reference_dir() / name
    if not path.is_file():  # a region's folder made before a national vocabulary was added
        raise ReferenceFileMissing(name, str(path.parent))
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


@dataclass(frozen=True)
class District:
    code: str
    name: str


@dataclass(frozen=True)
class Subdistrict:
    code: str
    name: str
    district_code: str


@dataclass(frozen=True)
class ViolenceType:
    code: str
    label: str


@dataclass(frozen=True)
class AgeBand:
    label: str
    min_age: int
    max_age: int
    is_child: bool


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    priority: int
    report_due_day: int


@lru_cache(maxsize=1)
def districts() -> tuple[District, ...]:
    """Kecamatan in code order."""
    return tuple(District(r["district_code"], r["district"]) for r in _read("districts.csv"))


@lru_cache(maxsize=1)
def subdistricts() -> tuple[Subdistrict, ...]:
    """Kelurahan in code order."""
    return tuple(
        Subdistrict(r["subdistrict_code"], r["subdistrict"], r["district_code"])
        for r in _read("subdistricts.csv")
    )


@lru_cache(maxsize=1)
def place_aliases() -> tuple[tuple[str, str, str], ...]:
    """(level, code, alias) rows: level is 'kecamatan' or 'kelurahan'."""
    return tuple((r["level"], r["code"], r["alias"]) for r in _read("place_aliases.csv"))


@lru_cache(maxsize=1)
def out_of_area_places() -> dict[str, str]:
    """Normalised name of a nearby place outside the region -> where it belongs."""
    return {normalize_text(r["place"]): r["belongs_to"] for r in _read("out_of_area.csv")}


@lru_cache(maxsize=1)
def violence_types() -> tuple[ViolenceType, ...]:
    """Violence forms (bentuk kekerasan) in display order."""
    return tuple(ViolenceType(r["code"], r["label"]) for r in _read("violence_types.csv"))


def violence_labels() -> dict[str, str]:
    """Form code -> Indonesian label."""
    return {v.code: v.label for v in violence_types()}


@lru_cache(maxsize=1)
def violence_aliases() -> dict[str, tuple[str, ...]]:
    """Normalised agency wording -> form codes (one wording may mean several forms)."""
    known = {v.code for v in violence_types()}
    aliases: dict[str, tuple[str, ...]] = {}
    for r in _read("violence_aliases.csv"):
        codes = tuple(c.strip() for c in r["violence_types"].split(";") if c.strip())
        unknown = set(codes) - known
        if unknown:
            raise ValueError(f"violence_aliases.csv: kode bentuk tidak dikenal {sorted(unknown)} untuk '{r['wording']}'")
        aliases[normalize_text(r["wording"])] = codes
    for v in violence_types():
        aliases.setdefault(normalize_text(v.code), (v.code,))
        aliases.setdefault(normalize_text(v.label), (v.code,))
    return aliases


@lru_cache(maxsize=1)
def violence_wording_places() -> dict[str, str]:
    """Normalised agency wording -> the place-of-incident code it implies ('KDRT psikis' -> 'rumah_tangga')."""
    places = {code for code, _ in closed_lists().get("place_of_incident", ())}
    implied: dict[str, str] = {}
    for r in _read("violence_aliases.csv"):
        place = r.get("place_of_incident") or ""
        if place and place not in places:
            raise ValueError(f"violence_aliases.csv: tempat kejadian '{place}' tidak ada dalam closed_lists.csv "
                             f"untuk '{r['wording']}'")
        if place:
            implied[normalize_text(r["wording"])] = place
    return implied


@lru_cache(maxsize=1)
def vague_violence_wordings() -> frozenset[str]:
    """Normalised wordings that do not say which form ('KDRT'; column vague = ya): they stand for their forms only
    when nothing else in the cell names one, and the row is loaded with a warning asking for the form."""
    return frozenset(normalize_text(r["wording"]) for r in _read("violence_aliases.csv")
                     if normalize_text(r.get("vague") or "") in ("ya", "y", "yes", "true", "1"))


_LAW_NUMBER = re.compile(r"\b(uu|perppu)(?: ri| republik indonesia)?(?: no| nomor| nmr)? (\d+)"
                         r"(?: tahun| th| thn)? ((?:19|20)\d\d)\b")


def law_reference_text(text: str) -> str:
    """Normalised text with each numbered law written one way: 'UU RI No. 23 Th 2004' -> 'uu 23 2004'."""
    text = re.sub(r"\bundang undang\b", "uu", normalize_text(text))
    return _LAW_NUMBER.sub(lambda m: f"{m[1]} {m[2]} {m[3]}", text)


def _article(text: str) -> str:
    return normalize_text(text).replace(" ", "")


@dataclass(frozen=True)
class LawArticles:
    """Laws and their articles as law_articles.csv maps them to forms."""

    aliases: dict[str, str]                     # law_reference_text(alias) -> law code
    law_forms: dict[str, tuple[str, ...]]       # law code -> forms of any offence under it ('' row), may be empty
    articles: dict[tuple[str, str], tuple[str, ...]]  # (law code, article '76e') -> forms
    labels: dict[str, str]                      # law code -> its first alias, as messages name it
    places: dict[str, str]                      # law code -> the place of incident an offence under it implies


@lru_cache(maxsize=1)
def law_articles() -> LawArticles:
    """The laws police registers cite and the form each article names (law_articles.csv): a row without an article
    names the law (its aliases, the form every offence under it is, if any, and the place of incident it implies:
    PKDRT, a household); an article may be a range ('285-290')."""
    known = {v.code for v in violence_types()}
    known_places = {code for code, _ in closed_lists().get("place_of_incident", ())}
    aliases, law_forms, articles, labels, places = {}, {}, {}, {}, {}
    for r in _read("law_articles.csv"):
        law = r["law"]
        if r.get("place_of_incident"):
            if r["place_of_incident"] not in known_places:
                raise ValueError(f"law_articles.csv: tempat kejadian '{r['place_of_incident']}' tidak ada dalam "
                                 f"closed_lists.csv untuk {law}")
            places[law] = r["place_of_incident"]
        forms = tuple(c.strip() for c in r["violence_types"].split(";") if c.strip())
        if set(forms) - known:
            raise ValueError(f"law_articles.csv: kode bentuk tidak dikenal {sorted(set(forms) - known)} untuk "
                             f"{law} pasal {r['article'] or '(undang-undang)'}")
        if not r["article"]:
            names = [a.strip() for a in r["aliases"].split(";") if a.strip()]
            law_forms[law] = forms
            labels.setdefault(law, names[0] if names else law)
            aliases.update({law_reference_text(a): law for a in names})
            continue
        span = re.fullmatch(r"(\d+)\s*-\s*(\d+)", r["article"])
        numbers = [str(n) for n in range(int(span[1]), int(span[2]) + 1)] if span else \
            [a for a in r["article"].split(";") if a.strip()]
        for number in numbers:
            articles[(law, _article(number))] = forms
    missing = {law for law, _ in articles} - set(law_forms)
    if missing:
        raise ValueError(f"law_articles.csv: undang-undang {sorted(missing)} tidak punya baris tanpa pasal "
                         "(nama dan alias undang-undangnya).")
    return LawArticles(aliases, law_forms, articles, labels, places)


@lru_cache(maxsize=1)
def age_bands() -> tuple[AgeBand, ...]:
    """Victim age bands (SIMFONI-PPA) in order."""
    return tuple(
        AgeBand(r["age_band"], int(r["min_age"]), int(r["max_age"]), r["is_child"].lower() == "true")
        for r in _read("age_bands.csv")
    )


def age_band_of(age: int | None) -> str | None:
    """The band label an age in whole years falls in, or None."""
    if age is None:
        return None
    for band in age_bands():
        if band.min_age <= age <= band.max_age:
            return band.label
    return None


def _enabled_agency_rows() -> list[dict[str, str]]:
    """agencies.csv rows of the agencies that report: column ``enabled`` empty or ya (BP3MI, Imigrasi, Disnaker are
    listed with 'tidak' until the operator enables them; a disabled agency is unknown to loads and compliance)."""
    return [r for r in _read("agencies.csv")
            if normalize_text(r.get("enabled") or "ya") not in ("tidak", "no", "false", "0", "t", "n")]


@lru_cache(maxsize=1)
def agencies() -> tuple[Agency, ...]:
    """Reporting agencies (enabled ones), highest priority (primary record holder) first."""
    rows = [
        Agency(r["agency"], r["name"], int(r["priority"]), int(r.get("report_due_day") or 10))
        for r in _enabled_agency_rows()
    ]
    return tuple(sorted(rows, key=lambda a: a.priority))


def agency_codes() -> tuple[str, ...]:
    return tuple(a.code for a in agencies())


def unknown_agency(code: str) -> str | None:
    """Why an agency code (upper case) cannot be used, as a sentence; None when it is an enabled agency."""
    if code in agency_codes():
        return None
    if any(r["agency"].strip().upper() == code for r in _read("agencies.csv")):
        return (f"Lembaga '{code}' terdaftar tetapi belum diaktifkan: isi kolom enabled dengan 'ya' pada baris "
                "lembaga itu di agencies.csv (folder rujukan), lalu muat ulang.")
    return (f"Kode lembaga '{code}' tidak dikenal. Pilih salah satu: {', '.join(agency_codes())} (atau tambahkan "
            "di agencies.csv pada folder rujukan).")


def agency_name(code: str | None) -> str | None:
    """The name people know an agency by ('UPTD_PPA' -> its name in agencies.csv); an
    unknown code is returned as it is."""
    return next((a.name for a in agencies() if a.code == code), code)


@lru_cache(maxsize=1)
def agency_keywords() -> dict[str, tuple[str, ...]]:
    """Agency code -> normalised words that name it in a title block or file name (code and name included)."""
    words: dict[str, tuple[str, ...]] = {}
    for r in _enabled_agency_rows():
        found = [normalize_text(r["agency"]), normalize_text(r["name"])]
        found += [normalize_text(k) for k in (r.get("keywords") or "").split(";")]
        words[r["agency"]] = tuple(dict.fromkeys(k for k in found if k))
    return words


@lru_cache(maxsize=1)
def closed_lists() -> dict[str, tuple[tuple[str, str], ...]]:
    """List name -> ((code, label), ...) for place of incident, relationship, service and sex."""
    lists: dict[str, list[tuple[str, str]]] = {}
    for r in _read("closed_lists.csv"):
        lists.setdefault(r["list"], []).append((r["code"], r["label"]))
    return {k: tuple(v) for k, v in lists.items()}


@lru_cache(maxsize=1)
def closed_list_aliases() -> dict[str, dict[str, str]]:
    """List name -> normalised agency wording -> code, from closed_list_aliases.csv."""
    codes = {name: {code for code, _ in entries} for name, entries in closed_lists().items()}
    aliases: dict[str, dict[str, str]] = {}
    for r in _read("closed_list_aliases.csv"):
        if r["code"] not in codes.get(r["list"], ()):
            raise ValueError(f"closed_list_aliases.csv: kode '{r['code']}' tidak ada dalam daftar '{r['list']}' "
                             f"(closed_lists.csv) untuk '{r['wording']}'")
        aliases.setdefault(r["list"], {})[normalize_text(r["wording"])] = r["code"]
    return aliases


@lru_cache(maxsize=None)
def closed_list_index(list_name: str) -> dict[str, str]:
    """Normalised spelling -> code for one closed list: its codes and labels, each part of a label written with
    '/' or ',' ('Keluarga/Saudara' also matches 'Saudara'), and the agencies' wordings (closed_list_aliases.csv)."""
    index: dict[str, str] = {}
    for code, label in closed_lists().get(list_name, ()):
        index[normalize_text(label)] = code
        index[normalize_text(code)] = code
    for code, label in closed_lists().get(list_name, ()):
        for piece in re.split(r"[/,]", label):
            index.setdefault(normalize_text(piece), code)
    for wording, code in closed_list_aliases().get(list_name, {}).items():
        index.setdefault(wording, code)
    return index


_derived: list = []


def derived_cache(build):
    """Cache what another module builds from the vocabularies (an index, remembered results) until they are
    forgotten by clear_caches(); ``build`` takes hashable arguments and its result is shared, never changed."""
    cached = lru_cache(maxsize=None)(build)
    _derived.append(cached)
    return cached


def clear_caches() -> None:
    """Forget what was read, and all that was built from it, after the reference files changed (e.g. an alias saved
    from the browser, or PPA_REFERENCE pointing elsewhere)."""
    for fn in (districts, subdistricts, place_aliases, out_of_area_places, violence_types, violence_aliases,
               violence_wording_places, vague_violence_wordings, law_articles, age_bands, agencies, agency_keywords, closed_lists,
               closed_list_aliases, closed_list_index, region, agency_first_months, *_derived):
        fn.cache_clear()


@dataclass(frozen=True)
class Region:
    """The region the product serves and the names that go on its pages, letterheads and file names."""

    code: str                 # Kemendagri code, e.g. "15.71"
    name: str                 # as written in a sentence: "Kota Jambi", "Kabupaten Contoh"
    government: str           # letterhead line 1: "Pemerintah Kota Jambi"
    office: str               # the office's full name, without the region
    office_short: str         # "DPMPPA Kota Jambi": signs reminders, credits charts
    task_force: str           # "Gugus Tugas TPPO Kota Jambi"
    source_line: str          # what every chart and page credits as its source
    public_source: str        # the source line of public (protected) outputs
    population_source: str    # where a population table per kecamatan comes from
    reporting_agencies: str   # the agencies as a source sentence names them ("UPTD PPA, Unit PPA Polresta, …")

    @property
    def slug(self) -> str:
        """The name for file names: 'kota-jambi'."""
        return normalize_text(self.name).replace(" ", "-")

    @property
    def source_sentence(self) -> str:
        """The full source sentence of staff pages and downloads."""
        return (f"Sumber: register kasus lembaga {self.task_force} ({self.reporting_agencies}), "
                f"diolah {self.office_short}.")

    @property
    def office_full(self) -> str:
        """'Dinas … Anak (DPMPPA) Kota Jambi' for a title slide."""
        return f"{self.office} ({self.office_short})"


REGION_FILE = "region.toml"


@lru_cache(maxsize=1)
def region() -> Region:
    """The region named in region.toml of the reference folder (every page, export and message reads it here)."""
    import tomllib
    path = reference_dir() / REGION_FILE
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ValueError(f"File wilayah {path} tidak ada: salin data/reference/{REGION_FILE} dan isi nama wilayah "
                         "Anda (lihat docs/wilayah-baru.md).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"File wilayah {path} tidak dapat dibaca: {exc}.") from None
    missing = [k for k in ("code", "name", "government", "office", "office_short") if not str(data.get(k, "")).strip()]
    if missing:
        raise ValueError(f"File wilayah {path}: isian {', '.join(missing)} kosong atau tidak ada.")
    name, office_short = data["name"].strip(), data["office_short"].strip()
    return Region(
        code=str(data["code"]).strip(), name=name, government=data["government"].strip(),
        office=data["office"].strip(), office_short=office_short,
        task_force=(data.get("task_force") or f"Gugus Tugas TPPO {name}").strip(),
        source_line=(data.get("source_line") or f"register kasus lembaga pelapor, diolah {office_short}").strip(),
        public_source=(data.get("public_source") or f"{office_short}, angka terlindungi").strip(),
        population_source=(data.get("population_source") or f"BPS, {name} Dalam Angka").strip(),
        reporting_agencies=(data.get("reporting_agencies") or ", ".join(a.name for a in agencies())).strip())


@lru_cache(maxsize=1)
def agency_first_months() -> dict[str, "dt.date"]:
    """Agency code -> first month it must report, from the optional ``first_month`` column of agencies.csv
    (YYYY-MM); agencies without one are expected from the first month any agency reported."""
    import datetime as dt
    months = {}
    for r in _read("agencies.csv"):
        text = (r.get("first_month") or "").strip()
        if text:
            match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
            if not match or not 1 <= int(match.group(2)) <= 12:
                raise ValueError(f"agencies.csv: first_month '{text}' untuk {r['agency']} harus tahun-bulan, "
                                 "mis. 2024-01.")
            months[r["agency"]] = dt.date(int(match.group(1)), int(match.group(2)), 1)
    return months


# ---------------------------------------------------------------- case details: TPPO and case stage (issue 23)

@dataclass(frozen=True)
class Destination:
    code: str      # ISO 3166-1 country, ISO 3166-2:ID province, Kemendagri kabupaten/kota code, or 'within_city'
    kind: str      # destination_kind code: within_city, within_province, other_province, abroad
    label: str


@derived_cache
def case_detail_lists() -> dict[str, tuple[tuple[str, str], ...]]:
    """List name -> ((code, label), ...) from case_detail_lists.csv: exploitation (purpose of exploitation),
    recruitment (channel), stage (tahap penanganan), destination_kind, yes_no."""
    lists: dict[str, list[tuple[str, str]]] = {}
    for r in _read("case_detail_lists.csv"):
        lists.setdefault(r["list"], []).append((r["code"], r["label"]))
    return {k: tuple(v) for k, v in lists.items()}


@derived_cache
def stage_steps() -> dict[str, int]:
    """Stage code -> the furthest step of the funnel it shows was reached (1 dilaporkan … 4 putusan)."""
    return {r["code"]: int(r["step"]) for r in _read("case_detail_lists.csv") if r["list"] == "stage"}


PROVINCE_PLACES_FILE = "province_places.csv"


def _province_places() -> list[dict[str, str]]:
    """The region's own file of the kabupaten/kota of its province (optional: code, label, aliases)."""
    return _read(PROVINCE_PLACES_FILE) if (reference_dir() / PROVINCE_PLACES_FILE).exists() else []


@derived_cache
def destinations() -> tuple[Destination, ...]:
    """Where victims were taken: the national list (destinations.csv: within the city, provinces, countries), with
    the region's own province counted as 'within the province', and the kabupaten/kota of that province from the
    region's province_places.csv (whose labels also replace national ones, e.g. 'Dalam Kota Jambi')."""
    kinds = {code for code, _ in case_detail_lists().get("destination_kind", ())}
    own_province = region().code.split(".")[0]
    local = {r["code"]: r["label"] for r in _province_places()}
    rows = []
    for r in _read("destinations.csv"):
        if r["kind"] not in kinds:
            raise ValueError(f"destinations.csv: jenis tujuan '{r['kind']}' untuk '{r['label']}' tidak ada dalam "
                             "case_detail_lists.csv (destination_kind).")
        kind = "within_province" if r.get("kemendagri") and r["kemendagri"] == own_province else r["kind"]
        rows.append(Destination(r["code"], kind, local.get(r["code"], r["label"])))
    known = {d.code for d in rows}
    rows += [Destination(code, "within_province", label) for code, label in local.items() if code not in known]
    return tuple(rows)


def case_detail_labels(list_name: str) -> dict[str, str]:
    """Code -> Indonesian label for one case-detail list, or for 'destination'."""
    if list_name == "destination":
        return {d.code: d.label for d in destinations()}
    return dict(case_detail_lists().get(list_name, ()))


@derived_cache
def case_detail_index(list_name: str) -> dict[str, str]:
    """Normalised spelling -> code for one case-detail list (or 'destination'): codes, labels, each part of a label
    written with '/', and the wordings of case_detail_aliases.csv."""
    entries = ([(d.code, d.label) for d in destinations()] if list_name == "destination"
               else list(case_detail_lists().get(list_name, ())))
    codes = {code for code, _ in entries}
    index: dict[str, str] = {}
    for code, label in entries:
        index[normalize_text(label)] = code
        index.setdefault(normalize_text(code), code)
    for code, label in entries:
        for piece in re.split(r"/", label):
            index.setdefault(normalize_text(piece), code)
    if list_name == "destination":
        index.setdefault(normalize_text(region().name), "within_city")
        for r in _province_places():
            for alias in (r.get("aliases") or "").split(";"):
                if normalize_text(alias):
                    index.setdefault(normalize_text(alias), r["code"])
    for r in _read("case_detail_aliases.csv"):
        if r["list"] != list_name:
            continue
        if r["code"] not in codes:
            raise ValueError(f"case_detail_aliases.csv: kode '{r['code']}' tidak ada dalam daftar '{list_name}' "
                             f"untuk '{r['wording']}'")
        index.setdefault(normalize_text(r["wording"]), r["code"])
    index.pop("", None)
    return index
