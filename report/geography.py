"""Where the kecamatan are drawn: tile positions (reference data), an optional boundary GeoJSON, optional population."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl import settings, vocab


class GeographyError(Exception):
    """A configured boundary or population file cannot be used; the message says why, in Indonesian."""


def district_tiles() -> pd.DataFrame:
    """district_code, district, row, col for the tile map, from data/reference/district_tiles.csv."""
    names = {d.code: d.name for d in vocab.districts()}
    with open(vocab.reference_dir() / "district_tiles.csv", newline="", encoding="utf-8") as f:
        rows = [{"district_code": r["district_code"].strip(), "row": int(r["row"]), "col": int(r["col"])}
                for r in csv.DictReader(f)]
    frame = pd.DataFrame(rows)
    frame["district"] = frame["district_code"].map(names)
    return frame


def boundaries_path() -> Path | None:
    """The boundary GeoJSON named by ``PPA_BOUNDARIES``, or None when none is configured."""
    value = settings.get("boundaries")
    return Path(value) if value else None


@lru_cache(maxsize=4)
def _read_boundaries(path: str, mtime: float) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise GeographyError(f"File batas wilayah {path} tidak dapat dibaca: {exc}") from exc
    features = data.get("features") or []
    if not features or not all("kode_kecamatan" in (ft.get("properties") or {}) for ft in features):
        raise GeographyError(
            f"File batas wilayah {path} harus berisi fitur dengan properti 'kode_kecamatan' (kode Kemendagri)."
        )
    return data


def boundaries() -> dict | None:
    """The configured kecamatan boundaries (GeoJSON keyed by property kode_kecamatan), or None."""
    path = boundaries_path()
    if path is None:
        return None
    if not path.exists():
        raise GeographyError(f"File batas wilayah {path} (PPA_BOUNDARIES) tidak ditemukan.")
    return _read_boundaries(str(path), path.stat().st_mtime)


@dataclass(frozen=True)
class Population:
    """The population table behind rates per 10,000: per kecamatan total, female and child residents (None where
    the file leaves a column empty), with the year and source the rates must cite."""

    rows: tuple[tuple[str, int, int | None, int | None], ...]   # district_code, total, female, child
    year: int | None
    source: str
    path: str

    def has(self, column: str) -> bool:
        """Whether any kecamatan has a 'female' or 'child' population."""
        index = {"female": 2, "child": 3}[column]
        return any(row[index] for row in self.rows)

    def totals(self) -> tuple[tuple[str, int], ...]:
        """(district_code, population) pairs, what district_totals takes."""
        return tuple((code, total) for code, total, _, _ in self.rows)

    def citation(self) -> str:
        """'BPS, Kota Jambi Dalam Angka, tahun 2023' — what a rate's caption names as its denominator."""
        return f"{self.source}, tahun {self.year}" if self.year else f"{self.source} (tahun tidak disebutkan)"


def _count(value: str | None, path: Path, line: int, column: str, required: bool) -> int | None:
    text = (value or "").replace(".", "").replace(" ", "").strip()
    if not text:
        if required:
            raise GeographyError(f"Tabel penduduk {path} (PPA_POPULATION), baris {line}: kolom {column} kosong. "
                                 "Isi jumlah penduduk kecamatan itu, atau hapus barisnya.")
        return None
    if not text.isdigit():
        raise GeographyError(f"Tabel penduduk {path} (PPA_POPULATION), baris {line}: kolom {column} berisi "
                             f"'{value}', bukan bilangan bulat. Tulis jumlah jiwa tanpa koma, misalnya 12.345.")
    return int(text)


def population_table() -> Population | None:
    """The CSV named by ``PPA_POPULATION`` (columns of etl/template.py POPULATION_COLUMNS; district_code and
    population required), or None when none is configured."""
    path = settings.path("population")
    if path is None:
        return None
    known = {d.code for d in vocab.districts()}
    rows, years, sources = [], set(), set()
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = {"district_code", "population"} - set(reader.fieldnames or ())
            if missing:
                raise GeographyError(
                    f"Tabel penduduk {path} (PPA_POPULATION) harus CSV dengan kolom district_code dan population "
                    f"(opsional: female_population, child_population, year, source); tidak ada: "
                    f"{', '.join(sorted(missing))}. `python -m etl template` menulis contohnya.")
            for line, r in enumerate(reader, start=2):
                code = (r.get("district_code") or "").strip()
                if code not in known:
                    raise GeographyError(f"Tabel penduduk {path} (PPA_POPULATION), baris {line}: kode kecamatan "
                                         f"'{code}' tidak dikenal (contoh kode yang benar: {min(known)}).")
                rows.append((code, _count(r.get("population"), path, line, "population", True),
                             _count(r.get("female_population"), path, line, "female_population", False),
                             _count(r.get("child_population"), path, line, "child_population", False)))
                if (r.get("year") or "").strip():
                    years.add(_count(r["year"], path, line, "year", True))
                if (r.get("source") or "").strip():
                    sources.add(r["source"].strip())
    except OSError as exc:
        raise GeographyError(f"Tabel penduduk {path} (PPA_POPULATION) tidak dapat dibaca: {exc}") from exc
    if len(years) > 1:
        raise GeographyError(f"Tabel penduduk {path} (PPA_POPULATION) mencampur tahun {sorted(years)}: gunakan "
                             "angka penduduk satu tahun untuk semua kecamatan.")
    return Population(rows=tuple(rows), year=years.pop() if years else None,
                      source="; ".join(sorted(sources)) or vocab.region().population_source, path=str(path))


def population() -> tuple[tuple[str, int], ...] | None:
    """Population per kecamatan from the CSV named by ``PPA_POPULATION`` (district_code,population), or None."""
    table = population_table()
    return None if table is None else table.totals()
