"""Pure normalisers from what agencies type into cells to vocabulary values.

Each normaliser returns a ``Value`` (the normalised value, perhaps with a warning) or a ``Problem`` (the row is
rejected). Problems come back without a location; etl.parse adds sheet, row and column. Messages are Indonesian,
say what was expected and how to fix it, and never quote a personal-data cell (those never reach this module).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from etl import vocab
from etl.model import Problem
from etl.vocab import format_date
from etl.vocab import normalize_text as _normalize_text

# agency files repeat the same few spellings thousands of times; folding them once keeps loads fast
normalize_text = lru_cache(maxsize=100_000)(_normalize_text)

ALIASES_LIST = vocab.LIST_NAMES["violence_aliases.csv"]
# the advice that closes every "unknown form" message: the Unggah Data page can add a spelling
ADD_SPELLING = f"minta operator menambahkan ejaan ini ke {ALIASES_LIST} (di halaman Unggah Data)"
MAX_AGE = 110
MIN_YEAR = 2000  # older dates in a current report are almost always a typo or a misread serial number
# a wording a message quotes in full: the upload page and the advice take the alias to add from the quote
WORDING_LIMIT = 200
FUZZY_ACCEPT = 85  # rapidfuzz ratio (0-100) from which a misspelt place is accepted with a warning


@dataclass(frozen=True)
class Value:
    """A normalised value, possibly with a warning for a row that is still loaded."""

    value: object
    warning: Problem | None = None


def _error(reason: str, message: str) -> Problem:
    return Problem(None, None, None, reason, message)


# Fields whose cells messages never quote: an address may be typed there, and the archive blanks such a cell
# when it is not recognised (etl.archive), so a message about it must read the same without it.
ADDRESS_LIKE = ("kecamatan", "kelurahan", "place_of_incident")


def _quote(value, limit: int = 60) -> str:
    """A cell as a message quotes it (the one place that does): shortened, NIK-like and phone numbers masked."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        value = str(value).replace(".", ",")  # Indonesian decimal comma
    text = mask_personal_numbers(" ".join(str(value).split())) or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# How older versions quoted an address-like cell (migration 4 rewords what they stored; etl.db)
_OLD_ADDRESS_QUOTE = re.compile(r"^(Kecamatan|Kelurahan|Tempat kejadian) '.*?' (?=tidak dikenal di wilayah ini|"
                                r"tidak ada dalam daftar)", re.S)
_QUOTED = re.compile(r"'([^']*)'")


def reworded_message(message: str | None) -> str | None:
    """A message stored by an older version as this one words it: no address-like cell quoted, NIK-like and phone
    numbers masked in what it quotes."""
    if not message:
        return message
    message = _OLD_ADDRESS_QUOTE.sub(r"\1 ", message)
    return _QUOTED.sub(lambda m: f"'{mask_personal_numbers(m[1]) or ''}'", message)


def _mention(value, field: str) -> str:
    """The quoted cell as a message names it (space first), or nothing when the field is address-like."""
    return "" if field in ADDRESS_LIKE else f" '{_quote(value)}'"


# ---------------------------------------------------------------- months and dates

# still imported under this name by etl/compliance.py and etl/inspect.py; the names are vocab.MONTH_NAMES

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$", re.I)
_WORD_DATE = re.compile(r"^(\d{1,2})\s*[\s\-/.]\s*([a-z]+)\.?\s*[\s\-/.,]\s*(\d{2}|\d{4})$", re.I)
_TRAILING_TIME = re.compile(r"\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?$")
_DAY_NAME = re.compile(r"^(senin|selasa|rabu|kamis|jumat|jum at|sabtu|minggu|ahad)\s*,?\s*", re.I)


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _date_text(text: str) -> dt.date | None:
    text = _DAY_NAME.sub("", text.strip())
    text = _TRAILING_TIME.sub("", text)
    if m := _ISO_DATE.match(text):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC_DATE.match(text):
        return dt.date(_year(m[3]), int(m[2]), int(m[1]))  # day first, always
    if m := _WORD_DATE.match(text):
        month = vocab.MONTH_SPELLINGS.get(m[2].lower())
        if month is None:
            return None
        return dt.date(_year(m[3]), month, int(m[1]))
    return None


