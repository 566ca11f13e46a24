"""The headless Chromium that draws chart PNGs, the PDF pages' images and the infographic (kaleido's async API).

Light to import (kaleido is imported when a Renderer starts): ``python -m etl paparan`` starts Chromium before it
imports pandas, Plotly and the report modules, so Chromium's 1-4 s start overlaps them and the database queries.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import shutil
import threading
from pathlib import Path

from etl import settings
from etl.errors import EtlError

# Chromium's old headless shell first (Debian: chromium-headless-shell; Google: chrome-headless-shell): the same
# Blink and Skia draw byte-identical images (tests/test_exports.py), but it starts in 0.3 s and 0.45 s of CPU where
# the full browser takes 1.2 s and 2.2 s, a quarter of a paparan's CPU on two cores. The full browser otherwise.
CHROMIUM_NAMES = ("chromium-headless-shell", "chrome-headless-shell",
                  "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
START_TIMEOUT_SECONDS = 30   # a Chromium that starts at all starts in 1-3 s; one that hangs must not hang the export
# A Chromium that fails to start is started once more: on a busy machine one start in many hung and closed (a full
# test run, 6 Dec 2026), and the next start worked; one that cannot start fails both, after at most twice the above.
START_ATTEMPTS = 2

# plotly.js's own "basic" bundle (npm plotly.js-basic-dist-min, MIT, report/exports/vendor/): the trace modules bar,
# pie and scatter, a quarter of the full plotly.min.js that plotly.py ships. Chromium's start is mostly evaluating
# plotly.js (1.6-3 s of the full bundle's 4.8 MB, 0.4-0.6 s of this one's 1.2 MB); the images are byte-identical
# (tests/test_exports.py). Used only when it is the same plotly.js version as plotly.py's own; a figure with any
# other trace type is drawn after the tab has loaded the full bundle.
BASIC_PLOTLY_JS = Path(__file__).resolve().parent / "vendor" / "plotly-basic.min.js"
BASIC_TRACES = frozenset({"bar", "pie", "scatter"})


# What a paparan's charts use, small: bars, a line, category axes, a title with subtitle, an annotation, the charts'
# font family (a plain dict: this runs on Chromium's thread, which must not import plotly while the caller does).
WARM_UP_FIGURE = {
    "data": [{"type": "bar", "x": ["a", "b"], "y": [3, 5], "text": ["3", "5"], "textposition": "outside"},
             {"type": "scatter", "mode": "lines+markers", "x": ["a", "b"], "y": [2, 4]}],
    "layout": {"title": {"text": "x", "subtitle": {"text": "y"}}, "font": {"family": "Source Sans Pro, Arial, sans-serif"},
               "xaxis": {"type": "category"}, "annotations": [{"text": "z", "showarrow": False, "x": 0, "y": 0}]},
}


class ChromiumMissing(EtlError):
    """No usable Chromium: chart images and the PDF page cannot be drawn."""


MISSING_SENTENCE = ("Chromium tidak ditemukan, sehingga gambar grafik, infografis dan PDF tidak dapat dibuat. "
                    "Pasang Chromium (Debian/Ubuntu: sudo apt-get install chromium-headless-shell; chromium "
                    "juga bisa) atau tulis letaknya di "
                    "pengaturan chromium (ppa.toml) / PPA_CHROMIUM, lalu ulangi.")


def chromium_path() -> Path:
    """The Chromium that draws chart images: the setting ``chromium``, else the first of CHROMIUM_NAMES on PATH."""
    configured = settings.path("chromium")
    if configured is not None:
        if configured.is_file() and os.access(configured, os.X_OK):
            return configured
        raise ChromiumMissing(f"Chromium '{configured}' (pengaturan chromium) tidak ada atau tidak dapat dijalankan. "
                              + MISSING_SENTENCE.split(". ", 1)[1])
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ChromiumMissing(MISSING_SENTENCE)


def plotly_js_version(path: Path) -> str | None:
    """The version a plotly.js bundle states in its first comment ("plotly.js (basic - minified) v4.1.1")."""
    with open(path, encoding="utf-8") as f:
        match = re.search(r"plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+\S*)", f.read(300))
    return match.group(1) if match else None


def full_plotly_js() -> Path:
    """plotly.py's own plotly.min.js (every trace type): what kaleido loads by default."""
    import plotly
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def basic_plotly_js_fits() -> bool:
    """Whether the vendored basic bundle is the plotly.js that plotly.py would use (same version)."""
    return BASIC_PLOTLY_JS.is_file() and plotly_js_version(BASIC_PLOTLY_JS) == plotly_js_version(full_plotly_js())


