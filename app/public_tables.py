"""A public two-way table, or — when every cell of it would be hidden — the coarser one-way table that can be shown."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from app import public_view as pv
from report import charts
from report import disclosure as dc


def two_way_or_coarser(fine: dc.ProtectedTable, fine_title: str, coarser: Callable[[], dc.ProtectedTable],
                       coarser_title: str, period_label: str, note: str | None = None) -> tuple[str, dc.ProtectedTable]:
    """Draw the table (subheader, caption, cells) and return (its download name, the table shown)."""
    if not fine.withheld:
        st.subheader(fine_title)
        if note:
            st.caption(note)
        st.dataframe(pv.grid(fine), hide_index=True)
        return fine_title, fine
    table = coarser()
    st.subheader(coarser_title)
    st.caption(f"Rincian {' × '.join(b.lower() for b in fine.by)} untuk {period_label} tidak ditampilkan karena "
               f"semua angkanya terlalu kecil dan harus disamarkan; yang ditampilkan {coarser_title[0].lower()}"
               f"{coarser_title[1:]} saja.")
    st.dataframe(charts.protected_table(table.cells, table.by[0]), hide_index=True)
    return coarser_title, table
