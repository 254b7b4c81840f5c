// A service's page: the gate's decision for a normal change now with every
// reason, and overrides. The token lives in a variable of this page only:
// never in local or session storage, never in the URL.
"use strict";

const service = new URLSearchParams(location.search).get("service") || "";
let token = "";

async function loadGate() {
  const decision = document.getElementById("decision");
  try {
    const g = ((await api("/api/v1/gate")).services || []).find(s => s.service === service);
    if (!g) throw new Error("the gate does not judge " + service);
    decision.textContent = "A normal change now: " + g.decision + (g.override ? " (override " + g.override.id + " until " + when(g.override.expires) + ")" : "") + ".";
    decision.className = "gate-" + g.decision;
    document.getElementById("reasons").replaceChildren(...(g.reasons || []).map(r => item(r.rule + ": " + r.message)));
  } catch (err) {
    decision.textContent = "Could not ask the gate: " + err.message;
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
  await Promise.all([loadGate(), loadOverrides(), loadAudit()]);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("title").textContent = service;
  document.title = "slokit: " + service;
  document.getElementById("override").addEventListener("submit", createOverride);
  loadGate();
});