def parse_date(value, today: dt.date, *, what: str = "Tanggal") -> Value | Problem | None:
    """A report or incident date from an Excel date, serial number or day-first text; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    expected = ("Tulis tanggal sebagai tanggal Excel atau hari-bulan-tahun, "
                "mis. 05/06/2024 atau 5 Juni 2024.")
    date: dt.date | None
    try:
        if isinstance(value, dt.datetime):
            date = value.date()
        elif isinstance(value, dt.date):
            date = value
        elif isinstance(value, bool):
            date = None
        elif isinstance(value, (int, float)):
            if not math.isfinite(value) or not (1 <= value < 2958466):
                date = None
            else:
                date = _EXCEL_EPOCH + dt.timedelta(days=int(value))
        else:
            date = _date_text(str(value))
    except ValueError:  # e.g. 31/02/2024: looks like a date but is not one
        date = None
    if date is None:
        return _error("tanggal", f"{what} '{_quote(value)}' tidak dapat dibaca. {expected}")
    if date > today:
        return _error("tanggal_masa_depan",
                      f"{what} {format_date(date)} ada di masa depan (hari ini {format_date(today)}). "
                      "Periksa tanggal, bulan dan tahunnya (urutan hari/bulan/tahun).")
    if date.year < MIN_YEAR:
        return _error("tanggal", f"{what} {format_date(date)} terlalu lama (sebelum tahun {MIN_YEAR}). "
                      f"Periksa tahunnya. {expected}")
    return Value(date)


_MONTH_YEAR_NUM = re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})(?![\d/\-.])|(?<![\d/\-.])(\d{1,2})\s*[-/.]\s*(\d{4})(?!\d)")


def parse_months(value) -> list[dt.date]:
    """The months (first days) a period text or date names: '2024-06', 'Juni 2024', 'Apr-Mei 2024', a date …"""
    if value is None:
        return []
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return [value.replace(day=1)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return []
    text = str(value)
    tokens = re.findall(r"[A-Za-z]+|\d+", text)
    named: list[tuple[int, int | None]] = []
    years: list[int] = []
    for token in tokens:
        low = token.lower()
        if low in vocab.MONTH_SPELLINGS:
            named.append((vocab.MONTH_SPELLINGS[low], None))
        elif token.isdigit() and len(token) == 4 and 1990 <= int(token) <= 2100:
            years.append(int(token))
            # a year right after month names applies to those without a year yet
            named = [(m, y if y is not None else int(token)) for m, y in named]
    if named:
        if any(y is None for _, y in named):
            if not years:
                return []
            named = [(m, y if y is not None else years[-1]) for m, y in named]
        firsts = sorted({dt.date(y, m, 1) for m, y in named})
        return _month_range(firsts[0], firsts[-1])
    found = []
    for m in _MONTH_YEAR_NUM.finditer(text):
        year, month = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        if 1 <= month <= 12 and 1990 <= year <= 2100:
            found.append(dt.date(year, month, 1))
    if found:
        return _month_range(min(found), max(found))
    return []


def _month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    current = first
    while current <= last and len(months) < 240:
        months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


# ---------------------------------------------------------------- age

_AGE_NUMBER = r"(\d+(?:[.,]\d+)?)"
_AGE_YEARS = re.compile(rf"^{_AGE_NUMBER}\s*(?:th|thn|tahun|thun|tahunan|yr|y|t)?\.?(?:\s+\d+\s*(?:bl|bln|bulan)\.?)?$")
_AGE_MONTHS = re.compile(rf"^{_AGE_NUMBER}\s*(?:bl|bln|bulan)\.?$")
_AGE_DAYS = re.compile(rf"^{_AGE_NUMBER}\s*(?:hr|hari|minggu|mgg)\.?$")
_AGE_BAND = re.compile(r"^(\d+)\s*(?:-|–|s\.?\s*d\.?|sampai|to)\s*(\d+)\s*(?:th|thn|tahun)?\.?$")
_AGE_OVER = re.compile(r"^(?:>=|≥|>|lebih dari|di atas|diatas)\s*(\d+)\s*(?:th|thn|tahun)?\.?$|^(\d+)\s*(?:\+|th\s*\+|tahun ke atas|keatas|ke atas)$")
_AGE_UNDER = re.compile(r"^(?:<|kurang dari|di bawah|dibawah)\s*(\d+)\s*(?:th|thn|tahun)?\.?$")


@dataclass(frozen=True)
class Age:
    """An age in whole years when known, else only whether the victim is a child (coarse band)."""

    years: int | None
    is_child: bool | None


def parse_age(value) -> Value | Problem | None:
    """Age in completed years from 7, '7 th', '1,5 th' (1), '3 bln' (0), or a band such as '10-17' (child only)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return _error("umur", f"Umur '{value}' tidak dapat dibaca. Tulis umur dalam tahun, mis. 7 atau '7 th'.")
    if isinstance(value, (int, float)):
        return _age_years(float(value), value)
    text = " ".join(str(value).lower().replace("±", "").replace("+-", "").split())
    text = text.removeprefix("umur ").removeprefix("usia ").strip()
    if m := _AGE_YEARS.match(text):
        return _age_years(float(m[1].replace(",", ".")), value)
    if _AGE_MONTHS.match(text) or _AGE_DAYS.match(text):
        return Value(Age(0, True))
    if m := _AGE_BAND.match(text):
        low, high = int(m[1]), int(m[2])
        if low > high or high > MAX_AGE:
            return _error("umur", f"Kelompok umur '{_quote(value)}' tidak masuk akal. Tulis umur dalam tahun.")
        if high < 18:
            return Value(Age(None, True))
        if low >= 18:
            return Value(Age(None, False))
        return Value(Age(None, None), _error(
            "umur_kelompok", f"Kelompok umur '{_quote(value)}' mencakup anak dan dewasa, sehingga umur dianggap "
            "tidak diketahui. Tulis umur dalam tahun bila ada."))
    if m := _AGE_OVER.match(text):
        low = int(m[1] or m[2])
        return Value(Age(None, False) if low >= 18 else Age(None, None))
    if m := _AGE_UNDER.match(text):
        return Value(Age(None, True) if int(m[1]) <= 18 else Age(None, None))
    if text in ("anak", "anak anak", "anak-anak", "balita", "bayi", "remaja"):
        return Value(Age(None, True))
    if text in ("dewasa", "lansia"):
        return Value(Age(None, False))
    if text in ("-", "?", "tidak diketahui", "tdk diketahui", "tidak tahu", "tt"):
        return None
    return _error("umur", f"Umur '{_quote(value)}' tidak dapat dibaca. Tulis umur dalam tahun, mis. 7 atau '7 th' "
                  "(bayi: '3 bln'), atau kosongkan bila tidak diketahui.")


