// The live map: one plotly.js plot that stays alive across Streamlit reruns.
//
// Python (ui/live_map.py) sends the surface layer once per surface and, on every rerun,
// only the paths (float32, base64). plotly.js draws the surface, the page's overlay traces
// and the legend, and is called only when those change; the runs' paths, heads, arrows and
// start are SVG this code writes into plotly's plot area (drawPaths). It animates the
// paths, scrubs through a family of paths while a setting's slider is dragged, and reports
// map clicks and committed values back as trigger values. Nothing here computes a path:
// every path drawn came from the engine.

const SHARED = (window.__descentLabLiveMap ||= { surfaces: new Map(), families: new Map(), plotly: null });
const KEEP = 8; // surfaces and families kept per page load (least recently used dropped first)
const INSTANCES = new WeakMap();
const CLICK_SLOP = 5; // pixels a press may move and still count as a click

function remember(map, key, value) {
  map.delete(key);
  map.set(key, value);
  while (map.size > KEEP) map.delete(map.keys().next().value);
  return value;
}

function recall(map, key) {
  if (!map.has(key)) return undefined;
  const value = map.get(key);
  remember(map, key, value);
  return value;
}

// The plotly.js every live map draws with, fixed once: Streamlit's own chart module may set
// window.Plotly later to another version, and one plot must not be drawn by two.
function loadPlotly(src) {
  if (!SHARED.plotly && window.Plotly) SHARED.plotly = Promise.resolve((SHARED.lib = window.Plotly));
  if (!SHARED.plotly) {
    SHARED.plotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => resolve((SHARED.lib = window.Plotly));
      script.onerror = () => {
        SHARED.plotly = null;
        reject(new Error(`could not load ${src}`));
      };
      document.head.appendChild(script);
    });
  }
  return SHARED.plotly;
}

// {"dtype": "f4", "bdata": base64} -> Float32Array (NaN and infinities survive: they are bits).
function float32(spec) {
  const text = atob(spec.bdata);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

// Interleaved x, y pairs -> separate x and y arrays.
function split(xy) {
  const n = xy.length >> 1;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = xy[2 * i];
    y[i] = xy[2 * i + 1];
  }
  return { x, y };
}

function decodeRuns(payload) {
  return {
    ...payload,
    runs: payload.runs.map((run) => ({ ...run, ...split(float32(run.xy)) })),
    arrows: payload.arrows.map((arrow) => ({ ...arrow, ...split(float32(arrow.xy)) })),
  };
}

function decodeFamily(payload) {
  const { x, y } = split(float32(payload.xy));
  return { ...payload, x, y };
}

