// A line chart in SVG, for the SLO page: no library (a month of points is
// 240 per line, which SVG draws at once), a few lines of series over time
// with dashed reference lines, bands and marks for events, the values at
// the cursor in a tooltip, and axes labelled in text, so that the chart
// reads without colour (each line is also named in a legend and drawn in
// its own dash pattern; the events are listed in text beside it).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const dashes = ["", "6 3", "2 3", "10 3 2 3", "1 4", "8 6"];

function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

// utcMinute writes Unix seconds as "2026-12-03 20:17 UTC".
function utcMinute(t) {
  return new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

// lineChart draws lines ({name, points: [[t, v]...]}) into a figure with
// a caption, and returns it. Options:
// - refs: reference lines ({name, value}), dotted;
// - format: writes a value;
// - floor: values below it are drawn at it, so that one deep overspend
//   does not squash the rest of the chart (the legend and the tooltip
//   keep the true value);
// - log: a logarithmic value axis (values under 0.01 drawn at it): a
//   800x spike and a 1x threshold both stay readable;
// - bands: spans of time ({start, end, kind}) shaded behind the lines,
//   one shade per kind (bandNames names them in the legend);
// - marks: instants ({t, kind}) drawn as ticks under the axis.
function lineChart(caption, lines, o) {
  const { refs = [], format = String, floor, log, bands = [], marks = [] } = o || {};
  // Drawn at the page's width, so that text stays 11 pixels high on a
  // phone and the chart fills a wide window.
  const W = Math.max(320, Math.min(1400, document.getElementById("objectives").clientWidth || 720)), H = 220, L = 64, R = 12, T = 10, B = 34;
  const fig = document.createElement("figure");
  const cap = document.createElement("figcaption");
  cap.textContent = caption;
  fig.append(cap);
  const all = lines.flatMap(l => l.points);
  if (all.length === 0) {
    fig.append(document.createTextNode("No data in this range."));
    return fig;
  }
  // scale maps a value to the axis's: its logarithm on a log chart, else
  // itself above the floor.
  const scale = log ? v => Math.log10(Math.max(v, 0.01)) : v => (floor !== undefined && v < floor ? floor : v);
  const ts = all.map(p => p[0]);
  const vs = all.map(p => scale(p[1])).concat(refs.map(r => scale(r.value)));
  const t0 = Math.min(...ts), t1 = Math.max(...ts);
  let v0 = Math.min(...vs), v1 = Math.max(...vs);
  if (v0 === v1) { v0 -= 1; v1 += 1; }
  const x = t => L + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (W - L - R);
  const y = v => T + (1 - (scale(v) - v0) / (v1 - v0)) * (H - T - B);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": caption, class: "chart" });
  // Events of the minute after the last point (the range ends on a
  // whole minute) are drawn at the right edge.
  const clampT = t => Math.min(t1, Math.max(t0, t));
  const shown = e => (e.end ?? e.t) >= t0 && (e.start ?? e.t) <= t1 + 120;
  for (const b of bands.filter(shown)) {
    const from = x(clampT(b.start)), width = Math.max(3, x(clampT(b.end)) - from);
    svg.append(svgEl("rect", { x: Math.min(from, W - R - width), y: T, width, height: H - T - B, class: "band band-" + b.kind }));
  }
  svg.append(svgEl("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
  svg.append(svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }));
  for (const m of marks.filter(shown)) {
    svg.append(svgEl("path", { d: `M${x(clampT(m.t)).toFixed(1)} ${H - B + 1} l-4 7 h8 z`, class: "mark mark-" + m.kind }));
  }
  const fromAxis = v => (log ? Math.pow(10, v) : v);
  for (const v of [v0, (v0 + v1) / 2, v1]) {
    const label = svgEl("text", { x: L - 4, y: T + (1 - (v - v0) / (v1 - v0)) * (H - T - B) + 4, "text-anchor": "end", class: "tick" });
    label.textContent = format(fromAxis(v));
    svg.append(label);
  }
  for (const [t, anchor] of [[t0, "start"], [t1, "end"]]) {
    const label = svgEl("text", { x: x(t), y: H - 6, "text-anchor": anchor, class: "tick" });
    label.textContent = utcMinute(t);
    svg.append(label);
  }
  for (const r of refs) {
    svg.append(svgEl("line", { x1: L, x2: W - R, y1: y(r.value), y2: y(r.value), class: "ref" }));
  }
  const legend = document.createElement("ul");
  legend.className = "legend";
  lines.forEach((l, i) => {
    if (l.points.length === 0) return;
    const d = l.points.map((p, j) => (j ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" ");
    svg.append(svgEl("path", { d, class: "series s" + (i % dashes.length), "stroke-dasharray": dashes[i % dashes.length] }));
    legend.append(item(l.name + ": " + format(l.points[l.points.length - 1][1]) + " now"));
  });
  for (const r of refs) legend.append(item(r.name + " (dotted): " + format(r.value)));
  if (!log && floor !== undefined && all.some(p => p[1] < floor)) {
    legend.append(item("below " + format(floor) + " drawn at " + format(floor)));
  }
  for (const kind of new Set(bands.filter(shown).map(b => b.kind))) {
    const li = item(bandNames[kind] || kind);
    li.prepend(Object.assign(document.createElement("span"), { className: "swatch band-" + kind }));
    legend.append(li);
  }
  if (marks.some(shown)) legend.append(item("▲ under the axis: " + (markNames[marks[0].kind] || marks[0].kind)));
  fig.append(svg, legend);
  tooltip(fig, svg, lines, { W, L, R, T, B, H, t0, t1, x, format });
  return fig;
}

// bandNames and markNames name the events' shades and marks in legends.
const bandNames = {
  page: "shaded red: a page alert's condition held (both windows above its factor)",
  firing: "shaded red: this tier's condition held (both windows above its factor)",
  override: "shaded blue: an override in force",
  maintenance: "shaded grey: a maintenance window",
};
const markNames = { deny: "the gate denied a change" };

// tooltip shows, while the pointer is over the chart, the time under it
// and each line's value at the nearest point, beside a cursor line.
function tooltip(fig, svg, lines, g) {
  const tip = document.createElement("div");
  tip.className = "tip";
  tip.hidden = true;
  tip.setAttribute("aria-hidden", "true"); // the legend says the values in text
  const cursor = svgEl("line", { y1: g.T, y2: g.H - g.B, class: "cursor", visibility: "hidden" });
  svg.append(cursor);
  fig.append(tip);
  const nearest = (points, t) => {
    let lo = 0, hi = points.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (points[mid][0] < t) lo = mid + 1; else hi = mid;
    }
    return lo > 0 && t - points[lo - 1][0] < points[lo][0] - t ? points[lo - 1] : points[lo];
  };
  svg.addEventListener("pointermove", ev => {
    const r = svg.getBoundingClientRect();
    const px = (ev.clientX - r.left) * g.W / r.width;
    const t = g.t0 + (px - g.L) / (g.W - g.L - g.R) * (g.t1 - g.t0);
    if (t < g.t0 || t > g.t1) { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); return; }
    const rows = [];
    let at = t;
    for (const l of lines) {
      if (l.points.length === 0) continue;
      const p = nearest(l.points, t);
      at = p[0];
      rows.push(l.name + ": " + g.format(p[1]));
    }
    tip.textContent = [utcMinute(at), ...rows].join("\n");
    tip.hidden = false;
    cursor.setAttribute("x1", g.x(at));
    cursor.setAttribute("x2", g.x(at));
    cursor.setAttribute("visibility", "visible");
    const left = ev.clientX - fig.getBoundingClientRect().left;
    tip.style.left = (left > r.width / 2 ? left - tip.offsetWidth - 12 : left + 12) + "px";
    tip.style.top = (ev.clientY - fig.getBoundingClientRect().top + 12) + "px";
  });
  svg.addEventListener("pointerleave", () => { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); });
}
