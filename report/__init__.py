"""Figures, charts and documents from the database, without Streamlit: the query layer, the public release and its
disclosure control, Indonesian wording and formats, chart builders and the exports (PPTX, PDF, PNG, XLSX).

Sits between ``etl`` (which it reads: vocabularies, schema) and ``app`` (the Streamlit pages' building blocks, which
call it). Nothing here imports ``streamlit`` or ``app``.
"""
