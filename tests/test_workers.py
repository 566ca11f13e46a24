"""Batches parsed ahead in worker processes (etl.workers) load exactly what parsing in the loader's process loads."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import types

import duckdb
import pytest

from benchmarks.loader import register_rows, write_like_excel
from etl import archive, load, vocab
from etl import workers as etl_workers
from loadhelpers import entry, recap, register
from tests import hostile_files

D = dt.date
SAME = dict(district="Kota Baru", sex="P", age=14, forms=("Seksual",))

# everything a load writes except the clock
CONTENT = {
    "victim_records": "SELECT * FROM victim_records ORDER BY victim_key",
    "submissions": "SELECT * EXCLUDE (loaded_at) FROM submissions ORDER BY submission_id",
    "load_log": "SELECT submission_id, file_name, outcome, message FROM load_log ORDER BY load_id",
    "rejected_rows": "SELECT * FROM rejected_rows ORDER BY ALL",
    "load_warnings": "SELECT * FROM load_warnings ORDER BY ALL",
    "recap_counts": "SELECT * FROM recap_counts ORDER BY ALL",
}


def _batch(folder):
    folder.mkdir()
    files = [
        register(folder / "1-lsm-mei.xlsx", "LSM", D(2024, 5, 1), D(2024, 5, 1),
                 [entry("L/1", D(2024, 5, 9), **SAME), entry("L/2", D(2024, 5, 10), district="Jelutung")]),
        register(folder / "2-uptd-mei.xlsx", "UPTD_PPA", D(2024, 5, 1), D(2024, 5, 1),
                 [entry("U/1", D(2024, 5, 2), **SAME), entry("U/2", D(2024, 5, 3), age=200)]),  # age: rejected
        register(folder / "3-polresta-mei.xlsx", "POLRESTA", D(2024, 5, 1), D(2024, 5, 1),
                 [entry("LP/1", D(2024, 5, 20), **{**SAME, "age": 15})]),
        recap(folder / "4-dinsos-rekap.xlsx", "DINSOS", {D(2024, 5, 1): {("15.71.08", "fisik", "L"): 2}}),
        # the UPTD file again, corrected: replaces the one loaded three files earlier in the same batch
        register(folder / "5-uptd-mei-revisi.xlsx", "UPTD_PPA", D(2024, 5, 1), D(2024, 5, 1),
                 [entry("U/1", D(2024, 5, 2), **{**SAME, "district": "Jelutung"})]),
    ]
    broken = folder / "6-rusak.xlsx"
    broken.write_bytes(b"bukan workbook")
    again = folder / "7-lsm-mei-salinan.xlsx"
    shutil.copyfile(files[0], again)  # the same bytes as the first file: unchanged
    return files + [broken, again]


def _load(paths, db, monkeypatch, workers: int):
    monkeypatch.setenv("PPA_LOAD_WORKERS", str(workers))
    monkeypatch.setattr(etl_workers, "MIN_FILES_PER_PROCESS", 0)  # a batch this small would be parsed here
    children: list[int] = []
    report = load.load_files(paths, db=db,
                             progress=lambda i, n, result: children.append(len(multiprocessing.active_children())))
    con = duckdb.connect(str(db), read_only=True)
    try:
        return report, max(children), {name: con.execute(sql).fetchall() for name, sql in CONTENT.items()}
    finally:
        con.close()


def test_a_batch_parsed_in_workers_loads_what_one_parsed_in_process_loads(tmp_path, monkeypatch):
    paths = _batch(tmp_path / "in")
    parsed_here = []
    parse_here = etl_workers._parse_here
    monkeypatch.setattr(etl_workers, "_parse_here", lambda item: (parsed_here.append(item[2]), parse_here(item))[1])
    # one worker process and the loader's own: it parses later files while the worker starts
    report, workers_seen, in_workers = _load(paths, tmp_path / "a" / "ppa.duckdb", monkeypatch, workers=2)
    here_first = list(parsed_here)  # this batch's (the next one parses everything here)
    _, none_seen, in_process = _load(paths, tmp_path / "b" / "ppa.duckdb", monkeypatch, workers=1)
    assert workers_seen == 1 and none_seen == 0  # the first batch really was parsed by another process too ...
    assert here_first and "1-lsm-mei.xlsx" not in here_first  # ... and by the loader's, ahead of its turn
    assert [f.status for f in report.files] == ["loaded", "loaded", "loaded", "loaded", "replaced", "failed",
                                                "unchanged"]
    assert in_workers == in_process
    # the police record pairs with the UPTD record of the first UPTD file only until its correction replaced it;
    # the LSM record pairs with the police record, marked once for the whole batch
    con = duckdb.connect(str(tmp_path / "a" / "ppa.duckdb"), read_only=True)
    pairs = con.execute("SELECT s.case_ref, p.case_ref FROM victim_records s JOIN victim_records p "
                        "ON p.victim_key = s.duplicate_of").fetchall()
    con.close()
    assert pairs == [("L/1", "LP/1")]


def test_workers_read_the_reference_folder_in_use_now(tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    shutil.copytree(vocab.reference_dir(), reference)
    with open(reference / "violence_aliases.csv", "a", encoding="utf-8") as f:
        f.write("dipukuli berulang,fisik\n")
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [register(folder / f"uptd-{m}.xlsx", "UPTD_PPA", D(2024, m, 1), D(2024, m, 1),
                      [entry(f"U/{m}", D(2024, m, 4), forms=("Dipukuli berulang",))]) for m in (3, 4, 5)]
    monkeypatch.setenv("PPA_REFERENCE", str(reference))  # set after the test process started
    vocab.clear_caches()
    try:
        report, workers_seen, content = _load(paths, tmp_path / "ppa.duckdb", monkeypatch, workers=2)
    finally:
        monkeypatch.undo()
        vocab.clear_caches()
    assert workers_seen >= 1
    assert [(f.status, f.rows_rejected) for f in report.files] == [("loaded", 0)] * 3
    assert [row[12] for row in content["victim_records"]] == [["fisik"]] * 3  # violence_types


def test_workers_start_whatever_the_callers_main_module_is(tmp_path, monkeypatch):
    # Streamlit makes each page script __main__ while it runs; a spawned worker must not run it again
    page = tmp_path / "halaman.py"
    page.write_text("raise RuntimeError('halaman dijalankan ulang di proses pembaca')\n")
    script = types.ModuleType("__main__")
    script.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", script)
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [register(folder / f"uptd-{m}.xlsx", "UPTD_PPA", D(2024, m, 1), D(2024, m, 1),
                      [entry(f"U/{m}", D(2024, m, 4))]) for m in (3, 4, 5)]
    report, workers_seen, _ = _load(paths, tmp_path / "ppa.duckdb", monkeypatch, workers=2)
    assert workers_seen >= 1 and [f.status for f in report.files] == ["loaded"] * 3
    assert sys.modules["__main__"] is script


UNSAFE = "tidak dapat dibaca dengan aman"


@pytest.mark.parametrize("workers", [2, 1])
def test_a_file_that_kills_its_worker_fails_alone_and_the_batch_loads(tmp_path, monkeypatch, workers):
    paths = _batch(tmp_path / "in")
    bomb = hostile_files.sector_loop_xls(tmp_path / "in" / "3a-bom-sektor.xls")  # 1.5 KB, asks for gigabytes
    monkeypatch.setenv("PPA_PARSE_MEMORY_MB", "300")
    report, workers_seen, content = _load(paths[:3] + [bomb] + paths[3:], tmp_path / "a" / "ppa.duckdb",
                                          monkeypatch, workers=workers)
    _, _, without_bomb = _load(paths, tmp_path / "b" / "ppa.duckdb", monkeypatch, workers=1)
    assert workers_seen >= 1  # the .xls is parsed in a worker whatever the batch's size
    statuses = [f.status for f in report.files]
    assert statuses == ["loaded", "loaded", "loaded", "failed", "loaded", "replaced", "failed", "unchanged"]
    failed = report.files[3]
    assert failed.message.startswith("File '3a-bom-sektor.xls' tidak dapat dibaca dengan aman:"), failed.message
    log = content.pop("load_log")
    kept = archive.kept_file_name("3a-bom-sektor.xls")  # the name as the database keeps it
    assert (failed.submission_id, kept, "failed", archive.kept_text(failed.message, "3a-bom-sektor.xls")) in log
    assert [row for row in log if row[1] != kept] == without_bomb.pop("load_log")
    assert content == without_bomb


TIMED = """\
import json, resource, sys
from pathlib import Path
from etl import workers
workers.WALL_PER_CPU_SECOND = 0.5  # half a second of wall time a file (from the worker's start)
tasks = [("parse", (Path(sys.argv[1]), "DINSOS", "bom.xls")), ("parse", (Path(sys.argv[2]), "DINSOS", "lama.xls"))]
pool = workers._Pool(1)
for task in tasks:
    pool.submit(task)
