// slokit serve's overview: what the gate decides for each service now, and
// every SLO objective's budget state (a grouped SLO as one row, its worst
// group first), read from /api/v1/gate and /api/v1/slos like any other
// client. Text goes in with textContent only, so nothing the backend
// returns can become markup.
"use strict";

const gateRank = { deny: 0, unknown: 1, warn: 2, allow: 3 };
let states = [];
let gates = []; // the gate's answer for a normal change, per service
let sortKey = "status", ascending = true;
const expanded = new Set(); // the grouped SLOs whose groups are shown

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function percent(v) {
  return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%";
}

// goneIn is when the budget runs out at the current burn, said only
// within the SLO's period: further out, the period rolls on first.
function goneIn(s) {
  const t = s.secondsToExhaustion;
  if (t === null || t === undefined) return "–";
  const period = s.period === "calendar-month" ? 31 * 86400 : s.period === "calendar-week" ? 7 * 86400 : windowSeconds(s.period || "");
  if (period > 0 && t > period) return "not this period";
  return duration(t);
}

function objective(s) {
  return s.objective + "%" + (s.threshold ? " < " + s.threshold : "");
}

const keys = {
  service: s => s.service, slo: s => s.slo, objective: s => parseFloat(s.objective),
  status: s => statusRank[s.status] ?? 9,
  remaining: s => s.remaining ?? Infinity,
  minutes: s => s.fullOutageMinutesLeft ?? Infinity,
  exhaustion: s => s.secondsToExhaustion ?? Infinity,
};

// burnCell shows each alert tier's burn rate against the factor it fires
// at, one tier a line; without tiers (SLOs discovered from older rules),
// the burn rate per window.
function burnCell(s) {
  const td = el("td", undefined, "burns");
  const tiers = s.tiers || [];
  if (tiers.length === 0) {
    const burns = Object.entries(s.burnRates || {})
      .sort(([a], [b]) => windowSeconds(a) - windowSeconds(b))
      .map(([w, b]) => w + " " + b.toFixed(1) + "x");
    td.textContent = burns.join(", ") || "–";
    return td;
  }
  for (const t of tiers) {
    const rate = t.burnRate === null || t.burnRate === undefined ? "–" : t.burnRate.toFixed(1) + "x";
    td.append(el("div", t.severity + " " + t.long + "/" + t.short + ": " + rate + " of " + t.factor + "x"));
  }
  return td;
}

function link(text, href) {
  const a = el("a", text);
  a.href = href;
  return a;
}

function serviceHref(service) {
  return "/ui/service.html?service=" + encodeURIComponent(service);
}

// labelled names each cell by its column, which a narrow screen shows
// beside it (style.css lays the rows out as cards there). The headings
// are read once per table, not once per row of a thousand.
const headings = {};
function labelled(tr, table) {
  headings[table] ??= [...document.querySelectorAll("#" + table + " thead th")].map(th => th.textContent.trim());
  [...tr.cells].forEach((td, i) => td.dataset.label = headings[table][i] || "");
  return tr;
}

// row is an objective's row; for a grouped SLO, the row of its worst group
// (with a button that shows the others) or, under it, of another group.
function row(s, groups, sub) {
  const tr = el("tr", undefined, sub ? "sub" : undefined);
  const svc = el("td");
  if (!sub) svc.append(link(s.service, serviceHref(s.service)));
  const name = el("td");
  if (!sub) name.append(link(s.slo, sloHref(s)));
  const group = groupText(s);
  const shownGroup = groupLabel(s);
  if (shownGroup) {
    const g = sub ? link(shownGroup, sloHref(s) + "&group=" + encodeURIComponent(group)) : el("span", shownGroup);
    const line = el("div", undefined, "group");
    line.append(g);
    name.append(line);
  }
  if ((s.missingRegions || []).length) name.append(el("div", "not reporting: " + s.missingRegions.join(", "), "group status-warning"));
  if (!sub && (s.members || []).length) name.append(el("div", "journey of " + s.members.length + " SLOs", "group"));
  if (groups && groups.length > 1) {
    const key = s.service + "/" + s.slo + "/" + objective(s);
    const open = expanded.has(key);
    const regions = groups.filter(g => g.region).length;
    const others = regions && !s.region ? "the " + regions + " regions" : "the " + (groups.length - 1) + " other groups";
    const b = el("button", (open ? "Hide " : "Show ") + others, "expand");
    b.type = "button";
    b.setAttribute("aria-expanded", String(open));
    b.dataset.key = key;
    name.append(el("div", regions && !s.region ? "and " + regions + " regions, the worst " + groups.find(g => g.region).region : "the worst of " + groups.length + " groups", "group"), b);
  }
  tr.append(svc, name, el("td", sub ? "" : objective(s)));
  tr.append(el("td", s.status, "status-" + s.status));
  const left = el("td", undefined, "n");
  if (s.remaining !== null) {
    const bar = el("span", undefined, "bar");
    bar.setAttribute("aria-hidden", "true");
    const fill = el("span");
    fill.style.width = Math.max(0, Math.min(1, s.remaining)) * 100 + "%";
    bar.append(fill);
    left.append(bar);
  }
  left.append(document.createTextNode(percent(s.remaining)));
  tr.append(left);
  tr.append(el("td", s.fullOutageMinutesLeft === null ? "–" : duration(s.fullOutageMinutesLeft * 60), "n"));
  tr.append(burnCell(s));
  tr.append(el("td", goneIn(s), "n"));
  tr.append(el("td", (s.firingAlerts || []).map(a => a.severity + " " + a.window).join(", ") || "none"));
  return labelled(tr, "slos");
}

