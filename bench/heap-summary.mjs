#!/usr/bin/env node
// Live heap of a runner heap snapshot (--heap-snapshot) by constructor: `node bench/heap-summary.mjs <file> [top]`.
import { readFileSync } from 'node:fs';

const [file, topArg = '25'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/heap-summary.mjs <file.heapsnapshot> [top]\n');
  process.exit(2);
}
const snap = JSON.parse(readFileSync(file, 'utf8'));
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const [TYPE, NAME, SELF] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
const width = fields.length;
const groups = new Map();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += width) {
  const size = snap.nodes[i + SELF];
  total += size;
  const type = types[snap.nodes[i + TYPE]];
  const key =
    type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + NAME]]}` : type;
  const g = groups.get(key) ?? { count: 0, size: 0 };
  g.count++;
  g.size += size;
  groups.set(key, g);
}
process.stdout.write(
  `live heap: ${(total / 2 ** 20).toFixed(1)} MB in ${snap.nodes.length / width} objects\n`,
);
for (const [key, g] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, Number(topArg)))
  process.stdout.write(
    `  ${(g.size / 2 ** 20).toFixed(1).padStart(7)} MB ${String(g.count).padStart(9)}  ${key.slice(0, 90)}\n`,
  );