def _age_years(years: float, original) -> Value | Problem:
    if not math.isfinite(years) or years < 0:
        return _error("umur", f"Umur '{_quote(original)}' tidak dapat dibaca. Tulis umur dalam tahun, mis. 7.")
    if years > MAX_AGE:
        return _error("umur", f"Umur {_quote(original)} tidak masuk akal (lebih dari {MAX_AGE} tahun). "
                      "Periksa dan perbaiki umur korban, atau kosongkan bila tidak diketahui.")
    whole = int(years)  # completed years: 1,5 tahun is 1
    return Value(Age(whole, whole < 18))


_BIRTH_NUMERIC = re.compile(r"(?<!\d)\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{2,4}(?!\d)")
_BIRTH_WORDS = re.compile(r"(?<!\d)\d{1,2}\s*[\s\-/.]\s*[a-z]+\.?\s*[\s\-/.,]\s*\d{2,4}(?!\d)", re.I)
_BIRTH_ISO = re.compile(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?!\d)")


_UNKNOWN_BIRTH = ("", "tidak diketahui", "tdk diketahui", "tidak tahu", "tt")


def _birth_date(value, on: dt.date) -> dt.date | None:
    """The date in a birth-date or TTL cell ('Jambi, 12-05-2010', 'Jambi / 12 Mei 2010', an Excel date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _EXCEL_EPOCH + dt.timedelta(days=int(value)) if math.isfinite(value) and 1 <= value < 2958466 else None
    text = str(value)
    for pattern in (_BIRTH_ISO, _BIRTH_NUMERIC, _BIRTH_WORDS):  # the date after a birthplace, whatever separates them
        if m := pattern.search(text):
            try:
                date = _date_text(m.group())
                if date is not None and date > on and re.search(r"(?<!\d)\d{2}$", m.group()):
                    date = date.replace(year=date.year - 100)  # '12-05-85': a two-digit year of the last century
            except ValueError:
                return None
            return date
    return None


def age_from_birth_date(value, on: dt.date | None) -> Value | None:
    """Age in whole years on a date (the report date) from a birth-date or TTL cell; None when either is empty.
    The cell is never quoted: a birth date and birthplace identify a child."""
    if value is None or on is None or (isinstance(value, str) and normalize_text(value) in _UNKNOWN_BIRTH):
        return None
    born = _birth_date(value, on)
    if born is None or born > on:
        what = "tidak dapat dibaca" if born is None else "sesudah tanggal lapor"
        return Value(None, _error("tanggal_lahir", f"Tanggal lahir {what}; umur dikosongkan. Tulis tanggal lahir "
                                  "hari-bulan-tahun (mis. 17-08-2012), atau isi kolom Umur."))
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if years > MAX_AGE:
        return Value(None, _error("tanggal_lahir", f"Tanggal lahir memberi umur lebih dari {MAX_AGE} tahun; umur "
                                  "dikosongkan. Periksa tahun lahirnya, atau isi kolom Umur."))
    return Value(Age(years, years < 18))


# ---------------------------------------------------------------- sex

def parse_sex(value) -> Value | Problem | None:
    """'L' or 'P' from L/P, Laki-laki/Perempuan and the spellings in closed_list_aliases.csv; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = vocab.closed_list_index("sex").get(normalize_text(value))
    if code is None:
        return _error("jenis_kelamin", f"Jenis kelamin '{_quote(value)}' tidak dikenal. "
                      "Tulis L (laki-laki) atau P (perempuan).")
    return Value(code)


# ---------------------------------------------------------------- places

