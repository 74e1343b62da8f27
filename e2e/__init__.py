"""Driving the real app: a Streamlit server on a free port and Debian's Chromium via Playwright."""
