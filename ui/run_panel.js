// The Playground's run panel: the summary table and the update rules of every run, kept alive
// across reruns. A rerun re-typesets only the equations whose LaTeX changed (one run's, on a
// slider move) instead of every block, which st.latex elements did on each move.
//
// Equations are typeset by the KaTeX that Streamlit's own markdown uses: its rehype-katex module
// (served with Streamlit's frontend, and the only KaTeX whose CSS is on the page). The module is
// a rehype plugin, so a LaTeX text goes in as a one-element syntax tree (hast) and the typeset
// tree comes out, which is turned into DOM nodes here.

const SHARED = (window.__descentLabRunPanel ||= { typesetter: null, loading: null, typeset: new Map() });
const KEEP = 256; // typeset equations kept per page load
const NS = { svg: "http://www.w3.org/2000/svg", math: "http://www.w3.org/1998/Math/MathML" };

function loadTypesetter(src) {
  if (!SHARED.loading) {
    // An absolute URL: this module itself was loaded from a blob, which a root-relative path cannot resolve against.
    SHARED.loading = import(new URL(src, document.baseURI).href)
      .then((m) => {
        const transform = m.default({});
        SHARED.typesetter = (tex) => {
          const root = { type: "root", children: [mathDisplay(tex)] };
          let failed = false;
          transform(root, { message: () => (failed = true) });
          return failed ? null : root.children;
        };
      })
      .catch(() => null);
  }
  return SHARED.loading;
}

function mathDisplay(tex) {
  return { type: "element", tagName: "div", properties: { className: ["math-display"] }, children: [{ type: "text", value: tex }] };
}

// A hast property name as an attribute name: className is class, ariaHidden is aria-hidden.
function attribute(name) {
  if (name === "className") return "class";
  if (/^aria[A-Z]/.test(name)) return `aria-${name.slice(4).toLowerCase()}`;
  return name;
}

function toDom(node, ns) {
  if (node.type === "text") return document.createTextNode(node.value);
  if (node.type !== "element") return document.createTextNode("");
  const space = NS[node.tagName] || ns;
  const out = space ? document.createElementNS(space, node.tagName) : document.createElement(node.tagName);
  for (const [name, value] of Object.entries(node.properties || {})) {
    if (value === null || value === undefined || value === false) continue;
    out.setAttribute(attribute(name), Array.isArray(value) ? value.join(" ") : value === true ? "" : String(value));
  }
  for (const child of node.children || []) out.appendChild(toDom(child, space));
  return out;
}

// A fragment holding ``tex`` typeset (built once, cloned after), or null while KaTeX is not loaded or
// cannot parse it.
function typeset(tex) {
  if (!SHARED.typesetter) return null;
  if (!SHARED.typeset.has(tex)) {
    if (SHARED.typeset.size >= KEEP) SHARED.typeset.clear();
    let fragment = null;
    try {
      const nodes = SHARED.typesetter(tex);
      if (nodes) {
        fragment = document.createDocumentFragment();
        for (const node of nodes) fragment.appendChild(toDom(node, null));
      }
    } catch (err) {
      fragment = null;
    }
    SHARED.typeset.set(tex, fragment);
  }
  const fragment = SHARED.typeset.get(tex);
  return fragment ? fragment.cloneNode(true) : null;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function dot(colour) {
  const node = element("span", "dl-dot", "●");
  node.style.color = colour;
  return node;
}

function drawTable(root, table) {
  const grid = element("table", "dl-run-table");
  const head = grid.createTHead().insertRow();
  for (const name of table.columns) head.appendChild(element("th", "", name));
  const body = grid.createTBody();
  table.rows.forEach((row, i) => {
    const tr = body.insertRow();
    row.forEach((cell, j) => {
      const td = tr.insertCell();
      if (j === 0 && table.colours) td.appendChild(dot(table.colours[i]));
      td.appendChild(document.createTextNode(cell));
    });
  });
  root.replaceChildren(grid);
}

function fillMath(box, tex) {
  if (box.dataset.tex === tex && box.dataset.typeset === "1") return;
  const nodes = typeset(tex);
  box.dataset.tex = tex;
  box.dataset.typeset = nodes ? "1" : "0";
  box.replaceChildren(nodes || element("code", "dl-tex", tex));
}

function drawEquations(root, blocks) {
  let grid = root.querySelector(".dl-rules");
  if (!grid) {
    grid = element("div", "dl-rules");
    root.replaceChildren(grid);
  }
  while (grid.children.length > blocks.length) grid.lastChild.remove();
  blocks.forEach((block, i) => {
    let cell = grid.children[i];
    if (!cell) {
      cell = element("div", "dl-rule");
      cell.append(element("div", "dl-rule-title"), element("div", "dl-rule-math"));
      cell.dataset.testid = "run-rule";
      grid.appendChild(cell);
    }
    const title = cell.firstChild;
    title.replaceChildren(dot(block.colour), element("b", "", block.title));
    if (block.paper) title.append(element("span", "dl-paper", ` — ${block.paper}`));
    fillMath(cell.lastChild, block.tex);
  });
}

// The panel's frame, built once: each section's heading, then its body (and the table's note).
function frame(parentElement) {
  let root = parentElement.querySelector(".dl-run-panel");
  if (root) return root;
  root = element("div", "dl-run-panel");
  const tableTitle = element("h3", "dl-panel-title");
  const tableBox = element("div", "dl-table-box");
  const note = element("div", "dl-panel-note");
  const rulesTitle = element("h3", "dl-panel-title");
  const rulesBox = element("div", "dl-rules-box");
  root.append(tableTitle, tableBox, note, rulesTitle, rulesBox);
  root.parts = { tableTitle, tableBox, note, rulesTitle, rulesBox };
  parentElement.appendChild(root);
  return root;
}

function setText(node, text) {
  const value = text || "";
  if (node.textContent !== value) node.textContent = value;
  node.hidden = !value;
}

export default function ({ data, parentElement }) {
  const root = frame(parentElement);
  const { tableTitle, tableBox, note, rulesTitle, rulesBox } = root.parts;
  setText(tableTitle, data.table && data.table_title);
  setText(note, data.table && data.note);
  setText(rulesTitle, data.equations && data.rules_title);
  tableBox.hidden = !data.table;
  rulesBox.hidden = !data.equations;
  if (data.table) {
    const text = JSON.stringify(data.table);
    if (tableBox.dataset.table !== text) {
      tableBox.dataset.table = text;
      drawTable(tableBox, data.table);
    }
  }
  if (data.equations) {
    drawEquations(rulesBox, data.equations);
    if (!SHARED.typesetter && data.katex_src) {
      loadTypesetter(data.katex_src).then(() => drawEquations(rulesBox, data.equations));
    }
  }
}
