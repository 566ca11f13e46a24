"""Loads and readers together: a load never fails because someone reads, and no reader ever sees half a load.

A reader process keeps opening short read-only connections (as the dashboard does) while a loader process loads
several files one after another. Every read must see exactly a state that existed between two loads.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import duckdb

from etl import db as dbmod
from etl import load
from tests.messy import write_messy_register

READER = """
import json, sys, time
from pathlib import Path
from etl import db
path, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), open(sys.argv[3], "w")
while not stop.exists():
    try:
        con = db.connect(path, read_only=True)   # no retry: a load must never hold the live file
        try:
            row = con.execute("SELECT (SELECT count(*) FROM victim_records), (SELECT count(*) FROM submissions), "
                              "(SELECT coalesce(sum(victims), 0) FROM monthly_counts)").fetchone()
        finally:
            con.close()
        out.write(json.dumps({"state": list(row)}) + "\\n")
    except Exception as exc:
        out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\\n")
    out.flush()
"""


def state(db) -> list[int]:
    con = dbmod.connect(db, read_only=True)
    try:
        return list(con.execute("SELECT (SELECT count(*) FROM victim_records), (SELECT count(*) FROM submissions), "
                                "(SELECT coalesce(sum(victims), 0) FROM monthly_counts)").fetchone())
    finally:
        con.close()


def month_file(folder, month: int):
    rows = [[i, f"Nama {i}", dt.date(2024, month, 1 + i % 27), 10 + i % 30, "P" if i % 2 else "L", "Kotabaru",
             "Pencabulan, Penganiayaan"] for i in range(1, 151)]
    return write_messy_register(folder / f"dinsos-2024-{month:02d}.xlsx", rows)


def test_loads_while_another_process_keeps_reading(tmp_path, repo_root):
    db = tmp_path / "data" / "ppa.duckdb"
    files = [month_file(tmp_path, m) for m in range(1, 7)]
    assert load.load_files([files[0]], db=db).files[0].status == "loaded"
    allowed = [state(db)]
    stop, log = tmp_path / "stop", tmp_path / "reads.jsonl"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop), str(log)], cwd=repo_root)
    try:
        time.sleep(1.0)
        for path in files[1:]:
            loaded = subprocess.run([sys.executable, "-m", "etl", "load", str(path), "--db", str(db), "--json"],
                                    cwd=repo_root, capture_output=True, text=True, timeout=120)
            assert loaded.returncode == 0, loaded.stderr
            assert json.loads(loaded.stdout)["files"][0]["status"] == "loaded"
            allowed.append(state(db))
        time.sleep(0.5)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    reads = [json.loads(line) for line in log.read_text().splitlines()]
    errors = [r["error"] for r in reads if "error" in r]
    assert not errors, errors[:3]
    seen = [r["state"] for r in reads]
    assert all(s in allowed for s in seen), [s for s in seen if s not in allowed][:3]
    assert len(seen) >= 20 and len({tuple(s) for s in seen}) >= 3, "the reader really read during the loads"
    assert allowed[-1][0] == 6 * 150


def test_a_reader_holding_a_connection_does_not_block_a_load_and_keeps_its_snapshot(tmp_path, repo_root):
    db = tmp_path / "ppa.duckdb"
    first, second = month_file(tmp_path, 1), month_file(tmp_path, 2)
    load.load_files([first], db=db)
    held = dbmod.connect(db, read_only=True)
    try:
        before = held.execute("SELECT count(*) FROM victim_records").fetchone()[0]
        started = time.monotonic()
        loaded = subprocess.run([sys.executable, "-m", "etl", "load", str(second), "--db", str(db)],
                                cwd=repo_root, capture_output=True, text=True, timeout=120)
        assert loaded.returncode == 0, loaded.stderr
        assert time.monotonic() - started < 60
        assert held.execute("SELECT count(*) FROM victim_records").fetchone()[0] == before == 150
        fresh = dbmod.connect(db, read_only=True)   # in the same process: must not be handed the old file
        try:
            assert fresh.execute("SELECT count(*) FROM victim_records").fetchone()[0] == 300
        finally:
            fresh.close()
    finally:
        held.close()


def test_two_loaders_at_once_both_land(tmp_path, repo_root):
    db = tmp_path / "ppa.duckdb"
    load.load_files([month_file(tmp_path, 1)], db=db)
    procs = [subprocess.Popen([sys.executable, "-m", "etl", "load", str(month_file(tmp_path, m)), "--db", str(db)],
                              cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for m in (2, 3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM victim_records").fetchone()[0] == 450