_PREFIX_DISTRICT = re.compile(r"^(?:kecamatan|kec)\s+")
_PREFIX_SUBDISTRICT = re.compile(r"^(?:kelurahan|kel|desa|ds)\s+")
def _compact(text: str) -> str:
    return text.replace(" ", "")


@dataclass(frozen=True)
class _PlaceIndex:
    exact: dict[str, str]           # normalised spelling -> code
    compact: dict[str, str]         # spelling without spaces -> code (when unambiguous)
    official: dict[str, str]        # code -> official name
    fuzzy_choices: dict[str, str]   # normalised spelling -> code


@vocab.derived_cache
def _place_index(level: str) -> _PlaceIndex:
    if level == "kecamatan":
        official = {d.code: d.name for d in vocab.districts()}
    else:
        official = {s.code: s.name for s in vocab.subdistricts()}
    exact: dict[str, str] = {}
    for code, name in official.items():
        exact[normalize_text(name)] = code
    for alias_level, code, alias in vocab.place_aliases():
        if alias_level == level and code in official:
            exact.setdefault(normalize_text(alias), code)
    compact: dict[str, str] = {}
    clashes = set()
    for spelling, code in exact.items():
        key = _compact(spelling)
        if compact.get(key, code) != code:
            clashes.add(key)
        compact[key] = code
    for key in clashes:
        del compact[key]
    return _PlaceIndex(exact, compact, official, dict(exact))


@vocab.derived_cache
def _whole_region_names() -> frozenset[str]:
    """How a row naming the whole region is written: 'Kota Jambi', 'Jambi', 'Total Kota Jambi' is a total row."""
    name = normalize_text(vocab.region().name)
    bare = re.sub(r"^(?:kota|kabupaten|kab)\s+", "", name)
    return frozenset({name, bare, f"kota {bare}", f"kab {bare}", f"kabupaten {bare}", f"seluruh {name}"})


@vocab.derived_cache
def _subdistricts_by_name() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for s in vocab.subdistricts():
        names.setdefault(normalize_text(s.name), []).append(s.code)
    return names


def _match_place(value, level: str) -> Value | Problem | None:
    label = "Kecamatan" if level == "kecamatan" else "Kelurahan"
    text = normalize_text(value)
    prefix = _PREFIX_DISTRICT if level == "kecamatan" else _PREFIX_SUBDISTRICT
    text = prefix.sub("", text).strip()
    if not text or text in ("-",):
        return None
    index = _place_index(level)
    if text in index.exact:
        return Value(index.exact[text])
    outside = vocab.out_of_area_places()
    if text in outside:
        return _error("wilayah_luar", f"{label} '{_quote(value)}' berada di luar wilayah ({outside[text]}), "
                      "bukan bagian dari wilayah laporan ini. Kasus di luar wilayah tidak dicatat di sini; "
                      f"bila sebenarnya terjadi di {vocab.region().name}, tulis nama wilayah yang benar.")
    if _compact(text) in index.compact:
        return Value(index.compact[_compact(text)])
    if text in _whole_region_names():
        return _error("wilayah_bukan_kecamatan", f"{label}: baris ini berisi seluruh {vocab.region().name}, bukan "
                      f"satu {label.lower()}. Data dihitung per kecamatan: tulis satu baris per kecamatan (lihat "
                      "daftar di template rekap bulanan).")
    choices = list(index.fuzzy_choices) + list(outside)
    best = process.extractOne(text, choices, scorer=fuzz.ratio)
    if best is not None and best[1] >= FUZZY_ACCEPT:
        spelling = best[0]
        if spelling in outside:
            return _error("wilayah_luar", f"{label} '{_quote(value)}' tampaknya '{spelling.title()}' yang berada "
                          f"di luar wilayah ({outside[spelling]}). Kasus di luar wilayah tidak dicatat di sini; "
                          f"bila sebenarnya terjadi di {vocab.region().name}, tulis nama wilayah yang benar.")
        code = index.fuzzy_choices[spelling]
        return Value(code, _error("wilayah_mirip", f"{label} '{_quote(value)}' dibaca sebagai "
                                  f"'{index.official[code]}' (ejaan mirip). Periksa bila keliru."))
    return _error("wilayah_tidak_dikenal", f"{label}{_mention(value, level)} tidak dikenal di wilayah ini. Tulis nama "
                  f"{label.lower()} resmi (lihat daftar di template), atau minta operator menambahkan ejaan ini ke "
                  f"{vocab.LIST_NAMES['place_aliases.csv']}.")


@vocab.derived_cache
def _results() -> dict:
    """(kind, cell text) -> outcome, for _remembered."""
    return {}


def _remembered(kind: str, value, compute):
    """Compute once per distinct cell text (results are immutable; forgotten when the vocabularies change)."""
    if not isinstance(value, str):
        return compute()
    cache = _results()
    key = (kind, value)
    if key not in cache:
        if len(cache) > 200_000:
            cache.clear()
        cache[key] = compute()
    return cache[key]


