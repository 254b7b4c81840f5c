// A service's page: the gate's decision for a normal change now with every
// reason, and overrides. The token lives in a variable of this page only:
// never in local or session storage, never in the URL.
"use strict";

const service = new URLSearchParams(location.search).get("service") || "";
let token = "";

function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

async function loadGate() {
  const decision = document.getElementById("decision");
  try {
    const resp = await fetch("/api/v1/gate");
    if (!resp.ok) throw new Error("the gate answered " + resp.status);
    const g = ((await resp.json()).services || []).find(s => s.service === service);
    if (!g) throw new Error("the gate does not judge " + service);
    decision.textContent = "A normal change now: " + g.decision + (g.override ? " (override " + g.override.id + " until " + g.override.expires + ")" : "") + ".";
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
  document.getElementById("overrides").replaceChildren(...mine.map(o => item(o.id + " by " + o.author + " until " + o.expires + ": " + o.reason)));
}

// describe says what an audit record is about, in one line.
function describe(e) {
  const at = e.time.slice(0, 19).replace("T", " ") + " UTC";
  if (e.decision) return at + ": " + e.decision.change + " change " + e.decision.decision + (e.client ? " (from " + e.client + ")" : "");
  if (e.override) return at + ": " + e.kind + " " + e.override.id + (e.override.author ? " by " + (e.by || e.override.author) : "") + (e.override.reason ? ": " + e.override.reason : "");
  if (e.maintenance) return at + ": " + e.kind + " " + e.maintenance.id + (e.maintenance.reason ? ": " + e.maintenance.reason : "");
  if (e.repeated) return at + ": " + e.repeated.count + " more " + e.repeated.change + " changes " + e.repeated.decision;
  return at + ": " + e.kind;
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
  result.textContent = "Created " + answer.id + ", in force until " + answer.expires + ".";
  await Promise.all([loadGate(), loadOverrides(), loadAudit()]);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("title").textContent = service;
  document.title = "slokit: " + service;
  document.getElementById("override").addEventListener("submit", createOverride);
  loadGate();
});