function element(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

// Show ``text`` in ``node`` (hidden when empty), touching the DOM only when it changed.
function setText(node, text) {
  const value = text || "";
  if (node.textContent !== value) node.textContent = value;
  node.hidden = !value;
}

function build(parent) {
  const root = element("div", { class: "dl-live-map", "data-testid": "live-map" });
  const bar = element("div", { class: "dl-bar" });
  const play = element("button", { type: "button", class: "dl-play", "data-testid": "live-map-play" }, "▶ Play");
  const step = element("input", { type: "range", min: "0", max: "0", value: "0", class: "dl-step", "aria-label": "step" });
  const stepLabel = element("span", { class: "dl-step-label", "data-testid": "live-map-step" });
  const speed = element("select", { class: "dl-speed", "aria-label": "animation speed" });
  bar.append(play, step, stepLabel, speed);
  const scrub = element("div", { class: "dl-scrub", "data-testid": "live-map-scrub" });
  const scrubWhich = element("select", { class: "dl-scrub-which", "aria-label": "setting to drag" });
  const scrubRange = element("input", { type: "range", min: "0", max: "0", value: "0", class: "dl-scrub-range", "aria-label": "setting value" });
  const scrubValue = element("span", { class: "dl-scrub-value", "data-testid": "live-map-scrub-value" });
  scrub.append(element("span", { class: "dl-scrub-title" }, "Drag"), scrubWhich, scrubRange, scrubValue);
  const plot = element("div", { class: "dl-plot", "data-testid": "live-map-plot" });
  const tip = element("div", { class: "dl-tip", "data-testid": "live-map-tip", hidden: "" });
  const frame = element("div", { class: "dl-frame" });
  frame.append(plot, tip);
  const status = element("div", { class: "dl-status", role: "status" });
  // A heading above and a note below, drawn here rather than as Streamlit elements: every element on a
  // Streamlit page is drawn again at each rerun, about 2.5 ms of renderer CPU each for markdown (ui/live_map.py).
  const title = element("h3", { class: "dl-title" });
  const note = element("div", { class: "dl-note-text" });
  root.append(title, bar, scrub, frame, status, note);
  parent.appendChild(root);
  return { root, title, bar, play, step, stepLabel, speed, scrub, scrubWhich, scrubRange, scrubValue, plot, tip, status, note };
}

// A diverged path runs off the map: its head (the x) goes on the last point still inside the axes.
function lastInside(x, y, upto, xr, yr) {
  const inside = (i) => x[i] >= Math.min(...xr) && x[i] <= Math.max(...xr) && y[i] >= Math.min(...yr) && y[i] <= Math.max(...yr);
  for (let i = upto; i >= 0; i--) if (inside(i)) return i;
  return upto;
}

// What plotly.js draws: the surface, the page's overlay traces and one legend entry per run.
// The runs' paths, heads and arrows are not plotly traces: drawPaths() draws them (see there).
function plotlyTraces(inst) {
  const { surface, data, paths } = inst;
  const out = surface.data.concat(data.overlay || []);
  if (!paths) return out;
  paths.runs.forEach((run, i) => {
    out.push({
      type: "scatter",
      mode: "lines",
      x: [null],
      y: [null],
      name: run.name,
      legendgroup: `run${i}`,
      line: { color: run.colour, width: 2.5 },
      hoverinfo: "skip",
      meta: "legend-entry",
    });
  });
  return out;
}

// Everything plotly.js draws, as one string: while it stays the same, a rerun calls no plotly.js at all.
function plotlyKey(inst) {
  const runs = inst.paths ? inst.paths.runs.map((r) => [r.name, r.colour]) : null;
  return JSON.stringify([inst.data.surface_key, inst.data.overlay || [], inst.data.overlay_layout || {}, runs]);
}

// The surface's layout with this rerun's own keys over it (notes or an axis window that follow
// the paths), merged one level deep; the surface's own object is never changed.
function layoutOf(inst) {
  const extra = (inst.data && inst.data.overlay_layout) || {};
  if (!Object.keys(extra).length) return inst.surface.layout;
  if (inst.mergedFrom === inst.surface.layout && inst.mergedExtra === extra) return inst.merged;
  const out = { ...inst.surface.layout };
  for (const [name, value] of Object.entries(extra)) {
    const base = out[name];
    const nested = (v) => v && typeof v === "object" && !Array.isArray(v);
    out[name] = nested(base) && nested(value) ? { ...base, ...value } : value;
  }
  Object.assign(inst, { mergedFrom: inst.surface.layout, mergedExtra: extra, merged: out });
  return out;
}

// Draw at most once per animation frame, always the newest state.
function schedule(inst) {
  if (inst.pending) return;
  inst.pending = true;
  requestAnimationFrame(() => {
    inst.pending = false;
    draw(inst);
  });
}

// plotly.js redraws its whole plot on any call (Plotly.react with unchanged traces cost 77 ms, a
// restyle of one trace 60 ms, on this page on a 2-core machine), so it draws only what changes with
// the surface and the runs' names: a committed move, a Play frame or a dragged value only moves the
// runs' SVG paths (drawPaths, about 1 ms).
function draw(inst) {
  if (!inst.surface || !SHARED.lib) return;
  const gd = inst.ui.plot;
  inst.drawn = (inst.drawn || 0) + 1;
  gd.dataset.draws = String(inst.drawn);
  const key = plotlyKey(inst);
  if (key !== inst.plotlyKey || !gd._fullLayout) {
    // plotly.js places a colour bar for margins it has not settled yet on a plot's first drawing
    // of a layout; a second drawing puts it where every later one does.
    const fresh = inst.drawnSurface !== inst.surface;
    inst.drawnSurface = inst.surface;
    inst.plotlyKey = key;
    const done = SHARED.lib.react(gd, plotlyTraces(inst), layoutOf(inst), inst.config);
    hook(inst);
    if (fresh) {
      Promise.resolve(done).then(() => {
        inst.plotlyKey = null;
        schedule(inst);
      });
    }
  }
  drawPaths(inst);
  updateControls(inst);
}

// After plotly.js redraws on its own (zoom, pan, resize, a legend click), the paths follow.
function hook(inst) {
  const gd = inst.ui.plot;
  if (inst.hooked || !gd.on) return;
  inst.hooked = true;
  for (const name of ["plotly_afterplot", "plotly_relayout", "plotly_restyle"]) gd.on(name, () => drawPaths(inst));
}

const SVG = "http://www.w3.org/2000/svg";
let LAYERS = 0;

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

// The runs' layer: an SVG group inside plotly's clipped plot area, above its traces. Zoom and pan
// move it with the plot (plotly.js transforms the area while dragging, then redraws: see hook()).
function pathLayer(inst) {
  const fl = inst.ui.plot._fullLayout;
  const area = fl && fl._plots && fl._plots.xy && fl._plots.xy.plot && fl._plots.xy.plot.node();
  if (!area) return null;
  if (!inst.layer) {
    inst.layerId = `dl-paths-${++LAYERS}`;
    inst.layer = svg("g", { class: "dl-paths" });
    inst.layer.append(svg("defs"), svg("g", { class: "dl-runs" }), svg("g", { class: "dl-arrows" }), svg("g", { class: "dl-start" }));
  }
  if (inst.layer.parentNode !== area || area.lastChild !== inst.layer) area.appendChild(inst.layer);
  return inst.layer;
}

// Data -> pixel maps of the plot area for an axis (linear or log), as plotly.js draws them now.
function scale(ax) {
  const log = ax.type === "log";
  const p0 = ax.l2p(0);
  const k = ax.l2p(1) - p0;
  return (v) => {
    const p = p0 + k * (log ? Math.log10(v) : v);
    return p > 1e5 ? 1e5 : p < -1e5 ? -1e5 : p; // a diverged value still draws (off the map), never NaN
  };
}

// An SVG path through the finite points (a gap where a value is not finite), skipping points
// closer than half a pixel to the last one drawn.
function polyline(x, y, upto, px, py) {
  let d = "";
  let pen = false;
  let lx = 0;
  let ly = 0;
  for (let i = 0; i <= upto; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      pen = false;
      continue;
    }
    const u = px(x[i]);
    const v = py(y[i]);
    if (pen && i < upto && Math.abs(u - lx) < 0.5 && Math.abs(v - ly) < 0.5) continue;
    d += `${pen ? "L" : "M"}${u.toFixed(1)},${v.toFixed(1)}`;
    pen = true;
    lx = u;
    ly = v;
  }
  return d;
}

