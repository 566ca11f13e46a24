"""The dashboard's entry point: page config and navigation over the pages a role may open.

Each page draws the shared frame (sidebar filters, banner, footer) through app/frame.py.
"""

from __future__ import annotations

import streamlit as st

from app.frame import configure_page
from app.navigation import pages_for

configure_page()
# The access module will supply the signed-in user's role here; until then every page is shown.
st.navigation(pages_for(role=None)).run()
