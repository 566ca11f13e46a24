"""Odd spreadsheets from the test suites of public spreadsheet libraries (../shared/corpus, 440 files: memory bombs,
reader panics, encrypted, wide, old and broken files), and odd files of our own (tests/hostile_files.py), parsed
and loaded in batches with valid registers: every odd file gets one or two Indonesian sentences of its own, nothing
prints a traceback or library text, nothing hangs, memory stays bounded, the valid files load, and a failed batch
leaves no work copy or orphan archive file behind.

Each run is a real subprocess (the loader's CLI, or a script using etl.workers as the loader and inspect do) under
a small wrapper that reports the largest resident set of the process tree (getrusage RUSAGE_CHILDREN: the largest
of the loader and its parsing workers). The whole corpus takes about a minute on two shared cores.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from etl.read import SUPPORTED_SUFFIXES
from loadhelpers import entry, register
from tests import hostile_files as h

D = dt.date
MEMORY_MB = 512  # each worker's cap over its own use, for these runs (the product's default is 1024)
# the largest resident set of the loader or of one worker: a worker at its cap, which is address space (its own
# ~1.4 GB, most of it reserved and never touched, plus MEMORY_MB), holds well under this; uncapped, a memory bomb
# of the corpus takes 11-24 GB
MAX_RSS_MB = 1024
UNSAFE = "tidak dapat dibaca dengan aman"
PASSWORD = "dilindungi kata sandi: simpan ulang tanpa kata sandi"
OLD_EXCEL = "format Excel lama (Excel 2.x-4.0)"
CORRUPT = "rusak atau tidak dapat dibaca sebagai spreadsheet"
# words of the readers' own (English) messages and of tracebacks; none may reach a message or the terminal
LIBRARY_TEXT = re.compile(r"Traceback|panicked|calamine|fastexcel|pyo3|\b(error|cfb|zip|the|not|found|invalid|failed|"
                          r"could|index|slice|expected|expecting|unexpected|password|protected)\b", re.IGNORECASE)
MEASURED = """\
import json, resource, subprocess, sys, time
start = time.monotonic()
run = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)
print(json.dumps({"code": run.returncode, "stdout": run.stdout, "stderr": run.stderr,
                  "seconds": time.monotonic() - start,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""
PARSE_ALL = """\
import json, sys
from pathlib import Path
from etl import workers
from etl.model import EtlError
items = [(Path(p), None, Path(p).name) for p in sys.argv[1:]]
outcomes = {}
with workers.Prefetch(items) as batch:  # as the loader and inspect parse a batch
    for item in items:
        try:
            parsed = batch.parsed(*item)
            outcomes[item[2]] = {"rows": parsed.rows_loaded}
        except EtlError as exc:
            outcomes[item[2]] = {"message": str(exc)}
print(json.dumps(outcomes))
"""


def measured(args: list[str], repo_root: Path) -> dict:
    """Run a command under the wrapper: its exit code, output, seconds and the tree's largest resident set."""
    env = {**os.environ, "PPA_PARSE_MEMORY_MB": str(MEMORY_MB), "PPA_LOAD_WORKERS": "2", "PYTHONPATH": str(repo_root)}
    run = subprocess.run([sys.executable, "-c", MEASURED, *args], cwd=repo_root, env=env, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def assert_a_sentence_of_its_own(name: str, message: str) -> None:
    """One or two Indonesian sentences naming the file: no library text, no path, short."""
    assert message.startswith(f"File '{name}'"), message
    text = re.sub(r"'[^']*'", "'…'", message.replace(f"'{name}'", "'…'"))  # names of the file and its sheets
    assert not LIBRARY_TEXT.search(text), message
    assert not re.search(r"(?<![\w.])/(tmp|work|home|root|var|usr)\b", text), message
    assert len(re.findall(r"[.!?](?=\s|$)", text)) <= 2, message
    assert len(text) <= 320, message


def assert_quiet(run: dict, names: list[str]) -> None:
    """Nothing on the terminal but the loader's own Indonesian output (file names aside)."""
    said = run["stderr"]
    for name in names:
        said = said.replace(name, "…")
    assert not LIBRARY_TEXT.search(said), said[-2000:]
    assert "Traceback" not in run["stdout"]


def assert_nothing_left_behind(db: Path, loaded: int) -> None:
    """No work copy, staging file or core file; raw/ holds one file for each file that loaded."""
    leftovers = [p.name for p in db.parent.rglob("*") if ".work-" in p.name or ".pending" in p.name
                 or p.name.startswith("core")]
    assert leftovers == []
    raw = db.parent / "raw"
    assert len(list(raw.iterdir()) if raw.exists() else []) == loaded


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("sah")
    return [register(folder / "uptd-mei.xlsx", "UPTD_PPA", D(2024, 5, 1), D(2024, 5, 1),
                     [entry("U/1", D(2024, 5, 2)), entry("U/2", D(2024, 5, 3), district="Jelutung")]),
            register(folder / "polresta-juni.xlsx", "POLRESTA", D(2024, 6, 1), D(2024, 6, 1),
                     [entry("LP/1", D(2024, 6, 4), age=15)]),
            register(folder / "lsm-juli.xlsx", "LSM", D(2024, 7, 1), D(2024, 7, 1),
                     [entry("L/1", D(2024, 7, 9), sex="L", age=8)])]


@pytest.fixture(scope="module")
def own_odd_files(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Our own odd files, each with the words its message must hold."""
    folder = tmp_path_factory.mktemp("aneh")
    good = h.register(folder / "contoh.xlsx")
    files = {
        "bom-sektor.xls": (h.sector_loop_xls(folder / "bom-sektor.xls"), UNSAFE),
        "excel-lama.xls": (h.old_excel(folder / "excel-lama.xls"), OLD_EXCEL),
        "sel-berulang.ods": (h.repeated_cells_ods(folder / "sel-berulang.ods"), "terlalu besar"),
        "berkata-sandi.xlsx": (h.encrypted_ole(folder / "berkata-sandi.xlsx"), PASSWORD),
        "terpotong.xlsx": (h.truncated(folder / "terpotong.xlsx", good), "rusak atau terpotong"),
        "sel-jauh.xlsx": (h.far_cell(folder / "sel-jauh.xlsx"), "terlalu besar"),
        "lebar-dan-panjang.xlsx": (h.wide_and_long(folder / "lebar-dan-panjang.xlsx"), "terlalu besar"),
        "bom-zip.xlsx": (h.declared_zip_bomb(folder / "bom-zip.xlsx"), "terlalu besar setelah dibuka"),
    }
    good.unlink()
    return files


def load_batch(paths: list[Path], db: Path, repo_root: Path) -> tuple[dict, dict[str, dict]]:
    run = measured([sys.executable, "-m", "etl", "load", "--json", "--db", str(db), *map(str, paths)], repo_root)
    assert_quiet(run, [p.name for p in paths])
    report = json.loads(run["stdout"])
    return run, {Path(f["path"]).name: f for f in report["files"]}


def message_of(result: dict) -> str:
    return " ".join(e["message"] for e in result["errors"])


def test_a_batch_of_our_own_odd_files_loads_its_valid_registers(tmp_path, valid, own_odd_files, repo_root):
    odd = [path for path, _ in own_odd_files.values()]
    db = tmp_path / "ppa.duckdb"
    run, results = load_batch([valid[0], *odd[:4], valid[1], *odd[4:]], db, repo_root)
    assert run["code"] == 1  # some files failed
    assert results["uptd-mei.xlsx"]["status"] == "loaded" and results["polresta-juni.xlsx"]["status"] == "loaded"
    for name, (_path, expected) in own_odd_files.items():
        assert results[name]["status"] == "failed", name
        message = message_of(results[name])
        assert expected in message
        assert_a_sentence_of_its_own(name, message)
    assert run["max_rss_mb"] < MAX_RSS_MB, run["max_rss_mb"]
    assert_nothing_left_behind(db, loaded=2)


# ------------------------------------------------------------------------------------------------- the corpus

@pytest.fixture(scope="module")
def corpus(shared_dir) -> dict[str, dict]:
    """The corpus files the loader takes (by suffix), by name, with their manifest rows."""
    folder = shared_dir / "corpus"
    if not (folder / "manifest.csv").exists():
        pytest.skip("../shared/corpus not present")
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as f:
        rows = {row["name"]: {**row, "path": folder / "files" / row["name"]} for row in csv.DictReader(f)}
    return {name: row for name, row in rows.items() if Path(name).suffix.lower() in SUPPORTED_SUFFIXES}


def expected_words(row: dict) -> str | None:
    """What a corpus file's message must say, by what the manifest says it is."""
    if row["kind"] == "encrypted":
        return PASSWORD
    if row["kind"] == "memory-bomb":
        return UNSAFE
    if row["kind"] == "panic":
        return CORRUPT
    if "BIFF2-4" in row["note"]:
        return OLD_EXCEL
    return None


def test_every_corpus_file_is_parsed_or_refused_in_a_sentence_of_its_own(corpus, repo_root):
    # as `inspect` and the upload page's check parse: the whole corpus as one batch, without storing
    run = measured([sys.executable, "-c", PARSE_ALL, *(str(row["path"]) for row in corpus.values())], repo_root)
    assert_quiet(run, list(corpus))
    outcomes = json.loads(run["stdout"])
    assert set(outcomes) == set(corpus)
    for name, row in corpus.items():
        outcome = outcomes[name]
        if "message" not in outcome:
            continue  # read and parsed (a file of some agency's shape would be)
        assert_a_sentence_of_its_own(name, outcome["message"])
        if expected := expected_words(row):
            assert expected in outcome["message"], (row["kind"], outcome["message"])
        if row["kind"] == "wide" and "255x10" in name:
            assert "terlalu besar" not in outcome["message"]
    assert sum(PASSWORD in o.get("message", "") for o in outcomes.values()) >= 50
    assert run["max_rss_mb"] < MAX_RSS_MB, run["max_rss_mb"]


@pytest.mark.parametrize("half", [0, 1])
def test_loading_the_corpus_in_batches_with_valid_registers(tmp_path, corpus, valid, half, repo_root):
    # two batches of ~200 odd files each (as one would load a folder), valid registers first, middle and last
    names = sorted(corpus)[half::2]
    odd = [corpus[name]["path"] for name in names]
    middle = len(odd) // 2
    db = tmp_path / "ppa.duckdb"
    run, results = load_batch([valid[0], *odd[:middle], valid[1], *odd[middle:], valid[2]], db, repo_root)
    assert run["code"] == 1
    assert [results[p.name]["status"] for p in valid] == ["loaded"] * 3
    for name in names:
        if results[name]["status"] == "failed":
            assert_a_sentence_of_its_own(name, message_of(results[name]))
            if expected := expected_words(corpus[name]):
                assert expected in message_of(results[name])
    assert run["max_rss_mb"] < MAX_RSS_MB, run["max_rss_mb"]
    assert_nothing_left_behind(db, loaded=sum(r["status"] in ("loaded", "replaced") for r in results.values()))


def test_a_register_loads_beside_a_file_that_panics_the_reader_and_one_whose_sectors_loop(tmp_path, corpus, valid,
                                                                                         repo_root):
    panic = corpus["calamine__tests_ptgexp-truncated-operand.xls"]["path"]
    loop = corpus["phpspreadsheet__tests_data_Reader_XLS_oleloop.xls"]["path"]
    db = tmp_path / "ppa.duckdb"
    run, results = load_batch([panic, valid[0], loop], db, repo_root)
    assert run["code"] == 1
    assert results["uptd-mei.xlsx"]["status"] == "loaded" and results["uptd-mei.xlsx"]["rows_loaded"] == 2
    assert CORRUPT in message_of(results[panic.name]) and UNSAFE in message_of(results[loop.name])
    assert run["max_rss_mb"] < MAX_RSS_MB, run["max_rss_mb"]
    assert_nothing_left_behind(db, loaded=1)
