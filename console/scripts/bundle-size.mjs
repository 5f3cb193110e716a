/**
 * Prints the gzipped JavaScript each screen loads, from Vite's manifest, and
 * fails the build when the heaviest first screen (sign-in, then the funnel with
 * its chart chunk) passes the 300 KB budget.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const BUDGET = 300_000;
const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
const gz = (file) => gzipSync(readFileSync(join(dist, file))).length;

/** Every JS file a chunk needs at once: itself and its static imports. */
function staticClosure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const dep of manifest[key].imports ?? []) staticClosure(dep, seen);
  return seen;
}
const sum = (keys) => [...keys].reduce((n, k) => n + gz(manifest[k].file), 0);
const entry = Object.keys(manifest).find((k) => manifest[k].isEntry);
const first = staticClosure(entry);
const lazy = new Set((manifest[entry].dynamicImports ?? []).flatMap((k) => [...staticClosure(k)]));
const withCharts = new Set([...first, ...lazy]);
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
const signIn = sum(first);
const funnel = sum(withCharts);
console.log(
  `bundle: sign-in screen ${kb(signIn)} gzipped JS; funnel screen (with the chart chunk) ${kb(funnel)}; ` +
    `budget ${kb(BUDGET)}`,
);
if (funnel > BUDGET) {
  console.error(`bundle: the funnel screen's JavaScript (${kb(funnel)} gzipped) is over the ${kb(BUDGET)} budget`);
  process.exit(1);
}
