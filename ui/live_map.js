// The live map: one plotly.js plot that stays alive across Streamlit reruns.
//
// Python (ui/live_map.py) sends the surface layer once per surface and, on every rerun,
// only the paths (float32, base64). This code keeps the plot and updates it with
// Plotly.react; it animates the paths, scrubs through a family of paths while a
// setting's slider is dragged, and reports map clicks and committed values back as
// trigger values. Nothing here computes a path: every path drawn came from the engine.

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
    runs: payload.runs.map((run) => ({ ...run, ...split(float32(run.xy)) })),
    frames: payload.frames,
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
  const status = element("div", { class: "dl-status", role: "status" });
  root.append(bar, scrub, plot, status);
  parent.appendChild(root);
  return { root, bar, play, step, stepLabel, speed, scrub, scrubWhich, scrubRange, scrubValue, plot, status };
}

// A diverged path runs off the map: its head (the x) goes on the last point still inside the axes.
function lastInside(x, y, upto, layout) {
  const xr = layout.xaxis && layout.xaxis.range;
  const yr = layout.yaxis && layout.yaxis.range;
  if (!xr || !yr) return upto;
  const inside = (i) => x[i] >= Math.min(...xr) && x[i] <= Math.max(...xr) && y[i] >= Math.min(...yr) && y[i] <= Math.max(...yr);
  for (let i = upto; i >= 0; i--) if (inside(i)) return i;
  return upto;
}

