"""What every page shows around its content: page config, demo banner, shared sidebar filters, and the footer.

Each page calls ``begin()`` first and ``end()`` last; ``begin()`` refuses a role the page's spec does not allow.

Streamlit still knows the legacy meaning of a ``pages/`` folder: until the entry script has called st.navigation
once in a server process, a URL such as /tren runs pages/tren.py directly, bypassing dashboard.py and so its
role-based navigation. ``begin()`` notices that and reruns through the entry script.
"""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from app import auth, cached, navigation
from etl import vocab
from report import charts, sentences
from etl.database_region import RegionMismatch
from report.db import DatabaseBusy, DatabaseMissing
from app.filters import sidebar_filters
from report import queries
from report.queries import Filters

# Inline in the page (a data: URL): a ":material/…:" icon makes the browser fetch it from fonts.gstatic.com, and a
# file path is opened with PIL and registered as a media file on every set_page_config call (tens of ms a call,
# twice a run) and then fetched by the browser
PAGE_ICON = "data:image/png;base64," + base64.b64encode(
    (Path(__file__).parent / "assets" / "ikon-halaman.png").read_bytes()).decode("ascii")


# No file path, command or setting name on a page: the operator loads files on the Unggah Data page
NO_DATA = "Belum ada data di dasbor ini. Operator dapat memuat laporan lembaga di halaman Unggah Data."
NO_PUBLIC_DATA = "Angka publik belum tersedia. Silakan kembali lagi nanti."


def page_title() -> str:
    """The browser tab's title, with the region's name (region.toml)."""
    return f"Kekerasan terhadap Perempuan dan Anak — {vocab.region().name}"


def configure_page() -> None:
    """Title, icon and wide layout of the browser page."""
    st.set_page_config(page_title=page_title(), page_icon=PAGE_ICON, layout="wide")


def ensure_entry_script() -> None:
    """Rerun through dashboard.py when Streamlit ran a pages/ file directly (call first in every page)."""
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets on its first call
        st.rerun()


def running_page_file() -> str | None:
    """The page script Streamlit is running: the innermost ``__main__`` module on the call stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") == "__main__" and frame.f_globals.get("__file__"):
            return frame.f_globals["__file__"]
        frame = frame.f_back
    return None


def require_page_role() -> str:
    """Stop the running page unless the session's role may open it (its PageSpec in app/navigation.py says who).

    Navigation already hides pages a role may not use; this is the second lock, for a page reached directly.
    A page file that has no spec is refused to everyone.
    """
    spec = navigation.spec_for(running_page_file() or "")
    if spec is None:
        st.warning("Halaman ini tidak dikenal.")
        st.stop()
    if spec.roles is None:
        return auth.current_role()
    return auth.require_role(*sorted(spec.roles))


def begin(period_only: bool = False) -> Filters:
    """Check the role, draw the banner and sidebar filters and return the filters; stop when there is no data.

    ``period_only``: the page ignores kecamatan, form and agency, so only the period is offered.
    """
    ensure_entry_script()
    configure_page()
    require_page_role()
    try:
        facts, span = cached.database_facts(), cached.data_span()
    except DatabaseMissing:  # its message names the file and the command: for the server's log, not a page
        st.info(NO_DATA)
        st.stop()
    except DatabaseBusy as exc:
        st.error(str(exc))
        st.stop()
    except RegionMismatch as exc:
        st.error(exc.for_page())
        st.stop()
    if span.empty or pd.isna(span["first_month"].iloc[0]):
        st.info(NO_DATA)
        st.stop()
    st.sidebar.markdown(f"**{vocab.region().office_short}**  \nKekerasan terhadap perempuan dan anak, dan TPPO")
    if sentences.is_demo(facts):
        st.sidebar.warning(sentences.DEMO_LABEL)
        st.warning(f"{sentences.DEMO_LABEL} — angka di halaman ini bukan data sebenarnya.",
                   icon=":material/science:")
    last = pd.Timestamp(span["last_month"].iloc[0]).date()
    complete = queries.last_complete_month(last, cached.missing_recent_reports())
    return sidebar_filters(pd.Timestamp(span["first_month"].iloc[0]).date(), last, complete, period_only)


def missing_reports_note(f: Filters) -> None:
    """A warning beside a headline when expected agencies have not reported some month of the period yet."""
    note = sentences.missing_reports_sentence(cached.missing_recent_reports(), f.start, f.end)
    if note:
        st.warning(note, icon=":material/pending:")


# Every ASCII punctuation character: CommonMark lets each be escaped with a backslash, and shows it as itself.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: object) -> str:
    """Text read from a file (a file or sheet name, a column header, a wording, a message quoting cells) for an element
    that reads Markdown (st.markdown, st.error and the like, st.table cells, widget labels, progress texts), shown
    exactly as written: every ASCII punctuation character escaped. Unescaped, ``*kdrt*`` showed in italics without
    its stars (the spelling an operator copies into the reference data), and ``![](http://…)`` made the operator's
    browser fetch that address; ``:smile:``, ``:red[…]`` and ``$…$`` became an emoji, colour and a formula. A bare
    address still shows as a link to itself."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


def static_table(container, df: pd.DataFrame) -> None:
    """A short table whose cells wrap (sentences, file names), its text cells shown as written (``literal``)."""
    shown = df.copy()
    for column in shown.columns:
        if shown[column].dtype == object or pd.api.types.is_string_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: literal(v) if isinstance(v, str) else v)
    container.table(shown, hide_index=True)


def table(container, df: pd.DataFrame, empty: str = "Tidak ada.", wrap: bool = False) -> None:
    """A query result as an Indonesian table, or a sentence when it has no rows.

    ``wrap``: a short table whose cells hold sentences (messages, file names) is drawn as a static table whose
    cells wrap (``static_table``), instead of a grid that cuts them off at the column's edge."""
    if df.empty:
        container.caption(empty)
    elif wrap:
        static_table(container, charts.display_table(df))
    else:
        container.dataframe(charts.display_table(df), hide_index=True)


def end(f: Filters) -> None:
    """The footer: source, data date, provisional note, 'reported cases, not prevalence', demo label."""
    st.divider()
    st.caption("  \n".join(sentences.footer_lines(cached.database_facts(), f)))
