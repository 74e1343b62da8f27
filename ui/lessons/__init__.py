"""Each lesson's scenario (its settings, read from and written to its link) and its cached builder.

A module here declares the lesson's :class:`core.page_scenario.PageScenario` and a ``build``
function that turns one scenario into the finished data its page lays out (engine results and
figures), wrapped by :func:`ui.page_form.cached_builder`. The page in ``views/`` holds only
widgets and layout.
"""
