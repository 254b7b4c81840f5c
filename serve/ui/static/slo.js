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
    fresh.textContent = "From " + when(h.from) + " to " + when(h.to) + ", a point every " + Math.round(h.stepSeconds / 60) + " minutes.";
    const main = document.getElementById("objectives");
    main.replaceChildren();
    for (const o of h.objectives) {
      const section = document.createElement("section");
      const title = document.createElement("h2");
      const group = Object.entries(o.group || {}).map(([k, v]) => k + "=" + v).join(", ");
      title.textContent = "Objective " + o.objective + "%" + (o.threshold ? " under " + o.threshold : "") + (group ? " (" + group + ")" : "");
      section.append(title);
      const now = current.find(s => s.objective === o.objective && (s.threshold || "") === (o.threshold || "") &&
        JSON.stringify(s.group || {}) === JSON.stringify(o.group || {}));
      const status = document.createElement("p");
      const firing = now && now.firingAlerts && now.firingAlerts.length
        ? now.firingAlerts.map(a => a.severity + " over " + a.window).join(", ") : "none";
      status.textContent = now ? "Status " + now.status + "; firing alerts: " + firing + "." : "No current state.";
      section.append(status);
      // Spending evenly: the whole budget over the period, from 100% at
      // its start to 0 at its end, drawn over the range shown.
      const t0 = Date.parse(h.from) / 1000, t1 = Date.parse(h.to) / 1000;
      const p0 = Date.parse(h.periodStart) / 1000, p1 = Date.parse(h.periodEnd) / 1000;
      const evenAt = t => Math.min(1, Math.max(0, 1 - (t - p0) / (p1 - p0)));
      const even = [[t0, evenAt(t0)], [t1, evenAt(t1)]];
      section.append(lineChart("Error budget left", [{ name: "left", points: o.remaining }, { name: "if spent evenly over the period", points: even }],
        [{ name: "all spent", value: 0 }], pct, -0.5));
      section.append(lineChart("SLI over the period", [{ name: "SLI", points: o.sli }],
        [{ name: "objective", value: parseFloat(o.objective) / 100 }], pct));
      // One chart per alert tier: its long and short windows against the
      // factor it fires at, on a log scale. Without tiers (SLOs discovered
      // from older rules), every window on one chart.
      for (const t of h.tiers) {
        section.append(lineChart("Burn rate, " + t.severity + " tier " + t.long + "/" + t.short + ": fires while both are above " + t.factor + "x",
          [t.long, t.short].map(w => ({ name: w, points: o.burnRates[w] || [] })),
          [{ name: "fires at", value: t.factor }], times, undefined, true));
      }
      if (h.tiers.length === 0) {
        const windows = Object.keys(o.burnRates).sort((a, b) => windowSeconds(a) - windowSeconds(b));
        section.append(lineChart("Burn rate per window", windows.map(w => ({ name: w, points: o.burnRates[w] })), [], times, undefined, true));
      }
      main.append(section);
    }
  } catch (err) {
    fresh.textContent = "Could not read the SLO: " + err.message;
  }
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
  loadSLO();
});
