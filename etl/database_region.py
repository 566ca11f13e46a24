"""Which region a database belongs to: recorded when the database is created, compared with the reference in use.

A database built under one region's reference and then opened under another's would reject every row against the
wrong kecamatan, map agency codes to other agencies, and show "no data" beside full charts. So every connection
compares first (``etl.db.connect``): another region is refused with one sentence naming both and the setting to fix
(exit code 2, nothing changed); a changed reference of the same region (new aliases, a new kelurahan or agency) is
accepted and recorded in ``meta``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import duckdb

from etl import vocab
from etl.model import UsageError




@dataclass(frozen=True)
class Identity:
    """A region as the reference describes it: its code, its name, a fingerprint of its kecamatan and agencies."""

    code: str
    name: str
    fingerprint: str


class RegionMismatch(UsageError):
    """The database belongs to another region than the reference in use (exit code 2)."""

    def __init__(self, database_region: str, reference: Identity):
        self.database_region, self.reference_region = database_region, f"{reference.name} (kode {reference.code})"
        super().__init__(
            f"Database ini milik {database_region}, sedangkan data rujukan yang dipakai ({vocab.reference_dir()}) "
            f"milik {self.reference_region}; tidak ada yang diubah. Perbaiki pengaturan `reference` (PPA_REFERENCE) "
            "atau `db` (PPA_DB) agar database dan data rujukan berasal dari wilayah yang sama.")

    def for_page(self) -> str:
        """The same, for a dashboard visitor: no folder, no setting names."""
        return (f"Database ini milik {self.database_region}, sedangkan dasbor diatur untuk {self.reference_region}, "
                "jadi angkanya tidak ditampilkan. Hubungi pengelola server: database dan data rujukan wilayah "
                "harus berasal dari wilayah yang sama.")


def current() -> Identity:
    """The region of the reference folder in use."""
    region = vocab.region()
    lists = [f"kecamatan {d.code} {d.name}" for d in vocab.districts()]
    lists += [f"lembaga {a.code}" for a in vocab.agencies()]
    fingerprint = hashlib.sha256("\n".join(sorted(lists)).encode()).hexdigest()[:16]
    return Identity(region.code, region.name, fingerprint)


def recorded(con: duckdb.DuckDBPyConnection) -> Identity | None:
    """The region recorded in the database, or None (a database of an older version, or not a loader database)."""
    try:
        rows = dict(con.execute("SELECT key, value FROM meta WHERE key IN "
                                "('region_code', 'region_name', 'region_fingerprint')").fetchall())
    except duckdb.CatalogException:
        return None
    if "region_code" not in rows:
        return None
    return Identity(rows["region_code"], rows.get("region_name", rows["region_code"]),
                    rows.get("region_fingerprint", ""))


def check(con: duckdb.DuckDBPyConnection, *, record: bool) -> None:
    """Refuse a database of another region; with ``record``, note the region (first use) or a changed reference."""
    now = current()
    was = recorded(con)
    if was is None:
        if _districts_of_another_region(con):
            raise RegionMismatch("wilayah lain (kecamatannya tidak ada dalam data rujukan)", now)
        if record:
            _write(con, now, changed=False)
        return
    if was.code != now.code:
        raise RegionMismatch(f"{was.name} (kode {was.code})", now)
    if record and was.fingerprint != now.fingerprint:
        _write(con, now, changed=True)


def verify_file(path) -> None:
    """Refuse a database file (the live one, a backup to restore) that belongs to another region."""
    from etl import db as dbmod
    con = dbmod.connect(path, read_only=True)  # the read-only connect compares
    con.close()


def _districts_of_another_region(con: duckdb.DuckDBPyConnection) -> bool:
    # a database of an older version records no region; its kecamatan table tells whose it is
    try:
        codes = {c for (c,) in con.execute("SELECT district_code FROM ref_districts").fetchall()}
    except duckdb.CatalogException:
        return False
    return bool(codes) and not codes & {d.code for d in vocab.districts()}


def _write(con: duckdb.DuckDBPyConnection, now: Identity, *, changed: bool) -> None:
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    rows = [("region_code", now.code), ("region_name", now.name), ("region_fingerprint", now.fingerprint)]
    if changed:
        history = con.execute("SELECT value FROM meta WHERE key = 'region_reference_history'").fetchone()
        entries = json.loads(history[0]) if history else []
        entries.append({"fingerprint": now.fingerprint, "accepted_at": stamp})
        rows.append(("region_reference_history", json.dumps(entries)))
    else:
        rows.append(("region_recorded_at", stamp))
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)
