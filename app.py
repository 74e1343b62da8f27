"""Descent Lab: see how optimizers move across 2D loss surfaces.

Run with ``streamlit run app.py``; this file only configures the page and routes.
"""

import streamlit as st

from ui.page_style import apply_page_style

# The page files live in views/, not pages/: a pages/ folder beside app.py switches Streamlit
# to its old file-per-page navigation until st.navigation first runs, so the first visit after
# a restart could show the old sidebar or a "Page not found" dialog.

st.set_page_config(page_title="Descent Lab", page_icon="⛰️", layout="wide")
apply_page_style()

pages = {
    "Explore": [
        st.Page("views/playground.py", title="Playground", icon=":material/explore:", default=True),
        st.Page("views/sweeps.py", title="Sweeps", icon=":material/grid_view:", url_path="sweep-maps"),
    ],
    "Why optimization is hard": [
        st.Page(
            "views/lesson_ill_conditioning.py",
            title="Ill-conditioning",
            icon=":material/compress:",
            url_path="ill-conditioning",
        ),
        st.Page(
            "views/lesson_saddles.py",
            title="Saddles and local minima",
            icon=":material/landscape:",
            url_path="saddles-and-minima",
        ),
        st.Page(
            "views/lesson_cliffs.py",
            title="Cliffs and clipping",
            icon=":material/content_cut:",
            url_path="cliffs-and-clipping",
        ),
        st.Page(
            "views/lesson_minibatch_noise.py",
            title="Minibatch noise",
            icon=":material/casino:",
            url_path="minibatch-noise",
        ),
        st.Page(
            "views/lesson_implicit_regularization.py",
            title="Implicit regularization",
            icon=":material/bubble_chart:",
            url_path="implicit-regularization",
        ),
        st.Page(
            "views/lesson_schedules.py",
            title="Learning-rate schedules",
            icon=":material/trending_down:",
            url_path="lr-schedules",
        ),
    ],
    "Regularization": [
        st.Page(
            "views/lesson_l1_l2.py", title="L1 and L2 penalties", icon=":material/diamond:", url_path="l1-l2-geometry"
        ),
        st.Page(
            "views/lesson_weight_decay.py",
            title="Weight decay vs L2",
            icon=":material/balance:",
            url_path="weight-decay-vs-l2",
        ),
        st.Page(
            "views/lesson_early_stopping.py",
            title="Early stopping",
            icon=":material/timer:",
            url_path="overfitting-early-stopping",
        ),
        st.Page(
            "views/lesson_dropout_noise.py",
            title="Dropout and noise",
            icon=":material/grain:",
            url_path="dropout-noise-injection",
        ),
        st.Page(
            "views/lesson_input_scaling.py",
            title="Input scaling",
            icon=":material/straighten:",
            url_path="input-scaling-normalization",
        ),
    ],
    "Real network": [
        st.Page(
            "views/network_training.py",
            title="Training a network",
            icon=":material/hub:",
            url_path="network-training",
        ),
        st.Page(
            "views/network_initialization.py",
            title="Initialization",
            icon=":material/scatter_plot:",
            url_path="network-initialization",
        ),
        st.Page(
            "views/network_landscape.py",
            title="Loss landscape",
            icon=":material/terrain:",
            url_path="network-landscape",
        ),
        st.Page(
            "views/network_sharpness.py",
            title="Sharpness and 2/η",
            icon=":material/show_chart:",
            url_path="network-sharpness",
        ),
        st.Page(
            "views/network_batch_flatness.py",
            title="Batch size and flatness",
            icon=":material/stacked_bar_chart:",
            url_path="network-batch-flatness",
        ),
    ],
}
# Every lesson one click away from every page: by default Streamlit folds a navigation of more than
# twelve pages after the tenth behind "View N more", which hid the last Regularization lessons.
st.navigation(pages, expanded=True).run()
