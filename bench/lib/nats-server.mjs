// A private nats-server per scenario: fresh store, free port, killed and removed after.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsJetStream, natsTransport } from './deps.mjs';

const READY_TIMEOUT_MS = 10_000;

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `nats-server -a 127.0.0.1 -p <free> -js -sd <tmp>` and connects a client to it. */
export async function startNats() {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'herald-bench-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  // BENCH_NATS_MONITOR=1: the monitoring port (/varz, /jsz) too, its address on stderr.
  if (process.env.BENCH_NATS_MONITOR) {
    const monitor = await freePort();
    args.push('-m', String(monitor));
    if (process.env.BENCH_NATS_PROF) args.push('--profile', process.env.BENCH_NATS_PROF);
    process.stderr.write(`nats-server monitor http://127.0.0.1:${monitor}\n`);
  }
  const child = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server not ready: ${log}`)), READY_TIMEOUT_MS);
    child.stderr.on('data', (chunk) => {
      if (log.length < 20_000) log += chunk;
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}: ${log}`));
    });
    child.once('error', reject);
  });
  child.stderr.resume();
  const url = `nats://127.0.0.1:${port}`;
  const nc = await natsTransport.connect({ servers: url, name: 'herald-bench' });
  const js = natsJetStream.jetstream(nc);
  const jsm = await natsJetStream.jetstreamManager(nc);
  return {
    url,
    pid: child.pid,
    nc,
    js,
    jsm,
    async stop() {
      await nc.close().catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
