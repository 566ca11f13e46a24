"""Headless loader for DPMPPA Kota Jambi's case workbooks: read, normalise, validate, load into DuckDB.

Never imports streamlit; ``python -m etl`` is its command line.
"""
