"""In-page timing of the Playground's map, for any revision of the app: when do new paths become visible?

The benchmarks compare the working tree with an older revision served from a temporary
worktree (:func:`benchmarks.first_visit.checkout`). Each revision reads its own map its
own way, so the JS expressions that find the map (``MAP_PLOT``) and say it is visible
(``MAP_SHOWN``) are taken from that revision's ``e2e/browser.py`` (:func:`tree_browser`):
the ``st.plotly_chart`` map of the previous release draws a changed figure into a new,
hidden graph div; the live map keeps one div and updates it.

"Drawn paths" are read from the SVG the browser paints, not from the data handed to
plotly.js: the ``d`` attribute of every line of the map's scatter traces
(``.scatterlayer .js-line``, and the live map's own run layer ``.dl-paths .dl-line``), joined.
A different string is a different drawing, whatever the revision. Reading it costs well
under a millisecond per call, so probing it on every DOM mutation or every animation frame
barely loads the page it measures (the time the probe itself spends is recorded as
``spent`` and reported).

Timing is in-page (``performance.now()``), so Playwright's round trips do not count:

- :attr:`MapProbe.arm` starts a probe before the input: a capture listener on ``window``
  takes the input event's ``timeStamp`` (when the browser received the input, so a busy
  renderer's queueing counts) and a ``MutationObserver`` on the document checks, after
  every batch of DOM changes, whether the map is shown and its drawn paths differ from
  those before the input; the first such moment is ``t1``. The frame that paints it
  follows at the next rendering opportunity (at most one frame, 16.7 ms, later).
- :attr:`MapProbe.frames_start` / :attr:`MapProbe.frames_stop` sample every animation
  frame (``requestAnimationFrame``) and count the frames whose drawn paths differ from
  the previous frame's (a drag's visible updates).
- ``Plotly.react`` of the page's plotly.js (``window.Plotly``, and the copy the live map keeps
  for itself in ``window.__descentLabLiveMap.lib``) is wrapped to record how long each call
  takes (its synchronous part: computing and drawing the new traces), on the map and on
  other charts apart.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

DRAWN = """p => p ? Array.from(p.querySelectorAll('.scatterlayer .js-line, .dl-paths .dl-line'),
  e => e.getAttribute('d') || '').join('|')
  : null"""
"""JS function: the SVG geometry of every line the map draws (a graph div -> string; null for no map)."""


WEBSOCKET_LOG = """(() => {
  if (window.__wsLog) return;
  const Native = window.WebSocket;
  const log = window.__wsLog = {sent: [], received: []};
  const keep = (list, t) => { list.push(t); if (list.length > 4000) list.splice(0, 2000); };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => keep(log.received, performance.now()));
    }
    send(data) {
      keep(log.sent, performance.now());
      return super.send(data);
    }
  };
})();"""
"""An init script (``context.add_init_script``): when each websocket message was sent and received.