const CROSS = "M-5,-5L5,5M5,-5L-5,5";

// What each run shows now: its full path, the part up to the animation's step, or (while its
// setting is dragged) the family's path for the value under the pointer.
function shownRuns(inst) {
  const { paths } = inst;
  if (!paths) return [];
  const frame = inst.frame;
  const last = frame >= paths.frames.length - 1;
  const upto = paths.frames[frame];
  const family = inst.family && inst.dragging ? inst.family : null;
  return paths.runs.map((run, i) => {
    if (family && family.run === i) {
      const k = inst.scrubIndex;
      const x = family.x.subarray(k * family.points, (k + 1) * family.points);
      const y = family.y.subarray(k * family.points, (k + 1) * family.points);
      return { run, i, x, y, upto: family.points - 1, diverged: family.diverged_at[k] >= 0, step: false };
    }
    const diverged = run.diverged_at !== null && run.diverged_at !== undefined;
    const shown = last ? run.x.length - 1 : Math.min(upto, run.steps, run.x.length - 1);
    return { run, i, x: run.x, y: run.y, upto: shown, diverged, step: run.x.length === run.steps + 1 };
  });
}

// The runs' paths, heads and (during the animation) arrows, written straight into the SVG.
function drawPaths(inst) {
  const gd = inst.ui.plot;
  const fl = gd._fullLayout;
  const layer = pathLayer(inst);
  if (!layer || !fl.xaxis || !fl.yaxis) return;
  const [defs, runsGroup, arrowsGroup, startGroup] = layer.children;
  const px = scale(fl.xaxis);
  const py = scale(fl.yaxis);
  const hidden = new Set(
    (gd._fullData || []).filter((t) => t.meta === "legend-entry" && t.visible !== true).map((t) => t.legendgroup || t.name),
  );
  const shown = shownRuns(inst);
  const drawn = [];
  const kids = runsGroup.children;
  while (kids.length > shown.length) runsGroup.lastChild.remove();
  while (kids.length < shown.length) {
    runsGroup.append(svg("g", { class: "dl-run" }));
    runsGroup.lastChild.append(svg("path", { class: "dl-line", fill: "none", "stroke-width": "2.5", "stroke-linejoin": "round" }), svg("g", { class: "dl-head" }));
  }
  shown.forEach((s, j) => {
    const g = kids[j];
    const [line, headGroup] = g.children;
    const visible = !hidden.has(`run${s.i}`);
    s.visible = visible;
    g.style.display = visible ? "" : "none";
    line.setAttribute("stroke", s.run.colour);
    line.setAttribute("d", polyline(s.x, s.y, s.upto, px, py));
    let h = s.upto;
    if (s.diverged) h = lastInside(s.x, s.y, h, fl.xaxis.range.map((v) => fl.xaxis.l2d(v)), fl.yaxis.range.map((v) => fl.yaxis.l2d(v)));
    const symbol = s.diverged ? "x" : "circle";
    const note = s.run.note || "";
    if (headGroup.dataset.symbol !== symbol || headGroup.dataset.colour !== s.run.colour || headGroup.dataset.note !== note) {
      const text = svg("text", { class: "dl-note", x: "0", fill: s.run.colour });
      text.textContent = note;
      headGroup.replaceChildren(
        ...(s.diverged
          ? [svg("path", { d: CROSS, stroke: "black", "stroke-width": "6" }), svg("path", { d: CROSS, stroke: s.run.colour, "stroke-width": "3.5" })]
          : [svg("circle", { r: "6", fill: s.run.colour, stroke: "black", "stroke-width": "1.5" })]),
        text,
      );
      Object.assign(headGroup.dataset, { symbol, colour: s.run.colour, note });
    }
    const hx = s.x[h];
    const hy = s.y[h];
    const headShown = Number.isFinite(hx) && Number.isFinite(hy) && (s.diverged || inst.paths.heads !== "diverged");
    headGroup.style.display = headShown ? "" : "none";
    // A note reads away from the nearer side of the plot, so it is never cut off.
    if (note && headShown) {
      headGroup.lastChild.setAttribute("text-anchor", px(hx) > fl.xaxis._length / 2 ? "end" : "start");
      headGroup.lastChild.setAttribute("y", py(hy) < 30 ? "22" : "-12");
    }
    if (Number.isFinite(hx) && Number.isFinite(hy)) headGroup.setAttribute("transform", `translate(${px(hx).toFixed(1)},${py(hy).toFixed(1)})`);
    drawn.push(
      { type: "scatter", mode: "lines", name: s.run.name, legendgroup: `run${s.i}`, x: s.upto === s.x.length - 1 ? s.x : s.x.subarray(0, s.upto + 1), y: s.upto === s.y.length - 1 ? s.y : s.y.subarray(0, s.upto + 1), visible },
      { type: "scatter", mode: "markers", name: s.run.name + (s.diverged ? " (diverged)" : " now"), legendgroup: `run${s.i}`, marker: { symbol }, x: [hx], y: [hy], visible },
    );
  });
  drawArrows(inst, defs, arrowsGroup, px, py, hidden, drawn);
  const start = inst.paths && inst.paths.start;
  startGroup.replaceChildren();
  if (start && !hidden.has("start")) {
    startGroup.append(svg("circle", { r: "6", fill: "none", stroke: "white", "stroke-width": "3", transform: `translate(${px(start[0]).toFixed(1)},${py(start[1]).toFixed(1)})` }));
    drawn.push({ type: "scatter", mode: "markers", name: "start", legendgroup: null, marker: { symbol: "circle-open" }, x: [start[0]], y: [start[1]] });
  }
  inst.shown = shown;
  gd.dlDrawn = drawn;
}