// The traces of one drawing: surface, overlay, each run (path to `upto` and its head), arrows at frame k.
function traces(inst) {
  const { surface, data, paths } = inst;
  const out = surface.data.concat(data.overlay || []);
  if (!paths) return out;
  const frame = inst.frame;
  const last = frame >= paths.frames.length - 1;
  const upto = paths.frames[frame];
  const family = inst.family && inst.dragging ? inst.family : null;
  paths.runs.forEach((run, i) => {
    let x = run.x;
    let y = run.y;
    let diverged = run.diverged_at !== null && run.diverged_at !== undefined;
    let shown = Math.min(upto, run.steps);
    if (family && family.run === i) {
      const k = inst.scrubIndex;
      x = family.x.subarray(k * family.points, (k + 1) * family.points);
      y = family.y.subarray(k * family.points, (k + 1) * family.points);
      diverged = family.diverged_at[k] >= 0;
      shown = family.points - 1;
    } else if (!last) {
      x = x.subarray(0, shown + 1);
      y = y.subarray(0, shown + 1);
    }
    let head = last || family ? x.length - 1 : shown;
    if (diverged) head = lastInside(x, y, head, layoutOf(inst));
    out.push({
      type: "scatter",
      mode: "lines",
      x,
      y,
      name: run.name,
      legendgroup: `run${i}`,
      line: { color: run.colour, width: 2.5 },
      hovertemplate: "%{fullData.name}<br>(%{x:.4~g}, %{y:.4~g})<extra></extra>",
    });
    out.push({
      type: "scatter",
      mode: "markers",
      x: [x[head]],
      y: [y[head]],
      name: run.name + (diverged ? " (diverged)" : " now"),
      legendgroup: `run${i}`,
      showlegend: false,
      marker: { size: 12, color: run.colour, symbol: diverged ? "x" : "circle", line: { width: 1.5, color: "black" } },
      hovertemplate: "%{fullData.name}<extra></extra>",
    });
  });
  const per = 3 * paths.runs.length;
  paths.arrows.forEach((arrow) => {
    const show = !last && !family;
    const from = frame * per;
    out.push({
      type: "scatter",
      mode: "lines+markers",
      x: show ? arrow.x.subarray(from, from + per) : [],
      y: show ? arrow.y.subarray(from, from + per) : [],
      name: arrow.name,
      legendgroup: arrow.name,
      showlegend: false, // in the legend only while playing, they would resize the plot; the caption explains them
      line: { color: arrow.colour, width: 2, dash: arrow.dash },
      marker: { symbol: "arrow", angleref: "previous", size: Array.from({ length: per }, (_, j) => (j % 3 === 1 ? 11 : 0)), color: arrow.colour },
      hoverinfo: "skip",
    });
  });
  return out;
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

function draw(inst) {
  if (!inst.surface || !SHARED.lib) return;
  inst.drawn = (inst.drawn || 0) + 1;
  inst.ui.plot.dataset.draws = String(inst.drawn);
  if (inst.dragging && !inst.playing && drawDragged(inst)) {
    updateControls(inst);
    return;
  }
  // plotly.js places a colour bar for margins it has not settled yet on a plot's first drawing
  // of a layout; a second drawing puts it where every later one does.
  const fresh = inst.drawnSurface !== inst.surface;
  inst.drawnSurface = inst.surface;
  const done = SHARED.lib.react(inst.ui.plot, traces(inst), layoutOf(inst), inst.config);
  if (fresh) Promise.resolve(done).then(() => schedule(inst));
  updateControls(inst);
}

// While a setting's slider is dragged, only one run's line and head move. Redrawing the whole
// plot with Plotly.react cost about 70 ms a frame in the full Playground page on a 2-core machine
// (benchmarks/live_map_bench.py: 7.6 changed frames a second); setting that line's and head's SVG
// geometry directly costs under a millisecond. gd.data gets the same arrays, so hover, the tests'
// readers and the next full drawing agree with what is shown. Returns false (then the caller
// draws in full) whenever the shortcut does not apply: no full drawing of this surface yet, or
// the head's symbol must change (a value that diverges).
function drawDragged(inst) {
  const gd = inst.ui.plot;
  const layout = gd._fullLayout;
  const family = inst.family;
  if (!layout || !gd.data || !family || inst.drawnSurface !== inst.surface) return false;
  const first = inst.surface.data.length + (inst.data.overlay || []).length + 2 * family.run;
  if (!gd.data[first + 1] || gd.data[first].legendgroup !== `run${family.run}`) return false;
  const groups = {};
  for (const g of gd.querySelectorAll(".scatterlayer .trace")) {
    const calc = g.__data__;
    const index = calc && calc[0] && calc[0].trace ? calc[0].trace.index : -1;
    if (index === first || index === first + 1) groups[index] = g;
  }
  const line = groups[first] && groups[first].querySelector("path.js-line");
  const head = groups[first + 1] && groups[first + 1].querySelector("path.point");
  if (!line || !head) return false;
  const k = inst.scrubIndex;
  const x = family.x.subarray(k * family.points, (k + 1) * family.points);
  const y = family.y.subarray(k * family.points, (k + 1) * family.points);
  const diverged = family.diverged_at[k] >= 0;
  if (diverged !== (gd.data[first + 1].marker.symbol === "x")) return false;
  const clamp = (v) => Math.max(-1e5, Math.min(1e5, v));
  const px = (v) => clamp(layout.xaxis.c2p(v));
  const py = (v) => clamp(layout.yaxis.c2p(v));
  let d = "";
  let pen = false;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${px(x[i]).toFixed(1)},${py(y[i]).toFixed(1)}`;
    pen = true;
  }
  let h = x.length - 1;
  if (diverged) h = lastInside(x, y, h, layoutOf(inst));
  line.setAttribute("d", d);
  head.setAttribute("transform", `translate(${px(x[h])},${py(y[h])})`);
  Object.assign(gd.data[first], { x, y });
  Object.assign(gd.data[first + 1], { x: [x[h]], y: [y[h]] });
  return true;
}

function updateControls(inst) {
  const { ui, paths, family } = inst;
  if (paths) {
    ui.step.max = String(paths.frames.length - 1);
    ui.step.value = String(inst.frame);
    ui.stepLabel.textContent = `step ${paths.frames[inst.frame]}`;
    ui.play.textContent = inst.playing ? "❚❚ Pause" : "▶ Play";
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
    inst = { ui: build(parentElement), frame: 0, playing: false, scrubIndex: 0, clicks: false };
    INSTANCES.set(parentElement, inst);
    wire(inst);
  }
  inst.args = args;
  inst.data = data;
  inst.config = { displaylogo: false, scrollZoom: true, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  inst.clicks = Boolean(data.clicks);
  inst.ui.plot.style.height = `${data.height}px`;

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
  inst.ui.bar.hidden = !inst.paths;
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
    inst.ui.status.textContent = `The map could not be drawn: ${err.message}.`;
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