// filters reads the filter form: the text, team, labels and status.
function filters() {
  const labels = document.getElementById("label").value.split(",").map(l => l.trim()).filter(Boolean).map(l => {
    const i = l.indexOf("=");
    return i < 0 ? [l, null] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  });
  return {
    text: document.getElementById("filter").value.trim().toLowerCase(),
    team: document.getElementById("team").value,
    labels,
    status: document.getElementById("status").value,
  };
}

function matches(s, f) {
  const ls = s.labels || {};
  if (f.team && ls.team !== f.team) return false;
  for (const [k, v] of f.labels) {
    if (!(k in ls) || (v !== null && ls[k] !== v)) return false;
  }
  if (f.status && s.status !== f.status) return false;
  return !f.text || (s.service + " " + s.slo + " " + Object.values(s.group || {}).join(" ")).toLowerCase().includes(f.text);
}

// objectives gathers the states shown into one entry per objective: a
// grouped SLO's groups together, worst first; an SLO tracked by region,
// its state over all regions first (a deploy anywhere counts on it), then
// its regions, worst first.
function objectives(shown) {
  const byKey = new Map();
  for (const s of shown) {
    const key = s.service + "/" + s.slo + "/" + objective(s);
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key).push(s);
  }
  const order = (a, b) => (a.region ? 1 : 0) - (b.region ? 1 : 0) || worse(a, b);
  const out = [...byKey.entries()].map(([key, groups]) => ({ key, groups: groups.sort(order) }));
  const k = keys[sortKey];
  return out.sort((a, b) => {
    const x = k(a.groups[0]), y = k(b.groups[0]);
    const c = x < y ? -1 : x > y ? 1 : a.key.localeCompare(b.key);
    return ascending ? c : -c;
  });
}

// deployRow is a service's gate decision for a normal change: said with
// the override that lets it through (and its end), so that nobody reads
// "allow" as "the budget is fine"; the reasons; the maintenance windows in
// force, whose events its budgets leave out.
function deployRow(g) {
  const tr = el("tr");
  const svc = el("td");
  svc.append(link(g.service, serviceHref(g.service)));
  let decision = g.decision;
  if (g.override) decision += " by override " + g.override.id + " until " + when(g.override.expires);
  // A grouped SLO gives the same reason once per group: said once.
  const reasons = [...new Map((g.reasons || []).filter(r => r.rule !== "ok" && r.rule !== "override").map(r => [r.message, r])).values()];
  const why = el("td");
  const shown = reasons.slice(0, 3);
  for (const r of shown) why.append(el("div", r.message));
  if (reasons.length > shown.length) why.append(el("div", "and " + (reasons.length - shown.length) + " more on the service's page"));
  if (reasons.length === 0) why.textContent = g.decision === "allow" ? "every budget holds" : "–";
  const windows = el("td");
  for (const m of g.maintenance || []) {
    windows.append(el("div", (m.slo || "every SLO") + " until " + when(m.end) + (m.id ? " (" + m.id + ")" : " (spec)")));
  }
  if (!(g.maintenance || []).length) windows.textContent = "none";
  tr.append(svc, el("td", decision, "gate-" + g.decision), why, windows);
  return labelled(tr, "deploys");
}