def plotly_page(basic: bool):
    """kaleido's page: plotly.js (the basic bundle or plotly.py's full one) and kaleido's script, without MathJax.

    kaleido's default page loads MathJax from a CDN before plotly.js: offline, the page waits for that request to
    fail; online, MathJax (2 MB) is evaluated too. No chart of ours writes LaTeX ($...$), so no image changes."""
    from kaleido import PageGenerator
    return PageGenerator(plotly=(BASIC_PLOTLY_JS.as_uri(), "utf-8") if basic else None, mathjax=False)


def traces_need_full_plotly(spec: dict) -> bool:
    """A figure with a trace type the basic bundle lacks (plotly.js would draw it as nothing, silently)."""
    return any(trace.get("type", "scatter") not in BASIC_TRACES for trace in spec.get("data") or ())


def _browser_class():
    """kaleido's browser, keeping its tab loaded between renders.

    kaleido reloads the tab (plotly.js, 4.6 MB) after every image: ~0.25 s each, a quarter of a paparan's
    rendering. Each render draws into a new element and purges it afterwards (kaleido_scopes.js), and the images are
    byte-identical either way (tests/test_exports.py); kaleido is pinned in requirements.txt."""
    import kaleido

    if not hasattr(kaleido.Kaleido, "_return_kaleido_tab"):
        return kaleido.Kaleido

    class KeptTab(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab) -> None:
            await self.tabs_ready.put(tab)

        async def load_page(self, page) -> None:
            """Navigate the (idle) tab to another kaleido page, e.g. from the basic plotly.js to the full one."""
            tab = await self.tabs_ready.get()
            try:
                index = Path(self._html_tmp_dir.path) / "full.html"
                index.write_text(page.generate_index(), encoding="utf-8")
                await tab.navigate(index.as_uri())
            finally:
                await self.tabs_ready.put(tab)

    return KeptTab


