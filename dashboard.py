"""The dashboard's entry point: page config and navigation over the pages a role may open.

Each page draws the shared frame (sidebar filters, banner, footer) through app/frame.py.
"""

from __future__ import annotations

import sys

import streamlit as st

from app import auth, interface_words
from etl import vocab
from report import db
from app.frame import configure_page
from app.navigation import pages_for

configure_page()
# One read-only connection serves every cache miss of this run (opening the file costs tens of milliseconds and a
# page makes up to 13 queries); it is closed as soon as the page has been drawn, never held between runs.
with db.one_connection_per_run():
    try:
        # Only the pages the session's role may open are in the navigation; a URL to any other page is not routed.
        st.navigation(pages_for(role=auth.sidebar_login())).run()
    except vocab.ReferenceFileMissing as exc:  # the server's folder goes to its log; the page names the file
        print(exc, file=sys.stderr)
        st.error(exc.for_page())
interface_words.apply()  # Streamlit's own labels and titles in Indonesian, last on the page
