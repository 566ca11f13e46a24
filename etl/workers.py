"""Parsing untrusted workbooks where a failure cannot spread, and a batch's files ahead of the loader.

A workbook comes from outside: a few KB can make the reader (fastexcel, on calamine) allocate gigabytes, loop,
or panic. So a file is parsed in a worker process of its own kind, with a memory cap (``PPA_PARSE_MEMORY_MB`` over
the worker's own use after start, default 1024) and a time limit (``PPA_PARSE_SECONDS`` of CPU per file, default
60; four times that in wall time). A worker that passes either, or crashes, dies alone: that file gets "tidak dapat
dibaca dengan aman", the worker is replaced and the other files go on. Its output (a Rust panic's text, an
allocation failure's) never reaches the operator's terminal, and it writes no core file.

The exception is a file etl.read bounds before the reader sees it (``parses_safely_here``): an .xlsx/.xlsm is
streamed and refused past bounds on size, rows and cells, so what the reader may allocate is bounded
(docs/operations.md), and a file whose first bytes do not match its suffix is refused without reading; a reader
panic on such a file is caught as its message. These may be parsed in the loader's own process, which then need
not wait for a worker, as before. An OLE .xls and a zipped .ods are parsed only in a worker.

A batch (``Prefetch``) runs up to ``PPA_LOAD_WORKERS`` parsing processes (default: one per core, at most 4),
counting the loader's own; workers are started only for batches of more than four files per process or for files
that must be isolated. Whenever the loader would wait for a worker's result, it parses a file further down the
batch itself if that file may be parsed here. Workers are spawned fresh (not forked from the loader, whose DuckDB
threads must not be copied), so they see the loader's settings (``PPA_REFERENCE`` …) as they are when the batch
starts, and without re-importing the caller's main module.

An error of the project's own code while parsing (anything but an EtlError, or a reader failure etl.read turns
into one) is raised to the caller, never reported as a bad file.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import queue
import sys
import threading
import time
import traceback
import types
from collections import deque
from contextlib import contextmanager
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterator

from etl import settings
from etl.model import EtlError, ParsedWorkbook, WorkbookError

MAX_WORKERS = 4
# A worker takes about half a second of CPU to start (a fresh interpreter, then numpy, pyarrow, fastexcel …):
# a batch of no more than this many files per parsing process is parsed here (the files that may be) entirely.
MIN_FILES_PER_PROCESS = 4
# Files this process parses ahead of their turn, at most, while it waits for a worker's result (mostly in the
# first second, while the workers start); their results wait here until asked for.
PARSED_HERE_AHEAD = 8
# Files handed to one worker at a time: the next one waits in its pipe, so it never idles between files.
PER_WORKER = 2

DEFAULT_MEMORY_MB = 1024
DEFAULT_SECONDS = 60
WALL_PER_CPU_SECOND = 4  # a worker that neither finishes nor uses its CPU (blocked) is stopped after this long
START_SECONDS = 120  # a worker not started by then is broken (a start takes ~0.5 s; seconds on a busy machine)

Item = tuple[Path, str | None, str]  # (path, --agency or None, file name as the operator knows it)
Task = tuple[str, Item]  # ("parse" | "read", item): what a worker does with the file
_IN_WORKER = False  # set in a worker process


def unsafe_file(file_name: str) -> WorkbookError:
    """The message of a file whose reading passed the memory or time limit, or crashed the reader's process."""
    return WorkbookError(
        f"File '{file_name}' tidak dapat dibaca dengan aman: membacanya melampaui batas memori atau waktu, atau "
        "pembacanya berhenti mendadak. Buka di Excel atau LibreOffice, simpan ulang sebagai .xlsx, lalu kirim ulang.")


def parse_limits() -> tuple[int, int]:
    """(memory in MB a worker may use over its own, CPU seconds per file): the settings parse_memory_mb and
    parse_seconds (ppa.toml, PPA_PARSE_MEMORY_MB / PPA_PARSE_SECONDS; etl.settings)."""
    def setting(key: str, default: int) -> int:
        value = (settings.get(key) or "").strip()
        return int(value) if value.isdigit() and int(value) > 0 else default
    return setting("parse_memory_mb", DEFAULT_MEMORY_MB), setting("parse_seconds", DEFAULT_SECONDS)


