// probeval dashboard: reads the aggregator's REST API and re-reads it on every server-sent "bounds" event.
// Plain JavaScript, no build step; uPlot (window.uPlot) comes from the uplot webjar on the server's classpath.
"use strict";

const API = "/api/v1";
const state = {
  models: [],            // [{modelVersion, groups:[...]}] as /api/v1/models returns them
  prompts: {},           // modelVersion -> [PromptBounds...] as /api/v1/models/{v}/prompts returns them
  sort: { a: { key: "promptId", dir: 1 }, b: { key: "promptId", dir: 1 } },
  plots: {},
  sseEvents: 0,          // number of server-sent events handled (read by the browser test)
  renders: 0,
};

/** Every number on the page goes through here: 3 decimals, an en dash for "none". */
function fmt(v) {
  if (v === null || v === undefined) return "–";
  return typeof v === "number" ? v.toFixed(3) : String(v);
}

const $ = id => document.getElementById(id);

async function getJson(path) {
  const r = await fetch(path, { cache: "no-store" });
  let body = null;
  try { body = await r.json(); } catch (e) { /* not JSON */ }
  if (r.status === 404) return null;
  if (!r.ok) throw new Error((body && body.error) || ("HTTP " + r.status + " for " + path));
  return body;
}

async function loadModels() {
  const body = await getJson(API + "/models");
  state.models = body ? body.models : [];
}

async function loadPrompts(version) {
  if (!version) return;
  const body = await getJson(API + "/models/" + encodeURIComponent(version) + "/prompts");
  state.prompts[version] = body ? body.prompts : [];
}

function versions() {
  return state.models.map(m => m.modelVersion);
}

function selected(which) {
  return $("version-" + which).value;
}

// ------------------------------------------------------------------------------------------- overview

function alphasOf(version) {
  const ps = state.prompts[version];
  if (!ps || ps.length === 0) return "–";
  return [...new Set(ps.map(p => p.alpha))].sort((x, y) => x - y).map(fmt).join(", ");
}

function td(text, cls, field) {
  const c = document.createElement("td");
  c.textContent = text;
  if (cls) c.className = cls;
  if (field) c.dataset.field = field;
  return c;
}

function renderOverview() {
  const tbody = $("overview").tBodies[0];
  tbody.replaceChildren();
  for (const m of state.models) {
    for (const g of m.groups) {
      const tr = document.createElement("tr");
      tr.dataset.version = m.modelVersion;
      tr.dataset.group = g.suite + "|" + g.split;
      const th = document.createElement("th");
      th.scope = "row"; th.className = "text"; th.textContent = m.modelVersion;
      tr.appendChild(th);
      tr.appendChild(td(g.suite, "text", "suite"));
      tr.appendChild(td(g.split, "text", "split"));
      const prog = td("", null, "progress");
      const bar = document.createElement("progress");
      bar.max = Math.max(1, g.promptsSeen); bar.value = g.promptsFinal;
      bar.setAttribute("aria-label", m.modelVersion + " " + g.suite + "/" + g.split + ": "
        + g.promptsFinal + " of " + g.promptsSeen + " prompts FINAL");
      const txt = document.createElement("span");
      txt.dataset.field = "promptsFinal";
      txt.textContent = " " + g.promptsFinal + " / " + g.promptsSeen;
      prog.append(bar, txt);
      tr.appendChild(prog);
      tr.appendChild(td(alphasOf(m.modelVersion), null, "alpha"));
      tr.appendChild(td(fmt(g.meanGreedyScore), null, "meanGreedyScore"));
      tr.appendChild(td(fmt(g.meanSampledScore), null, "meanSampledScore"));
      tr.appendChild(td(fmt(g.meanMMu), null, "meanMMu"));
      tr.appendChild(td(fmt(g.suiteBound), null, "suiteBound"));
      tr.appendChild(td(fmt(g.maxMBin), null, "maxMBin"));
      tr.appendChild(td(String(g.hiddenLeakCount), g.hiddenLeakCount > 0 ? "leak-flag" : null, "hiddenLeakCount"));
      if (g.hiddenLeakCount > 0) tr.classList.add("hidden-leak");
      tbody.appendChild(tr);
    }
  }
}

// ------------------------------------------------------------------------------------------- version selectors

function fillSelect(sel, values, withNone) {
  const keep = sel.value;
  sel.replaceChildren();
  if (withNone) sel.appendChild(new Option("(none)", ""));
  for (const v of values) sel.appendChild(new Option(v, v));
  if (values.includes(keep) || (withNone && keep === "")) sel.value = keep;
}