def parse_district(value) -> Value | Problem | None:
    """Kecamatan code from a kecamatan cell (prefixes, aliases, fuzzy match with a warning; out-of-area rejected)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _remembered("kecamatan", value, lambda: _match_place(value, "kecamatan"))


def parse_subdistrict(value, district_code: str | None = None) -> Value | Problem | None:
    """Kelurahan code from a kelurahan cell; a name used in two kecamatan is settled by the kecamatan given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = _PREFIX_SUBDISTRICT.sub("", normalize_text(value)).strip()
    same_name = _subdistricts_by_name().get(text, [])
    if len(same_name) > 1:
        inside = [c for c in same_name if district_code and c.startswith(district_code + ".")]
        if inside:
            return Value(inside[0])
    return _remembered("kelurahan", value, lambda: _match_place(value, "kelurahan"))


def district_of_subdistrict(code: str) -> str:
    """The kecamatan code a kelurahan code belongs to."""
    for s in vocab.subdistricts():
        if s.code == code:
            return s.district_code
    raise KeyError(code)


def district_name(code: str) -> str:
    return _place_index("kecamatan").official.get(code, code)


def subdistrict_name(code: str) -> str:
    return _place_index("kelurahan").official.get(code, code)


# ---------------------------------------------------------------- violence forms

_SEPARATORS = re.compile(r"\s*(?:[,;/+&\n]|\bdan\b|\bserta\b)\s*", re.I)


def _split_top_level(text: str) -> list[str]:
    """Split on separators outside parentheses."""
    parts, depth, current = [], 0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0:
            m = _SEPARATORS.match(text, i)
            if m and m.end() > i and (m.group().strip() in ",;/+&" or _is_word_boundary(text, i, m.end())) \
                    and not _in_law_number(text, i, m):
                parts.append(current)
                current = ""
                i = m.end()
                continue
        current += ch
        i += 1
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


_LAW_YEAR = re.compile(r"(?:19|20)\d\d(?!\d)")


def _in_law_number(text: str, start: int, separator: re.Match) -> bool:
    """A '/' between a law's number and its year ('UU 35/2014', 'UU No. 21 / 2007') does not separate wordings."""
    return (separator.group().strip() == "/" and text[:start].rstrip()[-1:].isdigit()
            and _LAW_YEAR.match(text, separator.end()) is not None)


def _is_word_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    return not before.isalnum()


def _form_wordings(part: str) -> list[str] | None:
    """The known wordings (normalised, as in violence_aliases.csv) one part of a cell is written with, or None."""
    aliases = vocab.violence_aliases()
    key = normalize_text(part)
    if key in aliases:
        return [key]
    if "(" in part:
        outer = normalize_text(re.sub(r"\([^)]*\)?", " ", part))
        inner = [normalize_text(p) for p in _split_top_level(" , ".join(re.findall(r"\(([^)]*)\)?", part)))]
        inner_known = bool(inner) and all(p in aliases for p in inner)
        if outer in aliases and not (inner_known and outer in vocab.vague_violence_wordings()):
            return [outer]
        if inner_known:  # 'KDRT (fisik)': the forms in brackets, the place from the wording outside them
            return [outer] * (outer in aliases) + inner
    reading = _legal_reading(key)
    if reading is None:
        return None
    if isinstance(reading, _UnresolvedArticle):
        return reading.problem(part)
    return [reading.wording] * (reading.wording is not None) + [key]


# ---------------------------------------------------------------- offences cited by law and article

LAW_LIST = vocab.LIST_NAMES["law_articles.csv"]
# an article, and the bare numbers right after it ('Pasal 76C/80': 76C and 80)
_ARTICLE = re.compile(r"\b(?:pasal|psl|ps|pas|jo|juncto|junto|jis|jucto)\s+(\d+[a-z]?(?:\s+\d+[a-z]?)*)\b")
_ARTICLE_LETTER = re.compile(r"\b(\d+) ([a-z])\b")  # 'Pasal 76 E' is 76E
_ARTICLE_DETAIL = re.compile(r"\b(?:ayat|ay|huruf|hrf|angka|butir)\s+(?:\d+[a-z]?|[a-z])\b")
_LAW_TITLE = re.compile(r"\btentang\b.*")  # 'UU 35/2014 tentang Perlindungan Anak': the title after the number
_CONNECTIVES = {"jo", "juncto", "junto", "jis", "pasal", "psl", "ps"}


@dataclass(frozen=True)
class _LegalReading:
    """What a wording citing laws and articles names: its forms, whether it names none ('UU 23/2004' alone), and
    an ordinary wording written beside the citation ('KDRT fisik Pasal 44 UU 23/2004')."""

    forms: tuple[str, ...]
    vague: bool
    wording: str | None
    place: str | None = None   # the place of incident a law implies (UU 23/2004 PKDRT: rumah_tangga)


