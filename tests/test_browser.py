"""A real browser on a real server: every page renders charts without an exception box; screenshots are kept."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.interface_words import LABELS
from app.navigation import PAGES, PUBLIC_PAGES
from etl import users

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, seconds: float) -> None:
    """Wait until the server answers its health check; fail with its output if it dies or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail(f"streamlit did not start:\n{process.stdout.read()}")
        time.sleep(0.1)


STAFF_NAME, STAFF_PASSWORD = "uji-browser", "kata-sandi-uji-panjang"


@pytest.fixture(scope="module")
def server(demo_db_master, repo_root, tmp_path_factory):
    port = free_port()
    accounts = tmp_path_factory.mktemp("accounts") / "users.json"
    users.add_user(STAFF_NAME, "operator", STAFF_PASSWORD, accounts)  # staff pages need a signed-in staff member
    env = {**os.environ, "PPA_DB": str(demo_db_master), "PPA_USERS": str(accounts)}
    env.pop("PPA_BOUNDARIES", None)
    env.pop("PPA_PUBLIC", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=repo_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, 60)
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def wait_until_rendered(page, charts: bool = True) -> None:
    """Wait until the script run has finished and the charts (if the page has any) are drawn."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function(
        """(charts) => {
            if (document.querySelector('[data-testid="stException"]')) return true;
            if (document.querySelector('[data-testid="stStatusWidget"]')) return false;  // script still running
            const drawn = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
            return !charts || (drawn.length > 0 && drawn.every(c => c.querySelector('.main-svg')));
        }""", arg=charts, timeout=90_000)
    page.wait_for_timeout(1500)  # let Plotly finish laying out every chart


def sign_in(page) -> None:
    """Sign in through the sidebar form as the staff member the server knows."""
    page.get_by_label("Nama pengguna").fill(STAFF_NAME)
    page.get_by_label("Kata sandi").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text(f"Masuk sebagai {STAFF_NAME}").wait_for(timeout=60_000)
    wait_until_rendered(page)


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: Path(s.path).stem)
def test_page_renders_charts_in_a_real_browser(server, browser, spec, repo_root):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    url_path = Path(spec.path).stem
    page.goto(f"{server}/?dari=2024-01&sampai=2024-10", wait_until="domcontentloaded")
    wait_until_rendered(page)
    sign_in(page)  # each browser page is its own session
    page.locator('[data-testid="stSidebarNav"] a', has_text=spec.title).first.click()
    if spec != PAGES[0]:  # the first page is the staff's main page, served at /
        page.wait_for_function("(path) => location.pathname.endsWith('/' + path)", arg=url_path, timeout=60_000)
    has_charts = url_path != "paparan"  # Bahan Paparan: sentences and download buttons, charts only in the files
    wait_until_rendered(page, charts=has_charts)
    shots = repo_root / "test-output" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its main block, so grow the window to the content before a full-page shot
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 50, 12000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / f"{url_path}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0  # .streamlit/config.toml: viewer toolbar
    assert page.locator(".js-plotly-plot").count() >= (1 if has_charts else 0)
    assert "DATA CONTOH (sintetis)" in page.inner_text("body")
    if url_path == "ringkasan":
        assert "149" in page.locator('[data-testid="stMetric"]').first.inner_text()
    page.close()


@pytest.mark.parametrize("spec", PUBLIC_PAGES, ids=lambda s: Path(s.path).stem)
def test_public_page_renders_protected_charts_in_a_real_browser(server, browser, spec, repo_root):
    """Not signed in (publik): each public page draws its charts, its legend and footer; a screenshot is kept."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    url_path = Path(spec.path).stem
    page.goto(f"{server}/{url_path}?periode=2024-T1", wait_until="domcontentloaded")
    wait_until_rendered(page)
    shots = repo_root / "test-output" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 50, 12000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / f"{url_path}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot").count() >= 1
    body = page.inner_text("body")
    assert "bukan angka prevalensi" in body and "Masuk staf" in body
    assert "penyamaran" in body and "<5" in body
    page.close()


def test_no_request_leaves_the_server_on_any_page(server, browser):
    """Offline office laptops and a site about victims that calls no third party: every request the browser makes
    on every page (public, then analyst and operator pages after signing in) goes to the dashboard's own server."""
    own = urlsplit(server).netloc
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests, elsewhere = [], []

    def seen(request):
        requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.netloc != own:
            elsewhere.append(request.url)

    page.on("request", seen)
    for spec in PUBLIC_PAGES:
        page.goto(f"{server}/{Path(spec.path).stem}?periode=2024-T1", wait_until="domcontentloaded")
        wait_until_rendered(page)
        page.wait_for_load_state("networkidle")
    page.goto(f"{server}/?dari=2024-01&sampai=2024-10", wait_until="domcontentloaded")
    wait_until_rendered(page)
    sign_in(page)  # an operator sees every staff page (the analyst's are a subset)
    for spec in PAGES:
        page.locator('[data-testid="stSidebarNav"] a', has_text=spec.title).first.click()
        page.wait_for_timeout(500)
        wait_until_rendered(page, charts=Path(spec.path).stem not in ("paparan",))
        page.wait_for_load_state("networkidle")
    context.close()
    assert len(requests) > 20  # the pages really loaded (scripts, styles, icon, websocket)
    assert elsewhere == []


