"""Streamlit building blocks shared by pages: parameter widgets, URL state, share link."""