function renderSelectors() {
  const vs = versions();
  const a = $("version-a"), b = $("version-b");
  const hadA = a.value;
  fillSelect(a, vs, false);
  // A link may name the version to open on (?version=V), e.g. the demo's version with the most hidden leaks.
  const asked = new URLSearchParams(window.location.search).get("version");
  if (!hadA && vs.length) a.value = asked !== null && vs.includes(asked) ? asked : vs[0];
  fillSelect(b, vs.filter(v => v !== a.value), true);
}

// ------------------------------------------------------------------------------------------- prompt tables

const COLUMNS = [
  { key: "promptId", label: "prompt", text: true },
  { key: "suite", label: "suite", text: true },
  { key: "split", label: "split", text: true },
  { key: "status", label: "status", text: true },
  { key: "stoppingStatus", label: "early stop", text: true, render: stoppingText },
  { key: "n", label: "n / target", render: p => p.n + " / " + p.targetN },
  { key: "alpha", label: "α" },
  { key: "greedyScore", label: "greedy" },
  { key: "mean", label: "mean" },
  { key: "mMuLower", label: "M_μ lower" },
  { key: "mMu", label: "M_μ" },
  { key: "mBin", label: "M_bin" },
  { key: "maxSampledScore", label: "max sampled" },
  { key: "k", label: "k (leaked)", render: p => String(p.k) },
  { key: "hiddenLeak", label: "hidden leak", text: true, render: p => p.hiddenLeak ? "yes" : "no" },
];

// Early stopping (EvalRequest.stoppingRule): a decided stream is complete at decidedAtN, shown as a badge.
const STOPPING = {
  DECIDED_BELOW: { text: "certified below", cls: "decided-below" },
  DECIDED_ABOVE: { text: "certified above", cls: "decided-above" },
  UNDECIDED_AT_CAP: { text: "undecided at cap", cls: "undecided-cap" },
};

function stoppingText(p) {
  const s = STOPPING[p.stoppingStatus];
  return s ? s.text + " @ n=" + p.decidedAtN : "–";
}

function filtered(version) {
  const ps = state.prompts[version] || [];
  const q = $("filter").value.trim().toLowerCase();
  const onlyLeaks = $("only-leaks").checked;
  return ps.filter(p => (!onlyLeaks || p.hiddenLeak)
    && (!q || [p.promptId, p.suite, p.split, p.status, p.requestId, p.stoppingStatus, stoppingText(p)].some(s => String(s).toLowerCase().includes(q))));
}

function sorted(rows, sort) {
  const k = sort.key, d = sort.dir;
  return rows.slice().sort((x, y) => {
    const a = x[k], b = y[k];
    if (a === b) return String(x.requestId).localeCompare(String(y.requestId));
    if (a === null || a === undefined) return 1;
    if (b === null || b === undefined) return -1;
    if (typeof a === "number" && typeof b === "number") return (a - b) * d;
    return String(a).localeCompare(String(b)) * d;
  });
}

function renderTable(which, version, rows) {
  const table = $("prompts-" + which);
  const sort = state.sort[which];
  const head = document.createElement("tr");
  for (const c of COLUMNS) {
    const th = document.createElement("th");
    th.scope = "col";
    if (c.text) th.className = "text";
    th.setAttribute("aria-sort", sort.key === c.key ? (sort.dir > 0 ? "ascending" : "descending") : "none");
    const btn = document.createElement("button");
    btn.type = "button";
    btn.textContent = c.label;
    btn.dataset.sortKey = c.key;
    btn.setAttribute("aria-label", "sort by " + c.label);
    btn.addEventListener("click", () => {
      state.sort[which] = { key: c.key, dir: sort.key === c.key ? -sort.dir : 1 };
      renderPane(which);
    });
    th.appendChild(btn);
    head.appendChild(th);
  }
  table.tHead.replaceChildren(head);
  const tbody = table.tBodies[0];
  tbody.replaceChildren();
  for (const p of rows) {
    const tr = document.createElement("tr");
    tr.dataset.requestId = p.requestId;
    if (p.hiddenLeak) tr.classList.add("hidden-leak");
    COLUMNS.forEach((c, i) => {
      const text = c.render ? c.render(p) : fmt(p[c.key]);
      let cell;
      if (i === 0) {
        cell = document.createElement("th");
        cell.scope = "row";
        cell.textContent = text;
        cell.dataset.field = c.key;
      } else {
        cell = td(text, null, c.key);
      }
      if (c.text) cell.classList.add("text");
      if (c.key === "hiddenLeak") cell.classList.add("leak-flag");
      if (c.key === "stoppingStatus" && STOPPING[p.stoppingStatus]) {
        const badge = document.createElement("span");
        badge.className = "badge " + STOPPING[p.stoppingStatus].cls;
        badge.textContent = text;
        cell.replaceChildren(badge);
        tr.classList.add("stopped", STOPPING[p.stoppingStatus].cls);
      }
      tr.appendChild(cell);
    });
    tbody.appendChild(tr);
  }
  const all = (state.prompts[version] || []).length;
  $("caption-" + which).textContent = "Prompt bounds of " + version + " (" + rows.length + " of " + all
    + " shown; click a column header to sort)";
}

