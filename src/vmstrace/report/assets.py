"""The report page's style and script, inlined into each page (no network, no files
beside it).  The script puts every guest-controlled string into the page as text
(``textContent``, ``title``), never as markup."""

CSS = r"""
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 2em;color:#222}
h1{font-size:1.4em;margin:.6em 0 .2em}h2{font-size:1.15em;margin:1.2em 0 .3em;border-bottom:1px solid #ccc}
.banner{background:#b00020;color:#fff;padding:.6em 1em;font-weight:bold;margin:.5em 0;border-radius:4px}
.ok{background:#e6f4ea;padding:.4em 1em;border-radius:4px;margin:.5em 0}
table{border-collapse:collapse;margin:.3em 0;font-size:13px}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top;max-width:48em;overflow-wrap:anywhere}
th{background:#f3f3f3}
.mono,td.mono{font-family:ui-monospace,monospace;white-space:pre-wrap}
ul.tree{list-style:none;padding-left:1.2em;margin:0}ul.tree li{margin:2px 0}
.proc{cursor:pointer;font-family:ui-monospace,monospace}.proc.sel{background:#ffe9a8}
.muted{color:#777}a.call{font-family:ui-monospace,monospace;margin-right:4px}
#scope{font-weight:bold}
#calls{height:60vh;overflow:auto;position:relative;border:1px solid #bbb;font:12px/16px ui-monospace,monospace}
#calls .row{position:absolute;left:0;white-space:pre;height:16px;padding:0 4px;min-width:100%;box-sizing:border-box}
#calls .row.hl{background:#ffe9a8}#calls .row .i{color:#888}#calls .row .e{color:#b00020}
.filters input,.filters select{margin-right:.6em}
button{margin-left:4px}
"""

