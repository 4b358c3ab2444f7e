// The BullMQ peer's processes: a private redis-server (AOF, fsync every second, no RDB
// snapshots, a fresh dir), the producer and the worker (bench/peers/*.mjs), each forked.
// `stop()` ends all three and removes the dir; every process is also killed if the harness
// exits first.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './deps.mjs';
import { freePort } from './nats-server.mjs';

const PEERS = fileURLToPath(new URL('../peers/', import.meta.url));
const READY_TIMEOUT_MS = 15_000;
const live = new Set();
const dirs = new Set();
const killAll = () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
};
process.on('exit', killAll);
// Interrupted: kill them, then die of the signal as the harness would have without us.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

async function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await Promise.race([new Promise((r) => child.once('exit', r)), sleep(ms)]);
}

async function kill(child, graceMs = 3_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exited(child, graceMs);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited(child, 1_000);
  }
}

function waitFor(child, what, test) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} not ready in ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    test(() => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}`));
    });
  });
}

/** An IPC client for a forked peer process: `call(cmd, args)` answers with its reply. */
function ipc(child) {
  let nextId = 1;
  const waiting = new Map();
  child.on('message', (m) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(new Error(m.error));
    else w.resolve(m);
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`peer process exited with ${code}`));
    waiting.clear();
  });
  return (cmd, args = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, cmd, ...args });
    });
}

export async function startBullmqPeer({ signingSecret, concurrency = 256, httpTimeoutMs = 15_000 }) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-redis-'));
  dirs.add(dir);
  const port = await freePort();
  const started = [];
  const stop = async () => {
    for (const child of started.reverse()) await kill(child);
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  try {
    const redis = track(
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--appendonly',
          'yes',
          '--appendfsync',
          'everysec',
          '--dir',
          dir,
          '--save',
          '',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      ),
    );
    started.push(redis);
    let out = '';
    await waitFor(redis, 'redis-server', (ready) =>
      redis.stdout.on('data', (chunk) => {
        if (out.length < 20_000) out += chunk;
        if (out.includes('Ready to accept connections')) ready();
      }),
    );
    redis.stdout.resume();
    const env = {
      ...process.env,
      REDIS_PORT: String(port),
      CONCURRENCY: String(concurrency),
      HTTP_TIMEOUT_MS: String(httpTimeoutMs),
      SIGNING_SECRET: signingSecret,
      // If the harness dies without a word (SIGKILL), the peers see their IPC channel close
      // and take redis-server and its dir with them.
      REDIS_PID: String(redis.pid),
      REDIS_DIR: dir,
    };
    const forkPeer = async (file, what) => {
      const child = track(
        fork(join(PEERS, file), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      );
      started.push(child);
      await waitFor(child, what, (ready) => child.on('message', (m) => m.ready && ready()));
      return child;
    };
    const worker = await forkPeer('bullmq-worker.mjs', 'bullmq worker');
    const producer = await forkPeer('bullmq-producer.mjs', 'bullmq producer');
    const call = ipc(producer);
    return {
      pids: { worker: worker.pid, producer: producer.pid, redis: redis.pid },
      port,
      endpoints: (endpoints) => call('endpoints', { endpoints }),
      burst: (tag, count, window) => call('burst', { tag, count, window }),
      paced: (tag, rate, durationMs, startIndex) => call('paced', { tag, rate, durationMs, startIndex }),
      async stop() {
        // Graceful first (a worker closes its jobs and connections), then the kill in `stop`.
        worker.send({ cmd: 'stop' });
        await Promise.race([call('stop').catch(() => {}), sleep(2_000)]);
        await exited(worker, 3_000);
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
