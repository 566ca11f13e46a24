"""Screenshots of every page, public and staff, on the demo database, for docs/screenshots/ (issue 22).

`python -m benchmarks.screenshots [--out DIR] [--db DEMO.duckdb] [--width 1280]`

Starts the server as `make run` does (`python -m app.serve`) on the demo database, opens each public page as an
anonymous visitor, then signs in as an operator and opens every staff page; each page is captured whole once its
script has finished and its charts are drawn, reduced to a 256-colour PNG, and listed in DIR/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from app.navigation import OPERATOR_PAGES, PAGES, PUBLIC_PAGES, PageSpec

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
STAFF_NAME, STAFF_PASSWORD = "tangkapan-layar", "kata-sandi-tangkapan-layar"
# The script has finished and every chart on the page is drawn (or the page has none, or shows an exception).
RENDERED = """() => {
    if (document.querySelector('[data-testid="stException"]')) return true;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (!document.querySelector('[data-testid="stMain"] [data-testid="stVerticalBlock"]')) return false;
    return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'));
}"""


def start_server(db: Path, accounts: Path) -> tuple[subprocess.Popen, str]:
    """`python -m app.serve` on a free port for ``db``, once it answers its health check."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPA_")}
    env.update({"PPA_DB": str(db), "PPA_USERS": str(accounts)})
    server = subprocess.Popen([sys.executable, "-m", "app.serve", "--server.port", str(port), "--server.headless",
                               "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not answer its health check within 120 s")


def wait_rendered(page) -> None:
    for _ in range(2):  # twice: a page may rerun once (a URL parameter written back) right after its first run
        page.wait_for_function(RENDERED, timeout=180_000)
        page.wait_for_timeout(1200)  # Plotly's last layout pass and fonts


def capture(page, path: Path, width: int) -> None:
    """The whole page (Streamlit scrolls inside its main block: grow the window to it first), as a small PNG."""
    from PIL import Image

    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 9000)})
    page.wait_for_timeout(1200)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def stem(spec: PageSpec) -> str:
    return Path(spec.path).stem


def shot_name(spec: PageSpec) -> str:
    """publik-ringkasan.png, publik-tren.png …, staf-ringkasan.png, staf-kualitas-data.png …"""
    if spec.roles is not None and "publik" in spec.roles:
        return f"publik-{stem(spec).removeprefix('publik_').replace('publik', 'ringkasan')}.png"
    return f"staf-{stem(spec).replace('_', '-')}.png"


def take_all(url: str, out: Path, width: int) -> list[tuple[str, str, str]]:
    """Capture every page; (file name, audience, title) per shot, in navigation order."""
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900})
        for spec in PUBLIC_PAGES:
            page.goto(f"{url}/{'' if spec == PUBLIC_PAGES[0] else stem(spec)}", wait_until="domcontentloaded")
            wait_rendered(page)
            name = shot_name(spec)
            capture(page, out / name, width)
            shots.append((name, "publik", spec.title))
        page.goto(url, wait_until="domcontentloaded")
        wait_rendered(page)
        page.get_by_label("Nama pengguna").fill(STAFF_NAME)
        page.get_by_label("Kata sandi").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_text(f"Masuk sebagai {STAFF_NAME}").wait_for(timeout=120_000)
        for spec in PAGES + OPERATOR_PAGES:
            page.locator('[data-testid="stSidebarNav"] a', has_text=spec.title).first.click()
            if spec != PAGES[0]:
                page.wait_for_function("(p) => location.pathname.endsWith('/' + p)", arg=stem(spec), timeout=60_000)
            page.wait_for_timeout(300)
            wait_rendered(page)
            name = shot_name(spec)
            capture(page, out / name, width)
            shots.append((name, "staf", spec.title))
        browser.close()
    return shots


def write_index(out: Path, shots: list[tuple[str, str, str]], width: int) -> None:
    lines = ["# Tangkapan layar (data contoh, Kota Jambi)", "",
             "Every page of the dashboard on the synthetic demo database, public pages as an anonymous visitor,",
             "staff pages signed in as an operator, default period. Regenerate with",
             "`python -m benchmarks.screenshots` (starts `python -m app.serve` on a fresh demo database).",
             f"Taken {dt.date.today():%d %B %Y}, {width} px wide, reduced to 256 colours.", ""]
    for audience, heading in (("publik", "Publik (tanpa masuk)"), ("staf", "Staf (operator)")):
        lines += [f"## {heading}", ""]
        lines += [f"- [{title}]({name})" for name, who, title in shots if who == audience]
        lines.append("")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.screenshots")
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument("--db", help="an existing demo database (default: a fresh one from `python -m etl demo`)")
    parser.add_argument("--width", type=int, default=1280)
    options = parser.parse_args(argv)
    from etl import users

    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ppa-shots-") as work:
        db = Path(options.db) if options.db else Path(work) / "demo" / "ppa.duckdb"
        if not options.db:
            db.parent.mkdir()
            subprocess.run([sys.executable, "-m", "etl", "demo", "--db", str(db)], cwd=REPO, check=True,
                           capture_output=True)
        accounts = Path(work) / "users.json"
        users.add_user(STAFF_NAME, "operator", STAFF_PASSWORD, accounts)
        server, url = start_server(db, accounts)
        try:
            shots = take_all(url, out, options.width)
        finally:
            server.terminate()
            server.wait(timeout=30)
    write_index(out, shots, options.width)
    print(f"{len(shots)} tangkapan layar di {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
