// A line chart in SVG, for the SLO page: no library, a few lines of
// series over time with dashed reference lines, axes labelled in text so
// the chart reads without colour (each line is also named in a legend
// and drawn in its own dash pattern).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const dashes = ["", "6 3", "2 3", "10 3 2 3", "1 4", "8 6"];

function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

// lineChart draws lines ({name, points: [[t, v]...]}) and reference lines
// ({name, value}) into a figure with a caption, and returns it. Values
// below floor (when given) are drawn at it, so that one deep overspend
// does not squash the rest of the chart; the legend keeps the true value.
// With log, the value axis is logarithmic (values under 0.01 drawn at
// it): a 800x spike and a 1x threshold both stay readable.
function lineChart(caption, lines, refs, format, floor, log) {
  // Drawn at the page's width, so that text stays 11 pixels high on a
  // phone and the chart fills a wide window.
  const W = Math.max(320, Math.min(1400, document.getElementById("objectives").clientWidth || 720)), H = 220, L = 64, R = 12, T = 10, B = 28;
  if (log) {
    const toLog = v => Math.log10(Math.max(v, 0.01)), fromLog = v => Math.pow(10, v);
    // The legend says the true values; the axis, the logarithms'.
    const last = l => (l.points.length ? format(l.points[l.points.length - 1][1]) : "–");
    return lineChart(caption,
      lines.map(l => ({ ...l, points: l.points.map(p => [p[0], toLog(p[1])]), label: l.name + ": " + last(l) + " now" })),
      refs.map(r => ({ ...r, value: toLog(r.value), label: r.name + " (dotted): " + format(r.value) })),
      v => format(fromLog(v)));
  }
  const fig = document.createElement("figure");
  const cap = document.createElement("figcaption");
  cap.textContent = caption;
  fig.append(cap);
  const all = lines.flatMap(l => l.points);
  if (all.length === 0) {
    fig.append(document.createTextNode("No data in this range."));
    return fig;
  }
  const clamp = v => (floor !== undefined && v < floor ? floor : v);
  const ts = all.map(p => p[0]);
  const vs = all.map(p => clamp(p[1])).concat(refs.map(r => r.value));
  const t0 = Math.min(...ts), t1 = Math.max(...ts);
  let v0 = Math.min(...vs), v1 = Math.max(...vs);
  if (v0 === v1) { v0 -= 1; v1 += 1; }
  const x = t => L + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (W - L - R);
  const y = v => T + (1 - (v - v0) / (v1 - v0)) * (H - T - B);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": caption, class: "chart" });
  svg.append(svgEl("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
  svg.append(svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }));
  for (const v of [v0, (v0 + v1) / 2, v1]) {
    const label = svgEl("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end", class: "tick" });
    label.textContent = format(v);
    svg.append(label);
  }
  for (const [t, anchor] of [[t0, "start"], [t1, "end"]]) {
    const label = svgEl("text", { x: x(t), y: H - 8, "text-anchor": anchor, class: "tick" });
    label.textContent = new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
    svg.append(label);
  }
  for (const r of refs) {
    svg.append(svgEl("line", { x1: L, x2: W - R, y1: y(r.value), y2: y(r.value), class: "ref" }));
  }
  const legend = document.createElement("ul");
  legend.className = "legend";
  lines.forEach((l, i) => {
    if (l.points.length === 0) return;
    const d = l.points.map((p, j) => (j ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(clamp(p[1])).toFixed(1)).join(" ");
    svg.append(svgEl("path", { d, class: "series s" + (i % dashes.length), "stroke-dasharray": dashes[i % dashes.length] }));
    const li = document.createElement("li");
    li.textContent = l.label || l.name + ": " + format(l.points[l.points.length - 1][1]) + " now";
    legend.append(li);
  });
  for (const r of refs) {
    const li = document.createElement("li");
    li.textContent = r.label || r.name + " (dotted): " + format(r.value);
    legend.append(li);
  }
  if (floor !== undefined && all.some(p => p[1] < floor)) {
    legend.append(item("below " + format(floor) + " drawn at " + format(floor)));
  }
  fig.append(svg, legend);
  return fig;
}
