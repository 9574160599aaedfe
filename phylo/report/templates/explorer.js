// report.html's explorer: filters, the side panel, the tree's collapsible clades, the
// sortable table and the downloads, over the two Bokeh figures (phylo/report/explorer.py).
// Everything comes from the JSON blocks of this page: nothing is fetched.
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const data = JSON.parse($("#phylo-data").textContent);
  const plotItems = JSON.parse($("#phylo-plots").textContent);
  const articles = new Map(data.articles.map((a) => [a.label, a]));
  const groups = new Map();  // unseen-source group -> member labels
  for (const a of data.articles) {
    if (a.unseen_group) groups.set(a.unseen_group, (groups.get(a.unseen_group) || []).concat([a.label]));
  }
  const state = {
    collapsed: new Set(), sites: new Set(data.articles.map((a) => a.site)),
    verdicts: new Set(Object.keys(data.verdicts)), from: null, to: null, minShare: 0,
    visible: new Set(articles.keys()), focus: null,
  };
  const views = {};   // "tree" | "lineage" -> Bokeh PlotView
  const models = {};  // data sources by name
  const full = {};    // the lineage sources' complete data, filtered copies go to the plots
  let quiet = false;  // set while the script itself clears a selection

  // --- small helpers ------------------------------------------------------------------
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  const pct = (v) => (v == null ? "–" : `${Math.round(100 * v)}%`);
  const num = (v, d) => (v == null ? "–" : Number(v).toFixed(d == null ? 2 : d));
  function pick(columns, keep) {
    const out = {};
    for (const [name, values] of Object.entries(columns)) out[name] = values.filter((_, i) => keep[i]);
    return out;
  }
  function badge(verdict) {
    const v = data.verdicts[verdict];
    return `<span class="badge" style="background:${v ? v.colour : "#8e44ad"}">${esc(verdict)}</span>`;
  }
  function link(label) {
    return `<a href="#" class="article-link" data-label="${esc(label)}">${esc(label)}</a>`;
  }

  // --- the tree -------------------------------------------------------------------------
  const nodes = data.tree;
  const children = nodes.map(() => []);
  for (const n of nodes) if (n.parent != null) children[n.parent].push(n.id);
  const deepest = nodes.map((n) => n.x);
  for (let i = nodes.length - 1; i >= 0; i--) {  // preorder reversed: children before parents
    for (const c of children[i]) deepest[i] = Math.max(deepest[i], deepest[c]);
  }

  function layoutTree(fit) {  // fit: set the view to the rows shown (after a collapse), else keep the zoom
    const y = new Array(nodes.length);
    const shown = [];
    let rank = 0;
    (function place(id) {
      shown.push(id);
      if (nodes[id].leaf || state.collapsed.has(id)) { y[id] = rank++; return; }
      for (const c of children[id]) place(c);
      const ys = children[id].map((c) => y[c]);
      y[id] = (Math.min(...ys) + Math.max(...ys)) / 2;
    })(0);
    const branches = { xs: [], ys: [] };
    const leaves = { x: [], y: [], id: [], label: [], caption: [], title: [], site: [], published: [],
                     verdict: [], confidence: [], colour: [], alpha: [] };
    const inner = { x: [], y: [], id: [], support: [], tips: [], state: [] };
    const folded = { xs: [], ys: [], x: [], y: [], caption: [] };
    for (const id of shown) {
      const n = nodes[id];
      if (n.parent != null) {
        const p = nodes[n.parent];
        branches.xs.push([p.x, p.x, n.x]);
        branches.ys.push([y[n.parent], y[id], y[id]]);
      }
      if (n.leaf) {
        const a = articles.get(n.name) || { title: "", site: "", published: "", verdict: "", confidence: null };
        const title = a.title.length > 60 ? a.title.slice(0, 59) + "…" : a.title;
        leaves.x.push(n.x); leaves.y.push(y[id]); leaves.id.push(id); leaves.label.push(n.name);
        leaves.caption.push(`${n.name}  ${title}`); leaves.title.push(a.title); leaves.site.push(a.site);
        leaves.published.push(a.published || "undated"); leaves.verdict.push(a.verdict);
        leaves.confidence.push(num(a.confidence));
        leaves.colour.push(data.verdicts[a.verdict] ? data.verdicts[a.verdict].colour : "#5d6b78");
        leaves.alpha.push(state.visible.has(n.name) ? 1 : 0.18);
      } else {
        const isFolded = state.collapsed.has(id);
        inner.x.push(n.x); inner.y.push(y[id]); inner.id.push(id); inner.tips.push(n.tips);
        inner.support.push(n.support == null ? "" : String(Math.round(n.support)));
        inner.state.push(isFolded ? "click to expand" : (n.parent == null ? "the root" : "click to collapse"));
        if (isFolded) {
          folded.xs.push([n.x, deepest[id], deepest[id]]);
          folded.ys.push([y[id], y[id] - 0.38, y[id] + 0.38]);
          folded.x.push(deepest[id]); folded.y.push(y[id]);
          folded.caption.push(`${n.tips} articles (collapsed)`);
        }
      }
    }
    models["tree-branches"].data = branches;
    models["tree-leaves"].data = leaves;
    models["tree-inner"].data = inner;
    models["tree-collapsed"].data = folded;
    const yr = views.tree.model.y_range;
    yr.reset_start = rank - 0.5; yr.reset_end = -0.8;
    if (fit) { yr.start = yr.reset_start; yr.end = yr.reset_end; }
    $("#tree-count").textContent = state.collapsed.size
      ? `${state.collapsed.size} clade(s) collapsed; ${rank} rows shown` : "";
  }

  function toggleClade(id) {
    if (nodes[id].parent == null) return;  // the root stays open
    if (state.collapsed.has(id)) state.collapsed.delete(id); else state.collapsed.add(id);
    layoutTree(true);
  }

  // --- filters --------------------------------------------------------------------------
  function applyFilters() {
    const s = state;
    s.visible = new Set();
    for (const a of data.articles) {
      if (!s.sites.has(a.site) || !s.verdicts.has(a.verdict)) continue;
      if (s.from != null && (a.time == null || a.time < s.from)) continue;
      if (s.to != null && (a.time == null || a.time > s.to)) continue;
      if (s.minShare > 0 && (a.verdict === "copied" || a.verdict === "unseen-source") && (a.share || 0) < s.minShare) continue;
      s.visible.add(a.label);
    }
    const shownNode = (id) => s.visible.has(id) || (groups.get(id) || []).some((m) => s.visible.has(m));
    const nodesFull = full["lineage-nodes"];
    models["lineage-nodes"].data = pick(nodesFull, nodesFull.id.map(shownNode));
    const edgesFull = full["lineage-edges"];
    const keepEdge = edgesFull.id.map((_, i) => {
      const e = data.edges[edgesFull.id[i]];
      if (!shownNode(e.source) || !s.visible.has(e.target)) return false;
      return e.kind === "quote" || e.share == null || e.share >= s.minShare;
    });
    // the article open in the panel: its own arrows stand out, the others fade
    edgesFull.alpha = edgesFull.id.map((id) => {
      const e = data.edges[id];
      return s.focus == null ? 0.85 : (e.source === s.focus || e.target === s.focus ? 1 : 0.12);
    });
    models["lineage-edges"].data = pick(edgesFull, keepEdge);
    const keptIds = new Set(edgesFull.id.filter((_, i) => keepEdge[i]));
    const headsFull = full["lineage-heads"];
    models["lineage-heads"].data = pick(headsFull, headsFull.id.map((id) => keptIds.has(id)));
    for (const row of $$("#articles-table tbody tr")) row.hidden = !s.visible.has(row.dataset.label);
    layoutTree(false);
    showFocus();
    $("#filter-count").textContent = `showing ${s.visible.size} of ${articles.size} articles`;
  }

  function readFilters() {
    state.sites = new Set($$("#filter-sites input:checked").map((el) => el.value));
    state.verdicts = new Set($$("#filter-verdicts input:checked").map((el) => el.value));
    const when = (el) => (el.value ? Date.parse(el.value + (el.value.length <= 16 ? ":00Z" : "Z")) : null);
    state.from = when($("#filter-from"));
    state.to = when($("#filter-to"));
    state.minShare = Number($("#filter-share").value) / 100;
    $("#filter-share-value").textContent = `${$("#filter-share").value}%`;
    applyFilters();
  }

  function showLabels(on) {
    const f = full["lineage-nodes"];
    f.label = f.text.map((t) => (on ? t : ""));
    applyFilters();
  }

  // --- the side panel ---------------------------------------------------------------------
  function pairOf(a, b) {
    const direct = data.pairs[`${a}\t${b}`];
    if (direct) return { spansA: direct.spans_a, spansB: direct.spans_b, info: direct };
    const back = data.pairs[`${b}\t${a}`];
    if (back) return { spansA: back.spans_b, spansB: back.spans_a, info: back };
    return null;
  }

  function marked(text, spans) {
    const order = spans.map((s, i) => [s[0], s[1], i]).sort((p, q) => p[0] - q[0]);
    let out = "", pos = 0;
    for (const [start, end, i] of order) {
      if (start < pos) continue;  // overlapping passages: keep the first
      out += esc(text.slice(pos, start)) + `<mark data-p="${i}">${esc(text.slice(start, end))}</mark>`;
      pos = end;
    }
    return out + esc(text.slice(pos));
  }

  function counterparts(a) {
    const out = [];
    const add = (label, why) => { if (label && label !== a.label && articles.has(label) && !out.some((o) => o.label === label)) out.push({ label, why }); };
    add(a.source, "source");
    for (const s of a.secondary || []) add(s.label, `secondary source (${pct(s.share)})`);
    add(a.evidence && a.evidence.against, a.verdict === "independent" ? "shares quotes with" : "evidence measured against");
    for (const m of groups.get(a.unseen_group) || []) add(m, "shares the unseen source");
    for (const c of a.copies || []) add(c, "copied from this article");
    return out;
  }

  function numbers(a) {
    const e = a.evidence || {};
    const rows = [
      ["verdict", `${badge(a.verdict)} <span class="muted">${esc((data.verdicts[a.verdict] || {}).text || "")}</span>`],
      ["source", a.source ? link(a.source) : "— none in the set"],
      ["confidence", `${num(a.confidence)} <span class="muted">(probability that verdict and source are right)</span>`],
      ["share taken", `${pct(a.share)} <span class="muted">of this article explained by its source</span>`],
      ["containment", pct(a.containment)], ["alignment identity", num(a.identity, 3)],
      ["evidence against", e.against ? link(e.against) : "–"],
      ["shared passages", e.passages == null ? "–" : `${e.passages}, longest ${e.longest_words} words, covering ${pct(e.share)}`],
    ];
    if ((a.secondary || []).length) rows.push(["secondary sources", a.secondary.map((s) => `${link(s.label)} ${pct(s.share)}`).join(", ")]);
    if (a.unseen_group) rows.push(["unseen source", `${esc(a.unseen_group)}: shared with ${(groups.get(a.unseen_group) || []).filter((m) => m !== a.label).map(link).join(", ") || "no other article"}`]);
    if ((e.quotes || []).length) rows.push(["shared quotes", `<ul class="quotes">${e.quotes.map((q) => `<li>“${esc(q)}”</li>`).join("")}</ul>`]);
    if ((a.copies || []).length) rows.push(["copied by", a.copies.map(link).join(", ")]);
    if (a.note) rows.push(["note", esc(a.note)]);
    return `<table class="numbers">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>`;
  }

  function column(article, html, heading) {
    return `<div class="side-col"><h4>${esc(heading)}: ${esc(article.title || article.label)}</h4>
      <div class="muted">${esc(article.label)} · ${esc(article.site)} · ${esc(article.published || "undated")}</div>
      <div class="text">${html}</div></div>`;
  }

  function openArticle(label, otherLabel) {
    const a = articles.get(label);
    if (!a) return;
    state.focus = label;
    const choices = counterparts(a);
    const other = otherLabel && articles.has(otherLabel) ? otherLabel : (choices[0] || {}).label;
    let pair = "";
    if (other) {
      const b = articles.get(other);
      const p = pairOf(a.label, b.label);
      const tabs = choices.map((c) => `<button type="button" class="pair-tab${c.label === other ? " active" : ""}" data-label="${esc(a.label)}" data-other="${esc(c.label)}">${esc(c.label)} <span class="muted">${esc(c.why)}</span></button>`).join("");
      const summary = p ? `${p.info.passages} shared passage(s) of six or more words, longest ${p.info.longest} words, covering ${pct(p.info.share)} of ${esc(p.info.a)}`
                        : "no shared passages of six or more words";
      pair = `<div class="pair-tabs">${tabs}</div><p class="muted pair-summary">${summary}. Click a marked passage to find it on the other side.</p>
        <div class="side">${column(a, p ? marked(a.text, p.spansA) : esc(a.text), "This article")}
        ${column(b, p ? marked(b.text, p.spansB) : esc(b.text), "Compared with")}</div>`;
    } else {
      pair = `<p class="muted">No other article in the set shares text with this one.</p><div class="side single">${column(a, esc(a.text), "This article")}</div>`;
    }
    $("#panel-body").innerHTML = `<h3>${esc(a.title || a.label)}</h3>
      <p class="muted">${esc(a.site)} · ${esc(a.published || "undated")} · ${a.url ? `<code>${esc(a.url)}</code>` : ""}</p>
      ${numbers(a)}${pair}`;
    openPanel();
    applyFilters();
  }

  function openGroup(group) {
    const members = groups.get(group) || [];
    if (members.length) openArticle(members[0], members[1]);
  }

  function openPanel() {
    const panel = $("#panel");
    panel.hidden = false;
    panel.scrollTop = 0;
    document.body.classList.add("panel-open");
  }
  function closePanel() {
    $("#panel").hidden = true;
    document.body.classList.remove("panel-open");
    state.focus = null;
    applyFilters();
  }

  function showFocus() {
    const f = full["lineage-nodes"];
    if (!f) return;
    const keep = f.id.map((id) => id === state.focus && state.visible.has(id));
    const focus = pick({ x: f.x, y: f.y }, keep);
    models["lineage-focus"].data = focus;
  }

  // Bokeh calls this when a glyph is clicked (the CustomJS of phylo/report/explorer.py).
  function tapped(source) {
    if (quiet) return;
    const i = source.selected.indices[0];
    if (i == null) return;
    const name = source.name;
    const id = source.data.id[i];
    quiet = true;
    source.selected.indices = [];
    quiet = false;
    if (name === "tree-inner") toggleClade(id);
    else if (name === "tree-leaves") openArticle(source.data.label[i]);
    else if (name === "lineage-nodes") (groups.has(id) ? openGroup(id) : openArticle(id));
    else if (name === "lineage-edges") {
      const e = data.edges[id];
      if (e.kind === "unseen") openArticle(e.target, (groups.get(e.source) || []).find((m) => m !== e.target));
      else openArticle(e.target, e.source);
    }
  }

  // --- the article table ------------------------------------------------------------------
  function sortBy(th) {
    const table = th.closest("table");
    const index = Array.from(th.parentNode.children).indexOf(th);
    const up = th.getAttribute("aria-sort") !== "ascending";
    for (const other of $$("th", th.parentNode)) other.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    const key = (row) => {
      const cell = row.children[index];
      const v = cell.dataset.sort != null ? cell.dataset.sort : cell.textContent.trim();
      return v === "" ? null : (isNaN(Number(v)) ? v.toLowerCase() : Number(v));
    };
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).sort((r, s) => {
      const a = key(r), b = key(s);
      if (a === b) return 0;
      if (a === null) return 1;  // empty cells last either way
      if (b === null) return -1;
      return (a < b ? -1 : 1) * (up ? 1 : -1);
    });
    for (const row of rows) body.appendChild(row);
  }

  // --- the distance heat map, drawn when first opened (n x n cells) -------------------------
  function drawHeatmap() {
    const table = $("#heatmap");
    if (table.rows.length) return;
    const { labels, matrix } = data.distances;
    const top = Math.max(0, ...matrix.flat());
    const head = labels.map((l) => `<th class="rot">${esc(l)}</th>`).join("");
    const body = matrix.map((row, i) => `<tr><th>${esc(labels[i])}</th>${row.map((v) => {
      const share = top > 0 ? Math.min(Math.max(v / top, 0), 1) : 0;
      return `<td style="background:hsl(215,70%,${Math.round(97 - 62 * share)}%);color:${share > 0.6 ? "#fff" : "#1d232b"}">${v.toFixed(2)}</td>`;
    }).join("")}</tr>`).join("");
    table.innerHTML = `<thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody>`;
  }

  // --- downloads --------------------------------------------------------------------------
  function save(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  async function figureSvg(plot) {
    return views[plot].export("svg").to_blob();
  }
  async function download(what) {
    if (what === "newick") save(new Blob([data.newick + "\n"], { type: "text/plain" }), "tree.nwk");
    else if (what === "csv") save(new Blob([data.lineage_csv], { type: "text/csv" }), "lineage.csv");
    else if (what === "graphml") save(new Blob([data.graphml], { type: "application/xml" }), "lineage.graphml");
    else if (what === "tree-svg" || what === "lineage-svg") {
      const plot = what.split("-")[0];
      save(await figureSvg(plot), `${plot}-view.svg`);
    } else if (data.figures[what]) save(new Blob([data.figures[what]], { type: "image/svg+xml" }), what);
  }

  // --- for tests and automation: where a data point of a figure is on the screen ------------
  function screenPoint(plot, x, y) {
    const view = views[plot];
    const box = view.canvas_view.el.getBoundingClientRect();
    return [box.left + view.frame.x_scale.compute(x), box.top + view.frame.y_scale.compute(y)];
  }

  // --- start ------------------------------------------------------------------------------
  async function start() {
    if (typeof Bokeh === "undefined") throw new Error("the figures' library (BokehJS) did not load");
    for (const name of ["lineage", "tree"]) {
      const manager = await Bokeh.embed.embed_item(plotItems[name], `plot-${name}`);
      views[name] = manager.roots[0];
      const doc = views[name].model.document;
      for (const model of doc.all_models) if (model.name) models[model.name] = model;
    }
    for (const name of ["lineage-nodes", "lineage-edges", "lineage-heads"]) {
      full[name] = Object.fromEntries(Object.entries(models[name].data).map(([k, v]) => [k, Array.from(v)]));
    }
    $("#filters").addEventListener("change", readFilters);
    $("#filter-share").addEventListener("input", readFilters);
    $("#filter-reset").addEventListener("click", () => {
      for (const el of $$("#filters input[type=checkbox]:not(#show-labels)")) el.checked = true;
      for (const el of $$("#filters input[type=datetime-local]")) el.value = "";
      $("#filter-share").value = 0;
      readFilters();
    });
    $("#show-labels").addEventListener("change", (ev) => showLabels(ev.target.checked));
    $("#panel-close").addEventListener("click", closePanel);
    $("#heat-details").addEventListener("toggle", drawHeatmap);
    document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closePanel(); });
    document.addEventListener("click", (ev) => {
      const t = ev.target;
      const linkEl = t.closest && t.closest(".article-link");
      if (linkEl) { ev.preventDefault(); openArticle(linkEl.dataset.label); return; }
      const tab = t.closest && t.closest(".pair-tab");
      if (tab) { openArticle(tab.dataset.label, tab.dataset.other); return; }
      const mark = t.closest && t.closest(".side mark");
      if (mark) {
        const cols = $$(".side .text");
        const other = cols.find((c) => !c.contains(mark));
        const twin = other && $(`mark[data-p="${mark.dataset.p}"]`, other);
        if (twin) { twin.scrollIntoView({ block: "center", behavior: "smooth" }); twin.classList.add("flash"); setTimeout(() => twin.classList.remove("flash"), 900); }
        return;
      }
      const dl = t.closest && t.closest("[data-download]");
      if (dl) { void download(dl.dataset.download); return; }
      const th = t.closest && t.closest("table.sortable th");
      if (th) { sortBy(th); return; }
      const row = t.closest && t.closest("#articles-table tbody tr");
      if (row) openArticle(row.dataset.label);
    });
    readFilters();
    // ready once the figures have drawn what the filters gave them
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    document.body.dataset.readyMs = String(Math.round(performance.now()));  // since navigation began
    document.body.dataset.ready = "1";
  }

  window.phyloExplorer = { tapped, openArticle, screenPoint, figureSvg, state };
  start().catch((err) => {
    for (const el of $$(".plot")) el.innerHTML = `<p class="error">The interactive figures could not be drawn: ${esc(err.message)}</p>`;
    document.body.dataset.ready = "error";
    throw err;
  });
})();
