// The benchmark harness's smoke run (`node bench/run.mjs --quick`): every scenario runs end
// to end against real processes and every delivery arrives. No timing is judged here.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIOS = ['ceilings', 'throughput', 'latency', 'fanout', 'isolation', 'scale', 'log'];

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
  // Quick sizes are too small for the targets: none is judged.
  expect(results.targets).toEqual([]);
  expect(output).toMatch(/quick run: .* none are evaluated/);
  expect(readFileSync(`${ROOT}bench/results/latest-quick.svg`, 'utf8')).toMatch(/^<svg/);
  expect(existsSync(`${ROOT}bench/results/latest-quick.md`)).toBe(true);
}, 180_000);
