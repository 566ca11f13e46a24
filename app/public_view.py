"""The publik page frame: role check, banner, period choice from the release, and the footer with downloads.

Numbers come only from the release (app/public_release.py reads and caches report/release.py); tables are shaped
for charts in app/public_tables.py; the standing sentences are in report/sentences.py.
"""

from __future__ import annotations

import sys

from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from app import auth, downloads
from app import public_release as pr
from app import public_tables as pt
from app.filters import select_one
from app.frame import NO_PUBLIC_DATA, configure_page, ensure_entry_script, require_page_role
from etl import vocab
from report import charts
from report import disclosure as dc
from report import format as fmt
from report import sentences
from report.db import DatabaseMissing
from report.queries import Filters

PARAM_PERIOD = "periode"


@dataclass(frozen=True)
class PublicPage:
    """What a public page was opened for: the periods on offer and the chosen one."""

    periods: pd.DataFrame
    period: dc.Period | None
    provisional: bool
    latest_year: int | None

    def is_provisional(self, period: dc.Period) -> bool:
        return self.latest_year is not None and period.year >= self.latest_year


def begin(choose_period: bool = True) -> PublicPage:
    """Check the role, draw the banner and (optionally) the period selector; stop when nothing is published."""
    ensure_entry_script()
    configure_page()
    require_page_role()
    st.sidebar.markdown(f"**{vocab.region().office_short}**  \nKekerasan terhadap perempuan dan anak, dan TPPO")
    try:
        offered = pr.periods()
    except (DatabaseMissing, pr.NotPublicExtract) as exc:  # names a file and a command: for the server's log
        print(exc, file=sys.stderr)
        st.info(NO_PUBLIC_DATA)
        st.stop()
    except Exception as exc:  # a locked database: say so instead of a stack trace
        st.error(str(exc))
        st.stop()
    if pr.is_demo():
        st.sidebar.warning(sentences.DEMO_LABEL)
        st.warning(f"{sentences.DEMO_LABEL} — angka di halaman ini bukan data sebenarnya.", icon=":material/science:")
    if offered.empty:
        st.info("Belum ada periode publik (triwulan, semester, atau tahun) yang lengkap.")
        st.stop()
    latest_year = int(offered["year"].max())
    # warm the cache for what the other public pages will ask for (this year and the two before)
    pr.warm_up(range(latest_year - 2, latest_year + 1))
    if not choose_period:
        return PublicPage(offered, None, False, latest_year)
    codes = offered["period_code"].tolist()
    names = dict(zip(offered["period_code"], offered["label"]))
    # remembered outside the widget too: Tren has no period selector, and Streamlit forgets a widget not drawn
    wanted = (st.session_state.get("public_period") or st.query_params.get(PARAM_PERIOD)
              or st.session_state.get("public_period_chosen"))
    code = select_one(st.sidebar, "Periode", codes, index=codes.index(wanted) if wanted in codes else 0,
                                format_func=names.get, key="public_period",
                                help="Data publik tersedia per triwulan, semester, atau tahun penuh.")
    st.session_state["public_period_chosen"] = code
    if st.query_params.get(PARAM_PERIOD) != code:
        st.query_params[PARAM_PERIOD] = code
    period = dc.parse_period(code)
    return PublicPage(offered, period, period.year >= latest_year, latest_year)


def change(now: dc.ProtectedCount, before: dc.ProtectedCount | None) -> str | None:
    """'naik 12%' / 'turun 3%' / 'tetap' when both numbers are published, else None (no comparison shown)."""
    if before is None or now.value is None or before.value is None:
        return None
    return fmt.change(now.value, before.value)


def end(label: str, provisional: bool, tables: dict[str, dc.ProtectedTable], first: dc.Period, last: dc.Period,
        key: str) -> None:
    """Legend, footnote, source/period/provisional footer, and the CSV/Excel download of the tables shown."""
    lines = sentences.public_footer_lines(label, provisional)
    downloads.table_downloads(tables, Filters(first.start, last.end), role=auth.PUBLIC, key=key,
                              footer=lines, period=label)
    st.divider()
    st.caption("  \n".join(lines))
    if pr.is_demo():
        st.caption(f"{sentences.DEMO_LABEL}: angka bukan data sebenarnya.")


def trend_periods(page: PublicPage, kind: str, years: int = 3) -> list[dc.Period]:
    """The published quarters or semesters of the last ``years`` years with data, oldest first."""
    return [p for y in range(page.latest_year - years + 1, page.latest_year + 1) for p in periods_of_year(page, kind, y)]


def periods_of_year(page: PublicPage, kind: str, year: int) -> list[dc.Period]:
    """The published quarters or semesters of one year, oldest first."""
    chosen = [dc.parse_period(c) for c, k, y in zip(page.periods["period_code"], page.periods["kind"],
                                                     page.periods["year"]) if k == kind and y == year]
    return sorted(chosen, key=lambda p: p.start)


def two_way_or_coarser(fine: dc.ProtectedTable, fine_title: str, coarser: Callable[[], dc.ProtectedTable],
                       coarser_title: str, period_label: str, note: str | None = None) -> tuple[str, dc.ProtectedTable]:
    """Draw a two-way table (subheader, caption, cells) or, when every cell of it would be hidden, the coarser
    one-way table that can be shown, with one sentence why; return (its download name, the table shown)."""
    if not fine.withheld:
        st.subheader(fine_title)
        if note:
            st.caption(note)
        st.dataframe(pt.grid(fine), hide_index=True)
        return fine_title, fine
    table = coarser()
    st.subheader(coarser_title)
    st.caption(f"Rincian {' × '.join(b.lower() for b in fine.by)} untuk {period_label} tidak ditampilkan karena "
               f"semua angkanya terlalu kecil dan harus disamarkan; yang ditampilkan {coarser_title[0].lower()}"
               f"{coarser_title[1:]} saja.")
    st.dataframe(charts.protected_table(table.cells, table.by[0]), hide_index=True)
    return coarser_title, table
