// What the UI's pages share.
"use strict";

// windowSeconds reads a window label (5m, 1h, 2d19h) to order windows.
function windowSeconds(w) {
  const n = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, v, u] of w.matchAll(/(\d+)([smhdw])/g)) total += v * n[u];
  return total;
}

// api asks the JSON API: it returns the answer, or throws an Error with
// the API's own message (or the status, or the network's error).
async function api(path, token, init) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  if (init && init.body) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { ...init, headers });
  let answer = null;
  try { answer = await resp.json(); } catch { /* not JSON: the status says it */ }
  showDemo(resp.headers.get("Slokit-Demo"));
  if (!resp.ok) throw new Error((answer && answer.error) || "answered " + resp.status);
  return answer;
}

// showDemo puts a banner in the page's header while the service plays the
// embedded demo's synthetic traffic, so that nobody mistakes it for a gate.
function showDemo(scenario) {
  if (!scenario || document.getElementById("demo")) return;
  const banner = document.createElement("p");
  banner.id = "demo";
  banner.className = "demo";
  banner.setAttribute("role", "note");
  banner.textContent = "Demo: synthetic traffic from the " + scenario + " scenario, not a backend's data. Start slokit serve with --prometheus-url to gate deploys.";
  document.querySelector("header").prepend(banner);
}

// when writes an RFC 3339 time of the API to the minute, in UTC, with
// how long ago or ahead it is: the one time format of every page.
function when(rfc3339) {
  return rfc3339.slice(0, 16).replace("T", " ") + " UTC (" + relative(Date.parse(rfc3339)) + ")";
}

// duration writes seconds in its two largest units: "3d4h", "2h5m",
// "45s"; "none" for no time at all.
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds <= 0) return "none";
  let left = Math.round(seconds), out = "", units = 0;
  for (const [u, n] of [["d", 86400], ["h", 3600], ["m", 60]]) {
    if (left >= n && units < 2) { out += Math.floor(left / n) + u; left %= n; units++; }
    else if (units) units = 2; // "3d5m" would read as "3d5h" at a glance
  }
  return out || Math.round(seconds) + "s";
}

// relative says how far a time (milliseconds) lies from now: "3m ago",
// "in 2h", "now".
function relative(ms) {
  const s = Math.round((ms - Date.now()) / 1000);
  if (Math.abs(s) < 60) return "now";
  return s < 0 ? duration(-s) + " ago" : "in " + duration(s);
}

// statusRank orders statuses worst first.
const statusRank = { exhausted: 0, critical: 1, warning: 2, unknown: 3, ok: 4 };

// worse orders SLO states worst first: by status, then by budget left.
function worse(a, b) {
  return (statusRank[a.status] ?? 9) - (statusRank[b.status] ?? 9) || (a.remaining ?? Infinity) - (b.remaining ?? Infinity);
}

// sloHref is the address of an SLO's page (s: its service and slo).
function sloHref(s) {
  return "/ui/slo.html?service=" + encodeURIComponent(s.service) + "&slo=" + encodeURIComponent(s.slo);
}

// groupText writes a state's (or history objective's) group as
// "provider=a, region=eu"; empty for an SLO that is not grouped.
function groupText(s) {
  return Object.entries(s.group || {}).map(([k, v]) => k + "=" + v).join(", ");
}

// groupLabel writes a state's group as the pages show it: an SLO tracked
// by region has its state over all regions say so, as it has no region.
function groupLabel(s) {
  const group = groupText(s);
  return s.regions && !s.region ? [group, "all regions"].filter(Boolean).join(", ") : group;
}

// item is a list item holding text (never HTML).
function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

// list is a list of lines of text.
function list(lines) {
  const ul = document.createElement("ul");
  ul.append(...lines.map(item));
  return ul;
}

// describe says what an audit record is about, in one line.
function describe(e) {
  const at = when(e.time);
  if (e.decision) return at + ": " + e.decision.change + " change " + e.decision.decision + (e.client ? " (from " + e.client + ")" : "");
  if (e.override) return at + ": " + e.kind + " " + e.override.id + (e.override.author ? " by " + (e.by || e.override.author) : "") + (e.override.reason ? ": " + e.override.reason : "");
  if (e.maintenance) return at + ": " + e.kind + " " + e.maintenance.id + (e.by ? " by " + e.by : "") + (e.maintenance.reason ? ": " + e.maintenance.reason : "");
  if (e.canary) return at + ": canary " + e.canary.verdict + " (" + e.canary.change + ", canary " + e.canary.canary + ")" + (e.client ? " (from " + e.client + ")" : "");
  if (e.repeated) return at + ": " + e.repeated.count + " more " + e.repeated.change + " changes " + e.repeated.decision;
  return at + ": " + e.kind;
}