// At an animation step short of the end: each run's arrows (downhill, the step taken, the momentum),
// all the same length, directions only.
function drawArrows(inst, defs, group, px, py, hidden, drawn) {
  const { paths } = inst;
  const show = paths && !(inst.family && inst.dragging) && inst.frame < paths.frames.length - 1;
  group.replaceChildren();
  if (!paths) return;
  const per = 3 * paths.runs.length;
  paths.arrows.forEach((arrow, a) => {
    const id = `${inst.layerId}-head-${a}`;
    if (!defs.querySelector(`#${id}`)) {
      const marker = svg("marker", { id, viewBox: "0 0 10 10", refX: "8", refY: "5", markerWidth: "5", markerHeight: "5", orient: "auto-start-reverse" });
      marker.append(svg("path", { d: "M0,0L10,5L0,10z", fill: arrow.colour }));
      defs.append(marker);
    }
    const x = show ? arrow.x.subarray(inst.frame * per, inst.frame * per + per) : new Float32Array(0);
    const y = show ? arrow.y.subarray(inst.frame * per, inst.frame * per + per) : new Float32Array(0);
    for (let r = 0; 3 * r + 1 < x.length; r++) {
      const [i, j] = [3 * r, 3 * r + 1];
      if (hidden.has(`run${r}`) || ![x[i], y[i], x[j], y[j]].every(Number.isFinite)) continue;
      group.append(svg("path", {
        d: `M${px(x[i]).toFixed(1)},${py(y[i]).toFixed(1)}L${px(x[j]).toFixed(1)},${py(y[j]).toFixed(1)}`,
        stroke: arrow.colour, "stroke-width": "2", "stroke-dasharray": arrow.dash === "dot" ? "2,3" : arrow.dash === "dash" ? "6,4" : "", "marker-end": `url(#${id})`,
      }));
    }
    drawn.push({ type: "scatter", mode: "lines+markers", name: arrow.name, legendgroup: arrow.name, x, y });
  });
}

