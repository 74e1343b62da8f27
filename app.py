"""Descent Lab: see how optimizers move across 2D loss surfaces.

Run with ``streamlit run app.py``; this file only configures the page and routes.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# A pages/ folder beside app.py makes Streamlit start in its old multipage mode, in which a
# URL naming a file in pages/ runs that file directly, skipping this router. st.navigation
# turns that mode off, but only once it has run; turn it off first thing instead. Page URLs
# below also differ from the file names, so even the very first request reaches this file.
PagesManager.uses_pages_directory = False

st.set_page_config(page_title="Descent Lab", page_icon="⛰️", layout="wide")

pages = {
    "Explore": [
        st.Page("pages/playground.py", title="Playground", icon="🧭", default=True),
    ],
}
st.navigation(pages).run()