JS = r"""
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("vmstrace-summary").textContent);
  const meta = JSON.parse($("vmstrace-meta").textContent);
  const ROW = 16;
  let lines = null, pidOf = null, nameOf = null, textAt = null, names = [], list = [], listLabel = "";
  let scopePid = null, highlight = -1;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function secs(ns) { return ns === null || ns === undefined ? "?" : (ns / 1e9).toFixed(6) + " s"; }
  function callLink(i) {
    const a = el("a", "#" + i, "call"); a.href = "#c" + i; return a;
  }

  // --- the banner and the overview ---
  const head = $("head");
  if (!data.complete) {
    for (const p of data.problems) head.appendChild(el("div", "Incomplete trace: " + p, "banner"));
  } else {
    head.appendChild(el("div", "The trace is complete: vmstrace's stats record says every call was delivered and paired.", "ok"));
  }
  $("overview").textContent = data.calls + " calls, " + data.processes.length + " processes; trace " + meta.source;

  // --- the process tree ---
  const procs = new Map(data.processes.map((p) => [p.pid, p]));
  const kids = new Map();
  const roots = [];
  for (const p of data.processes) {
    if (p.ppid !== null && procs.has(p.ppid) && p.ppid !== p.pid) {
      if (!kids.has(p.ppid)) kids.set(p.ppid, []);
      kids.get(p.ppid).push(p);
    } else roots.push(p);
  }
  const shown = new Set();
  function procLine(p) {
    const li = el("li");
    const span = el("span", "", "proc");
    span.dataset.pid = p.pid;
    let text = "pid " + p.pid + "  " + (p.comm === null ? "?" : p.comm) + "  ppid " + (p.ppid === null ? "?" : p.ppid);
    text += "  start " + secs(p.start_ns) + "  end " + secs(p.end_ns) + "  " + (p.exit || "exit ?") + "  " + p.calls + " calls";
    if (p.threads.length) text += "  " + (p.threads.length + 1) + " threads";
    span.textContent = text;
    span.addEventListener("click", () => setScope(p.pid));
    li.appendChild(span);
    if (p.created_by !== null) { li.appendChild(el("span", "  made by ", "muted")); li.appendChild(callLink(p.created_by)); }
    for (const x of p.execs) {
      const d = el("div", "", "mono");
      d.appendChild(el("span", "exec " + x.path + "  " + JSON.stringify(x.argv) + "  "));
      d.appendChild(callLink(x.call));
      li.appendChild(d);
    }
    return li;
  }
  function addTree(ul, p, depth) {
    if (shown.has(p.pid)) return;
    shown.add(p.pid);
    const li = procLine(p);
    ul.appendChild(li);
    const ch = kids.get(p.pid) || [];
    if (ch.length && depth < 200) {
      const sub = el("ul", null, "tree");
      for (const c of ch) addTree(sub, c, depth + 1);
      li.appendChild(sub);
    }
  }
  const treeUl = el("ul", null, "tree");
  for (const r of roots) addTree(treeUl, r, 0);
  for (const p of data.processes) addTree(treeUl, p, 0);  // cycles: shown once each
  $("tree").appendChild(treeUl);

  // --- the facts ---
  const SECTIONS = [
    ["file", "Files", {read: "opened for reading / read", write: "opened for writing / written", create: "created", delete: "deleted", rename: "renamed", chmod: "chmod-ed"}],
    ["exec", "Programs executed", {exec: "executed"}],
    ["net", "Network", {socket: "sockets made", connect: "connect", bind: "bind", listen: "listen", accept: "accept", send: "sent", receive: "received"}],
    ["signal", "Signals", {sent: "sent", received: "received", "killed by": "killed by"}],
    ["io", "Other descriptors (pipes, fds not opened in the trace...)", {read: "read", write: "written"}],
    ["error", "Failed calls by errno", null],
  ];
  function merged(facts) {  // the whole run: a process's facts summed over processes
    const m = new Map();
    for (const f of facts) {
      const k = JSON.stringify([f.category, f.kind, f.subject, f.detail]);
      let g = m.get(k);
      if (!g) { g = {category: f.category, kind: f.kind, subject: f.subject, detail: f.detail, count: 0, bytes: 0, calls: [], pids: []}; m.set(k, g); }
      g.count += f.count; g.bytes += f.bytes; g.pids.push(f.pid);
      for (const c of f.calls) if (g.calls.length < data.max_links) g.calls.push(c);
    }
    for (const g of m.values()) g.calls.sort((a, b) => a - b);
    return [...m.values()];
  }
  const SECTION_ROWS = 300;  // rows a section shows before "show all" (a DOM row each)
  const shownAll = new Set();
  function renderFacts() {
    const box = $("facts");
    box.textContent = "";
    const facts = scopePid === null ? merged(data.facts) : data.facts.filter((f) => f.pid === scopePid).map((f) => Object.assign({pids: [f.pid]}, f));
    for (const [cat, title, kinds] of SECTIONS) {
      const rows = facts.filter((f) => f.category === cat);
      const h = el("h2", title + " (" + rows.length + ")");
      box.appendChild(h);
      if (!rows.length) { box.appendChild(el("div", "none", "muted")); continue; }
      rows.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : (a.calls[0] || 0) - (b.calls[0] || 0)));
      const t = el("table"); t.dataset.category = cat;
      const hr = el("tr");
      for (const c of [cat === "error" ? "errno" : "what", cat === "error" ? "call" : "subject", "detail", "pids", "calls", "bytes", "linked calls"]) hr.appendChild(el("th", c));
      t.appendChild(hr);
      const limit = shownAll.has(cat) ? rows.length : SECTION_ROWS;
      for (const f of rows.slice(0, limit)) {
        const tr = el("tr"); tr.className = "fact";
        tr.appendChild(el("td", kinds && kinds[f.kind] ? kinds[f.kind] : f.kind));
        tr.appendChild(el("td", f.subject, "mono"));
        tr.appendChild(el("td", f.detail, "mono"));
        tr.appendChild(el("td", [...new Set(f.pids)].join(" ")));
        tr.appendChild(el("td", f.count));
        tr.appendChild(el("td", f.bytes || ""));
        const td = el("td");
        for (const c of f.calls.slice(0, 6)) td.appendChild(callLink(c));
        if (f.calls.length) {
          const b = el("button", "list " + (f.calls.length < f.count ? "first " + f.calls.length + " of " : "") + f.count);
          b.addEventListener("click", () => showList(f.calls, title + ": " + f.kind + " " + f.subject));
          td.appendChild(b);
        }
        tr.appendChild(td);
        t.appendChild(tr);
      }
      box.appendChild(t);
      if (rows.length > limit) {
        const more = el("button", "show all " + rows.length + " rows");
        more.addEventListener("click", () => { shownAll.add(cat); renderFacts(); });
        box.appendChild(more);
      }
    }
  }

  function setScope(pid) {
    scopePid = pid;
    for (const s of document.querySelectorAll(".proc")) s.classList.toggle("sel", Number(s.dataset.pid) === pid);
    $("scope").textContent = pid === null ? "the whole run" : "process " + pid;
    $("pidsel").value = pid === null ? "" : String(pid);
    renderFacts();
    applyFilter();
  }
  $("allbtn").addEventListener("click", () => setScope(null));

  // --- the call list (decompressed once, rows rendered as they scroll into view) ---
  const sel = $("pidsel");
  sel.appendChild(el("option", "all processes")).value = "";
  for (const p of data.processes) sel.appendChild(el("option", p.pid + " " + (p.comm || "?"))).value = String(p.pid);
  sel.addEventListener("change", () => setScope(sel.value === "" ? null : Number(sel.value)));
  const clsSel = $("clssel");
  clsSel.appendChild(el("option", "any class")).value = "";
  for (const c of meta.classes) clsSel.appendChild(el("option", "%" + c)).value = c;

  function fields(i) { return lines[i].split("\x1f"); }
  function applyFilter() {
    if (!lines) return;
    const nameQ = $("namef").value.trim(), textQ = $("textf").value, cls = clsSel.value;
    const wanted = nameQ ? new Set(nameQ.split(/[\s,]+/).filter(Boolean)) : null;
    const okName = new Uint8Array(names.length);
    for (let k = 0; k < names.length; k++) {
      const n = names[k];
      okName[k] = (!wanted || wanted.has(n)) && (!cls || (meta.name_classes[n] || []).includes(cls)) ? 1 : 0;
    }
    const out = [];
    const n = lines.length;
    for (let i = 0; i < n; i++) {
      if (scopePid !== null && pidOf[i] !== scopePid) continue;
      if (!okName[nameOf[i]]) continue;
      // the call's own text only: an index, pid or timestamp that holds the digits is no match
      if (textQ && lines[i].indexOf(textQ, textAt[i]) < 0) continue;
      out.push(i);
    }
    list = out;
    listLabel = (scopePid === null ? "all calls" : "calls of process " + scopePid) + ((nameQ || cls || textQ) ? ", filtered" : "");
    drawList(true);
  }
  function showList(idx, label) { list = idx.slice(); listLabel = "the calls of: " + label; drawList(true); $("calls").scrollIntoView(); }
  const box = $("calls"), spacer = $("spacer");
  let drawn = new Map();
  function drawList(reset) {
    $("listinfo").textContent = list.length + " " + listLabel;
    if (reset) { for (const r of drawn.values()) r.remove(); drawn.clear(); spacer.style.height = (list.length * ROW) + "px"; box.scrollTop = 0; }
    draw();
  }
  function rowFor(pos) {
    const i = list[pos];
    const f = fields(i);
    const r = el("div", null, "row");
    r.id = "c" + i;
    r.style.top = (pos * ROW) + "px";
    r.appendChild(el("span", "#" + f[0] + " ", "i"));
    r.appendChild(el("span", (Number(f[3]) / 1e9).toFixed(6) + " [pid " + f[1] + (f[2] !== f[1] ? " tid " + f[2] : "") + "] "));
    r.appendChild(el("span", f[4] + "(" + f[5] + ") = "));
    r.appendChild(el("span", f[6], f[6].startsWith("-1 ") ? "e" : ""));
    if (i === highlight) r.classList.add("hl");
    return r;
  }
  function draw() {
    if (!lines) return;
    const first = Math.max(0, Math.floor(box.scrollTop / ROW) - 10);
    const last = Math.min(list.length, Math.ceil((box.scrollTop + box.clientHeight) / ROW) + 10);
    for (const [pos, r] of drawn) if (pos < first || pos >= last) { r.remove(); drawn.delete(pos); }
    for (let pos = first; pos < last; pos++) if (!drawn.has(pos)) { const r = rowFor(pos); drawn.set(pos, r); box.appendChild(r); }
  }
  box.addEventListener("scroll", draw);
  for (const id of ["namef", "textf"]) $(id).addEventListener("input", applyFilter);
  clsSel.addEventListener("change", applyFilter);

  function jump() {
    const m = /^#c(\d+)$/.exec(location.hash);
    if (!m || !lines) return;
    const i = Number(m[1]);
    if (i >= lines.length) return;
    highlight = i;
    let pos = list.indexOf(i);
    if (pos < 0) { $("namef").value = ""; $("textf").value = ""; clsSel.value = ""; setScope(null); pos = i; }
    else drawList(false);
    box.scrollTop = Math.max(0, pos * ROW - box.clientHeight / 3);
    for (const r of drawn.values()) r.remove(); drawn.clear();
    draw();
    box.scrollIntoView();
  }
  window.addEventListener("hashchange", jump);

  async function load() {
    const b64 = JSON.parse($("vmstrace-calls").textContent);
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    const text = await new Response(stream).text();
    lines = text.split("\n");
    if (lines.length && lines[lines.length - 1] === "") lines.pop();
    const n = lines.length;
    pidOf = new Float64Array(n); nameOf = new Uint32Array(n); textAt = new Uint32Array(n);
    const ids = new Map();
    for (let i = 0; i < n; i++) {
      const s = lines[i];
      const a = s.indexOf("\x1f"), b = s.indexOf("\x1f", a + 1), c = s.indexOf("\x1f", b + 1), d = s.indexOf("\x1f", c + 1), e = s.indexOf("\x1f", d + 1);
      const p = s.slice(a + 1, b);
      pidOf[i] = p === "" ? NaN : Number(p);
      const nm = s.slice(d + 1, e);
      let id = ids.get(nm);
      if (id === undefined) { id = names.length; names.push(nm); ids.set(nm, id); }
      nameOf[i] = id;
      textAt[i] = d + 1;
    }
    applyFilter();
    jump();
    document.body.dataset.ready = "1";
  }
  setScope(null);
  load().catch((err) => { $("listinfo").textContent = "the call list could not be read: " + err; document.body.dataset.ready = "error"; });
})();
"""
