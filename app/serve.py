"""Start the dashboard server ready for its first visitor: ``python -m app.serve [streamlit options]``.

Two things ``streamlit run dashboard.py`` cannot do before the first browser connects:
- Streamlit decides once per process whether a ``pages/`` folder means "a page per file". Until dashboard.py has
  called st.navigation once, the first run goes through that legacy mode and the browser is sent, for a moment,
  the list of every page file (kepatuhan, unggah, riwayat …) before the role's real navigation replaces it. Here
  the legacy mode is switched off before the server starts, so no visitor ever sees a page they may not open.
- The first page view would pay for importing pandas/Plotly/DuckDB/SciPy and protecting the public figures of the
  latest years (several seconds). The imports and the protection (plain module caches) are done before the server
  answers at all, so even a visitor who comes the moment it does finds them ready; the few small results kept in
  Streamlit's own caches (data span, facts, periods) are filled by a thread once the server's runtime exists, and
  that thread also makes the check Streamlit makes once per process before the first element any session draws
  (0.45 s: docs/performance.md, "First view: where the time goes").
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard.py"


def prepare() -> None:
    """Before the server starts: import what every page needs and protect the latest public years."""
    import streamlit.material_icon_names  # noqa: F401 - st.Page's ":material/…:" icons are checked against it

    from app import public_release
    # what the public pages import (app.downloads brings openpyxl: ~0.3 s of the first visitor's run before)
    from app import public_tables, public_view  # noqa: F401 - imported for their import cost
    from report import charts, queries  # noqa: F401 - imported for their import cost
    from report.db import DatabaseBusy, DatabaseMissing
    try:
        public_release.prepare()
    except (DatabaseMissing, DatabaseBusy):
        return  # nothing to prepare yet; the page says so


def warm() -> None:
    """Fill the Streamlit caches a first view reads (data span, facts, missing reports, public periods and whether
    they are demo data), after Streamlit's once-per-process check before a first element."""
    from streamlit.runtime import Runtime

    started = time.monotonic()
    while not Runtime.exists():  # the caches live in the server's runtime: fill those, not a private copy
        if time.monotonic() - started > 60:
            return
        time.sleep(0.05)
    first_element_check()
    from app import cached, public_release
    from report.db import DatabaseBusy, DatabaseMissing
    try:
        span = cached.data_span()
        cached.database_facts()
        if not span.empty and span["last_month"].notna().iloc[0]:
            cached.missing_recent_reports()
            public_release.periods()
            public_release.is_demo()
    except (DatabaseMissing, DatabaseBusy):
        return  # nothing to warm yet; the page says so
    print(f"Cache siap dalam {time.monotonic() - started:.1f} detik setelah server berjalan.", file=sys.stderr)


def first_element_check() -> None:
    """Make, once per process, the check Streamlit makes before the first element any session draws.

    Streamlit asks ``inspect.stack()`` whether it runs in a plain Python prompt, to print a "use streamlit run"
    warning once. inspect maps every loaded module to its file for that (1,300 modules here): 0.45 s on an idle
    machine, 0.6 s under load, paid by the first visitor after a start in the middle of their page. Made here,
    once the runtime exists (so no warning is printed), it costs no visitor anything. Skipped if a later
    Streamlit no longer has the check."""
    from streamlit import delta_generator

    check = getattr(delta_generator, "_maybe_print_use_warning", None)
    if check is not None:
        check()


def _optional(step, name: str) -> None:
    try:
        step()
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation: a page computes what is missing
        print(f"Pemanasan cache dilewati ({name}): {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    started = time.monotonic()
    _optional(prepare, "sebelum server berjalan")
    print(f"Angka publik disiapkan dalam {time.monotonic() - started:.1f} detik.", file=sys.stderr)
    PagesManager.uses_pages_directory = False  # the entry script's st.navigation is the only navigation
    # not a daemon: stopping the server mid-query would otherwise abort DuckDB (see public_release.warm_up)
    threading.Thread(target=_optional, args=(warm, "cache server"), name="ppa-warm-start", daemon=False).start()
    sys.argv = ["streamlit", "run", str(DASHBOARD), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
