#!/usr/bin/env node
// Prints where a runner CPU profile spends its time: `node bench/profile-summary.mjs <file.cpuprofile>`.
import { summarizeProfile } from './lib/profile.mjs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n');
  process.exit(2);
}
const n = Number(process.argv[3] ?? 30);
const s = summarizeProfile(file);
process.stdout.write(`${s.file}: ${s.busySeconds} s busy of ${s.wallSeconds} s\n\nby area (self time):\n`);
for (const a of s.byArea) process.stdout.write(`  ${String(a.percent).padStart(5)} %  ${a.area}\n`);
process.stdout.write('\nself time by frame:\n');
for (const f of s.top.slice(0, n)) process.stdout.write(`  ${String(f.percent).padStart(5)} %  ${f.frame}\n`);
process.stdout.write('\ninclusive time of Herald frames:\n');
for (const f of s.heraldInclusive.slice(0, n))
  process.stdout.write(`  ${String(f.percent).padStart(5)} %  ${f.frame}\n`);
