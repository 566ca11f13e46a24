"""The dashboard's Streamlit building blocks: page frame, navigation, sign-in, filters, cached calls, downloads.

Queries, chart builders, formats and exports live in ``report`` (headless); this package only wires them to widgets.
"""
