"""Publik: protected figures for a fixed quarter, semester or year (all that anonymous visitors can open)."""

from app import public_view
from app.frame import configure_page, ensure_entry_script

ensure_entry_script()
configure_page()
public_view.render()
