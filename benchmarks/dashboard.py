"""Dashboard benchmark: each page's queries and full AppTest rerun after a filter change, on the demo database and
on a synthetic database of about a million victims; first page load in a browser; server memory; and the naive
alternative (the whole table into pandas, filtered there), all in one run.

`python -m benchmarks.run dashboard -- [--victims N] [--workdir DIR] [--no-browser] [--public-only]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from dataclasses import replace
from pathlib import Path

from report import db as app_db
from report import queries as q
from etl import db as etl_db
from etl import vocab

REPO = Path(__file__).resolve().parents[1]
FILTERS = q.Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1))
CHANGED = replace(FILTERS, district_code="15.71.09")  # the filter change every page reruns after


def page_queries(f: q.Filters) -> dict[str, list]:
    """The query calls each page makes (frame included), as (function, args) pairs: what pages/*.py, app/frame.py
    and app/comparison.py ask app/cached.py for, with no population table configured and the comparison period at
    its default (the same months a year earlier). A section (queries.summary, queries.planning …) is one call."""
    frame = [(q.database_facts, ()), (q.data_span, ()), (q.missing_recent_reports, ())]
    baseline = f.previous_year()
    return {
        "ringkasan": frame + [(q.summary, (f,))],
        "tren": frame + [(q.trend, (f, baseline))],
        "wilayah": frame + [(q.district_totals, (f, None)), (q.subdistrict_totals, (f,))],
        "bentuk_tppo": frame + [(q.forms_and_tppo, (f,))],
        "korban": frame + [(q.victim_profile, (f,))],
        "gugus_tugas": frame + [(q.task_force, (f, baseline))],
        "perencanaan": frame + [(q.planning, (f, baseline, "semua", "bentuk"))],
        "kualitas_data": frame + [(q.data_quality, (f,)), (q.load_history, (20,))],
    }


def time_page_queries(db: Path, repeats: int = 5) -> dict[str, float]:
    """Median seconds to run a page's queries on one read-only connection opened for the run (as the app does, the
    views' in-memory copies included once they are made), every query a miss, as after a filter change; the page
    was shown once before (untimed), as in the app."""
    results = {}
    for page, calls in page_queries(CHANGED).items():
        with app_db.one_connection_per_run():
            for function, args in calls:
                with app_db.reading(db) as (con, copies), q.reading_copies(copies):
                    function(con, *args)
        app_db.wait_for_copies()
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            with app_db.one_connection_per_run():
                for function, args in calls:
                    with app_db.reading(db) as (con, copies), q.reading_copies(copies):
                        function(con, *args)
            runs.append(time.perf_counter() - started)
        results[page] = statistics.median(runs)
    return results


def kecamatan_codes() -> list[str]:
    """Every kecamatan code of the region, in order: the filter changes a benchmark rotates through."""
    return [d.code for d in vocab.districts()]


class ScriptRunClock:
    """Wall and CPU seconds Streamlit's script thread spends on a rerun, summed over the runs since ``reset``:
    ``wall``/``cpu`` all of it (``ScriptRunner._run_script``), ``apptest_wall``/``apptest_cpu`` the part only AppTest
    pays. AppTest gives every run a new script cache, so the entry script and the page are compiled again each run
    (a server compiles them once), and it resets ``PagesManager.uses_pages_directory``, so each run first goes
    through Streamlit's legacy ``pages/`` mode, where app/frame.py's ``ensure_entry_script`` stops it and reruns
    (a server does that once per process). The rest of an AppTest rerun, outside the script thread, is AppTest
    waiting for the thread and parsing the messages into its element tree."""

    def __init__(self) -> None:
        from streamlit.runtime.scriptrunner import ScriptRunner
        from streamlit.runtime.scriptrunner import script_runner
        from streamlit.runtime.scriptrunner.script_cache import ScriptCache

        self.wall = self.cpu = self.apptest_wall = self.apptest_cpu = 0.0
        originals = ((ScriptRunner, "_run_script", ScriptRunner._run_script),
                     (script_runner, "_mpa_v1", script_runner._mpa_v1),
                     (ScriptCache, "get_bytecode", ScriptCache.get_bytecode))
        clock, inside_apptest_part = self, [False]

        def timed(function, apptest_only):
            def run(*args, **kwargs):
                if apptest_only and inside_apptest_part[0]:  # compiling the page inside the legacy pass
                    return function(*args, **kwargs)
                inside_apptest_part[0] = apptest_only
                started, cpu = time.perf_counter(), time.thread_time()
                try:
                    return function(*args, **kwargs)
                finally:
                    wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
                    if apptest_only:
                        clock.apptest_wall += wall
                        clock.apptest_cpu += cpu
                        inside_apptest_part[0] = False
                    else:
                        clock.wall += wall
                        clock.cpu += cpu
            return run

        ScriptRunner._run_script = timed(originals[0][2], False)
        script_runner._mpa_v1 = timed(originals[1][2], True)
        ScriptCache.get_bytecode = timed(originals[2][2], True)
        self._originals = originals

    def reset(self) -> None:
        self.wall = self.cpu = self.apptest_wall = self.apptest_cpu = 0.0

    def server_share(self) -> tuple[float, float]:
        """(wall, CPU) seconds of the script thread's run that a real server would also spend."""
        return self.wall - self.apptest_wall, self.cpu - self.apptest_cpu

    def close(self) -> None:
        for owner, name, original in self._originals:
            setattr(owner, name, original)


RERUN_KINDS = ("filter change", "after a load")


def time_apptest_reruns(db: Path, repeats: int = 3, rounds: int = 3
                        ) -> dict[str, dict[str, tuple[float, float, float, float]]]:
    """{page: {kind: median (wall, CPU, script wall, script CPU) seconds of a full Streamlit rerun}} of each page.

    "filter change" (the budget's measure): the page was shown once in a fresh cache, then each rerun changes the
    kecamatan to one this cache has not seen, so the queries that depend on the filters miss the cache and the
    others (data span, database facts, missing reports) hit it, as after a real filter change. "after a load":
    every ``st.cache_data`` entry is cleared before each rerun, as after a new load. Wall and CPU are AppTest's
    whole ``run()`` (CPU of the process: script thread, DuckDB, AppTest's parsing); script wall and CPU are the
    script thread's run without what only AppTest makes it do (``ScriptRunClock``): what a server spends on it.

    Each kind reruns ``repeats`` times in each of ``rounds`` fresh caches (the page shown once in each), and the
    median is over all of them: this machine's speed drifts between seconds, and the median of three reruns moved
    by 0.03-0.05 s from one run of the benchmark to the next."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["PPA_DB"] = str(db)
    codes = kecamatan_codes()
    if len(codes) < 2 * repeats:
        raise ValueError(f"{len(codes)} kecamatan are too few for {repeats} reruns of each kind")
    clock = ScriptRunClock()
    results = {}
    try:
        for page in page_queries(CHANGED):
            st.cache_data.clear()  # each page starts from a fresh cache, so no kecamatan is cached yet
            at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=300)
            try:  # once sign-in exists, staff see the exact pages
                from app import auth
                at.session_state[auth.SESSION_KEY] = auth.session_record("benchmark", "operator")
            except (ImportError, AttributeError):
                pass
            at.query_params.update({"dari": "2024-01", "sampai": "2024-10"})
            at.run()
            at.switch_page(f"pages/{page}.py").run()
            app_db.wait_for_copies()  # the views' in-memory copies, made once per file version in the background
            unseen = iter(codes)

            def next_kecamatan() -> None:
                at.selectbox(key="filter_district").set_value(next(unseen))

            def new_load() -> None:
                next_kecamatan()
                st.cache_data.clear()

            runs = {kind: [] for kind in RERUN_KINDS}
            for round_ in range(rounds):
                if round_:  # a fresh cache again, the page shown once in it
                    st.cache_data.clear()
                    at.run()
                    unseen = iter(codes)
                runs["filter change"] += rerun_times(at, repeats, before=next_kecamatan, clock=clock)
                runs["after a load"] += rerun_times(at, repeats, before=new_load, clock=clock)
            results[page] = {kind: _medians(times) for kind, times in runs.items()}
    finally:
        clock.close()
    return results


def median_rerun(at, repeats: int, before=None, clock: ScriptRunClock | None = None) -> tuple[float, ...]:
    """Median (wall, CPU) seconds of ``repeats`` reruns of an AppTest page (``before`` runs untimed before each),
    and with a ``clock`` also the median (wall, CPU) of the script thread's run within them that a real server
    would spend too (``ScriptRunClock.server_share``)."""
    return _medians(rerun_times(at, repeats, before, clock))


def _medians(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(statistics.median(column) for column in zip(*runs))


def rerun_times(at, repeats: int, before=None, clock: ScriptRunClock | None = None) -> list[tuple[float, ...]]:
    """(wall, CPU[, script wall, script CPU]) seconds of each of ``repeats`` reruns (median_rerun).

    CPU is the whole process's (the script thread, DuckDB's threads, AppTest's own parsing): on a shared machine
    it is the steadier figure, wall time grows with everyone else's load."""
    runs = []
    for _ in range(repeats):
        if before is not None:
            before()
        if clock is not None:
            clock.reset()
        started, cpu = time.perf_counter(), time.process_time()
        at.run()
        runs.append((time.perf_counter() - started, time.process_time() - cpu,
                     *(clock.server_share() if clock is not None else ())))
        assert not at.exception, at.exception
    return runs


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CHARTS_DRAWN = """() => !document.querySelector('[data-testid="stStatusWidget"]') &&
                  [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].length > 0 &&
                  [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                      .every(c => c.querySelector('.main-svg'))"""


def start_server(db: Path, public: bool = False) -> tuple[subprocess.Popen, str]:
    """A real Streamlit server on a free port for ``db`` (``public``: PPA_PUBLIC=1), once it answers its health check."""
    port = free_port()
    env = {**os.environ, "PPA_DB": str(db)}
    env.pop("PPA_PUBLIC", None)
    if public:
        env["PPA_PUBLIC"] = "1"
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
                               "--server.headless", "true", "--server.fileWatcherType", "none"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    return server, url


PUBLIC_PAGES = ("publik", "publik_tren", "publik_wilayah", "publik_bentuk")
# The public landing page is the default page, served at "/" (its file name as a path is "page not found", which
# reruns the default page: a second run and a dialog that a visitor never sees)
PUBLIC_PATHS = {"publik": "", "publik_tren": "publik_tren", "publik_wilayah": "publik_wilayah",
                "publik_bentuk": "publik_bentuk"}
# The landing page's headline sentence ("Semester I 2024 (…): 85 kasus dilaporkan, …") is on screen
HEADLINE = """() => [...document.querySelectorAll('[data-testid="stMain"] h4')].some(h => /\\d/.test(h.innerText))"""
# A headline number is on screen: the first metric's value (pages without metrics: the first chart drawn)
FIRST_NUMBER = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
                           .some(m => m.innerText.trim() !== '') ||
                        (!document.querySelector('[data-testid="stMetric"]') &&
                         !!document.querySelector('[data-testid="stPlotlyChart"] .main-svg'))"""


def start_served(db: Path) -> tuple[subprocess.Popen, str, float, list[tuple[float, str]]]:
    """`python -m app.serve` (what `make run` starts) cold on ``db``: (process, url, seconds to healthy, its output
    lines with the seconds since start at which each arrived, filled in as they come)."""
    import threading

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPA_")}
    env.update({"PPA_DB": str(db), "PPA_USERS": str(db.parent / "tidak-ada-akun.json")})
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "app.serve", "--server.port", str(port), "--server.headless",
                               "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[tuple[float, str]] = []

    def read() -> None:  # the output must be drained or the server blocks once the pipe is full
        for line in server.stdout:
            lines.append((time.perf_counter() - started, line.rstrip()))
    threading.Thread(target=read, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < 120:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    return server, url, time.perf_counter() - started, lines


def wait_for_line(lines: list[tuple[float, str]], text: str, seconds: float = 180) -> float | None:
    """Seconds since the server started at which a line containing ``text`` arrived (None: not within seconds)."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for at, line in lines:
            if text in line:
                return at
        time.sleep(0.05)
    return None


def timed_view(browser, url: str, path: str) -> tuple[float | None, float, float]:
    """A new visitor (new browser context) opens ``path``: seconds to (the headline sentence on screen, landing
    page only; the first headline number in a metric box; the script finished and every chart drawn)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    began = time.perf_counter()
    page.goto(f"{url}/{path}", wait_until="commit")
    sentence = None
    if path == "":
        page.wait_for_function(HEADLINE, timeout=120_000, polling=25)
        sentence = time.perf_counter() - began
    page.wait_for_function(FIRST_NUMBER, timeout=120_000, polling=25)
    number = time.perf_counter() - began
    page.wait_for_function(CHARTS_DRAWN, timeout=120_000, polling=25)
    drawn = time.perf_counter() - began
    context.close()
    return sentence, number, drawn


def time_first_views_after_start(db: Path, wait_for_warm: bool) -> dict[str, object]:
    """A server started cold as `make run` starts it; the first visitor of each public page, landing page first.

    ``wait_for_warm``: the visitors come once start-up warming has said "Cache siap" (a server started before
    office hours); otherwise the first one comes the moment the server answers (the worst case)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)  # not timed
        browser.new_page().close()
        server, url, healthy, lines = start_served(db)
        try:
            warm = wait_for_line(lines, "Cache siap") if wait_for_warm else None
            views = {name: timed_view(browser, url, PUBLIC_PATHS[name]) for name in PUBLIC_PAGES}
            again = timed_view(browser, url, "")  # a second visitor of the landing page, everything warm
            warmed = warm if warm is not None else wait_for_line(lines, "Cache siap", 60)
        finally:
            server.terminate()
            server.wait(timeout=30)
            browser.close()
    return {"healthy": healthy, "warm": warmed, "views": views, "again": again}


def demo_database(work: Path) -> Path:
    """WORK/demo/ppa.duckdb, made by `python -m etl demo` unless it is there already."""
    demo = work / "demo" / "ppa.duckdb"
    if not demo.exists():
        demo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "etl", "demo", "--db", str(demo)], cwd=REPO, check=True,
                       capture_output=True)
    return demo


def first_view(work: Path, rounds: int = 2) -> int:
    """The first view after a server start on the demo database (issue 22: under 2 s)."""
    demo = demo_database(work)
    print("load average (1, 5, 15 min) at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    for wait_for_warm in (True, False):
        for round_ in range(1, rounds + 1):
            r = time_first_views_after_start(demo, wait_for_warm)
            when = "after 'Cache siap'" if wait_for_warm else "the moment the server answers"
            warm = f"{r['warm']:.1f} s" if r["warm"] is not None else "not seen"
            print(f"\nround {round_}, visitors come {when}: server healthy {r['healthy']:.1f} s after start, "
                  f"warming done {warm} after start, load {os.getloadavg()[0]:.1f}")
            print("| public page, first visitor after the start | headline sentence | first number in a box "
                  "| every chart drawn |")
            print("|---|---|---|---|")
            rows = [*r["views"].items(), ("publik again (second visitor)", r["again"])]
            for name, (sentence, number, drawn) in rows:
                shown = f"{sentence:.2f} s" if sentence is not None else "–"
                print(f"| {name} | {shown} | {number:.2f} s | {drawn:.2f} s |")
    print("load average (1, 5, 15 min) at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


# Marks when each milestone of the landing page is first in the document (performance.now(), ms since navigation).
MILESTONES = """
window.__ppaMarks = {};
const mark = (k) => { if (!(k in window.__ppaMarks)) window.__ppaMarks[k] = Math.round(performance.now()); };
new MutationObserver(() => {
  if (document.querySelector('[data-testid="stSidebar"]')) mark('sidebar drawn');
  if (document.querySelector('[data-testid="stMain"] h1')) mark('title drawn');
  if ([...document.querySelectorAll('[data-testid="stMain"] h4')].some(h => /\\d/.test(h.innerText))) mark('HEADLINE drawn');
  if ([...document.querySelectorAll('[data-testid="stMetricValue"]')].some(m => m.innerText.trim())) mark('first number drawn');
  if (document.querySelector('[data-testid="stPlotlyChart"] .main-svg')) mark('first chart drawn');
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def _frame_label(payload: str) -> str:
    """A WebSocket frame from the server, decoded: its message type, and for a new element its type and text."""
    import base64

    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    try:
        message.ParseFromString(base64.b64decode(payload))
    except Exception:  # noqa: BLE001 - not a ForwardMsg (a ping): label it as such
        return "frame"
    kind = message.WhichOneof("type")
    if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
        element = message.delta.new_element
        name = element.WhichOneof("type")
        text = getattr(getattr(element, name), "body", "") or getattr(getattr(element, name), "label", "")
        return f"element {name} {text[:40]!r}"
    return kind


def trace_first_view(db: Path, visitors: int = 2) -> int:
    """Where a first view's time goes, on one axis (ms since navigation): the page's files, the WebSocket frames
    from the server (decoded), and when the sidebar, title, headline, first number and first chart appear; for the
    first visitors after a cold `python -m app.serve` (once warming has said "Cache siap")."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)  # not timed
        browser.new_page().close()
        server, url, healthy, lines = start_served(db)
        try:
            print(f"server healthy {healthy:.1f} s after start, 'Cache siap' {wait_for_line(lines, 'Cache siap')} s")
            for visitor in range(1, visitors + 1):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.add_init_script(MILESTONES)
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                events: list[tuple[str, dict]] = []
                for name in ("Network.requestWillBeSent", "Network.loadingFinished",
                             "Network.webSocketHandshakeResponseReceived", "Network.webSocketFrameReceived"):
                    cdp.on(name, lambda event, name=name: events.append((name, event)))
                page.goto(f"{url}/", wait_until="commit")
                page.wait_for_function(FIRST_NUMBER, timeout=120_000, polling=25)
                page.wait_for_timeout(500)
                origin = page.evaluate("() => performance.timeOrigin")
                navigation = page.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
                first = next(e for n, e in events if n == "Network.requestWillBeSent")

                def at(timestamp: float) -> int:  # a CDP monotonic timestamp on the page's performance.now() axis
                    return round((first["wallTime"] + timestamp - first["timestamp"]) * 1000 - origin)

                names = {e["requestId"]: e["request"]["url"].rsplit("/", 1)[-1][:40]
                         for n, e in events if n == "Network.requestWillBeSent"}
                rows = [(ms, f"page: {mark}") for mark, ms in page.evaluate("() => window.__ppaMarks").items()]
                rows += [(round(navigation[k]), f"navigation: {k}") for k in ("responseEnd", "domContentLoadedEventEnd")]
                files = [at(e["timestamp"]) for n, e in events if n == "Network.loadingFinished"
                         and at(e["timestamp"]) <= navigation["domContentLoadedEventEnd"]]
                rows.append((max(files, default=0), f"files: the {len(files)} files of the page's start all served"))
                for name, event in events:
                    if name == "Network.webSocketHandshakeResponseReceived":
                        rows.append((at(event["timestamp"]), "websocket open"))
                    elif name == "Network.webSocketFrameReceived":
                        rows.append((at(event["timestamp"]), "server: " + _frame_label(event["response"]["payloadData"])))
                    elif name == "Network.loadingFinished" and at(event["timestamp"]) > navigation["domContentLoadedEventEnd"]:
                        rows.append((at(event["timestamp"]), f"file served: {names.get(event['requestId'], '?')}"))
                print(f"\nvisitor {visitor} after the start (load {os.getloadavg()[0]:.1f}), ms since navigation:")
                for ms, what in sorted(rows):
                    print(f"{ms:6d}  {what}")
                context.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            browser.close()
    return 0


def time_public_first_views(db: Path, public: bool, repeats: int = 3) -> tuple[float, dict[str, float]]:
    """In a real browser on a real server, on the live database or (``public``) an extract: (seconds for the
    server's first public views, which protect the latest years in the background, {page: median seconds from
    navigation to every chart drawn, for a new visitor (new browser context) after that warm-up})."""
    from playwright.sync_api import sync_playwright

    server, url = start_server(db, public)
    ready = CHARTS_DRAWN
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            started = time.perf_counter()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for name in PUBLIC_PAGES:  # the warm-up: the first visitor's tour (each page finds or makes its years)
                page.goto(f"{url}/{PUBLIC_PATHS[name]}")
                page.wait_for_function(ready, timeout=300_000)
            page.close()
            warm_up = time.perf_counter() - started
            results = {}
            for name in PUBLIC_PAGES:
                runs = []
                for _ in range(repeats):
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # a new visitor
                    page = context.new_page()
                    began = time.perf_counter()
                    page.goto(f"{url}/{PUBLIC_PATHS[name]}")
                    page.wait_for_function(ready, timeout=120_000)
                    runs.append(time.perf_counter() - began)
                    context.close()
                results[name] = statistics.median(runs)
            browser.close()
        return warm_up, results
    finally:
        server.terminate()
        server.wait(timeout=30)


def time_public_script_runs(db: Path, public: bool, repeats: int = 3,
                            pages: tuple[str, ...] = PUBLIC_PAGES) -> dict[str, tuple[float, ...]]:
    """{page: median (wall, CPU, script wall, script CPU) seconds of the page's rerun after the warm-up (the
    script's share is the server's share of a view: reading the cached release, shaping tables, building every
    figure)}, through AppTest in one process (a new AppTest pays
    ~1.5 s of its own set-up, a scan of installed components, which no real view pays, so the page is rerun)."""
    import threading

    from streamlit.testing.v1 import AppTest

    os.environ["PPA_DB"] = str(db)
    if public:
        os.environ["PPA_PUBLIC"] = "1"
    try:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=300).run()
        for thread in threading.enumerate():  # the warm-up the first view starts (the latest three years)
            if thread.name == "ppa-public-warm-up":
                thread.join()
        results, clock = {}, ScriptRunClock()
        try:
            for page in pages:
                at.switch_page(f"pages/{page}.py").run()
                results[page] = median_rerun(at, repeats, clock=clock)
        finally:
            clock.close()
        return results
    finally:
        os.environ.pop("PPA_PUBLIC", None)


def public_only(work: Path, browser: bool = True) -> int:
    """The public pages on the demo database (live release) and on its public extract: no 1M database."""
    from report import release

    demo = work / "demo" / "ppa.duckdb"
    if not demo.exists():
        demo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "etl", "demo", "--db", str(demo)], cwd=REPO, check=True,
                       capture_output=True)
    extract = work / "publik.duckdb"
    release.publish(demo, extract)
    print("load average (1, 5, 15 min) at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    sources = (("demo, live release", demo, False), ("public extract (PPA_PUBLIC=1)", extract, True))
    scripts = {label: time_public_script_runs(db, public) for label, db, public in sources}
    print("\n| public page: script run after warm-up (AppTest) | " + " | ".join(scripts) + " |")
    print("|---|" + "---|" * len(scripts))
    for page in PUBLIC_PAGES:
        print(f"| {page} | " + " | ".join(f"{r[page][0]:.3f} s" for r in scripts.values()) + " |")
    if not browser:
        print("load average (1, 5, 15 min) at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        return 0
    rows = {label: time_public_first_views(db, public) for label, db, public in sources}
    print("\n| public page: a new visitor's first view, browser, after warm-up | " + " | ".join(rows) + " |")
    print("|---|" + "---|" * len(rows))
    for page in PUBLIC_PAGES:
        print(f"| {page} | " + " | ".join(f"{r[1][page]:.3f} s" for r in rows.values()) + " |")
    print("| (the server's first tour of the four pages, protecting the years) | " + " | ".join(f"{r[0]:.1f} s" for r in rows.values())
          + " |")
    print("load average (1, 5, 15 min) at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


def time_naive(db: Path) -> tuple[float, float]:
    """The naive alternative: whole victims view into pandas, then filter and aggregate the Ringkasan there.

    Returns (seconds, peak MB allocated by Python while doing it).
    """
    tracemalloc.start()
    started = time.perf_counter()
    with app_db.read_only(db) as con:
        frame = con.execute("SELECT * FROM victims").df()
    f = CHANGED
    rows = frame[(frame["report_date"] >= str(f.start)) & (frame["report_date"] < str(f.end_exclusive))
                 & frame["duplicate_of"].isna() & (frame["district_code"] == f.district_code)]
    rows["case_key"].nunique(), len(rows), rows.loc[rows["is_tppo"], "case_key"].nunique()
    rows.groupby("month")["case_key"].nunique()
    rows.explode("violence_types").groupby("violence_types").size()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return elapsed, peak


def build_synthetic(path: Path, victims: int) -> Path:
    """About ``victims`` victim records over 2015–2024 in every kecamatan, written directly by DuckDB."""
    con = etl_db.connect(path)
    districts = [d.code for d in vocab.districts()]
    forms = [v.code for v in vocab.violence_types()]
    agencies = list(vocab.agency_codes())
    places = [c for c, _ in vocab.closed_lists()["place_of_incident"]]
    relations = [c for c, _ in vocab.closed_lists()["relationship"]]
    con.execute("""INSERT INTO submissions SELECT 'bench-' || a, a, 'bench.xlsx', 'xlsx', 'register',
                       [DATE '2024-01-01'], now(), 'active', NULL, 0, 0, 0, NULL FROM unnest(CAST(? AS VARCHAR[])) t(a)""",
                [agencies])
    con.execute("""
        INSERT INTO victim_records (victim_key, submission_id, agency, case_ref, case_key, report_date, incident_date, district_code, subdistrict_code, age, is_child, sex, violence_types, place_of_incident, relationship, services, notes, source_sheet, source_row, duplicate_of, perpetrators)
        SELECT 'b:' || i, 'bench-' || agency, agency, 'R' || (i // 2), agency || ':R' || (i // 2),
               DATE '2015-01-01' + CAST(i * 3650 // ? AS INTEGER), NULL,
               list_element(CAST(? AS VARCHAR[]), CAST(hash(i) % 11 AS INTEGER) + 1), NULL,
               CAST(hash(i * 7) % 80 AS INTEGER), NULL,
               CASE WHEN hash(i * 3) % 5 = 0 THEN 'L' ELSE 'P' END,
               CASE WHEN hash(i * 5) % 4 = 0
                    THEN [list_element(CAST(? AS VARCHAR[]), CAST(hash(i * 11) % 7 AS INTEGER) + 1),
                          list_element(CAST(? AS VARCHAR[]), CAST(hash(i * 13) % 7 AS INTEGER) + 1)]
                    ELSE [list_element(CAST(? AS VARCHAR[]), CAST(hash(i * 11) % 7 AS INTEGER) + 1)] END,
               list_element(CAST(? AS VARCHAR[]), CAST(hash(i * 17) % 6 AS INTEGER) + 1),
               list_element(CAST(? AS VARCHAR[]), CAST(hash(i * 19) % 10 AS INTEGER) + 1),
               [], NULL, 'Register', CAST(i % 100000 AS INTEGER),
               CASE WHEN i % 50 = 1 THEN 'b:' || (i - 1) END,
               -- perpetrators: 0.7 per record (SIMFONI-PPA 2024 has 0.72 per case; here nearly every record is
               -- its own case, as agencies alternate), mostly men
               CASE WHEN hash(i * 23) % 10 >= 6 THEN []
                    ELSE list_transform(range(CASE WHEN hash(i * 23) % 10 = 0 THEN 2 ELSE 1 END), lambda s: {
                        'slot': s + 1, 'sex': CASE WHEN hash(i * 29 + s) % 8 = 0 THEN 'P' ELSE 'L' END,
                        'age': CAST(12 + hash(i * 31 + s) % 60 AS INTEGER), 'is_child': NULL,
                        'relationship': list_element(CAST(? AS VARCHAR[]), CAST(hash(i * 37 + s) % 10 AS INTEGER) + 1)})
               END
        FROM (SELECT i, list_element(CAST(? AS VARCHAR[]), CAST(i % ? AS INTEGER) + 1) AS agency
              FROM range(?) t(i))
    """, [victims, districts, forms, forms, forms, places, relations, relations, agencies, len(agencies), victims])
    con.execute("INSERT INTO meta VALUES ('dataset', 'benchmark')")
    con.execute("CHECKPOINT")
    con.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def browser_first_load(db: Path) -> tuple[float, float, float]:
    """(seconds to the first fully drawn Ringkasan in a fresh browser, server RSS MB after every page, idle RSS MB)."""
    from playwright.sync_api import sync_playwright

    server, url = start_server(db)
    try:
        idle = rss_mb(server.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            ready = CHARTS_DRAWN
            started = time.perf_counter()
            page.goto(f"{url}/ringkasan?dari=2024-01&sampai=2024-10")
            page.wait_for_function(ready, timeout=120_000)
            first = time.perf_counter() - started
            for name in ("tren", "wilayah", "bentuk_tppo", "korban", "kualitas_data"):
                page.goto(f"{url}/{name}?dari=2024-01&sampai=2024-10")
                page.wait_for_function(ready, timeout=120_000)
            browser.close()
        return first, rss_mb(server.pid), idle
    finally:
        server.terminate()
        server.wait(timeout=20)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.dashboard")
    parser.add_argument("--victims", type=int, default=1_000_000)
    parser.add_argument("--workdir")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--public-only", action="store_true",
                        help="only the public pages' first views after warm-up, on the demo and its extract")
    parser.add_argument("--first-view", action="store_true",
                        help="only the first view of each public page after a cold `python -m app.serve` (demo)")
    parser.add_argument("--rounds", type=int, default=2, help="server starts per case for --first-view")
    parser.add_argument("--trace", action="store_true",
                        help="with --first-view: one server start, a timeline of two first visitors (files, "
                             "WebSocket frames, headline drawn)")
    options = parser.parse_args(argv)
    work = Path(options.workdir or tempfile.mkdtemp(prefix="ppa-bench-dash-"))
    work.mkdir(parents=True, exist_ok=True)
    if options.first_view and options.trace:
        return trace_first_view(demo_database(work))
    if options.first_view:
        return first_view(work, options.rounds)
    if options.public_only:
        return public_only(work, browser=not options.no_browser)
    demo = work / "demo" / "ppa.duckdb"
    if not demo.exists():
        demo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "etl", "demo", "--db", str(demo)], cwd=REPO, check=True,
                       capture_output=True)
    big = work / "big" / "ppa.duckdb"
    if not big.exists():
        big.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build_synthetic(big, options.victims)
        print(f"synthetic database: {options.victims:,} victims in {time.perf_counter() - started:.1f} s, "
              f"{big.stat().st_size / 1e6:.0f} MB")
    print("load average (1, 5, 15 min) at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    rows = {}
    for label, db in (("demo", demo), ("1 juta", big)):
        with app_db.read_only(db) as con:
            count = con.execute("SELECT count(*) FROM victims").fetchone()[0]
        queries_s = time_page_queries(db)
        reruns_s = time_apptest_reruns(db)
        # public Tren reads the release (computed once per load, not per filter): its rerun after the warm-up
        reruns_s.update({page: {"filter change": run} for page, run in
                         time_public_script_runs(db, False, pages=("publik_tren",)).items()})
        naive_s, naive_mb = time_naive(db)
        rows[label] = (count, queries_s, reruns_s, naive_s, naive_mb)
    for label, (count, queries_s, reruns_s, _, _) in rows.items():
        print(f"\n{label} ({count:,} victims): median rerun, wall (CPU of the process); 'script' = the script "
              "thread's run without what only AppTest makes it do (wall (its CPU)): what a server spends")
        print("| page | queries | filter change: rerun | filter change: script | after a load: rerun "
              "| after a load: script |")
        print("|---|---|---|---|---|---|")
        for page in [*page_queries(CHANGED), "publik_tren"]:
            cells = [f"{queries_s[page]:.3f} s" if page in queries_s else "–"]
            for kind in RERUN_KINDS:
                run = reruns_s[page].get(kind)
                cells += (["–", "–"] if run is None else
                          [f"{run[0]:.3f} s ({run[1]:.3f} s)", f"{run[2]:.3f} s ({run[3]:.3f} s)"])
            print(f"| {page} | " + " | ".join(cells) + " |")
    for label, (count, _, _, naive_s, naive_mb) in rows.items():
        print(f"naive on {label} ({count:,} victims): whole view into pandas + Ringkasan in pandas: "
              f"{naive_s:.3f} s, peak {naive_mb:.0f} MB Python allocations")
    if not options.no_browser:
        for label, db in (("demo", demo), ("1 juta", big)):
            first, rss, idle = browser_first_load(db)
            print(f"browser on {label}: first Ringkasan drawn in {first:.2f} s; server RSS {idle:.0f} MB idle, "
                  f"{rss:.0f} MB after all six pages")
    print("load average (1, 5, 15 min) at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    if not options.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
