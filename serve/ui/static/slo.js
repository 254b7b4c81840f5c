// An SLO's page: per objective, the budget burndown over the period
// against spending it evenly, the SLI against the objective, and the burn
// rate per window with each tier's threshold, from the history API.
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
    const [hresp, sresp] = await Promise.all([fetch(path + "/history" + (range ? "?range=" + encodeURIComponent(range) : "")), fetch(path)]);
    if (!hresp.ok) throw new Error("the history answered " + hresp.status);
    const h = await hresp.json();
    const current = sresp.ok ? (await sresp.json()).slos || [] : [];
    fresh.textContent = "From " + h.from.slice(0, 16).replace("T", " ") + " to " + h.to.slice(0, 16).replace("T", " ") + " UTC, a point every " + Math.round(h.stepSeconds / 60) + " minutes.";
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
      // Spending evenly: the whole budget over the range, from 100% to 0.
      const t0 = Date.parse(h.from) / 1000, t1 = Date.parse(h.to) / 1000;
      const even = [[t0, 1], [t1, 0]];
      section.append(lineChart("Error budget left", [{ name: "left", points: o.remaining }, { name: "spending evenly", points: even }],
        [{ name: "spent", value: 0 }], pct));
      section.append(lineChart("SLI over the period", [{ name: "SLI", points: o.sli }],
        [{ name: "objective", value: parseFloat(o.objective) / 100 }], pct));
      const windows = Object.keys(o.burnRates).sort((a, b) => windowSeconds(a) - windowSeconds(b));
      section.append(lineChart("Burn rate per window",
        windows.map(w => ({ name: w, points: o.burnRates[w] })),
        h.tiers.map(t => ({ name: t.severity + " " + t.long + "/" + t.short, value: t.factor })), times));
      main.append(section);
    }
  } catch (err) {
    fresh.textContent = "Could not read the SLO: " + err.message;
  }
}


document.addEventListener("DOMContentLoaded", loadSLO);