outcomes = [pool.outcome(task) for task in tasks]
processes = [w.process for w in pool.workers]
pool.close()
for process in processes:
    process.join(30)
print(json.dumps({"outcomes": [[kind, str(error)] for kind, error in outcomes],
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def test_a_file_read_past_the_time_limit_is_unsafe_and_the_next_file_is_read(tmp_path, repo_root):
    # the sector loop under a 3 GB cap: measured, the wall-time limit stops it at ~180 MB; without it the CPU
    # limit (1 s here) stops it at ~1.9 GB, the cap at ~2.2 GB
    bomb = hostile_files.sector_loop_xls(tmp_path / "bom.xls")
    old = hostile_files.old_excel(tmp_path / "lama.xls")  # refused by its first bytes, in no time
    env = {**os.environ, "PPA_PARSE_MEMORY_MB": "3000", "PPA_PARSE_SECONDS": "1"}
    run = subprocess.run([sys.executable, "-c", TIMED, str(bomb), str(old)], cwd=repo_root, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    measured = json.loads(run.stdout)
    (kind, message), (next_kind, next_message) = measured["outcomes"]
    assert kind == "unsafe" and UNSAFE in message
    assert next_kind == "refused" and "format Excel lama" in next_message  # a new worker read the next file
    assert measured["max_rss_mb"] < 1000, measured


def test_a_worker_killed_from_outside_costs_at_most_the_file_it_was_reading(tmp_path, monkeypatch):
    paths = _batch(tmp_path / "in")
    monkeypatch.setenv("PPA_LOAD_WORKERS", "2")
    monkeypatch.setattr(etl_workers, "MIN_FILES_PER_PROCESS", 0)
    killed: list[int] = []

    def kill_the_workers(i, n, result):  # as the kernel does to a process out of memory
        if i == 1:
            for child in multiprocessing.active_children():
                child.kill()
                killed.append(child.pid)
            time.sleep(1)  # dead by the time the next file is asked for

    report = load.load_files(paths, db=tmp_path / "ppa.duckdb", progress=kill_the_workers)
    assert killed
    # the file the worker was reading (if it was reading one) is called unsafe; every other file loads (the UPTD
    # revision then replaces nothing if that file was the UPTD one it corrects)
    lost = [f.path.name for f in report.files if f.status == "failed" and UNSAFE in f.message]
    assert len(lost) <= 1, lost
    expected = {"1-lsm-mei.xlsx": "loaded", "2-uptd-mei.xlsx": "loaded", "3-polresta-mei.xlsx": "loaded",
                "4-dinsos-rekap.xlsx": "loaded", "5-uptd-mei-revisi.xlsx": "replaced", "6-rusak.xlsx": "failed",
                "7-lsm-mei-salinan.xlsx": "unchanged"}
    if lost == ["2-uptd-mei.xlsx"]:
        expected["5-uptd-mei-revisi.xlsx"] = "loaded"
    assert {f.path.name: f.status for f in report.files if f.path.name not in lost} == {
        name: status for name, status in expected.items() if name not in lost}


@pytest.mark.skipif(not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"), reason="glibc's malloc only")
def test_a_worker_reuses_the_memory_the_last_file_freed(tmp_path):
    # without etl.workers._reuse_freed_memory in the worker, glibc hands the megabyte buffers of a 4,000-row
    # register back to the kernel after each file, and the next file faults ~1,250 pages in again (measured: four
    # more files, ~5,100 more page faults without it, ~5 with it)
    path = tmp_path / "register-4000.xlsx"
    write_like_excel(path, register_rows("UPTD_PPA", D(2024, 3, 1), 4000, random.Random(1)))

    def worker_faults(files: int) -> int:
        for child in multiprocessing.active_children():  # earlier tests' workers: their faults are not these
            child.join(30)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
        pool = etl_workers._Pool(1)
        for i in range(files):
            item = ("parse", (path, None, f"register-{i}.xlsx"))
            pool.submit(item)  # straight to the worker, although this file could be parsed here
            assert etl_workers._result(pool.outcome(item)).rows_loaded == 4000
        processes = [w.process for w in pool.workers]
        pool.close()
        for process in processes:
            process.join(30)
        return resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before

    # a worker's own start varies by a few hundred faults: the least of two runs each
    assert min(worker_faults(6) for _ in range(2)) - min(worker_faults(2) for _ in range(2)) < 1500


def test_only_the_workers_keep_freed_memory_not_a_process_that_imports_etl(tmp_path, repo_root):
    # the Streamlit server imports etl and may parse an .xlsx in its own process: its allocator is left alone
    path = hostile_files.register(tmp_path / "baik.xlsx")
    script = ("import sys\n"
              "from pathlib import Path\n"
              "import etl, etl.load, etl.inspect\n"
              "from etl import workers\n"
              "parsed = workers.parse_file(Path(sys.argv[1]), 'DINSOS', 'baik.xlsx')\n"
              "with workers.Prefetch([(Path(sys.argv[1]), 'DINSOS', 'baik.xlsx')]) as batch:\n"
              "    batch.parsed(Path(sys.argv[1]), 'DINSOS', 'baik.xlsx')\n"
              "print(parsed.rows_loaded, workers._reuse_freed_memory.cache_info().currsize)\n")
    run = subprocess.run([sys.executable, "-c", script, str(path)], cwd=repo_root, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2", "0"]


def test_parse_limits_come_from_the_settings_file_and_the_environment(tmp_path, monkeypatch):
    from etl import settings

    config = tmp_path / "ppa.toml"
    config.write_text("parse_memory_mb = 512\nparse_seconds = 7\n")
    monkeypatch.setenv("PPA_CONFIG", str(config))
    monkeypatch.delenv("PPA_PARSE_MEMORY_MB", raising=False)
    monkeypatch.delenv("PPA_PARSE_SECONDS", raising=False)
    assert etl_workers.parse_limits() == (512, 7)
    shown = {s.key: (value, source) for s, value, source in settings.in_force()}  # python -m etl config
    assert shown["parse_seconds"] == ("7", f"file pengaturan {config}")
    monkeypatch.setenv("PPA_PARSE_SECONDS", "9")    # the environment wins, as for every setting
    assert etl_workers.parse_limits() == (512, 9)
    config.write_text("")
    monkeypatch.delenv("PPA_PARSE_SECONDS")
    assert etl_workers.parse_limits() == (etl_workers.DEFAULT_MEMORY_MB, etl_workers.DEFAULT_SECONDS)


def test_a_parse_worker_does_not_import_the_database_driver():
    """A worker imports what parsing needs (etl.parse) and never opens a database: duckdb's import (~0.15 s of
    CPU) would be paid by every worker of every batch."""
    code = "import sys; from etl import parse, workers; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == "False"


def test_a_worker_parses_its_next_file_while_its_last_outcome_waits_to_be_collected(tmp_path):
    """A parsed 4,000-row register (~0.8 MB pickled) is more than the pipe holds, and the loader collects it only
    when it asks for that file: the worker sends it from a thread of its own and parses the files it was handed
    meanwhile, instead of idling until the loader reads (a third of its time in a 40-file batch)."""
    from etl.parse import parse_workbook

    path = tmp_path / "register-4000.xlsx"
    write_like_excel(path, register_rows("UPTD_PPA", D(2024, 3, 1), 4000, random.Random(1)))
    parse_workbook(path)
    start = time.process_time()
    parse_workbook(path)
    one_parse = time.process_time() - start

    pool = etl_workers._Pool(1)
    tasks = [("parse", (path, None, f"register-{i}.xlsx")) for i in range(3)]
    for task in tasks:
        pool.submit(task)
    pid = pool.workers[0].process.pid

    def settled_cpu() -> float:
        """The worker's CPU seconds once it has used none for a second (it waits: for work, or on the pipe)."""
        readings, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            readings.append(sum(int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
                                for tid in os.listdir(f"/proc/{pid}/task")) / 1e9)
            if len(readings) > 4 and readings[-1] == readings[-5]:
                return readings[-1]
            time.sleep(0.25)
        raise AssertionError("the worker never settled")

    try:
        before = settled_cpu()  # nothing collected yet
        assert [etl_workers._result(pool.outcome(task)).rows_loaded for task in tasks] == [4000] * 3
        after = settled_cpu()
    finally:
        pool.close()
    # waiting on the pipe after its first file, the worker would parse the other two only now (~2 parses)
    assert after - before < 0.5 * one_parse, (after - before, one_parse)


def test_a_load_starts_its_worker_before_it_opens_the_database_and_the_batch_uses_that_worker(tmp_path, monkeypatch):
    """load_files starts the parse worker first (etl.workers.started_ahead), so that its start overlaps copying,
    opening and migrating the database and hashing the files; the batch takes that worker over (no second one)."""
    from etl import db as dbmod

    paths = _batch(tmp_path / "in")
    events: list[str] = []
    worker_init, connect = etl_workers._Worker.__init__, dbmod.connect
    monkeypatch.setattr(etl_workers._Worker, "__init__",
                        lambda self, limits: (events.append("worker"), worker_init(self, limits))[1])
    monkeypatch.setattr(dbmod, "connect", lambda *a, **k: (events.append("database"), connect(*a, **k))[1])
    report, workers_seen, _content = _load(paths, tmp_path / "ppa.duckdb", monkeypatch, workers=2)
    assert events[:2] == ["worker", "database"] and events.count("worker") == 1, events
    assert workers_seen == 1
    assert [f.status for f in report.files] == ["loaded", "loaded", "loaded", "loaded", "replaced", "failed",
                                                "unchanged"]
def test_a_parse_worker_does_not_import_pandas(tmp_path):
    """pyarrow imports pandas (~0.3 s of CPU) on the first array built from Python values; a worker parses a
    register, with every such array, without it (and gives the same records as a parse in this process)."""
    path = register(tmp_path / "uptd-mei.xlsx", "UPTD_PPA", D(2024, 5, 1), D(2024, 5, 1),
                    [entry("U/1", D(2024, 5, 2), **SAME), entry("U/2", D(2024, 5, 3), district="Jelutung")])
    code = f"""
import sys, threading
from multiprocessing import Pipe
from pathlib import Path
from etl import workers
here, there = Pipe()
threading.Thread(target=workers._serve, args=(there, 1024, 60), daemon=True).start()
assert here.recv() == ("ready", None)
here.send(("parse", (Path({str(path)!r}), None, "uptd-mei.xlsx")))
kind, parsed = here.recv()
here.send(None)
print(kind, parsed.rows_loaded, 'pandas' in sys.modules and sys.modules['pandas'] is not None)
print(parsed.victim_table.to_pylist() == __import__("etl.parse").parse.parse_workbook({str(path)!r}).victim_table.to_pylist())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.split() == ["parsed", "2", "False", "True"], out.stdout + out.stderr


def test_a_worker_told_to_stop_leaves_without_the_interpreters_teardown(tmp_path):
    """A worker process's life (workers._work, its process target) ends with os._exit once it has served: the
    interpreter's teardown (0.07-0.1 s of CPU after a 30-file batch, measured) is skipped, so an atexit hook of
    the worker never runs, and it exits with 0 after sending every outcome asked for."""
    path = register(tmp_path / "uptd-mei.xlsx", "UPTD_PPA", D(2024, 5, 1), D(2024, 5, 1),
                    [entry("U/1", D(2024, 5, 2), **SAME)])
    code = f"""
import atexit, sys, threading
from multiprocessing import Pipe
from pathlib import Path
from etl import workers
here, there = Pipe()
def loader():
    assert here.recv() == ("ready", None)
    here.send(("parse", (Path({str(path)!r}), None, "uptd-mei.xlsx")))
    kind, parsed = here.recv()
    print(kind, parsed.rows_loaded, flush=True)
    here.send(None)
threading.Thread(target=loader, daemon=True).start()
atexit.register(lambda: print("teardown", flush=True))
workers._work(there, 1024, 60)
print("returned", flush=True)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert (out.returncode, out.stdout.split()) == (0, ["parsed", "1"]), out.stdout + out.stderr
