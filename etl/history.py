"""Every submission as the operator sees it, and undoing one: its records go and what it replaced comes back.

Undo keeps the database equal to what ``python -m etl rebuild`` would build from the raw archive (which skips
undone submissions): the ledger says which earlier submission stands again for each month the undone file stood
for (etl.ledger.restored_by_undo); its records for that month are re-read from its archived file. Statuses and
``superseded_by`` are recomputed by the ledger's rule, duplicates refreshed, all in one transaction on a private
copy swapped in by etl.writer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field, replace

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from etl import db as dbmod
from etl import archive, dedupe, ledger, load, workers, writer
from etl.model import EtlError, UsageError

STATUS_LABELS = {"active": "berlaku", "superseded": "digantikan", "undone": "dibatalkan"}
MIN_PREFIX = 6


@dataclass
class UndoResult:
    """What an undo changed."""

    submission_id: str
    file_name: str
    agency: str
    months: list[dt.date]
    records_removed: int
    restored: dict[str, list[dt.date]] = field(default_factory=dict)   # submission_id -> months brought back


def history(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every submission, newest first, with its months, status and the records it still stands for."""
    rows = con.execute("""
        SELECT s.submission_id, s.file_name, s.agency, s.shape, s.months, s.loaded_at, s.status, s.superseded_by,
               s.rows_read, s.rows_loaded, s.rows_rejected,
               (SELECT count(*) FROM victim_records v WHERE v.submission_id = s.submission_id)
               + (SELECT count(*) FROM recap_counts r WHERE r.submission_id = s.submission_id) AS records_standing
        FROM submissions s ORDER BY s.loaded_at DESC, s.submission_id DESC
    """).fetchall()
    keys = ("submission_id", "file_name", "agency", "shape", "months", "loaded_at", "status", "superseded_by",
            "rows_read", "rows_loaded", "rows_rejected", "records_standing")
    return [dict(zip(keys, r)) for r in rows]


def history_json(entries: list[dict]) -> list[dict]:
    """History entries with months as 'YYYY-MM' and times in ISO form (for --json)."""
    return [{**e, "months": [m.strftime("%Y-%m") for m in sorted(e["months"])],
             "loaded_at": e["loaded_at"].isoformat(timespec="seconds")} for e in entries]


def resolve_submission(con: duckdb.DuckDBPyConnection, ident: str) -> str:
    """The full submission id for an id or a unique prefix of at least six characters; UsageError otherwise."""
    text = (ident or "").strip().lower()
    if len(text) < MIN_PREFIX or any(c not in "0123456789abcdef" for c in text):
        raise UsageError(f"ID kiriman '{ident}' tidak sah: tulis minimal {MIN_PREFIX} karakter awal dari ID "
                         "(lihat kolom ID di `python -m etl history`).")
    found = [r[0] for r in con.execute("SELECT submission_id FROM submissions WHERE starts_with(submission_id, ?)",
                                       [text]).fetchall()]
    if not found:
        raise UsageError(f"Tidak ada kiriman dengan ID '{ident}'. Lihat daftar kiriman dengan `python -m etl history`.")
    if len(found) > 1:
        raise UsageError(f"ID '{ident}' cocok dengan {len(found)} kiriman; tulis lebih banyak karakter.")
    return found[0]


def undo(db: str | os.PathLike | None, submission_id: str) -> UndoResult:
    """Undo one submission in one transaction; raise UsageError for an unknown id, EtlError if already undone."""
    target = dbmod.db_path(db)
    if not target.exists():
        raise UsageError(f"Database {target} tidak ada. Belum ada kiriman yang bisa dibatalkan.")
    with writer.writing(target) as con:
        sid = resolve_submission(con, submission_id)
        agency, shape, months, loaded_at, status, file_name = con.execute(
            "SELECT agency, shape, months, loaded_at, status, file_name FROM submissions WHERE submission_id = ?",
            [sid]).fetchone()
        if status == "undone":
            raise EtlError(f"Kiriman {sid[:12]} ({file_name}) sudah dibatalkan sebelumnya; tidak ada yang diubah.")
        months = sorted(months)
        started = dt.datetime.now()
        with dbmod.transaction(con):
            removed = sum(con.execute(f"SELECT count(*) FROM {t} WHERE submission_id = ?", [sid]).fetchone()[0]
                          for t in ("victim_records", "recap_counts"))  # fixed table names
            for table in ("victim_records", "recap_counts", "rejected_rows", "load_warnings"):
                con.execute(f"DELETE FROM {table} WHERE submission_id = ?", [sid])  # fixed table names
            con.execute("UPDATE submissions SET status = 'undone', superseded_by = NULL WHERE submission_id = ?",
                        [sid])
            restored = ledger.restored_by_undo(con, sid)
            for other, other_months in restored.items():
                _restore_months(con, other, other_months)
            ledger.recompute_statuses(con, agency, shape)
            if shape == "register":
                dedupe.refresh_duplicates(con, months[0], ledger.last_day(months[-1]))
            note = (f"dibatalkan; dipulihkan {', '.join(s[:12] for s in restored)}" if restored else "dibatalkan")
            con.execute("INSERT INTO load_log (submission_id, file_name, started_at, finished_at, outcome, message) "
                        "VALUES (?, ?, ?, ?, 'undone', ?)", [sid, file_name, started, dt.datetime.now(), note])
    return UndoResult(sid, file_name, agency, months, removed, restored)


def _restore_months(con, submission_id: str, months: list[dt.date]) -> None:
    """Re-read an archived file and insert its records for these months only."""
    raw = load.archive_dir(con)
    # fetchall, not fetchone: DuckDB refuses to register the incoming rows while a result is half-read
    file_name, detected = con.execute(
        "SELECT file_name, detected FROM submissions WHERE submission_id = ?", [submission_id]).fetchall()[0]
    path = archive.copy_path(raw, submission_id) if raw else None
    if path is None or not path.is_file():
        raise EtlError(f"File arsip kiriman {submission_id[:12]} ({file_name}) tidak ada di {raw}, sehingga data "
                       "yang digantikannya tidak dapat dipulihkan. Pembatalan tidak dilakukan.")
    agency_parameter = json.loads(detected or "{}").get("agency_parameter")
    parsed = workers.parse_file(path, agency_parameter, file_name)
    wanted = set(months)
    dates = parsed.victim_table.column("report_date")
    parsed = replace(parsed,
                     victim_table=parsed.victim_table.filter(pc.is_in(pc.floor_temporal(dates, unit="month"),
                                                                     pa.array(sorted(wanted), pa.date32()))),
                     recap=[c for c in parsed.recap if c.month.replace(day=1) in wanted])
    load.insert_records(con, parsed, submission_id)
