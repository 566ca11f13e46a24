"""The Bahan Paparan page and the 'Unduh data' buttons in the real app (AppTest on the demo database)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app import auth

TIMEOUT = 300


@pytest.fixture()
def env(demo_db_master, monkeypatch):
    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    monkeypatch.delenv("PPA_PUBLIC", raising=False)
    monkeypatch.delenv("PPA_BOUNDARIES", raising=False)


def as_role(role: str | None, page: str) -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
    if role:
        at.session_state[auth.SESSION_KEY] = auth.session_record("rina", role)
    at.query_params.update({"dari": "2024-01", "sampai": "2024-10"})
    at.run()
    return at.switch_page(page).run()


def download_labels(at: AppTest) -> list[str]:
    return [element.proto.label for element in at.get("download_button")]


def test_analis_gets_the_sentences_and_five_downloads(env):
    at = as_role("analis", "pages/paparan.py")
    assert not at.exception, [e.message for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert "Sampai Oktober 2024 tercatat 149 kasus kekerasan terhadap perempuan dan anak, 22 di antaranya TPPO" in text
    assert "Kecamatan Alam Barajo" in text and "Catatan data:" in text
    assert download_labels(at) == ["Paparan (PowerPoint)", "Ringkasan 1 halaman (PDF)", "Grafik (PNG, zip)",
                                   "Infografis publik (PNG)", "Angka infografis (CSV)"]
    captions = " ".join(c.value for c in at.caption)
    # staff files are exact and internal; the infographic shows the release period Jan–Oct snaps to, and says why
    assert "Untuk kalangan internal" in captions
    assert "angka rilis publik Semester I 2024" in captions and "bukan Januari–Oktober 2024" in captions


def test_publik_cannot_open_the_page(env):
    at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT).run()
    try:
        at.switch_page("pages/paparan.py").run()
    except Exception as exc:  # not in publik's navigation: AppTest cannot even route there
        assert "paparan" in str(exc).lower() or "page" in str(exc).lower(), exc
        return
    assert "Bahan Paparan" not in [t.value for t in at.title]
    assert not at.get("download_button")


def test_a_dashboard_page_offers_csv_and_excel(env):
    at = as_role("analis", "pages/ringkasan.py")
    assert not at.exception, [e.message for e in at.exception]
    assert download_labels(at) == ["Unduh CSV", "Unduh Excel"]
