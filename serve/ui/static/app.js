// slokit serve's overview: every SLO objective's budget state, read from
// /api/v1/slos like any other client. Text goes in with textContent only,
// so nothing the backend returns can become markup.
"use strict";

const statusRank = { exhausted: 0, critical: 1, warning: 2, unknown: 3, ok: 4 };
let states = [];
let gates = {}; // service -> the gate's answer for a normal change
const gateRank = { deny: 0, unknown: 1, warn: 2, allow: 3 };
let sortKey = "status", ascending = true;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function percent(v) {
  return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%";
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds <= 0) return "none";
  const units = [["d", 86400], ["h", 3600], ["m", 60]];
  let left = Math.max(0, Math.round(seconds)), out = "";
  for (const [u, n] of units) {
    if (left >= n) { out += Math.floor(left / n) + u; left %= n; }
  }
  return out || Math.round(seconds) + "s";
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
  gate: s => gateRank[(gates[s.service] || {}).decision] ?? 9,
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

function row(s) {
  const tr = el("tr");
  const name = el("td");
  const link = el("a", s.slo);
  link.href = "/ui/slo.html?service=" + encodeURIComponent(s.service) + "&slo=" + encodeURIComponent(s.slo);
  name.append(link);
  const group = Object.entries(s.group || {}).map(([k, v]) => k + "=" + v).join(", ");
  if (group) name.append(el("div", group, "group"));
  const svc = el("td");
  const svcLink = el("a", s.service);
  svcLink.href = "/ui/service.html?service=" + encodeURIComponent(s.service);
  svc.append(svcLink);
  tr.append(svc, name, el("td", objective(s)));
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
  const g = gates[s.service];
  let decision = g ? g.decision : "–";
  // An override that lets the service through is said, with its end, so
  // that nobody reads "allow" as "the budget is fine".
  if (g && g.override) decision += " by override " + g.override.id + " until " + when(g.override.expires);
  const gate = el("td", decision, g ? "gate-" + g.decision : undefined);
  if (g && g.reasons && g.reasons.length) gate.title = g.reasons.map(r => r.message).join("\n");
  tr.append(gate);
  // Each cell names its column, which a narrow screen shows beside it
  // (style.css lays the rows out as cards there).
  const labels = columnLabels();
  [...tr.cells].forEach((td, i) => td.dataset.label = labels[i] || "");
  return tr;
}

let labelsCache;
function columnLabels() {
  labelsCache ??= [...document.querySelectorAll("#slos thead th")].map(th => th.textContent.trim());
  return labelsCache;
}

// render draws the table anew (sorted and filtered) and marks its last
// duration as "overview-render" on the page's performance timeline, where
// DevTools and the tests read it. Focus on a link in the table survives
// the redraw, so the refresh every 30 s does not throw a keyboard user
// back to the top.
function render() {
  const started = performance.now();
  const focused = document.activeElement && document.activeElement.closest("#slos tbody") ? document.activeElement.getAttribute("href") : null;
  const text = document.getElementById("filter").value.trim().toLowerCase();
  const status = document.getElementById("status").value;
  const key = keys[sortKey];
  const shown = states
    .filter(s => (!text || (s.service + " " + s.slo + " " + Object.values(s.group || {}).join(" ")).toLowerCase().includes(text)) && (!status || s.status === status))
    .sort((a, b) => {
      const x = key(a), y = key(b);
      const c = x < y ? -1 : x > y ? 1 : (a.service + a.slo).localeCompare(b.service + b.slo);
      return ascending ? c : -c;
    });
  const body = document.createDocumentFragment();
  for (const s of shown) body.append(row(s));
  const tbody = document.querySelector("#slos tbody");
  tbody.replaceChildren(body);
  if (focused) {
    const again = [...tbody.querySelectorAll("a")].find(a => a.getAttribute("href") === focused);
    if (again) again.focus();
  }
  document.getElementById("count").textContent = shown.length + " of " + states.length + " objectives";
  for (const th of document.querySelectorAll("th")) {
    const b = th.querySelector("button");
    if (b && b.dataset.sort === sortKey) th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
  performance.clearMeasures("overview-render"); // the last one only
  performance.measure("overview-render", { start: started });
}

async function load() {
  const fresh = document.getElementById("freshness");
  try {
    const [list, gate] = await Promise.all([api("/api/v1/slos"), api("/api/v1/gate")]);
    states = list.slos || [];
    gates = {};
    for (const g of gate.services || []) gates[g.service] = g;
    // From evaluatedAt, not dataAgeSeconds: an unchanged state comes as a
    // 304, whose body is the one the browser kept, age and all.
    fresh.textContent = list.evaluatedAt && !list.evaluatedAt.startsWith("0001")
      ? "Read from the backend " + relative(Date.parse(list.evaluatedAt)).replace("now", "just now") + "."
      : "The backend has not been read yet.";
    render();
  } catch (err) {
    fresh.textContent = "Could not read the budget state: " + err.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("th button")) {
    b.addEventListener("click", () => {
      ascending = sortKey === b.dataset.sort ? !ascending : true;
      sortKey = b.dataset.sort;
      render();
    });
  }
  // The filters live in the URL, so a filtered view can be bookmarked
  // or sent to a colleague.
  const params = new URLSearchParams(location.search);
  const filter = document.getElementById("filter"), status = document.getElementById("status");
  filter.value = params.get("q") || "";
  status.value = params.get("status") || "";
  const filtered = () => {
    const p = new URLSearchParams();
    if (filter.value) p.set("q", filter.value);
    if (status.value) p.set("status", status.value);
    history.replaceState(null, "", p.size ? "?" + p : location.pathname);
    render();
  };
  filter.addEventListener("input", filtered);
  status.addEventListener("change", filtered);
  load();
  setInterval(load, 30000);
});
