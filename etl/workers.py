"""Parsing the files of a batch ahead, in worker processes, while the loader stores earlier ones.

Parsing (read, layout, normalise) is pure Python work on one file at a time and needs no database, so a batch
runs it in up to ``PPA_LOAD_WORKERS`` processes (default: one per core, at most 4), counting the loader's own:
the others are worker processes, and the loader's single writer takes their results in load order. Whenever the
writer would wait for the next result, it parses a file further down the batch itself, so on two cores one worker
and the writer keep both busy without a third process to start and feed. Small batches and
``PPA_LOAD_WORKERS=1`` parse in the loader's own process.
Workers are spawned fresh (not forked from the loader, whose DuckDB threads must not be copied), so they see
the loader's settings (``PPA_REFERENCE`` …) as they are now, and without re-importing the caller's main module;
if a worker dies, the rest of the batch parses here.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import sys
import types
from collections import deque
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from etl import settings
from etl.model import EtlError, ParsedWorkbook

MAX_WORKERS = 4
# A worker takes about a second of CPU to start (a fresh interpreter, then numpy, pyarrow, pandas, fastexcel …):
# a batch of no more than this many files per parsing process is parsed here entirely.
MIN_FILES_PER_PROCESS = 4
# Files this process parses ahead of their turn, at most, while it waits for a worker's result (mostly in the
# first second, while the workers start); their results wait here until asked for.
PARSED_HERE_AHEAD = 8


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


@functools.cache
def _reuse_freed_memory() -> None:
    """Let this process's C allocator keep the memory it frees for the next file, instead of the kernel's.

    Parsing a file allocates and frees buffers of a megabyte or more (the inflated XML, numpy scratch arrays, the
    reader's cells). By default glibc maps such buffers afresh and hands them back when they are freed, so every
    file faults their pages in again: ~1,250 page faults for a 4,000-row register. Below these thresholds it now
    keeps them (up to 64 MB of freed memory stays with the process): no page faults after the first file, and
    ~5 % less CPU for a million-row batch (docs/performance.md). Nothing changes where the C library is not glibc.
    """
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return
    except (ValueError, OSError):
        return
    libc = ctypes.CDLL(None)
    libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20)
    libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)


def parse_file(path: Path, agency: str | None, file_name: str) -> ParsedWorkbook:
    """Parse one workbook; every failure becomes an EtlError whose message the operator can act on."""
    from etl.parse import parse_workbook  # imported on first use: the loader's CLI starts faster

    _reuse_freed_memory()

    try:
        return parse_workbook(path, agency, file_name=file_name)
    except EtlError:
        raise
    except Exception as exc:  # a reader crash on a malformed file must not stop the batch
        raise EtlError(f"File {file_name} tidak dapat dibaca sebagai workbook ({type(exc).__name__}: {exc}). "
                       "Buka dan simpan ulang file dengan Excel/LibreOffice, lalu kirim lagi.") from None


def cores() -> int:
    """The CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(files: int) -> int:
    """How many processes parse a batch of this many files, the loader's own included (1: only this one)."""
    configured = (settings.get("load_workers") or "").strip()
    wanted = int(configured) if configured.isdigit() and int(configured) >= 1 else min(cores(), MAX_WORKERS)
    return wanted if wanted > 1 and files > wanted * MIN_FILES_PER_PROCESS else 1


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


class Prefetch:
    """Parses (path, agency, file name) items ahead in worker processes, a few files in front of the loader.

    ``parsed(path, agency, file_name)`` returns the item's ParsedWorkbook (or raises its EtlError) and is meant to
    be called in the items' order; items it is never asked for (files found unchanged) are skipped, and anything
    it was not given is parsed in this process. While the worker parsing the asked item has not finished, this
    process parses the next items not yet handed to a worker (a few at most), and keeps their outcomes until they
    are asked for.
    """

    def __init__(self, items: list[tuple[Path, str | None, str]]) -> None:
        self._waiting: deque[tuple[Path, str | None, str]] = deque()
        self._running: deque[tuple[tuple[Path, str | None, str], Future]] = deque()
        self._parsed_here: dict[tuple[Path, str | None, str], tuple[ParsedWorkbook | None, EtlError | None]] = {}
        self._pool: ProcessPoolExecutor | None = None
        count = worker_count(len(items))
        if count > 1:
            self._pool = ProcessPoolExecutor(max_workers=count - 1, mp_context=multiprocessing.get_context("spawn"))
            self._waiting.extend(items)
            self._ahead = 2 * (count - 1)  # enough to keep every worker busy, little memory held
            with _bare_main_module():  # the first submissions start every worker
                self._fill()

    def __enter__(self) -> "Prefetch":
        return self

    def __exit__(self, *exc) -> None:
        self._stop()
        self._parsed_here.clear()

    def _stop(self) -> None:
        if self._pool is not None:  # idle workers exit on their own while the loader goes on
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._running.clear()
        self._waiting.clear()

    def _fill(self) -> None:
        while self._waiting and len(self._running) < self._ahead:
            item = self._waiting.popleft()
            self._running.append((item, self._pool.submit(parse_file, *item)))

    def parsed(self, path: Path, agency: str | None, file_name: str) -> ParsedWorkbook:
        item = (path, agency, file_name)
        if item in self._parsed_here:
            result, error = self._parsed_here.pop(item)
            if error is not None:
                raise error
            return result
        try:
            if any(queued == item for queued, _ in self._running) or item in self._waiting:
                while self._running and self._running[0][0] != item:
                    self._running.popleft()[1].cancel()  # parsed for nothing: the file turned out unchanged
                if not self._running:
                    while self._waiting[0] != item:
                        self._waiting.popleft()
                    self._fill()
                future = self._running.popleft()[1]
                self._fill()
                while not future.done() and self._waiting and len(self._parsed_here) < PARSED_HERE_AHEAD:
                    self._parse_here(self._waiting.popleft())  # rather than wait
                return future.result()
        except BrokenProcessPool:  # a worker died (killed, out of memory), now or earlier: parse the rest here
            self._stop()
        return parse_file(path, agency, file_name)

    def _parse_here(self, item: tuple[Path, str | None, str]) -> None:
        try:
            self._parsed_here[item] = (parse_file(*item), None)
        except EtlError as exc:
            self._parsed_here[item] = (None, exc)