@vocab.derived_cache
def _law_pattern() -> re.Pattern:
    names = sorted(vocab.law_articles().aliases, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, names)) + r")(?![a-z0-9])")


@vocab.derived_cache
def _legal_reading(key: str) -> _LegalReading | _UnresolvedArticle | None:
    """The forms a normalised wording citing laws and articles names (law_articles.csv), or the article the table
    does not resolve, or None when it cites neither a law nor an article. Articles joined by
    'jo' belong to the laws the wording names; an article cited without a law resolves only when every law in the
    table that has it gives the same forms ('Pasal 76E jo 82': child protection alone)."""
    table = vocab.law_articles()
    text = vocab.law_reference_text(key)
    laws: list[str] = []
    articles: list[str] = []
    text = _law_pattern().sub(lambda m: laws.append(table.aliases[m[1]]) or " ", text) if table.aliases else text
    text = _ARTICLE_DETAIL.sub(" ", _LAW_TITLE.sub(" ", text))
    text = _ARTICLE_LETTER.sub(r"\1\2", text)
    text = _ARTICLE.sub(lambda m: articles.extend(m[1].split()) or " ", text)
    if not laws and not articles:
        return None
    leftover = " ".join(w for w in text.split() if w not in _CONNECTIVES) or None
    if leftover is not None and leftover not in vocab.violence_aliases():
        return None  # something besides the citation that is not a known wording: unknown as a whole
    forms: set[str] = set()
    for article in dict.fromkeys(articles):
        if laws:
            found = {table.articles[(law, article)] for law in laws if (law, article) in table.articles} \
                or {table.law_forms[law] for law in laws if table.law_forms[law]}
        else:
            found = {f for (_, number), f in table.articles.items() if number == article}
        if len(found) != 1 and not (laws and found):
            return _UnresolvedArticle(article.upper(), tuple(dict.fromkeys(laws)), len(found) > 1)
        forms.update(*found)
    vague = False
    if not articles:
        for law in laws:
            forms.update(table.law_forms[law])
        vague = not forms
    if vague:
        forms = {c for c in vocab.violence_aliases().get("lainnya", ("lainnya",))}
    order = [v.code for v in vocab.violence_types()]
    place = next((table.places[law] for law in laws if law in table.places), None)
    return _LegalReading(tuple(sorted(forms, key=order.index)), vague and leftover is None, leftover, place)


@dataclass(frozen=True)
class _UnresolvedArticle:
    """An article law_articles.csv does not resolve: not listed for the laws cited, or cited without a law and
    listed for none, or for several with different forms."""

    article: str
    laws: tuple[str, ...]   # law codes (law_articles.csv)
    ambiguous: bool

    def problem(self, wording: str) -> Problem:
        if self.laws:
            labels = vocab.law_articles().labels
            what = f"pasal {self.article} {' / '.join(labels[law] for law in self.laws)} belum ada di {LAW_LIST}"
            fix = (f"Minta operator menambahkan pasal {self.article} {labels[self.laws[0]]} beserta bentuk "
                   f"kekerasannya ke {LAW_LIST}")
        elif self.ambiguous:
            what = f"pasal {self.article} ada di lebih dari satu undang-undang dengan bentuk berbeda"
            fix = "Tulis juga undang-undangnya, mis. 'Pasal 44 UU 23/2004'"
        else:
            what = f"pasal {self.article} tanpa nama undang-undang tidak dikenal"
            fix = "Tulis juga undang-undangnya, mis. 'Pasal 44 UU 23/2004'"
        return _error("bentuk_tidak_dikenal", f"Jenis kekerasan '{_quote(wording, WORDING_LIMIT)}' tidak dikenal: "
                      f"{what}. {fix}, atau {ADD_SPELLING}.")


def _known_part(part: str, previous: str | None, lookup):
    """(the part as read, what lookup finds for it or None): the part alone, else sharing the leading words of the
    part before it ('Pengadilan' after 'Pendampingan Kepolisian' is 'Pendampingan Pengadilan')."""
    found = lookup(part)
    words = previous.split() if previous else []
    if found is None and len(words) > 1:
        shared = " ".join(words[:-1] + [part])
        if (found_shared := lookup(shared)) is not None:
            return shared, found_shared
    return part, found


def _cell_wordings(text: str) -> list[str] | Problem:
    """The known wordings a violence cell is written with (the whole cell, or each part between separators; a
    part unknown alone may share the leading words of the part before it), or the Problem of an unknown part."""
    found = _form_wordings(text)
    if found is not None and not isinstance(found, Problem):
        return found
    wordings: list[str] = []
    previous = None
    for part in _split_top_level(text):
        part, found = _known_part(part, previous, _form_wordings)
        if found is None:
            return _unknown_form(part)
        if isinstance(found, Problem):
            return found
        wordings += found
        previous = part
    return wordings or _unknown_form(text)


