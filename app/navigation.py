"""Which pages exist and who may see them; dashboard.py asks ``pages_for(role)`` so access control plugs in here."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ALL_ROLES = None  # the page is shown to every role
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PageSpec:
    """A page file, its title and icon, and the roles allowed to open it (None = everyone)."""

    path: str
    title: str
    icon: str
    roles: frozenset[str] | None = ALL_ROLES


STAFF = frozenset({"analis", "operator"})

# Exact figures are for staff only; anonymous visitors get the disclosure-controlled page (issue 5).
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/ringkasan.py", "Ringkasan", ":material/dashboard:", STAFF),
    PageSpec("pages/tren.py", "Tren", ":material/show_chart:", STAFF),
    PageSpec("pages/wilayah.py", "Wilayah", ":material/map:", STAFF),
    PageSpec("pages/bentuk_tppo.py", "Bentuk & TPPO", ":material/category:", STAFF),
    PageSpec("pages/korban.py", "Korban", ":material/groups:", STAFF),
    PageSpec("pages/perencanaan.py", "Perencanaan", ":material/insights:", STAFF),
    PageSpec("pages/gugus_tugas.py", "Gugus Tugas TPPO", ":material/travel_explore:", STAFF),
    PageSpec("pages/paparan.py", "Bahan Paparan", ":material/slideshow:", STAFF),
    PageSpec("pages/kualitas_data.py", "Kualitas data", ":material/fact_check:", frozenset({"operator"})),
)
PUBLIC = frozenset({"publik"})
# Anonymous visitors: the same questions as the staff pages, answered with disclosure-controlled numbers.
PUBLIC_PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/publik.py", "Ringkasan", ":material/dashboard:", PUBLIC),
    PageSpec("pages/publik_tren.py", "Tren", ":material/show_chart:", PUBLIC),
    PageSpec("pages/publik_wilayah.py", "Wilayah", ":material/map:", PUBLIC),
    PageSpec("pages/publik_bentuk.py", "Bentuk & TPPO", ":material/category:", PUBLIC),
)
# The operator's tools (issue 7): no charts of their own, so kept apart from the analysis pages above.
OPERATOR_PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/unggah.py", "Unggah Data", ":material/upload_file:", frozenset({"operator"})),
    PageSpec("pages/riwayat.py", "Riwayat & Pembatalan", ":material/history:", frozenset({"operator"})),
    PageSpec("pages/kepatuhan.py", "Kepatuhan Laporan", ":material/event_available:", frozenset({"operator"})),
)


def specs_for(role: str | None) -> list[PageSpec]:
    """The page specs a role may open (every page when role is None)."""
    return [p for p in PUBLIC_PAGES + PAGES + OPERATOR_PAGES if role is None or p.roles is None or role in p.roles]


@functools.cache
def _specs_by_file() -> dict[Path, PageSpec]:
    # resolved once per process: every page run asks (app/frame.py), and resolving 16 paths cost ~0.4 ms a run
    return {(REPO / spec.path).resolve(): spec for spec in PUBLIC_PAGES + PAGES + OPERATOR_PAGES}


def spec_for(page_file: str) -> PageSpec | None:
    """The spec of a page file (any path ending in the spec's pages/… path), or None for an unknown file."""
    return _specs_by_file().get(Path(page_file).resolve())


def pages_for(role: str | None = None) -> list[st.Page]:
    """Streamlit pages for a role, the first one the default."""
    return [st.Page(spec.path, title=spec.title, icon=spec.icon, default=(i == 0))
            for i, spec in enumerate(specs_for(role))]
