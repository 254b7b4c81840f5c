// An SLO's page: per objective, the budget burndown over the period
// against spending it evenly, the SLI against the objective, and the burn
// rate per window with each tier's threshold, from the history API; and,
// with the token, the service's recent gate decisions and overrides from
// the audit trail (the token lives in a variable of this page only).
"use strict";

const pct = v => (v * 100).toFixed(2) + "%";
const times = v => v.toFixed(1) + "x";

async function loadSLO() {
  const params = new URLSearchParams(location.search);
  const service = params.get("service") || "", slo = params.get("slo") || "";
  document.getElementById("title").textContent = service + " / " + slo;
  document.title = "slokit: " + service + " / " + slo;
  const fresh = document.getElementById("freshness");
  const path = "/api/v1/slos/" + encodeURIComponent(service) + "/" + encodeURIComponent(slo);
  try {
    const range = params.get("range");
    rangePicker(params, range);
    const [h, current] = await Promise.all([
      api(path + "/history" + (range ? "?range=" + encodeURIComponent(range) : "")),
      api(path).then(a => a.slos || [], () => []), // the charts stand without the state now
    ]);
    fresh.textContent = "From " + when(h.from) + " to " + when(h.to) + ", a point every " + Math.round(h.stepSeconds / 60) + " minutes." +
      (h.eventsError ? " Events may be missing: " + h.eventsError + "." : "");
    const group = groupPicker(h.objectives, current, params.get("group"));
    const main = document.getElementById("objectives");
    main.replaceChildren();
    for (const o of h.objectives.filter(o => group === null || groupText(o) === group)) {
      main.append(objectiveSection(h, o, current));
    }
    api("/api/v1/slos").then(a => dependencyTree(service, slo, a.slos || []), () => {}); // the page stands without it
  } catch (err) {
    fresh.textContent = "Could not read the SLO: " + err.message;
  }
}

// groupPicker offers a grouped SLO's groups, one at a time (the charts of
// a hundred groups would bury the one that matters): the one in the URL,
// else the worst now. An SLO tracked by region offers its budget over all
// regions (the group without a region) beside each region's. It returns
// the group chosen, or null for an SLO without groups.
function groupPicker(objectives, current, asked) {
  const picker = document.getElementById("group-picker");
  const regional = current.some(s => s.regions);
  const groups = [...new Set(objectives.map(groupText))].filter(g => g || regional).sort();
  picker.hidden = groups.length < 2;
  if (groups.length < 2) return groups.length ? groups[0] : null;
  const worst = current.slice().sort(worse).map(groupText).find(g => groups.includes(g));
  const chosen = groups.includes(asked) ? asked : worst ?? groups[0];
  const select = document.getElementById("group");
  select.replaceChildren(...groups.map(g => {
    const s = current.find(c => groupText(c) === g);
    const opt = document.createElement("option");
    opt.value = g;
    opt.textContent = (g || "all regions") + (s ? " (" + s.status + ")" : "");
    return opt;
  }));
  select.value = chosen;
  return chosen;
}

// firingSpans are the spans over which an alert tier's condition held:
// its long and short windows' burn rates both above its factor.
function firingSpans(o, tier, step, kind) {
  const long = new Map((o.burnRates[tier.long] || []).map(p => [p[0], p[1]]));
  const spans = [];
  for (const [t, v] of o.burnRates[tier.short] || []) {
    if (v > tier.factor && long.get(t) > tier.factor) {
      const last = spans[spans.length - 1];
      if (last && t - last.end <= step) last.end = t; else spans.push({ start: t, end: t, kind });
    }
  }
  return spans;
}

