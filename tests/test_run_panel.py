"""The run panel's equations use the KaTeX that Streamlit's markdown uses; the panel must find it."""

from __future__ import annotations

from ui.run_panel import STREAMLIT_FRONTEND, katex_file, katex_src


def test_streamlit_ships_the_rehype_katex_module_the_panel_loads():
    found = katex_file()
    assert found is not None, "Streamlit's frontend has no rehype-katex module: the rules would show as LaTeX text"
    text = found.read_text(encoding="utf-8")
    assert "math-display" in text and "export" in text, "not the rehype plugin the panel calls"
    assert katex_src() == "/" + found.relative_to(STREAMLIT_FRONTEND).as_posix()
