// The benchmark harness's smoke run (`node bench/run.mjs --quick`): every scenario runs end
// to end against real processes and every delivery arrives (in the isolation scenarios, every
// healthy one). No timing is judged here.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIOS = [
  'ceilings',
  'throughput',
  'latency',
  'fanout',
  'isolation',
  'scale',
  'log',
  'events',
  'broken-many',
  'backlog',
  'hostile',
];

it('runs every scenario in quick mode; every delivery arrives and results are written', async () => {
  const child = spawn(process.execPath, ['bench/run.mjs', '--quick'], { cwd: ROOT, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, output).toBe(0);

  const results = JSON.parse(readFileSync(`${ROOT}bench/results/latest-quick.json`, 'utf8'));
  expect(results.meta.quick).toBe(true);
  expect(results.errors).toEqual([]);
  expect(Object.keys(results.results).sort()).toEqual([...SCENARIOS].sort());
  for (const name of ['throughput', 'latency', 'fanout', 'isolation'])
    expect(results.results[name].complete, name).toBe(true);
  expect(results.results.throughput.delivered).toBe(results.results.throughput.deliveries);
  // The isolation scenarios at tiny sizes (too few broken endpoints to fill the runner's
  // slots): every healthy delivery arrives, the figures the targets read are there.
  const { 'broken-many': broken, backlog, hostile } = results.results;
  for (const [name, phase] of [
    ['broken-many alone', broken.alone],
    ['broken-many', broken.withBroken],
    ['hostile alone', hostile.alone],
    ['hostile', hostile.withBroken],
  ]) {
    expect(phase.healthy.delivered, name).toBe(phase.healthy.expected);
    expect(phase.healthy.expected, name).toBeGreaterThan(0);
    expect(phase.rss.samples.length, name).toBeGreaterThan(1);
    expect(phase.unexpectedArrivals, name).toBe(0);
  }
  expect(broken.hangingIntegrations).toBeGreaterThan(0);
  expect(broken.withBroken.hungRequests).toBeGreaterThan(0);
  expect(backlog.samePartition.delivered).toBe(backlog.samePartition.expected);
  expect(backlog.otherPartition.delivered).toBe(backlog.otherPartition.expected);
  expect(backlog.samePartitionUnpaced.delivered).toBe(backlog.samePartitionUnpaced.expected);
  expect(backlog.unexpectedArrivals).toBe(0);
  expect(backlog.controlPartition).not.toBe(backlog.partition);
  expect(hostile.shortRetryAfterRequests).toBeGreaterThan(0);
  expect(hostile.longRetryAfterRequests).toBeGreaterThan(0);
  // Quick sizes are too small for the targets: none is judged.
  expect(results.targets).toEqual([]);
  expect(output).toMatch(/quick run: .* none are evaluated/);
  expect(readFileSync(`${ROOT}bench/results/latest-quick.svg`, 'utf8')).toMatch(/^<svg/);
  expect(existsSync(`${ROOT}bench/results/latest-quick.md`)).toBe(true);
}, 180_000);