// render draws both tables anew (filtered, sorted) and marks its last
// duration as "overview-render" on the page's performance timeline, where
// DevTools and the tests read it. Focus on a link or button in the tables
// survives the redraw, so the refresh every 30 s does not throw a
// keyboard user back to the top.
function render() {
  const started = performance.now();
  const active = document.activeElement;
  const focused = active && active.closest("tbody") ? (active.getAttribute("href") || "button:" + active.dataset.key) : null;
  const f = filters();
  const shown = states.filter(s => matches(s, f));
  const body = document.createDocumentFragment();
  const entries = objectives(shown);
  for (const { key, groups } of entries) {
    body.append(row(groups[0], groups, false));
    if (expanded.has(key)) for (const s of groups.slice(1)) body.append(row(s, null, true));
  }
  const tbody = document.querySelector("#slos tbody");
  tbody.replaceChildren(body);
  document.getElementById("count").textContent = shown.length + " of " + states.length + " objectives" +
    (entries.length !== shown.length ? ", in " + entries.length + (entries.length === 1 ? " row" : " rows") : "");
  for (const th of document.querySelectorAll("#slos th")) {
    const b = th.querySelector("button");
    if (b && b.dataset.sort === sortKey) th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
  renderDeploys(new Set(shown.map(s => s.service)), f);
  if (focused) {
    const again = [...document.querySelectorAll("main tbody a, main tbody button")]
      .find(e => (e.getAttribute("href") || "button:" + e.dataset.key) === focused);
    if (again) again.focus();
  }
  performance.clearMeasures("overview-render"); // the last one only
  performance.measure("overview-render", { start: started });
}

// renderDeploys lists the services whose SLOs are shown: those the gate
// does not simply allow, or that an override or maintenance window shapes,
// unless every one is asked for.
function renderDeploys(services, f) {
  const filtered = f.text || f.team || f.labels.length || f.status;
  const mine = gates.filter(g => !filtered || services.has(g.service))
    .sort((a, b) => (gateRank[a.decision] ?? 9) - (gateRank[b.decision] ?? 9) || a.service.localeCompare(b.service));
  const all = document.getElementById("all-deploys").checked;
  const notable = g => g.decision !== "allow" || g.override || (g.maintenance || []).length;
  const listed = all ? mine : mine.filter(notable);
  document.querySelector("#deploys tbody").replaceChildren(...listed.map(deployRow));
  document.getElementById("deploys").hidden = listed.length === 0;
  const count = d => mine.filter(g => g.decision === d).length;
  const parts = ["deny", "warn", "unknown", "allow"].filter(d => count(d)).map(d => count(d) + " " + d);
  const rest = mine.length - listed.length;
  document.getElementById("deploys-summary").textContent = (mine.length ? "Of " + mine.length + (mine.length === 1 ? " service: " : " services: ") + parts.join(", ") + "." : "No service shown.") +
    (rest ? " The " + rest + " that the gate allows with nothing in the way are not listed." : "");
}

async function load() {
  const fresh = document.getElementById("freshness");
  try {
    const [list, gate] = await Promise.all([api("/api/v1/slos"), api("/api/v1/gate")]);
    states = list.slos || [];
    gates = gate.services || [];
    teams();
    // From evaluatedAt, not dataAgeSeconds: an unchanged state comes as a
    // 304, whose body is the one the browser kept, age and all.
    const source = list.source === "demo" ? "the embedded demo (the " + list.scenario + " scenario)" : list.backend || "the backend";
    fresh.textContent = list.evaluatedAt && !list.evaluatedAt.startsWith("0001")
      ? "Read from " + source + " " + relative(Date.parse(list.evaluatedAt)).replace("now", "just now") + "."
      : source.charAt(0).toUpperCase() + source.slice(1) + " has not been read yet.";
    render();
  } catch (err) {
    fresh.textContent = "Could not read the budget state: " + err.message;
  }
}

// teams offers the teams the SLOs' labels name; the filter shows only
// when some SLO has a team.
function teams() {
  const select = document.getElementById("team");
  const names = [...new Set(states.map(s => (s.labels || {}).team).filter(Boolean))].sort();
  const chosen = select.value || new URLSearchParams(location.search).get("team") || "";
  select.replaceChildren(el("option", "any"), ...names.map(n => el("option", n)));
  select.options[0].value = "";
  select.value = names.includes(chosen) ? chosen : "";
  document.getElementById("team-filter").hidden = names.length === 0;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("th button")) {
    b.addEventListener("click", () => {
      ascending = sortKey === b.dataset.sort ? !ascending : true;
      sortKey = b.dataset.sort;
      render();
    });
  }
  document.querySelector("#slos tbody").addEventListener("click", ev => {
    const b = ev.target.closest("button.expand");
    if (!b) return;
    if (expanded.has(b.dataset.key)) expanded.delete(b.dataset.key); else expanded.add(b.dataset.key);
    render();
    const again = [...document.querySelectorAll("button.expand")].find(e => e.dataset.key === b.dataset.key);
    if (again) again.focus();
  });
  // The filters live in the URL, so a filtered view can be bookmarked
  // or sent to a colleague.
  const params = new URLSearchParams(location.search);
  const fields = { q: "filter", team: "team", label: "label", status: "status" };
  for (const [param, id] of Object.entries(fields)) {
    const e = document.getElementById(id);
    if (id === "team") e.append(el("option", params.get("team") || ""));
    e.value = params.get(param) || "";
  }
  const filtered = () => {
    const p = new URLSearchParams();
    for (const [param, id] of Object.entries(fields)) {
      const v = document.getElementById(id).value;
      if (v) p.set(param, v);
    }
    history.replaceState(null, "", p.size ? "?" + p : location.pathname);
    render();
  };
  for (const id of Object.values(fields)) {
    document.getElementById(id).addEventListener(id === "team" || id === "status" ? "change" : "input", filtered);
  }
  document.getElementById("all-deploys").addEventListener("change", render);
  load();
  setInterval(load, 30000);
});