// objectiveSection draws one objective: its status now, the budget
// burndown with what shaped it, the SLI, and a burn-rate chart per tier.
function objectiveSection(h, o, current) {
  const section = document.createElement("section");
  const title = document.createElement("h2");
  const group = groupText(o);
  const now = current.find(s => s.objective === o.objective && (s.threshold || "") === (o.threshold || "") && groupText(s) === group);
  const shownGroup = now ? groupLabel(now) : group;
  title.textContent = "Objective " + o.objective + "%" + (o.threshold ? " under " + o.threshold : "") + (shownGroup ? " (" + shownGroup + ")" : "");
  section.append(title);
  if (now && (now.missingRegions || []).length) {
    section.append(Object.assign(document.createElement("p"), {
      className: "status-warning",
      textContent: "Not reporting: " + now.missingRegions.join(", ") + ". The budget over all regions lacks their events until they report again.",
    }));
  }
  const firing = now && now.firingAlerts && now.firingAlerts.length
    ? now.firingAlerts.map(a => a.severity + " over " + a.window).join(", ") : "none";
  section.append(Object.assign(document.createElement("p"), { textContent: now ? "Status " + now.status + "; firing alerts: " + firing + "." : "No current state." }));
  if (now && (now.members || []).length) section.append(memberList(now));
  if (now && (now.dependsOn || []).length) {
    section.append(Object.assign(document.createElement("p"), {
      textContent: "Depends on " + now.dependsOn.map(d => d.service + "/" + d.slo).join(", ") + ": while one of them pages, this SLO's pages are held back.",
    }));
  }
  // Spending evenly over a calendar period: the whole budget, from 100%
  // at its start to 0 at its end, drawn over the range shown. A rolling
  // period (it ends now) has no such line: spent evenly, it always has 0
  // left.
  const t0 = Date.parse(h.from) / 1000, t1 = Date.parse(h.to) / 1000;
  const p0 = Date.parse(h.periodStart) / 1000, p1 = Date.parse(h.periodEnd) / 1000;
  const evenAt = t => Math.min(1, Math.max(0, 1 - (t - p0) / (p1 - p0)));
  const budgetLines = [{ name: "left", points: o.remaining }];
  if (p1 > t1) budgetLines.push({ name: "if spent evenly over the period", points: [[t0, evenAt(t0)], [t1, evenAt(t1)]] });
  const secs = iso => Date.parse(iso) / 1000;
  const bands = h.tiers.filter(t => t.severity === "page").flatMap(t => firingSpans(o, t, h.stepSeconds, "page"))
    .concat((h.events || []).filter(e => e.kind !== "deny").map(e => ({ start: secs(e.start), end: secs(e.end || e.start), kind: e.kind })));
  const marks = (h.events || []).filter(e => e.kind === "deny").map(e => ({ t: secs(e.start), kind: "deny" }));
  section.append(lineChart("Error budget left", budgetLines,
    { refs: [{ name: "all spent", value: 0 }], format: pct, floor: -0.5, bands, marks }));
  section.append(eventList(h, bands));
  section.append(lineChart("SLI over the period", [{ name: "SLI", points: o.sli }],
    { refs: [{ name: "objective", value: parseFloat(o.objective) / 100 }], format: pct }));
  // One chart per alert tier: its long and short windows against the
  // factor it fires at, on a log scale. Without tiers (SLOs discovered
  // from older rules), every window on one chart.
  for (const t of h.tiers) {
    section.append(lineChart("Burn rate, " + t.severity + " tier " + t.long + "/" + t.short + ": fires while both are above " + t.factor + "x",
      [t.long, t.short].map(w => ({ name: w, points: o.burnRates[w] || [] })),
      { refs: [{ name: "fires at", value: t.factor }], format: times, log: true, bands: firingSpans(o, t, h.stepSeconds, "firing") }));
  }
  if (h.tiers.length === 0) {
    const windows = Object.keys(o.burnRates).sort((a, b) => windowSeconds(a) - windowSeconds(b));
    section.append(lineChart("Burn rate per window", windows.map(w => ({ name: w, points: o.burnRates[w] })), { format: times, log: true }));
  }
  return section;
}

// memberList lists a journey's members, the one that spent most of it
// first (worst first while their shares are unknown), each with its share
// of the spending, the share of its own budget left and a link to its page.
function memberList(now) {
  const wrap = document.createElement("div");
  wrap.append(Object.assign(document.createElement("p"), { textContent: "A journey of " + now.members.length + " SLOs; each member's share of its spending and budget left:" }));
  const list = document.createElement("ul");
  list.id = "members";
  const left = m => m.remaining ?? Infinity;
  const order = now.members.every(m => m.share != null) ? (a, b) => b.share - a.share : (a, b) => left(a) - left(b);
  for (const m of now.members.slice().sort(order)) {
    const li = document.createElement("li");
    li.append(sloLink(m.service, m.slo, m.threshold), document.createTextNode(": " + memberText(m)));
    list.append(li);
  }
  wrap.append(list);
  return wrap;
}

// memberText says what a member spent of its journey, has left and burns
// now (over the journey's fastest page window).
function memberText(m) {
  const spent = m.share != null ? Math.round(m.share * 100) + "% of the spending, " : "";
  const burning = m.burnRate != null ? ", burning " + times(m.burnRate) : "";
  return spent + (m.remaining == null ? "no data" : pct(m.remaining) + " left") + burning;
}

// sloLink links to an SLO's page.
function sloLink(service, slo, threshold) {
  const a = document.createElement("a");
  a.href = sloHref({ service, slo });
  a.textContent = service + "/" + slo + (threshold ? " < " + threshold : "");
  return a;
}

// maxTreeDepth bounds the dependency tree drawn: the specs refuse cycles,
// but another team's rules are read as recorded.
const maxTreeDepth = 6;

