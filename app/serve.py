"""Start the dashboard server ready for its first visitor: ``python -m app.serve [streamlit options]``.

Two things ``streamlit run dashboard.py`` cannot do before the first browser connects:
- Streamlit decides once per process whether a ``pages/`` folder means "a page per file". Until dashboard.py has
  called st.navigation once, the first run goes through that legacy mode and the browser is sent, for a moment,
  the list of every page file (kepatuhan, unggah, riwayat …) before the role's real navigation replaces it. Here
  the legacy mode is switched off before the server starts, so no visitor ever sees a page they may not open.
- The first page view pays for importing pandas/Plotly/DuckDB/SciPy and protecting the public figures of the
  latest years (several seconds). A background thread does that work while the server starts.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard.py"


def warm() -> None:
    """Import what every page needs and fill the caches a first view reads (public figures, data span)."""
    from streamlit.runtime import Runtime

    started = time.monotonic()
    while not Runtime.exists():  # the caches live in the server's runtime: fill those, not a private copy
        if time.monotonic() - started > 60:
            return
        time.sleep(0.05)
    try:
        from app import cached, public_release
        from report import charts, queries  # noqa: F401 - imported for their import cost
        from report import disclosure, release
        from report.db import DatabaseBusy, DatabaseMissing
        try:
            span = cached.data_span()
            cached.database_facts()
            if not span.empty and span["last_month"].notna().iloc[0]:
                cached.missing_recent_reports()
                offered = public_release.periods()
                if not offered.empty:  # the landing page's default period: its years, split into tables once
                    period = disclosure.parse_period(offered["period_code"].iloc[0])
                    release.headline(public_release.counts_for([period.year, period.year - 1]), period)
                    # the years every public page asks for (public_view.begin): no solver runs during a first view
                    latest = int(offered["year"].max())
                    public_release.counts_for(range(latest - 2, latest + 1))
        except (DatabaseMissing, DatabaseBusy):
            return  # nothing to warm yet; the page says so
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation: a page computes what is missing
        print(f"Pemanasan cache dilewati: {exc}", file=sys.stderr)
        return
    print(f"Cache siap dalam {time.monotonic() - started:.1f} detik.", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False  # the entry script's st.navigation is the only navigation
    # not a daemon: stopping the server mid-query would otherwise abort DuckDB (see public_release.warm_up)
    threading.Thread(target=warm, name="ppa-warm-start", daemon=False).start()
    sys.argv = ["streamlit", "run", str(DASHBOARD), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