const TIP_RADIUS = 10; // pixels from a path's point within which the pointer names it

// Hovering a path names the run, the step and the point (the paths are not plotly.js traces,
// so plotly's own hover does not see them).
function hover(inst, ev) {
  const gd = inst.ui.plot;
  const fl = gd._fullLayout;
  const tip = inst.ui.tip;
  if (!fl || !fl.xaxis || !inst.shown || inst.press || ev.buttons) {
    tip.hidden = true;
    return;
  }
  const box = gd.getBoundingClientRect();
  const mx = ev.clientX - box.left - fl.xaxis._offset;
  const my = ev.clientY - box.top - fl.yaxis._offset;
  const px = scale(fl.xaxis);
  const py = scale(fl.yaxis);
  let best = null;
  let bestD = TIP_RADIUS * TIP_RADIUS;
  for (const s of inst.shown) {
    if (!s.visible) continue;
    for (let i = 0; i <= s.upto; i++) {
      const dx = px(s.x[i]) - mx;
      const dy = py(s.y[i]) - my;
      const d = dx * dx + dy * dy;
      if (d < bestD) [best, bestD] = [{ s, i }, d];
    }
  }
  if (!best) {
    tip.hidden = true;
    return;
  }
  const { s, i } = best;
  const number = (v) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));
  const name = new DOMParser().parseFromString(s.run.name, "text/html").documentElement.textContent; // the name is HTML-escaped for plotly.js
  const step = words(inst).step;
  tip.textContent =
    inst.paths.tip === "step" ? `${name} · ${step} ${s.x[i]} · ${number(s.y[i])}` : `${name}${s.step ? ` · ${step} ${i}` : ""} · (${number(s.x[i])}, ${number(s.y[i])})`;
  tip.style.borderColor = s.run.colour;
  tip.style.left = `${fl.xaxis._offset + px(s.x[i]) + 12}px`;
  tip.style.top = `${fl.yaxis._offset + py(s.y[i]) - 12}px`;
  tip.hidden = false;
}

