#!/usr/bin/env node
// Writes the large benchmark inputs into bench/out/ (not committed).
//
//   node bench/defs/make-inputs.mjs [--items N] [--execs M]
//
//   bench/out/map-100k.input.json        scenario (c): {"items":[{"id":0},...,{"id":N-1}]} on ONE line
//                                        (one line so that `local-sfn < file` reads it as one input)
//   bench/out/small-8-state.inputs.ndjson scenario (d): M lines {"id":k,"v":k%100}, k = 0..M-1
//
// Defaults: N = 100000, M = 100000. The small inputs of (a) and (b) are
// committed next to their definitions (*.input.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.env.BENCH_OUT ?? join(here, '..', 'out');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const items = arg('--items', 100000);
const execs = arg('--execs', 100000);

function mapItems(n) {
  const a = new Array(n);
  for (let i = 0; i < n; i++) a[i] = { id: i };
  return a;
}
function smallInput(k) {
  return { id: k, v: k % 100 };
}

mkdirSync(outDir, { recursive: true });
const mapFile = join(outDir, 'map-100k.input.json');
writeFileSync(mapFile, JSON.stringify({ items: mapItems(items) }) + '\n');
console.error(`wrote ${mapFile} (${items} items)`);

const lines = new Array(execs);
for (let k = 0; k < execs; k++) lines[k] = JSON.stringify(smallInput(k));
const smallFile = join(outDir, 'small-8-state.inputs.ndjson');
writeFileSync(smallFile, lines.join('\n') + '\n');
console.error(`wrote ${smallFile} (${execs} inputs)`);
