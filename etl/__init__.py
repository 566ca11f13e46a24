"""Headless loader for a DPMPPA's case workbooks (the region is named in data/reference/region.toml): read, normalise, validate, load into DuckDB.

Never imports streamlit; ``python -m etl`` is its command line.
"""
