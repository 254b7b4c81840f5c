// A service's page: the gate's decision for a normal change now with every
// reason, and overrides. The token lives in a variable of this page only:
// never in local or session storage, never in the URL.
"use strict";

const service = new URLSearchParams(location.search).get("service") || "";
let token = "";

async function loadGate() {
  const decision = document.getElementById("decision");
  try {
    const resp = await fetch("/api/v1/gate");
    if (!resp.ok) throw new Error("the gate answered " + resp.status);
    const g = ((await resp.json()).services || []).find(s => s.service === service);
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
  const resp = await fetch("/api/v1/overrides", { headers: { Authorization: "Bearer " + token } });
  if (!resp.ok) {
    hint.textContent = "The overrides could not be listed: " + ((await resp.json()).error || resp.status);
    return;
  }
  const mine = ((await resp.json()).overrides || []).filter(o => o.service === service);
  hint.textContent = mine.length ? "" : "None.";
  document.getElementById("overrides").replaceChildren(...mine.map(o => item(o.id + " by " + o.author + " until " + when(o.expires) + ": " + o.reason)));
}

async function loadAudit() {
  if (!token) return;
  const hint = document.getElementById("audit-hint");
  const resp = await fetch("/api/v1/audit?service=" + encodeURIComponent(service) + "&limit=100", { headers: { Authorization: "Bearer " + token } });
  if (!resp.ok) {
    hint.textContent = "The audit trail could not be read: " + ((await resp.json()).error || resp.status);
    return;
  }
  const records = (await resp.json()).records || [];
  hint.textContent = records.length ? "The latest " + records.length + " records, newest first." : "No record.";
  document.getElementById("audit").replaceChildren(...records.map(e => item(describe(e))));
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
  const resp = await fetch("/api/v1/overrides", {
    method: "POST",
    headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await resp.json();
  if (!resp.ok) {
    result.textContent = "Refused: " + (answer.error || resp.status);
    token = "";
    return;
  }
  result.textContent = "Created " + answer.id + ", in force until " + when(answer.expires) + ".";
  await Promise.all([loadGate(), loadOverrides(), loadAudit()]);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("title").textContent = service;
  document.title = "slokit: " + service;
  document.getElementById("override").addEventListener("submit", createOverride);
  loadGate();
});
