"""Builders of the files people take away: PowerPoint deck, one-page PDF, chart PNGs, infographic, CSV and Excel.

Each module is pure (data in, bytes out) and imports no Streamlit, so the CLI and the dashboard share them.
"""
