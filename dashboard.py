"""The dashboard's entry point: page config and navigation over the pages a role may open.

Each page draws the shared frame (sidebar filters, banner, footer) through app/frame.py.
"""

from __future__ import annotations

import streamlit as st

from app import auth
from app.frame import configure_page
from app.navigation import pages_for

configure_page()
# Only the pages the session's role may open are in the navigation; a URL to any other page is not routed.
st.navigation(pages_for(role=auth.sidebar_login())).run()
