// What the UI's pages share.
"use strict";

// windowSeconds reads a window label (5m, 1h, 2d19h) to order windows.
function windowSeconds(w) {
  const n = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, v, u] of w.matchAll(/(\d+)([smhdw])/g)) total += v * n[u];
  return total;
}
