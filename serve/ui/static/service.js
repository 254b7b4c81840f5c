// A service's page: the gate's decision for a normal change now with every
// reason, and overrides. The token lives in a variable of this page only:
// never in local or session storage, never in the URL.
"use strict";

const service = new URLSearchParams(location.search).get("service") || "";
let token = "";
let specWindows = []; // the spec's maintenance windows in force, from the gate

async function loadGate() {
  const decision = document.getElementById("decision");
  try {
    const g = ((await api("/api/v1/gate")).services || []).find(s => s.service === service);
    if (!g) throw new Error("the gate does not judge " + service);
    decision.textContent = "A normal change now: " + g.decision + (g.override ? " (override " + g.override.id + " until " + when(g.override.expires) + ")" : "") + ".";
    decision.className = "gate-" + g.decision;
    // A grouped SLO gives a reason per group, each naming its group; the
    // same reason twice is said once. The override's is said with its end
    // as every time on the page is.
    const reasons = [...new Set((g.reasons || []).map(r => r.rule === "override" && g.override
      ? "override: " + g.override.id + " lets normal changes through until " + when(g.override.expires)
      : r.rule + ": " + r.message))];
    document.getElementById("reasons").replaceChildren(...reasons.map(item));
    const windows = g.maintenance || [];
    document.getElementById("shaped").textContent = windows.length
      ? "Maintenance in force, its events left out of the budgets: " + windows.map(m => (m.slo || "every SLO") + " until " + when(m.end)).join("; ") + "."
      : "";
    specWindows = windows.filter(m => !m.id).map(m => ({ ...m, service }));
    if (!token) showMaintenance(windows.map(m => ({ ...m, service })), false);
  } catch (err) {
    decision.textContent = "Could not ask the gate: " + err.message;
  }
}

// loadSLOs lists the service's SLO objectives with their status and
// budget left, each a link to its page: what the gate's reasons are about.
async function loadSLOs() {
  const hint = document.getElementById("slos-hint");
  try {
    const mine = ((await api("/api/v1/slos")).slos || []).filter(s => s.service === service);
    hint.textContent = mine.length ? "" : "The budget service knows no SLO of " + service + ".";
    document.getElementById("slos").replaceChildren(...mine.map(s => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = sloHref(s);
      a.textContent = s.slo;
      const group = groupText(s);
      const status = document.createElement("span");
      status.className = "status-" + s.status;
      status.textContent = s.status;
      const left = s.remaining === null || s.remaining === undefined ? "no data" : (s.remaining * 100).toFixed(1) + "% of the budget left";
      li.append(a, document.createTextNode(" " + (group ? group + ", " : "") + s.objective + "%" + (s.threshold ? " < " + s.threshold : "") + ": "), status, document.createTextNode(", " + left));
      return li;
    }));
  } catch (err) {
    hint.textContent = "Could not read the budget state: " + err.message;
  }
}

// loadVerdicts lists the latest canary verdicts with their figures, for
// each objective: the canary's requests, errors and burn rate against the
// baseline's. The canary check records them; no token needed.
async function loadVerdicts() {
  const hint = document.getElementById("verdicts-hint");
  try {
    const verdicts = (await api("/api/v1/canary/" + encodeURIComponent(service) + "/verdicts")).verdicts || [];
    hint.textContent = verdicts.length ? "The latest " + verdicts.length + ", newest first." : "No canary of " + service + " has been judged.";
    document.getElementById("verdicts").replaceChildren(...verdicts.map(v => {
      const li = document.createElement("li");
      const verdict = document.createElement("span");
      verdict.className = "verdict-" + v.verdict;
      verdict.textContent = v.verdict;
      li.append(document.createTextNode(when(v.time) + ": "), verdict,
        document.createTextNode(" (" + v.change + ", last " + v.window + ", canary " + v.canary + " against " + v.baseline + ")" + (v.note ? ": " + v.note : "")));
      li.append(list(v.objectives.map(o => o.slo + " " + o.objective + "%: " + o.verdict + ", canary " + o.canaryBad + " bad of " + o.canaryTotal +
        " (" + o.canaryBurnRate.toPrecision(3) + "x), baseline " + o.baselineBad + " of " + o.baselineTotal + " (" + o.baselineBurnRate.toPrecision(3) + "x)")));
      return li;
    }));
  } catch (err) {
    hint.textContent = "Could not read the canary verdicts: " + err.message;
  }
}

async function loadOverrides() {
  if (!token) return;
  const hint = document.getElementById("overrides-hint");
  try {
    const mine = ((await api("/api/v1/overrides", token)).overrides || []).filter(o => o.service === service);
    hint.textContent = mine.length ? "" : "None.";
    document.getElementById("overrides").replaceChildren(...mine.map(o => item(o.id + " by " + o.author + " until " + when(o.expires) + ": " + o.reason)));
  } catch (err) {
    hint.textContent = "The overrides could not be listed: " + err.message;
  }
}

// showMaintenance lists the service's maintenance windows: those in force
// from the gate (no token), or, with it, every one not ended, with who
// made it and why.
function showMaintenance(windows, full) {
  const hint = document.getElementById("maintenance-hint");
  const mine = windows.filter(m => m.service === service);
  hint.textContent = (mine.length ? "" : "None " + (full ? "in force or to come." : "in force.")) +
    (full ? "" : " Give the token above to list those to come, with who made them and why.");
  document.getElementById("maintenance").replaceChildren(...mine.map(m => item((m.slo || "every SLO") + " from " + when(m.start) + " to " + when(m.end) +
    (m.id ? " (" + m.id + (m.author ? " by " + m.author : "") + ")" : " (from the spec)") + (m.reason ? ": " + m.reason : ""))));
}

async function loadMaintenance() {
  if (!token) return;
  try {
    showMaintenance(specWindows.concat((await api("/api/v1/maintenance", token)).maintenance || []), true);
  } catch (err) {
    document.getElementById("maintenance-hint").textContent = "The maintenance windows could not be listed: " + err.message;
  }
}

async function loadAudit() {
  if (!token) return;
  const hint = document.getElementById("audit-hint");
  try {
    const records = (await api("/api/v1/audit?service=" + encodeURIComponent(service) + "&limit=100", token)).records || [];
    hint.textContent = records.length ? "The latest " + records.length + " records, newest first." : "No record.";
    document.getElementById("audit").replaceChildren(...records.map(e => item(describe(e))));
  } catch (err) {
    hint.textContent = "The audit trail could not be read: " + err.message;
  }
}

async function createOverride(ev) {
  ev.preventDefault();
  token = document.getElementById("token").value;
  const result = document.getElementById("override-result");
  const body = {
    service,
    author: document.getElementById("author").value,
    reason: document.getElementById("reason").value,
    duration: document.getElementById("duration").value,
  };
  try {
    const answer = await api("/api/v1/overrides", token, { method: "POST", body: JSON.stringify(body) });
    result.textContent = "Created " + answer.id + ", in force until " + when(answer.expires) + ".";
  } catch (err) {
    result.textContent = "Refused: " + err.message;
    token = "";
    return;
  }
  await Promise.all([loadGate(), loadOverrides(), loadMaintenance(), loadAudit()]);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("title").textContent = service;
  document.title = "slokit: " + service;
  document.getElementById("override").addEventListener("submit", createOverride);
  loadGate();
  loadSLOs();
  loadVerdicts();
});