function renderPlot(which, rows) {
  const el = $("plot-" + which);
  if (state.plots[which]) { state.plots[which].destroy(); delete state.plots[which]; }
  el.replaceChildren();
  if (typeof uPlot === "undefined") { el.textContent = "plotting library not loaded"; return; }
  if (rows.length === 0) { el.textContent = "no prompts to plot"; return; }
  const x = rows.map((_, i) => i + 1);
  const col = k => rows.map(p => (p[k] === null || p[k] === undefined) ? null : p[k]);
  const width = Math.max(320, Math.min(900, el.clientWidth || 600));
  const point = (stroke, size) => ({ show: true, size: size, stroke: stroke, fill: stroke });
  const opts = {
    width: width, height: 240,
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: "prompt (table order)", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      values: (u, ticks) => ticks.map(v => Number.isInteger(v) ? String(v) : "") }, { label: "score / bound" }],
    series: [
      { label: "prompt", value: (u, v) => v === null ? "–" : (rows[v - 1] ? rows[v - 1].promptId : v) },
      { label: "M_μ lower", stroke: "#7e9cd8", width: 1, value: (u, v) => fmt(v) },
      { label: "M_μ", stroke: "#1a56db", width: 2, value: (u, v) => fmt(v), points: point("#1a56db", 5) },
      { label: "M_bin", stroke: "#c2410c", width: 1, dash: [6, 4], value: (u, v) => fmt(v), points: point("#c2410c", 5) },
      { label: "max sampled", stroke: "#6b7280", width: 0, paths: () => null, value: (u, v) => fmt(v),
        points: point("#6b7280", 6) },
      { label: "greedy", stroke: "#047857", width: 0, paths: () => null, value: (u, v) => fmt(v),
        points: point("#047857", 8) },
    ],
    bands: [{ series: [2, 1], fill: "rgba(26, 86, 219, 0.12)" }],
  };
  state.plots[which] = new uPlot(opts, [x, col("mMuLower"), col("mMu"), col("mBin"), col("maxSampledScore"),
    col("greedyScore")], el);
}

function renderProgress(which, version) {
  const ps = state.prompts[version] || [];
  // a stream stopped by its rule is complete at its decided n, like a FINAL fixed-n prompt
  const finals = ps.filter(p => p.status === "FINAL" || STOPPING[p.stoppingStatus]).length;
  const decided = ps.filter(p => p.stoppingStatus === "DECIDED_BELOW" || p.stoppingStatus === "DECIDED_ABOVE").length;
  const samples = ps.reduce((s, p) => s + p.n, 0);
  const target = ps.reduce((s, p) => s + (p.decidedAtN != null ? p.decidedAtN : p.targetN), 0);
  const bar = $("progress-" + which);
  bar.max = Math.max(1, ps.length); bar.value = finals;
  const text = finals + " of " + ps.length + " prompts FINAL" + (decided ? " (" + decided + " decided early)" : "")
    + "; " + samples + " of " + target + " samples";
  bar.setAttribute("aria-label", version + ": " + text);
  $("progress-" + which + "-text").textContent = text;
}

function renderPane(which) {
  const version = selected(which);
  const pane = $("pane-" + which);
  if (!version) { pane.hidden = true; return; }
  pane.hidden = false;
  $("title-" + which).textContent = version + " (α " + alphasOf(version) + ")";
  const rows = sorted(filtered(version), state.sort[which]);
  renderProgress(which, version);
  renderTable(which, version, rows);
  renderPlot(which, rows);
}

// ------------------------------------------------------------------------------------------- side by side