class Renderer:
    """One headless Chromium (kaleido's async API on a thread of its own) drawing figures into PNGs.

    Created, it starts Chromium and returns at once: the caller queries the database and writes the deck while
    Chromium starts (1-4 s). ``submit`` queues a figure and returns a future: the caller builds the next figure, or a
    PDF page from images already drawn, while Chromium draws. Figures are drawn one at a time, in the order
    submitted (two tabs were slower on two cores: a second tab costs more to open than it saves). A missing or
    broken Chromium is reported as ChromiumMissing by ``ready`` and ``submit``, not when created.
    """

    def __init__(self) -> None:
        self._failure: ChromiumMissing | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queued: list[concurrent.futures.Future] = []
        self._in_order = asyncio.Lock()
        self._closing: concurrent.futures.Future | None = None
        self.basic_plotly = False  # plotly.js's basic bundle loaded in the tab (set once Chromium is asked for)
        self.warmed_up = False     # a throwaway image drawn before the first figure came
        try:
            os.environ["BROWSER_PATH"] = str(chromium_path())
        except ChromiumMissing as exc:
            self._failure = exc
            return
        browser_class = _browser_class()  # kaleido imported here, on the caller's thread (two importing threads can
        # deadlock); the basic plotly.js needs the kept tab (it navigates to the full one when a figure needs it)
        self.basic_plotly = hasattr(browser_class, "load_page") and basic_plotly_js_fits()
        page = plotly_page(self.basic_plotly)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="chromium")
        self._thread.start()
        self._browser = asyncio.run_coroutine_threadsafe(self._open(browser_class, page), self._loop)

    async def _open(self, browser_class, page):
        for attempt in range(1, START_ATTEMPTS + 1):
            browser = browser_class(n=1, page_generator=page)
            try:
                await asyncio.wait_for(browser.open(), START_TIMEOUT_SECONDS)
                break
            except Exception:  # noqa: BLE001 - a failed or hanging start: once more, then the caller is told
                try:
                    await browser.close()
                except Exception:  # noqa: BLE001 - nothing left to close
                    pass
                if attempt == START_ATTEMPTS:
                    raise
        if not self._queued:
            # Chromium is up before the first figure: a first image takes 2-3 times as long as the next ones
            # (plotly.js compiles its drawing code, the fonts are looked up), so draw a throwaway one now, while the
            # caller still queries and builds. Images are byte-identical either way (tests/test_exports.py).
            try:
                await browser.calc_fig(WARM_UP_FIGURE, opts={"format": "png", "width": 400, "height": 300,
                                                             "scale": 2})
                self.warmed_up = True
            except Exception:  # noqa: BLE001 - only a head start: the real figures report their own failures
                pass
        return browser

    def ready(self, seconds: float = START_TIMEOUT_SECONDS * START_ATTEMPTS + 5) -> None:
        """Wait until Chromium has started; ChromiumMissing if it cannot (a hanging one: after ``seconds``)."""
        if self._failure is None:
            try:
                self._browser.result(timeout=seconds)
                return
            except concurrent.futures.TimeoutError:
                reason = f" dalam {seconds:.0f} detik"
            except Exception as exc:  # noqa: BLE001 - reported to the caller below, in Indonesian
                reason = f": {exc}"
            self._failure = ChromiumMissing(f"Chromium ({os.environ.get('BROWSER_PATH')}) tidak dapat dijalankan"
                                            f"{reason}. Gambar grafik, infografis dan PDF tidak dibuat.")
        raise self._failure

    def submit(self, fig, scale: int = 2, image_format: str = "png") -> concurrent.futures.Future:
        """Queue a figure, also while Chromium is still starting (it is drawn once Chromium is up); the future's
        result is the image ("png", or "jpeg" at plotly.js's quality 0.92) at the figure's layout size times scale.

        ChromiumMissing at once when no Chromium was found or it has already failed; call ``ready`` before waiting
        on a future (a Chromium that fails later fails the future with its own error, one that hangs never ends it).
        """
        if self._failure is not None or self._browser.done():
            self.ready()
        opts = {"format": image_format, "width": fig.layout.width, "height": fig.layout.height, "scale": scale}
        spec = fig.to_dict()  # here, so the caller may go on with the next figure while this one is drawn
        future = asyncio.run_coroutine_threadsafe(self._draw(spec, opts), self._loop)
        self._queued.append(future)
        return future

    async def _draw(self, spec: dict, opts: dict) -> bytes:
        browser = await asyncio.wrap_future(self._browser)
        # one at a time, in the order queued: kaleido's tab queue lets a figure queued just as the tab comes back
        # jump the waiting ones, and the PDF pages' images, queued first, would then come last
        async with self._in_order:
            if self.basic_plotly and traces_need_full_plotly(spec):
                await browser.load_page(plotly_page(basic=False))
                self.basic_plotly = False
            return await browser.calc_fig(spec, opts=opts)

    def render(self, figures: dict, scale: int = 2, image_format: str = "png") -> dict[str, bytes]:
        """Every figure as an image (``submit``), keyed as given (all queued first, then collected)."""
        self.ready()
        queued = {name: self.submit(fig, scale, image_format) for name, fig in figures.items()}
        return {name: future.result() for name, future in queued.items()}

    def close_when_drawn(self) -> None:
        """Close Chromium as soon as every figure queued so far is drawn, while the caller goes on (laying out the
        PDF pages, writing files): its shutdown then costs the caller nothing. Queue nothing more; ``close`` still
        has to be called (it waits for this)."""
        if self._loop is not None and self._failure is None and self._closing is None:
            self._closing = asyncio.run_coroutine_threadsafe(self._close_after(list(self._queued)), self._loop)

    async def _close_after(self, queued: list[concurrent.futures.Future]) -> None:
        await asyncio.gather(*(asyncio.wrap_future(f) for f in queued), return_exceptions=True)
        browser = await asyncio.wrap_future(self._browser)
        await browser.close()

    def close(self) -> None:
        """Close Chromium (waiting for one still starting) and stop the thread."""
        if self._loop is None:
            return
        loop, self._loop = self._loop, None
        try:
            if self._closing is not None:
                self._closing.result(timeout=START_TIMEOUT_SECONDS)
            else:
                browser = self._browser.result(timeout=START_TIMEOUT_SECONDS * START_ATTEMPTS + 5)
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=START_TIMEOUT_SECONDS)
        except Exception:  # noqa: BLE001 - a Chromium that never started has nothing to close
            self._browser.cancel()
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(START_TIMEOUT_SECONDS)
            if not self._thread.is_alive():
                loop.close()
