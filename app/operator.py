"""What the operator's pages share: the role check, reading through a short read-only connection, status labels."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb
import streamlit as st

from report import db
from app.frame import configure_page, ensure_entry_script, require_page_role

LOAD_STATUS_LABELS = {"loaded": "dimuat", "replaced": "dimuat, menggantikan data lama",
                      "unchanged": "tidak berubah (file yang sama sudah pernah dimuat)", "failed": "gagal",
                      "held": "ditahan (data bulan itu akan berkurang; belum dimuat)"}


def begin_operator_page() -> None:
    """Page config and the operator-only check (a page reached by URL re-checks the role itself)."""
    ensure_entry_script()
    configure_page()
    require_page_role()


@contextmanager
def reading() -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A short read-only connection, or None when there is no database yet (nothing loaded)."""
    if not db.database_configured():
        yield None
        return
    try:
        with db.read_only() as con:
            yield con
    except db.DatabaseBusy as exc:
        st.error(str(exc))
        st.stop()