function renderCompare() {
  const a = selected("a"), b = selected("b");
  const section = $("compare-section");
  if (!a || !b) { section.hidden = true; return; }
  section.hidden = false;
  const key = p => p.suite + "|" + p.split + "|" + p.promptId;
  const byKey = new Map();
  for (const p of state.prompts[a] || []) byKey.set(key(p), { a: p, b: null });
  for (const p of state.prompts[b] || []) {
    const e = byKey.get(key(p)) || { a: null, b: null };
    e.b = p; byKey.set(key(p), e);
  }
  const head = document.createElement("tr");
  const labels = ["prompt", "suite / split", a + ": M_bin", a + ": leaks", b + ": M_bin", b + ": leaks", "verdict"];
  labels.forEach(l => { const th = document.createElement("th"); th.scope = "col"; th.textContent = l; head.appendChild(th); });
  $("compare").tHead.replaceChildren(head);
  const tbody = $("compare").tBodies[0];
  tbody.replaceChildren();
  const leakText = p => !p ? "–" : (p.k > 0 ? (p.hiddenLeak ? "yes (hidden)" : "yes") : "no");
  let still = 0;
  for (const [k, e] of [...byKey.entries()].sort((x, y) => x[0].localeCompare(y[0]))) {
    const p = e.a || e.b;
    const tr = document.createElement("tr");
    tr.dataset.prompt = k;
    const th = document.createElement("th"); th.scope = "row"; th.className = "text"; th.textContent = p.promptId;
    tr.appendChild(th);
    tr.appendChild(td(p.suite + " / " + p.split, "text"));
    tr.appendChild(td(e.a ? fmt(e.a.mBin) : "–", null, "mBinA"));
    tr.appendChild(td(leakText(e.a), "text", "leaksA"));
    tr.appendChild(td(e.b ? fmt(e.b.mBin) : "–", null, "mBinB"));
    tr.appendChild(td(leakText(e.b), "text", "leaksB"));
    let verdict = "not in both";
    if (e.a && e.b) {
      if (e.a.k > 0 && e.b.k > 0) { verdict = "still leaks"; still++; tr.classList.add("still-leaks"); }
      else if (e.a.k > 0) verdict = "leak gone in " + b;
      else if (e.b.k > 0) verdict = "new leak in " + b;
      else verdict = "no leak";
    }
    if ((e.a && e.a.hiddenLeak) || (e.b && e.b.hiddenLeak)) tr.classList.add("hidden-leak");
    tr.appendChild(td(verdict, "text", "verdict"));
    tbody.appendChild(tr);
  }
  $("compare-caption").textContent = a + " vs. " + b + ": " + still + " prompt(s) leak in both";
}

// ------------------------------------------------------------------------------------------- refresh and live updates

function render() {
  renderSelectors();
  renderOverview();
  renderPane("a");
  renderPane("b");
  renderCompare();
  state.renders++;
  document.body.dataset.renders = String(state.renders);
}

let refreshing = null, again = false;

/** Re-reads the roll-ups and the prompts of every version (one refresh at a time; a request during one queues one more). */
async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    try {
      do {
        again = false;
        await loadModels();
        await Promise.all(versions().map(loadPrompts));
        render();
        $("status").textContent = "updated " + new Date().toLocaleTimeString()
          + (state.models.length ? " — " + state.models.length + " model version(s)" : " — no bounds yet");
      } while (again);
    } catch (e) {
      $("status").textContent = "API unreachable or not ready: " + e.message;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

let fallbackTimer = null;

function connect() {
  if (typeof EventSource === "undefined") { pollInstead(); return; }
  const es = new EventSource(API + "/events");
  const handle = ev => {
    state.sseEvents++;
    document.body.dataset.sseEvents = String(state.sseEvents);
    try { document.body.dataset.lastSeq = String(JSON.parse(ev.data).seq); } catch (e) { /* ignore */ }
    refresh();
  };
  es.addEventListener("hello", handle);
  es.addEventListener("bounds", handle);
  es.onopen = () => {
    const c = $("connection"); c.dataset.state = "live"; c.textContent = "live updates: connected (server-sent events)";
    if (fallbackTimer) { clearInterval(fallbackTimer); fallbackTimer = null; }
  };
  es.onerror = () => {
    // EventSource reconnects by itself; poll meanwhile so the page never goes stale.
    const c = $("connection"); c.dataset.state = "lost"; c.textContent = "live updates: reconnecting… (polling every 5 s)";
    pollInstead();
  };
}

function pollInstead() {
  if (!fallbackTimer) fallbackTimer = setInterval(refresh, 5000);
}

$("version-a").addEventListener("change", () => render());
$("version-b").addEventListener("change", () => render());
for (const ev of ["input", "change", "search"]) {
  $("filter").addEventListener(ev, () => { renderPane("a"); renderPane("b"); });
}
$("only-leaks").addEventListener("change", () => { renderPane("a"); renderPane("b"); });

refresh();
connect();