// dependencyTree draws where the SLO stands among others, from the state
// of every SLO: below it what it is made of and depends on, each with its
// own below (an SLO met again on the way is named, not drawn twice); then
// the journeys and SLOs that count on it. Hidden for an SLO on its own.
function dependencyTree(service, slo, states) {
  const key = (svc, name) => svc + "/" + name;
  const bySLO = new Map();
  for (const s of states) {
    const k = key(s.service, s.slo);
    const seen = bySLO.get(k);
    if (!seen || worse(s, seen) < 0) bySLO.set(k, s); // its worst objective or group
  }
  const here = key(service, slo);
  const node = (svc, name, relation, path) => {
    const k = key(svc, name);
    const s = bySLO.get(k);
    const li = document.createElement("li");
    li.append(sloLink(svc, name), document.createTextNode(
      (relation ? " (" + relation + ")" : "") + ": " + (s ? s.status + (s.remaining == null ? "" : ", " + pct(s.remaining) + " left") : "not served here")));
    if (path.includes(k)) {
      li.append(document.createTextNode(", shown above"));
      return li;
    }
    const children = [];
    for (const m of (s && s.members) || []) children.push([m.service, m.slo, "member" + (m.share != null ? ", " + Math.round(m.share * 100) + "% of the spending" : "")]);
    for (const d of (s && s.dependsOn) || []) children.push([d.service, d.slo, "a dependency"]);
    if (children.length && path.length < maxTreeDepth) {
      const ul = document.createElement("ul");
      for (const [csvc, cname, rel] of children) ul.append(node(csvc, cname, rel, [...path, k]));
      li.append(ul);
    }
    return li;
  };
  const users = [];
  for (const [k, s] of bySLO) {
    if ((s.members || []).some(m => key(m.service, m.slo) === here)) users.push(k + " (journey)");
    if ((s.dependsOn || []).some(d => key(d.service, d.slo) === here)) users.push(k + " (depends on it)");
  }
  const root = node(service, slo, "", []);
  const hasChildren = root.querySelector("ul") !== null;
  document.getElementById("tree-section").hidden = !hasChildren && users.length === 0;
  document.getElementById("tree").replaceChildren(...(hasChildren ? [root] : []));
  document.getElementById("used-by").textContent = users.length ? "Counted on by " + users.join(", ") + "." : "";
}

// eventList says in text what the burndown's bands and marks show: the
// page alerts' spans, overrides, maintenance windows and deny decisions.
function eventList(h, bands) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  const names = { page: "page alert", override: "override", maintenance: "maintenance window" };
  const spans = bands.map(b => ({ t: b.start, text: names[b.kind] + " from " + utcMinute(b.start) + " to " + utcMinute(b.end) }));
  const denies = (h.events || []).filter(e => e.kind === "deny").map(e => ({ t: Date.parse(e.start) / 1000,
    text: (e.count > 1 ? e.count + " changes denied from " + utcMinute(Date.parse(e.start) / 1000) + " to " + utcMinute(Date.parse(e.end) / 1000) : "a change denied at " + utcMinute(Date.parse(e.start) / 1000)) }));
  const all = spans.concat(denies).sort((a, b) => a.t - b.t);
  summary.textContent = all.length ? "Events in this range (" + all.length + ")" : "No alert, deny, override or maintenance window in this range";
  details.append(summary, list(all.slice(-50).map(e => e.text)));
  return details;
}

// rangePicker links the ranges the charts can show: the last hour to the
// last 30 days, or the SLO's period (the default); the one shown is
// marked as the current page.
function rangePicker(params, current) {
  const nav = document.getElementById("ranges");
  nav.replaceChildren(...["1h", "6h", "1d", "7d", "30d", ""].map(r => {
    const p = new URLSearchParams(params);
    if (r) p.set("range", r); else p.delete("range");
    const a = document.createElement("a");
    a.href = "?" + p;
    a.textContent = r || "the period";
    if ((current || "") === r) a.setAttribute("aria-current", "page");
    return a;
  }));
}

// recentKinds are the audit records the SLO page lists: what the gate
// decided and the overrides that changed it (maintenance windows and
// injected incidents stay on the service's page).
const recentKinds = new Set(["decision", "decisions-repeated", "override-created", "override-changed", "override-deleted"]);

async function loadRecent(ev) {
  ev.preventDefault();
  const params = new URLSearchParams(location.search);
  const service = params.get("service") || "", slo = params.get("slo") || "";
  const token = document.getElementById("token").value;
  const hint = document.getElementById("audit-hint");
  let answer;
  try {
    answer = await api("/api/v1/audit?service=" + encodeURIComponent(service) + "&limit=200", token);
  } catch (err) {
    hint.textContent = "The audit trail could not be read: " + err.message;
    document.getElementById("audit").replaceChildren();
    return;
  }
  const records = (answer.records || []).filter(e => recentKinds.has(e.kind)).slice(0, 50);
  hint.textContent = records.length ? "The latest " + records.length + ", newest first." : "No gate decision or override on record.";
  document.getElementById("audit").replaceChildren(...records.map(e => {
    // A decision names the reasons that came from this SLO.
    const mine = ((e.decision && e.decision.reasons) || []).filter(r => r.slo === slo).map(r => r.message);
    return item(describe(e) + (mine.length ? "; from this SLO: " + mine.join("; ") : ""));
  }));
}

document.addEventListener("DOMContentLoaded", () => {
  const service = new URLSearchParams(location.search).get("service") || "";
  document.getElementById("service-link").href = "/ui/service.html?service=" + encodeURIComponent(service);
  document.getElementById("audit-form").addEventListener("submit", loadRecent);
  // A group picked is a link to send: in the URL, like the range.
  document.getElementById("group").addEventListener("change", ev => {
    const p = new URLSearchParams(location.search);
    p.set("group", ev.target.value);
    location.search = p;
  });
  loadSLO();
});