def test_streamlits_own_labels_and_chart_tool_titles_are_indonesian(server, browser):
    """Screen-reader labels and hover titles Streamlit and Plotly write in English ("Collapse sidebar", "Main menu",
    "Download plot as a PNG") are rewritten by app/interface_words.py on every page: none of its English is left."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/?periode=2024-T1", wait_until="domcontentloaded")
    wait_until_rendered(page)
    page.locator('[data-testid="stPlotlyChart"]').first.hover()  # Plotly draws its toolbar
    page.wait_for_timeout(500)
    said = page.evaluate("""() => [...document.querySelectorAll('[aria-label],[title],[data-title]')]
        .flatMap(el => ['aria-label', 'title', 'data-title'].map(a => el.getAttribute(a)).filter(Boolean))""")
    page.close()
    english = [text for text in said if any(re.fullmatch(pattern, text) for pattern, _words in LABELS)]
    assert not english, english
    assert {"Tutup bilah samping", "Menu utama", "Unduh grafik (PNG)"} <= set(said), said


def test_planning_breakdown_controls_change_their_charts_in_one_click(server, browser):
    """Perencanaan reads its three tables at once, before its two "Menurut" controls are drawn, from the values
    Streamlit keeps for them: one click on a control redraws its chart by the breakdown chosen, the other stays."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/?dari=2024-01&sampai=2024-10", wait_until="domcontentloaded")
    wait_until_rendered(page)
    sign_in(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Perencanaan").first.click()
    page.wait_for_function("() => location.pathname.endsWith('/perencanaan')", timeout=60_000)
    wait_until_rendered(page)
    body = page.locator('[data-testid="stMain"]')
    body.get_by_text("Korban yang menerima layanan menurut semua korban").wait_for(timeout=60_000)
    controls = page.locator('[data-testid="stButtonGroup"]')
    controls.first.get_by_role("radio", name="Lembaga").click()
    body.get_by_text("Korban yang menerima layanan menurut lembaga").wait_for(timeout=60_000)
    wait_until_rendered(page)
    assert body.get_by_text("Hari dari kejadian sampai lapor menurut bentuk kekerasan").count() == 1
    controls.nth(1).get_by_role("radio", name="Semua korban").click()
    body.get_by_text("Hari dari kejadian sampai lapor menurut semua korban").wait_for(timeout=60_000)
    wait_until_rendered(page)
    assert body.get_by_text("Korban yang menerima layanan menurut lembaga").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_an_agency_s_markdown_is_shown_as_written_and_fetches_nothing(server, browser, tmp_path):
    """A file whose name and wording hold Markdown (emphasis, an emoji code, a formula, an image on an address that
    is never routed), checked on Unggah Data: the browser shows every character as typed and draws no image, link
    or emoji from it, and asks no other server for anything."""
    from test_upload_page import HOSTILE_FILE, HOSTILE_WORDING, hostile_register

    path = tmp_path / HOSTILE_FILE
    path.write_bytes(hostile_register(tmp_path))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if urlsplit(r.url).netloc not in (urlsplit(server).netloc, "")
            and urlsplit(r.url).scheme not in ("data", "blob") else None)
    page.goto(f"{server}/?dari=2024-01&sampai=2024-10", wait_until="domcontentloaded")
    wait_until_rendered(page)
    sign_in(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Unggah Data").first.click()
    page.wait_for_function("() => location.pathname.endsWith('/unggah')", timeout=60_000)
    page.locator('input[type="file"]').set_input_files(str(path))
    body = page.locator('[data-testid="stMain"]')
    body.get_by_text("belum dikenal", exact=False).first.wait_for(timeout=90_000)
    wait_until_rendered(page, charts=False)
    page.screenshot(path=str(tmp_path / "unggah-markdown.png"), full_page=True)
    headings = body.locator("h3").all_inner_texts()
    assert HOSTILE_FILE in headings, headings
    question = body.get_by_text(f"Istilah '{HOSTILE_WORDING}' belum dikenal", exact=False)
    assert question.count() == 1
    assert question.locator("strong").inner_text() == f"'{HOSTILE_WORDING}'"  # our bold, nothing of theirs
    assert any(HOSTILE_WORDING in text for text in body.locator('[data-testid="stTable"] td').all_inner_texts())
    assert body.locator("img, em, .katex").count() == 0
    links = body.locator("a[href*='192.0.2.1']").evaluate_all("els => els.map(e => [e.href, e.innerText])")
    assert links and all(href == text for href, text in links)  # a bare address: a link to itself, nothing hidden
    assert "😄" not in body.inner_text()
    page.wait_for_load_state("networkidle")
    context.close()
    assert elsewhere == []