def parses_safely_here(path: Path, file_name: str) -> bool:
    """Whether a file may be parsed in the caller's process: yes unless etl.read would hand the reader bytes that
    no pre-scan bounds (an OLE .xls, a zipped .ods), which go to a worker."""
    from etl.read import unbounded_by_prescan

    return not unbounded_by_prescan(path, file_name)


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


@functools.cache
def _reuse_freed_memory() -> None:
    """Let this worker's C allocator keep the memory it frees for the next file, instead of the kernel's.

    Parsing a file allocates and frees buffers of a megabyte or more (the inflated XML, numpy scratch arrays, the
    reader's cells). By default glibc maps such buffers afresh and hands them back when they are freed, so every
    file faults their pages in again: ~1,250 page faults for a 4,000-row register. Below these thresholds it now
    keeps them (up to 64 MB of freed memory stays with the process): no page faults after the first file, and
    ~5 % less CPU for a million-row batch (docs/performance.md). Called in parsing workers only, never in a
    process that merely imports etl (the Streamlit server). Nothing changes where the C library is not glibc.
    """
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return
    except (ValueError, OSError):
        return
    libc = ctypes.CDLL(None)
    libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20)
    libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)


def _parse_here(item: Item) -> ParsedWorkbook:
    """Parse one file in this process (EtlError for a file that can't be used)."""
    from etl.parse import parse_workbook  # imported on first use: the loader's CLI starts faster

    path, agency, file_name = item
    return parse_workbook(path, agency, file_name=file_name)


# ---------------------------------------------------------------------------------------------------- the worker

def _vm_size() -> int | None:
    """This process's address space in bytes (Linux), or None."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return None


def in_worker() -> bool:
    """Whether this process is a parsing worker (where a file is read directly)."""
    return _IN_WORKER


class _WithoutPandas:
    """Makes pandas unimportable in a parse worker (an import finder, first on ``sys.meta_path``).

    Parsing never uses pandas, but pyarrow imports it (~0.3 s of CPU) the first time it builds an array from
    Python or numpy values, to check whether they are pandas objects; when the import fails it takes pandas as
    absent (the arrays built are the same), and no worker of any batch pays for it."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError("a parse worker does not import pandas", name=name)
        return None


def _work(conn, memory_mb: int, seconds: int) -> None:
    """A worker process's life: serve (_serve), then leave without the interpreter's teardown (freeing every
    module and object one by one: 0.13-0.16 s of CPU after a batch, while the loader inserts the batch's victims
    on both cores). Nothing is left to flush: every outcome was collected before the loader said stop. A worker
    that fails while starting raises as before, so that its exit code says so."""
    _serve(conn, memory_mb, seconds)
    os._exit(0)


def _serve(conn, memory_mb: int, seconds: int) -> None:
    """A worker: do the tasks that arrive on ``conn`` one by one and send back each outcome, until None."""
    import resource

    global _IN_WORKER
    _IN_WORKER = True
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file (it would hold the file's data)
    # what parsing imports and reserves, before the cap: a module mapped at the cap fails to load, and Arrow's
    # allocator (mimalloc) reserves a 1 GiB arena of address space on first use, of which it uses what it needs
    import xml.etree.ElementTree as ET

    import pyarrow as pa
    import pyarrow.compute as pc

    from etl import parse  # noqa: F401

    ET.fromstring("<x/>")  # loads pyexpat
    pc.sum(pa.array([1, 2]))

    _reuse_freed_memory()
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    sender = threading.Thread(target=_send_outcomes, args=(conn, outbox), daemon=True, name="ppa-send")
    sender.start()  # before the cap: its stack is address space
    base = _vm_size()
    if base is not None:
        cap = base + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)[1]
    conn.send(("ready", None))  # a worker that dies before this failed to start: no file's fault
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # from now on: a panic's or an allocation failure's text is not the operator's to read
    os.close(devnull)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the loader is gone
            return
        if task is None:
            return
        used = resource.getrusage(resource.RUSAGE_SELF)
        limit = int(used.ru_utime + used.ru_stime) + seconds + 1  # SIGXCPU ends the worker past it
        if hard_cpu == resource.RLIM_INFINITY or limit <= hard_cpu:
            resource.setrlimit(resource.RLIMIT_CPU, (limit, hard_cpu))
        outcome = _outcome(task)
        outbox.put(outcome)  # sent while the next file is parsed
        if outcome[0] == "unsafe":  # at its cap once: a fresh worker takes the next file
            outbox.put(None)
            sender.join()
            return