const WORDS = { step: "step", play: "▶ Play", pause: "❚❚ Pause", drag: "Drag", failed: "The map could not be drawn:" };

// The component's own words, in the reader's language (sent by ui/live_map.py; English until the first data).
function words(inst) {
  return { ...WORDS, ...((inst.data && inst.data.words) || {}) };
}

function updateControls(inst) {
  const { ui, paths, family } = inst;
  if (paths) {
    ui.step.max = String(paths.frames.length - 1);
    ui.step.value = String(inst.frame);
    const w = words(inst);
    ui.stepLabel.textContent = `${w.step} ${paths.frames[inst.frame]}`;
    ui.play.textContent = inst.playing ? w.pause : w.play;
  }
  if (family) {
    ui.scrubRange.max = String(family.values.length - 1);
    if (!inst.dragging) ui.scrubRange.value = String(inst.scrubIndex);
    ui.scrubValue.textContent = `${family.name} = ${family.labels[inst.scrubIndex]}`;
  }
}

function stop(inst) {
  inst.playing = false;
  clearTimeout(inst.timer);
}

function tick(inst) {
  const last = inst.paths.frames.length - 1;
  if (!inst.playing) return;
  if (inst.frame >= last) {
    stop(inst);
  } else {
    inst.frame += 1;
    inst.timer = setTimeout(() => tick(inst), inst.frameMs);
  }
  schedule(inst);
}

function wire(inst) {
  const { ui } = inst;
  ui.play.addEventListener("click", () => {
    if (!inst.paths) return;
    if (inst.playing) {
      stop(inst);
    } else {
      inst.playing = true;
      if (inst.frame >= inst.paths.frames.length - 1) inst.frame = 0;
      tick(inst);
      return;
    }
    schedule(inst);
  });
  ui.step.addEventListener("input", () => {
    stop(inst);
    inst.frame = Number(ui.step.value);
    schedule(inst);
  });
  ui.speed.addEventListener("change", () => {
    inst.frameMs = Number(ui.speed.selectedOptions[0].dataset.ms);
    inst.args.setTriggerValue("speed", Number(ui.speed.value));
  });
  ui.scrubWhich.addEventListener("change", () => {
    inst.args.setStateValue("scrub", ui.scrubWhich.value);
  });
  // While the pointer holds the slider, a rerun that lands (from an earlier commit) must not move it.
  ui.scrubRange.addEventListener("pointerdown", () => {
    inst.holding = true;
  });
  ui.scrubRange.addEventListener("input", () => {
    if (!inst.family) return;
    stop(inst);
    inst.dragging = true;
    inst.scrubIndex = Number(ui.scrubRange.value);
    schedule(inst);
  });
  ui.scrubRange.addEventListener("change", () => {
    if (!inst.family) return;
    const family = inst.family;
    inst.scrubIndex = Number(ui.scrubRange.value);
    // The family's path stays on screen until the exact one arrives with the rerun.
    inst.args.setTriggerValue("commit", { id: family.id, value: family.values[inst.scrubIndex] });
  });
  ui.plot.addEventListener("pointermove", (ev) => {
    inst.hoverEvent = ev;
    if (inst.hoverPending) return;
    inst.hoverPending = true;
    requestAnimationFrame(() => {
      inst.hoverPending = false;
      hover(inst, inst.hoverEvent);
    });
  });
  ui.plot.addEventListener("pointerleave", () => {
    ui.tip.hidden = true;
  });
  // A press and release that barely moved is a click (plotly's own drag layer swallows `click`).
  ui.plot.addEventListener("pointerdown", (ev) => {
    inst.press = { x: ev.clientX, y: ev.clientY };
  });
  window.addEventListener("pointerup", inst.onPointerUp = (ev) => {
    inst.holding = false;
    const press = inst.press;
    inst.press = null;
    if (!press || !inst.clicks || Math.hypot(ev.clientX - press.x, ev.clientY - press.y) > CLICK_SLOP) return;
    const layout = ui.plot._fullLayout;
    if (!layout) return;
    const box = ui.plot.getBoundingClientRect();
    const xa = layout.xaxis;
    const ya = layout.yaxis;
    const px = ev.clientX - box.left - xa._offset;
    const py = ev.clientY - box.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
    const point = { x: xa.p2l(px), y: ya.p2l(py) };
    inst.args.setTriggerValue("click", point);
  });
}

