"""Descent Lab: see how optimizers move across 2D loss surfaces.

Run with ``streamlit run app.py``; this file only configures the page and routes.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui.page_style import apply_page_style

# A pages/ folder beside app.py makes Streamlit start in its old multipage mode, in which a
# URL naming a file in pages/ runs that file directly, skipping this router. st.navigation
# turns that mode off, but only once it has run; turn it off first thing instead. Page URLs
# below also differ from the file names, so even the very first request reaches this file.
PagesManager.uses_pages_directory = False

st.set_page_config(page_title="Descent Lab", page_icon="⛰️", layout="wide")
apply_page_style()

pages = {
    "Explore": [
        st.Page("pages/playground.py", title="Playground", icon=":material/explore:", default=True),
        st.Page("pages/sweeps.py", title="Sweeps", icon=":material/grid_view:", url_path="sweep-maps"),
    ],
    "Why optimization is hard": [
        st.Page(
            "pages/lesson_ill_conditioning.py",
            title="Ill-conditioning",
            icon=":material/compress:",
            url_path="ill-conditioning",
        ),
        st.Page(
            "pages/lesson_saddles.py",
            title="Saddles and local minima",
            icon=":material/landscape:",
            url_path="saddles-and-minima",
        ),
        st.Page(
            "pages/lesson_cliffs.py",
            title="Cliffs and clipping",
            icon=":material/content_cut:",
            url_path="cliffs-and-clipping",
        ),
        st.Page(
            "pages/lesson_minibatch_noise.py",
            title="Minibatch noise",
            icon=":material/casino:",
            url_path="minibatch-noise",
        ),
        st.Page(
            "pages/lesson_implicit_regularization.py",
            title="Implicit regularization",
            icon=":material/bubble_chart:",
            url_path="implicit-regularization",
        ),
        st.Page(
            "pages/lesson_schedules.py",
            title="Learning-rate schedules",
            icon=":material/trending_down:",
            url_path="lr-schedules",
        ),
    ],
    "Regularization": [
        st.Page(
            "pages/lesson_l1_l2.py", title="L1 and L2 penalties", icon=":material/diamond:", url_path="l1-l2-geometry"
        ),
        st.Page(
            "pages/lesson_weight_decay.py",
            title="Weight decay vs L2",
            icon=":material/balance:",
            url_path="weight-decay-vs-l2",
        ),
        st.Page(
            "pages/lesson_early_stopping.py",
            title="Early stopping",
            icon=":material/timer:",
            url_path="overfitting-early-stopping",
        ),
        st.Page(
            "pages/lesson_dropout_noise.py",
            title="Dropout and noise",
            icon=":material/grain:",
            url_path="dropout-noise-injection",
        ),
        st.Page(
            "pages/lesson_input_scaling.py",
            title="Input scaling",
            icon=":material/straighten:",
            url_path="input-scaling-normalization",
        ),
    ],
}
# Every lesson one click away from every page: by default Streamlit folds a navigation of more than
# twelve pages after the tenth behind "View N more", which hid the last Regularization lessons.
st.navigation(pages, expanded=True).run()