def _send_outcomes(conn, outbox: queue.SimpleQueue) -> None:
    """Send a worker's outcomes in order, until None (the worker's thread beside its parsing).

    An outcome (a parsed 4,000-row register: ~0.8 MB pickled) is larger than the pipe holds, so sending it waits
    until the loader reads it, which it does only when it asks for that file: sent from the parsing thread, the
    worker idled meanwhile (a third of its time in a 40-file batch); from here it parses the next file."""
    while (outcome := outbox.get()) is not None:
        try:
            conn.send(outcome)
        except (OSError, ValueError):  # the loader is gone; the parsing thread sees it at its next recv
            return
        except BaseException:  # e.g. out of memory while pickling: the worker dies, as a failing send did before
            os._exit(1)


def _outcome(task: Task) -> tuple[str, object]:
    kind, (path, agency, file_name) = task
    try:
        if kind == "read":
            from etl.read import read_workbook
            return "parsed", read_workbook(path, file_name)
        return "parsed", _parse_here((path, agency, file_name))
    except EtlError as exc:
        return "refused", exc
    except MemoryError:
        return "unsafe", unsafe_file(file_name)
    except Exception as exc:  # the project's own error: the caller raises it
        return "bug", (f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc)))


@contextmanager
def _bare_main_module():
    """Let spawned workers start without importing the parent's ``__main__``.

    A spawned process first re-imports its parent's main module. That is the CLI for ``python -m etl``, but in a
    Streamlit server or a test run it can be whichever page script ran last (Streamlit makes each script
    ``__main__`` while it runs), and re-running a page in a worker fails. The workers need only etl.parse, so
    while they are being started the main module is a bare one.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class ParsingBug(RuntimeError):
    """The project's own code failed while parsing a file in a worker (the worker's traceback is attached)."""


class _Worker:
    """One worker process and the tasks it was handed, in order (their outcomes come back in that order)."""

    def __init__(self, limits: tuple[int, int]) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child, *limits), daemon=True, name="ppa-parse")
        with _bare_main_module():
            self.process.start()
        child.close()
        self.items: deque[Task] = deque()
        self.head_since = time.monotonic()  # when the first task still waiting began, at the latest
        self.ready = False  # has said it started
        self.started = time.monotonic()

    def send(self, task: Task) -> None:
        if not self.items:
            self.head_since = time.monotonic()
        self.items.append(task)
        self.conn.send(task)

    def stop(self) -> None:
        """Let an idle worker exit on its own; end a busy one (its files are no longer wanted)."""
        try:
            if self.items:
                self.process.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.conn.close()


class _Pool:
    """Up to ``size`` workers, started when first needed; a worker that dies or passes its limits is replaced."""

    def __init__(self, size: int, started: list[_Worker] | None = None) -> None:
        self.size = max(size, 1)
        self.limits = parse_limits()
        self.workers: list[_Worker] = []
        while started and len(self.workers) < self.size:  # workers started ahead (started_ahead): taken over
            self.workers.append(started.pop())
        self.outcomes: dict[Task, tuple[str, object]] = {}  # arrived, not yet asked for
        self.unwanted: set[Task] = set()  # handed to a worker, then skipped

    def busy(self) -> int:
        return sum(len(w.items) for w in self.workers)

    def has_room(self) -> bool:
        return self.busy() < self.size * PER_WORKER

    def submit(self, task: Task) -> None:
        for worker in [w for w in self.workers if not w.items and w.process.exitcode is not None]:
            self._drop(worker)  # died while idle (killed from outside): nothing of it is lost
        if len(self.workers) < self.size and all(w.items for w in self.workers):
            self.workers.append(_Worker(self.limits))
        worker = min(self.workers, key=lambda w: len(w.items))
        try:
            worker.send(task)
        except OSError:  # it died just now, before the task reached it: another takes it
            worker.items.remove(task)
            self._drop(worker)
            for queued in [task, *worker.items]:
                self.submit(queued)

    def holds(self, task: Task) -> bool:
        return task in self.outcomes or any(task in w.items for w in self.workers)

    def done(self, task: Task) -> bool:
        self._collect(0)
        return task in self.outcomes

    def outcome(self, task: Task) -> tuple[str, object]:
        """Wait for a task's outcome."""
        while task not in self.outcomes:
            if not self.holds(task):
                raise RuntimeError(f"{task[1][2]} was never handed to a parsing worker")
            self._collect(None)
        return self.outcomes.pop(task)

    def forget(self, task: Task) -> None:
        """A task no longer wanted: its outcome is dropped when it arrives."""
        if self.outcomes.pop(task, None) is None and any(task in w.items for w in self.workers):
            self.unwanted.add(task)

    def _arrived(self, task: Task, outcome: tuple[str, object]) -> None:
        if task in self.unwanted:
            self.unwanted.discard(task)
        else:
            self.outcomes[task] = outcome

    def _collect(self, timeout: float | None) -> None:
        """Take the outcomes that have arrived (waiting up to ``timeout``, None: until one arrives or a worker
        fails); a worker that died or ran past its wall time gives its first task the unsafe-file message."""
        working = [w for w in self.workers if w.items]
        if not working:
            return
        wall = self.limits[1] * WALL_PER_CPU_SECOND
        now = time.monotonic()
        deadline = min(w.head_since + wall if w.ready else w.started + START_SECONDS for w in working)
        wait_for = max(0.0, deadline - now) if timeout is None else min(timeout, max(0.0, deadline - now))
        ready = wait([w.conn for w in working] + [w.process.sentinel for w in working], wait_for)
        for worker in working:
            if worker.conn in ready:
                try:
                    while worker.items and worker.conn.poll():
                        outcome = worker.conn.recv()  # before taking the item: it raises if the worker died
                        if outcome[0] == "ready":  # its first file's time starts now
                            worker.ready, worker.head_since = True, time.monotonic()
                            continue
                        self._arrived(worker.items.popleft(), outcome)
                        worker.head_since = time.monotonic()
                        if outcome[0] == "unsafe":  # the worker exits after it
                            self._replace(worker, culprit=False)
                            break
                    continue
                except (EOFError, OSError):
                    pass  # died after its last outcome, or while sending one
            elif worker.process.sentinel not in ready and (not worker.ready
                                                             or time.monotonic() - worker.head_since < wall):
                if not worker.ready and time.monotonic() - worker.started > START_SECONDS:
                    self._drop(worker)
                    raise RuntimeError(f"A parsing worker did not start within {START_SECONDS} s")
                continue
            self._replace(worker)

    def _drop(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(5)
        self.workers.remove(worker)
        worker.conn.close()

    def _replace(self, worker: _Worker, culprit: bool = True) -> None:
        """The worker died (or is stopped for running too long, or has exited after reaching its memory cap): its
        first task, if ``culprit``, is not read safely; the tasks queued behind it go to a new worker."""
        self._drop(worker)
        if not worker.ready and (worker.process.exitcode or 0) > 0:  # it raised while starting (its output says why)
            raise RuntimeError(f"A parsing worker failed to start (exit code {worker.process.exitcode})")
        if culprit:
            task = worker.items.popleft()
            self._arrived(task, ("unsafe", unsafe_file(task[1][2])))
        for task in worker.items:
            self.submit(task)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers.clear()
        self.outcomes.clear()
        self.unwanted.clear()
        multiprocessing.active_children()  # reaps the workers of earlier batches that have exited


def _result(outcome: tuple[str, object]) -> ParsedWorkbook:
    kind, value = outcome
    if kind == "parsed":
        return value
    if kind in ("refused", "unsafe"):
        raise value
    summary, remote = value
    raise ParsingBug(f"{summary}\n\nDi proses pembaca:\n{remote}")


def cores() -> int:
    """The CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(files: int) -> int:
    """How many processes parse a batch of this many files, the loader's own included (1: only this one, with
    a worker for the files that may not be parsed here)."""
    configured = (settings.get("load_workers") or "").strip()
    wanted = int(configured) if configured.isdigit() and int(configured) >= 1 else min(cores(), MAX_WORKERS)
    return wanted if wanted > 1 and files > wanted * MIN_FILES_PER_PROCESS else 1


def read_in_worker(path: Path, file_name: str):
    """etl.read.read_workbook in a worker process (the Workbook, or the file's WorkbookError): how a caller in
    another process reads a file that no pre-scan bounds."""
    pool = _Pool(1)
    task = ("read", (Path(path), None, file_name))
    try:
        pool.submit(task)
        return _result(pool.outcome(task))
    finally:
        pool.close()


def parse_file(path: Path, agency: str | None, file_name: str) -> ParsedWorkbook:
    """Parse one workbook where its failure cannot spread; every failure of the file becomes an EtlError whose
    message the operator can act on (a bug of the project's own code is raised as itself, or as ParsingBug)."""
    with Prefetch([(Path(path), agency, file_name)]) as prefetch:
        return prefetch.parsed(Path(path), agency, file_name)


@contextmanager
def started_ahead(files: int) -> Iterator[list[_Worker]]:
    """Start now the workers a batch of this many files will want (worker_count), so that they start (~0.7 s: an
    interpreter, numpy, pyarrow, fastexcel, etl.parse) while the caller opens the database and hashes the files;
    a Prefetch given the list (``started``) takes them over, and those it did not take stop when the block ends."""
    count = worker_count(files)
    started = [_Worker(parse_limits()) for _ in range(count - 1)] if count > 1 else []
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


class Prefetch:
    """Parses (path, agency, file name) items ahead, a few files in front of the loader.

    ``parsed(path, agency, file_name)`` returns the item's ParsedWorkbook (or raises its EtlError) and is meant to
    be called in the items' order; items it is never asked for (files found unchanged) are skipped, and anything
    it was not given is parsed as ``parse_file`` would. Items that may be parsed here (``parses_safely_here``) are
    parsed in this process when no worker runs for the batch, or while this process would wait for a worker's
    result (a few ahead at most, kept until asked for); the others always go to a worker.
    """

    def __init__(self, items: list[Item], started: list[_Worker] | None = None) -> None:
        self._order: deque[Item] = deque(items)  # not yet asked for, in batch order
        self._waiting: list[Item] = list(items)  # neither handed to a worker nor parsed here
        self._parsed_here: dict[Item, tuple[ParsedWorkbook | None, EtlError | None]] = {}
        count = worker_count(len(items))
        self._spread = count > 1  # workers for every file (this process helps); else only for unsafe ones
        self._here = {item: parses_safely_here(item[0], item[2]) for item in items}
        self._pool = _Pool(count - 1 if self._spread else 1, started)
        self._fill()

    def __enter__(self) -> "Prefetch":
        return self

    def __exit__(self, *exc) -> None:
        self._pool.close()
        self._waiting.clear()
        self._parsed_here.clear()

    def _fill(self) -> None:
        """Hand the next waiting items that go to a worker to the pool while it has room (in batch order)."""
        for item in [i for i in self._waiting if self._spread or not self._here[i]]:
            if not self._pool.has_room():
                return
            self._waiting.remove(item)
            self._pool.submit(("parse", item))

    def parsed(self, path: Path, agency: str | None, file_name: str) -> ParsedWorkbook:
        item = (Path(path), agency, file_name)
        self._skip_until(item)
        if item in self._parsed_here:
            result, error = self._parsed_here.pop(item)
            if error is not None:
                raise error
            return result
        if item not in self._waiting and not self._pool.holds(("parse", item)):  # not given: parse it as parse_file would
            self._here.setdefault(item, parses_safely_here(item[0], item[2]))
            self._waiting.insert(0, item)
        if item in self._waiting:
            self._waiting.remove(item)
            if self._here[item] and (not self._spread or not self._pool.has_room()):
                return _parse_here(item)
            self._pool.submit(("parse", item))
        self._fill()
        while not self._pool.done(("parse", item)) and len(self._parsed_here) < PARSED_HERE_AHEAD:
            ahead = next((i for i in self._waiting if self._here[i]), None)
            if ahead is None:
                break
            self._waiting.remove(ahead)  # rather than wait
            try:
                self._parsed_here[ahead] = (_parse_here(ahead), None)
            except EtlError as exc:
                self._parsed_here[ahead] = (None, exc)
        result = _result(self._pool.outcome(("parse", item)))
        self._fill()
        return result

    def _skip_until(self, item: Item) -> None:
        """Items given before this one and never asked for (files found unchanged): not parsed, or their outcome
        dropped when it arrives."""
        if item not in self._order:
            return
        while (skipped := self._order.popleft()) != item:
            if skipped in self._waiting:
                self._waiting.remove(skipped)
            self._parsed_here.pop(skipped, None)
            self._pool.forget(("parse", skipped))