With it, :attr:`MapProbe.result` splits a move's time: input -> rerun request sent (the
frontend), request -> the first and the last message back before the new drawing (the
server's run, the network), last message -> drawn (the page's rendering of what arrived).
"""


def tree_browser(root: Path) -> ModuleType:
    """``root/e2e/browser.py`` of a checkout, loaded as its own module (one per checkout)."""
    name = f"_e2e_browser_{abs(hash(str(root.resolve())))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, root / "e2e" / "browser.py")
    assert spec and spec.loader, f"no e2e/browser.py under {root}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class MapProbe:
    """The JS snippets that time one revision's map (see the module docstring).

    Call :attr:`install` once per page load (after the map is ready), then per measurement
    :attr:`arm` (argument: the DOM event type that starts the clock, ``"keydown"`` or
    ``"pointerdown"``), the input, a wait on :attr:`done` and :attr:`result`.
    """

    install: str
    arm: str
    done: str
    result: str
    frames_start: str
    frames_stop: str

    @classmethod
    def for_tree(cls, root: Path) -> MapProbe:
        """The probe for the map of the checkout at ``root`` (its own MAP_PLOT and MAP_SHOWN)."""
        browser = tree_browser(root)
        return cls.from_expressions(browser.MAP_PLOT, browser.MAP_SHOWN)

    @classmethod
    def from_expressions(cls, map_plot: str, map_shown: str) -> MapProbe:
        """The probe for a map found by the JS expression ``map_plot`` and shown when ``map_shown()`` holds."""
        install = f"""() => {{
  const L = window.__mapProbe = window.__mapProbe || {{reacts: []}};
  L.plot = () => {map_plot};
  L.shown = {map_shown};
  L.drawn = () => ({DRAWN})(L.plot());
  // Calls on the map (the live map's div, or a figure with a step slider: the old map) are told apart.
  const isMap = gd => gd === L.plot() || !!(gd && gd.layout && gd.layout.sliders && gd.layout.sliders.length);
  // The page's plotly.js: window.Plotly, and the one the live map keeps for itself (it may differ).
  const libs = [window.Plotly, window.__descentLabLiveMap && window.__descentLabLiveMap.lib];
  for (const lib of new Set(libs.filter(Boolean))) {{
    if (lib.__timed) continue;
    const react = lib.react;
    lib.react = function (gd, ...rest) {{
      const start = performance.now();
      try {{ return react.call(this, gd, ...rest); }}
      finally {{ L.reacts.push({{ms: performance.now() - start, map: isMap(gd)}}); }}
    }};
    lib.__timed = true;
  }}
  return L.drawn() !== null;
}}"""
        arm = """kind => {
  const L = window.__mapProbe;
  if (L.probe && L.probe.stop) L.probe.stop();
  const before = L.drawn();
  const probe = L.probe = {kind, t0: null, t0now: null, t1: null, spent: 0, checks: 0, reacts: L.reacts.length};
  const onInput = e => {
    if (probe.t0 !== null) return;
    const now = performance.now();
    probe.t0now = now;
    probe.t0 = e.timeStamp > 0 && e.timeStamp <= now ? e.timeStamp : now;
  };
  const observer = new MutationObserver(() => {
    const start = performance.now();
    probe.checks += 1;
    if (probe.t0 !== null && L.shown() && L.drawn() !== before) {
      probe.t1 = performance.now();
      probe.stop();
    }
    probe.spent += performance.now() - start;
  });
  probe.stop = () => {
    observer.disconnect();
    window.removeEventListener(kind, onInput, true);
    probe.stop = null;
  };
  window.addEventListener(kind, onInput, true);
  observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  return before !== null;
}"""
        done = "() => window.__mapProbe.probe.t1 !== null"
        result = """() => {
  const L = window.__mapProbe, p = L.probe;
  if (p.stop) p.stop();
  const reacts = L.reacts.slice(p.reacts), sum = list => list.reduce((a, r) => a + r.ms, 0);
  const ws = window.__wsLog || {sent: [], received: []};
  const sent = ws.sent.find(t => t >= p.t0);
  const first = sent === undefined ? undefined : ws.received.find(t => t >= sent);
  const last = ws.received.filter(t => t <= p.t1).pop();
  const gap = (a, b) => (a === undefined || b === undefined || b < a) ? null : b - a;
  return {ms: p.t1 - p.t0, queued_ms: p.t0now - p.t0, spent_ms: p.spent, checks: p.checks,
          map_react_ms: sum(reacts.filter(r => r.map)), map_reacts: reacts.filter(r => r.map).length,
          other_react_ms: sum(reacts.filter(r => !r.map)), other_reacts: reacts.filter(r => !r.map).length,
          to_request_ms: gap(p.t0, sent), to_first_reply_ms: gap(sent, first), to_last_reply_ms: gap(sent, last),
          last_reply_to_drawn_ms: gap(last, p.t1)};
}"""
        frames_start = """() => {
  const L = window.__mapProbe;
  const rec = L.frames = {frames: 0, changed: 0, first: null, last: null, spent: 0, running: true,
                          reacts: L.reacts.length, previous: L.drawn()};
  const loop = ts => {
    if (!rec.running) return;
    const start = performance.now();
    rec.frames += 1;
    if (rec.first === null) rec.first = ts;
    rec.last = ts;
    const now = L.drawn();
    if (now !== rec.previous) { rec.changed += 1; rec.previous = now; }
    rec.spent += performance.now() - start;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""
        frames_stop = """() => {
  const L = window.__mapProbe, rec = L.frames;
  rec.running = false;
  return {frames: rec.frames, changed: rec.changed, seconds: (rec.last - rec.first) / 1000,
          spent_ms: rec.spent, map_react_ms: L.reacts.slice(rec.reacts).filter(r => r.map).map(r => r.ms)};
}"""
        return cls(install, arm, done, result, frames_start, frames_stop)
