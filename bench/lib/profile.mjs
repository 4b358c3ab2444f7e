// Summarises the runner's V8 CPU profiles (`--cpu-prof`): self time by frame and by area,
// and inclusive time of Herald's own functions, with dist lines mapped back to src/*.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './deps.mjs';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

const maps = new Map();
/** A lookup (line, column) → "src/file.ts:line" from the file's .js.map, or null. */
function sourceMapOf(file) {
  if (maps.has(file)) return maps.get(file);
  let lookup = null;
  try {
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
    const lines = [];
    let src = 0;
    let srcLine = 0;
    for (const line of map.mappings.split(';')) {
      const segs = [];
      let col = 0;
      for (const s of line.split(',')) {
        if (!s) continue;
        const v = decodeVlq(s);
        col += v[0];
        if (v.length >= 4) {
          src += v[1];
          srcLine += v[2];
          segs.push([col, src, srcLine]);
        }
      }
      lines.push(segs);
    }
    const sources = map.sources.map((s) => relative(ROOT, resolve(dirname(file), map.sourceRoot ?? '', s)));
    lookup = (line, column) => {
      const segs = lines[line] ?? [];
      let best = segs[0];
      for (const seg of segs) if (seg[0] <= column) best = seg;
      return best ? `${sources[best[1]]}:${best[2] + 1}` : null;
    };
  } catch {
    lookup = null;
  }
  maps.set(file, lookup);
  return lookup;
}

function where(frame) {
  const { url, lineNumber, columnNumber } = frame;
  if (!url) return '';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (file.includes('/packages/') && !file.includes('node_modules')) {
    const mapped = sourceMapOf(file)?.(lineNumber, columnNumber);
    if (mapped) return mapped;
  }
  const short = file.includes('node_modules')
    ? file.slice(file.lastIndexOf('node_modules/') + 13)
    : relative(ROOT, file);
  return `${short}:${lineNumber + 1}`;
}

function areaOf(frame) {
  const u = frame.url;
  const name = frame.functionName;
  if (!u) {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)') return 'idle';
    if (name === '(program)') return 'program (native, unattributed)';
    return 'native';
  }
  if (u.startsWith('node:')) return 'node internals';
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1].startsWith('@nats-io') ? '@nats-io/*' : m[1];
  const p = /packages\/([^/]+)\//.exec(u);
  return p ? `@herald/${p[1]}` : 'other';
}

/** One profile: self time by frame and area, inclusive time of Herald's frames (percent of busy time). */
export function summarizeProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame)}`.trim();
  const self = new Map();
  const area = new Map();
  const inclusive = new Map();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += dt;
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const a = areaOf(node.callFrame);
    area.set(a, (area.get(a) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n.callFrame.url.includes('/packages/') || n.callFrame.url.includes('node_modules')) continue;
      const k = label(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const pct = (v) => Math.round((v / busy) * 1000) / 10;
  const top = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([frame, v]) => ({ frame, percent: pct(v) }));
  const wall = (profile.endTime - profile.startTime) / 1e6;
  return {
    file: relative(ROOT, file),
    wallSeconds: Math.round(wall * 10) / 10,
    busySeconds: Math.round((busy / 1e6) * 10) / 10,
    top: top(self, 40),
    byArea: top(area, 20).map(({ frame, percent }) => ({ area: frame, percent })),
    heraldInclusive: top(inclusive, 30),
  };
}

/** Summaries of every profile under `dir` (one folder per scenario). */
export function summarizeProfiles(dir) {
  const out = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const sub = join(dir, name);
    if (!statSync(sub).isDirectory()) continue;
    const files = readdirSync(sub).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length) out[name] = summarizeProfile(join(sub, files[0]));
  }
  return out;
}