def parse_violence(value) -> Value | Problem | None:
    """Form codes (ordered, unique) from agency wording; an unknown wording rejects the row; a wording that names
    no form ('KDRT') stands for its forms, with a warning, only when nothing else in the cell names one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _remembered("bentuk", value, lambda: _parse_violence(value))


def _parse_violence(value) -> Value | Problem:
    text = " ".join(str(value).split())
    wordings = _cell_wordings(text)
    if isinstance(wordings, Problem):
        return wordings
    named = [w for w in wordings if not _is_vague(w)]
    codes = {c for w in named or wordings for c in _wording_forms(w)}
    if not codes:
        return _unknown_form(text)
    order = [v.code for v in vocab.violence_types()]
    forms = tuple(sorted(codes, key=order.index))
    if named:
        return Value(forms)
    labels = vocab.violence_labels()
    return Value(forms, _error("bentuk_tidak_disebut", f"Jenis kekerasan '{_quote(text)}' tidak menyebut bentuknya; "
                               f"korban dicatat dengan bentuk {', '.join(labels[c] for c in forms)}. Tulis juga "
                               f"bentuknya ({', '.join(labels.values())}), mis. 'KDRT psikis'."))


_NO_CITATION = ("-", "–", "—", "?", "tidak ada", "belum ada")


def _citation(value) -> str | None:
    """A Pasal/UU cell as a wording: None when empty or '-'; a bare article number ('81', 80) gets 'Pasal'."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and normalize_text(value) in _NO_CITATION
                                                     + ("",)):
        return None
    text = _quote(value) if isinstance(value, (int, float)) else " ".join(str(value).split())
    return "Pasal " + text if text[:1].isdigit() else text


def place_of_citation(value) -> str | None:
    """The place of incident a Pasal/UU cell implies (UU 23/2004 PKDRT: rumah_tangga), or None."""
    text = _citation(value)
    return None if text is None else place_of_violence(text)


def parse_offence(violence, legal_basis) -> Value | Problem | None:
    """Form codes from a register's offence cell and its Pasal/UU cell read together (the forms both name; a cell
    naming no form gives way to one that does); a Pasal/UU cell that cannot be read beside an offence that names a
    form is only a warning. A bare article number in the Pasal/UU column ('81', '82 UU 35/2014') is an article."""
    legal = _citation(legal_basis)
    if legal is None:
        return parse_violence(violence)
    if violence is None or (isinstance(violence, str) and not violence.strip()):
        return parse_violence(legal)

    def read_together():
        both = parse_violence(f"{' '.join(str(violence).split())}; {legal}")
        alone = parse_violence(violence)
        if isinstance(both, Value) or isinstance(alone, Problem) or alone.warning is not None:
            return both
        message = both.message.replace("Jenis kekerasan '", "Pasal/UU '", 1).replace(
            " tidak dikenal", " tidak dikenal (bentuk diambil dari jenis kekerasan saja)", 1)
        return Value(alone.value, replace(both, reason="pasal_tidak_dikenal", message=message))
    return _remembered("bentuk_dan_pasal", f"{violence}\x00{legal}", read_together)


def _wording_forms(wording: str) -> tuple[str, ...]:
    """The forms a wording _cell_wordings found names: an alias's, or a law citation's."""
    aliases = vocab.violence_aliases()
    return aliases[wording] if wording in aliases else _legal_reading(wording).forms


def _is_vague(wording: str) -> bool:
    if wording in vocab.violence_aliases():
        return wording in vocab.vague_violence_wordings()
    return _legal_reading(wording).vague


def place_of_violence(value) -> str | None:
    """The place-of-incident code a violence cell's wording implies ('KDRT psikis' -> 'rumah_tangga'), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None

    def implied():
        wordings = _cell_wordings(" ".join(str(value).split()))
        if isinstance(wordings, Problem):
            return None
        places, aliases = vocab.violence_wording_places(), vocab.violence_aliases()
        return next((place for w in wordings if (place := places.get(w) if w in aliases
                                                  else _legal_reading(w).place)), None)
    return _remembered("tempat_dari_bentuk", value, implied)


def _unknown_form(wording: str) -> Problem:
    labels = ", ".join(v.label for v in vocab.violence_types())
    return _error("bentuk_tidak_dikenal",
                  f"Jenis kekerasan '{_quote(wording, WORDING_LIMIT)}' tidak dikenal. Gunakan salah satu bentuk ({labels}), atau "
                  f"{ADD_SPELLING}.")


# ---------------------------------------------------------------- closed lists

_LIST_NAMES = {"place_of_incident": "Tempat kejadian", "relationship": "Hubungan dengan pelaku",
               "service": "Layanan"}


def parse_closed(value, list_name: str) -> Value | None:
    """Code from a closed list (tempat kejadian, hubungan); an unknown value is kept as NULL with a warning."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = vocab.closed_list_index(list_name).get(normalize_text(value))
    if code is not None:
        return Value(code)
    return Value(None, _unknown_closed(value, list_name))