function fillSelect(select, options, selected) {
  const key = JSON.stringify(options);
  if (select.dataset.options !== key) {
    select.replaceChildren(
      ...options.map((o) => {
        const option = element("option", { value: String(o.value) }, o.label);
        if (o.ms) option.dataset.ms = String(o.ms);
        return option;
      }),
    );
    select.dataset.options = key;
  }
  select.value = String(selected);
}

async function render(args) {
  const { data, parentElement, setTriggerValue } = args;
  let inst = INSTANCES.get(parentElement);
  if (!inst) {
    inst = {
      ui: build(parentElement),
      frame: 0,
      playing: false,
      scrubIndex: 0,
      clicks: false,
      // One object for the plot's life: plotly.js compares a new config with the old and replots on a difference.
      config: { displaylogo: false, scrollZoom: true, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] },
    };
    INSTANCES.set(parentElement, inst);
    wire(inst);
  }
  inst.args = args;
  inst.data = data;
  inst.clicks = Boolean(data.clicks);
  inst.ui.plot.style.height = `${data.height}px`;
  setText(inst.ui.title, data.title);
  setText(inst.ui.note, data.note);
  const dragTitle = inst.ui.scrub && inst.ui.scrub.querySelector(".dl-scrub-title");
  if (dragTitle) dragTitle.textContent = words(inst).drag;

  if (data.surface) remember(SHARED.surfaces, data.surface_key, data.surface);
  const surface = recall(SHARED.surfaces, data.surface_key);
  if (!surface) {
    // This page load lost the layer (never expected): ask Python to send it again.
    setTriggerValue("missing", data.surface_key);
    return;
  }
  inst.surface = surface;

  const hadPaths = Boolean(inst.paths);
  const oldFrames = inst.paths ? inst.paths.frames.length : 0;
  inst.paths = data.paths ? decodeRuns(data.paths) : null;
  inst.ui.bar.hidden = !inst.paths || inst.paths.frames.length < 2; // a chart of whole curves has nothing to play
  if (inst.paths && (!hadPaths || !inst.playing || oldFrames !== inst.paths.frames.length)) {
    stop(inst);
    inst.frame = inst.paths.frames.length - 1;
  }
  if (data.speed) {
    fillSelect(inst.ui.speed, data.speed.options, data.speed.value);
    inst.frameMs = Number(inst.ui.speed.selectedOptions[0].dataset.ms);
  }

  const scrub = data.scrub;
  inst.ui.scrub.hidden = !scrub;
  if (scrub) {
    if (scrub.family) remember(SHARED.families, scrub.family_key, decodeFamily(scrub.family));
    const family = recall(SHARED.families, scrub.family_key);
    if (!family) {
      setTriggerValue("missing", scrub.family_key);
      return;
    }
    inst.family = { ...family, id: scrub.selected };
    fillSelect(inst.ui.scrubWhich, scrub.options, scrub.selected);
    // A committed value (from here or from the sidebar) moves the control to it, unless it is held.
    if (!inst.holding) {
      inst.scrubIndex = scrub.index;
      inst.dragging = false;
    }
  } else {
    inst.family = null;
  }

  try {
    await loadPlotly(data.plotly_src);
    inst.ui.status.textContent = "";
  } catch (err) {
    inst.ui.status.textContent = `${words(inst).failed} ${err.message}.`;
    return;
  }
  // New data is drawn at once (waiting for the next frame cost up to one frame per move).
  if (inst.playing || inst.dragging) schedule(inst);
  else draw(inst);
}

export default function (args) {
  render(args);
  return () => {
    const inst = INSTANCES.get(args.parentElement);
    if (!inst) return;
    stop(inst);
    window.removeEventListener("pointerup", inst.onPointerUp);
    if (SHARED.lib) SHARED.lib.purge(inst.ui.plot);
    inst.ui.root.remove();
    INSTANCES.delete(args.parentElement);
  };
}
