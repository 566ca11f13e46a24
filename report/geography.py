"""Where the kecamatan are drawn: tile positions (reference data), an optional boundary GeoJSON, optional population."""

from __future__ import annotations

import csv
import json
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


def population() -> tuple[tuple[str, int], ...] | None:
    """Population per kecamatan from the CSV named by ``PPA_POPULATION`` (district_code,population), or None."""
    value = settings.get("population")
    if not value:
        return None
    path = Path(value)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = tuple((r["district_code"].strip(), int(str(r["population"]).replace(".", "").strip()))
                         for r in csv.DictReader(f))
    except (OSError, KeyError, ValueError) as exc:
        raise GeographyError(
            f"Tabel penduduk {path} (PPA_POPULATION) harus CSV dengan kolom district_code,population: {exc}"
        ) from exc
    return rows