def parse_services(value) -> Value | None:
    """Service codes (SIMFONI-PPA's service groups) from a cell listing services; 'Pendampingan
    Kepolisian/Pengadilan' reads as two; unknown services are dropped with a warning."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    index = vocab.closed_list_index("service")
    codes, unknown = [], []
    previous = None
    for part in re.split(r"\s*[,;/+\n]\s*|\s+dan\s+", str(value)):
        part = part.strip()
        if not part:
            continue
        part, code = _known_part(part, previous, lambda text: index.get(normalize_text(text)))
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
        previous = part
    warning = _unknown_closed(", ".join(unknown), "service") if unknown else None
    return Value(tuple(codes), warning)


def _unknown_closed(value, list_name: str) -> Problem:
    labels = ", ".join(label for _, label in vocab.closed_lists().get(list_name, ()))
    name = _LIST_NAMES.get(list_name, list_name)
    return Problem(None, None, None, "daftar_tidak_dikenal",
                   f"{name}{_mention(value, list_name)} tidak ada dalam daftar ({labels}); nilai ini dikosongkan. "
                   "Pilih dari daftar pada template.")


# ---------------------------------------------------------------- free text

_NIK = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){15}(?![\d])")
_PHONE = re.compile(r"(?<![\d+])(?:\+62|62|0)[ .\-]?8(?:[ .\-]?\d){7,12}(?![\d])")
_DIGIT_RUN = re.compile(r"\d(?:[ .\-]?\d){8}")  # nine digits or more: what both need (a phone has 08 + 7)
NIK_MASK = "[NIK disamarkan]"
PHONE_MASK = "[nomor telepon disamarkan]"


def mask_personal_numbers(text) -> str | None:
    """Free text with NIK-like 16-digit runs and mobile phone numbers masked; None when empty."""
    if text is None:
        return None
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    text = " ".join(str(text).split())
    if not text:
        return None
    if not _DIGIT_RUN.search(text):  # most text: register numbers, notes without numbers
        return text
    text = _NIK.sub(NIK_MASK, text)
    return _PHONE.sub(PHONE_MASK, text)


def case_reference(value) -> str | None:
    """A register/LP number as text (12.0 -> '12'), masked like free text; None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = mask_personal_numbers(value)
    return text[:100] if text else None


# Printable ASCII words separated by single spaces, without a run of nine digits: text that tidying and masking
# leave as it is. Register numbers and most notes are such text, and each is different, so they are recognised
# all at once in Arrow (RE2) and only the rest go through the rules above one by one.
_PLAIN_TEXT = r"^[!-~]+(?: [!-~]+)*$"


def _left_as_is(values: list) -> list[bool]:
    texts = pa.array([v if v.__class__ is str else None for v in values], pa.string())
    plain = pc.and_(pc.match_substring_regex(texts, _PLAIN_TEXT),
                    pc.invert(pc.match_substring_regex(texts, _DIGIT_RUN.pattern)))
    return plain.fill_null(False).to_pylist()


def case_references(values: list) -> list[str | None]:
    """case_reference of each value."""
    return [v[:100] if same else case_reference(v) for v, same in zip(values, _left_as_is(values))]


def masked_texts(values: list) -> list[str | None]:
    """mask_personal_numbers of each value."""
    return [v if same else mask_personal_numbers(v) for v, same in zip(values, _left_as_is(values))]


# A recap count has at most eight digits: a number of nine or more is a NIK or phone number typed in the wrong
# cell (and would not fit the database's column), never a count of victims.
MAX_RECAP_COUNT = 99_999_999


def recap_count(value) -> int | Problem:
    """A recap count: blank and '-' are 0; otherwise a whole non-negative number of at most eight digits."""
    if value is None:
        return 0
    if isinstance(value, bool):
        value = str(value)
    count = None
    if isinstance(value, (int, float)):
        if math.isfinite(value) and value >= 0 and float(value).is_integer():
            count = int(value)
    else:
        text = str(value).strip()
        if text in ("", "-", "–", "—", "nihil", "Nihil", "NIHIL"):
            return 0
        if re.fullmatch(r"\d+", text):
            count = int(text)
    if count is not None and count <= MAX_RECAP_COUNT:
        return count
    if count is not None:  # not quoted: it may be a NIK or a phone number
        return _error("jumlah", "Isi sel berupa angka 9 digit atau lebih, bukan jumlah korban (mungkin NIK atau "
                      "nomor telepon yang salah tempat). Tulis bilangan bulat 0 atau lebih.")
    return _error("jumlah", f"Isi sel '{_quote(value)}' bukan jumlah korban. Tulis bilangan bulat 0 atau lebih "
                  "(kosong atau '-' dibaca 0).")
