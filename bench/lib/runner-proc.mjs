// The runner as a separate process: `node packages/runner/dist/cli.js start`.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, RUNNER_CLI, sleep } from './deps.mjs';
import { freePort } from './nats-server.mjs';
import { memory } from './proc.mjs';

const READY_POLL_MS = 10;
const STOP_TIMEOUT_MS = 20_000;
const LOG_TAIL_CHARS = 16_000;
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/**
 * Spawns the runner and waits for `/readyz` to answer 200. `readyMs` is from spawn to the
 * first 200. With `profileDir`, the runner runs under `--cpu-prof` and writes its profile
 * there when it stops.
 */
export async function startRunner({
  natsUrl,
  env = {},
  nodeArgs: extraNodeArgs = [],
  profileDir = null,
  readyTimeoutMs = 60_000,
}) {
  const port = await freePort();
  // On a start that never gets ready, SIGUSR2 makes the runner write a diagnostic report.
  const reportDir = join(RESULTS_DIR, 'reports');
  const nodeArgs = [
    '--report-on-signal',
    '--report-signal=SIGUSR2',
    `--report-directory=${reportDir}`,
    ...extraNodeArgs,
  ];
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  }
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, RUNNER_CLI, 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NATS_URL: natsUrl,
      HERALD_PORT: String(port),
      HERALD_HOST: '127.0.0.1',
      HERALD_EGRESS_ALLOW_CIDRS: '127.0.0.0/8',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk).slice(-LOG_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const readyUrl = `http://127.0.0.1:${port}/readyz`;
  const deadline = spawnedAt + readyTimeoutMs;
  let readyMs = null;
  let last = 'no answer';
  while (readyMs === null) {
    if (child.exitCode !== null)
      throw new Error(`runner exited with ${child.exitCode} before ready:\n${log}`);
    if (performance.now() > deadline) {
      mkdirSync(reportDir, { recursive: true });
      child.kill('SIGUSR2');
      await sleep(2_000);
      child.kill('SIGKILL');
      throw new Error(
        `runner not ready in ${readyTimeoutMs} ms (last /readyz: ${last}; diagnostic report in bench/results/reports/):\n${log}`,
      );
    }
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) readyMs = performance.now() - spawnedAt;
    } catch (err) {
      last = String(err.cause?.code ?? err.name ?? err);
    }
    if (readyMs === null) await sleep(READY_POLL_MS);
  }

  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    readyMs,
    memory: () => memory(child.pid),
    log: () => log,
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      return res.text();
    },
    /** With --heapsnapshot-signal=SIGUSR1: writes a heap snapshot (a full GC first) and waits for it. */
    async heapSnapshot(waitMs = 30_000) {
      child.kill('SIGUSR1');
      await sleep(waitMs);
    },
    /** SIGTERM (graceful stop; the CPU profile is written then), SIGKILL after a timeout. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
