// Starts bench/sink.mjs as a child process and talks to it over IPC.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from './deps.mjs';

const SINK = fileURLToPath(new URL('../sink.mjs', import.meta.url));

export async function startSink() {
  const child = fork(SINK, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => (m.ready ? resolve(m.port) : reject(new Error('sink failed'))));
    child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)));
  });
  let nextId = 1;
  const waiting = new Map();
  child.on('message', (m) => {
    const resolve = waiting.get(m.id);
    if (resolve) {
      waiting.delete(m.id);
      resolve(m);
    }
  });
  const call = (cmd, args = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ id, cmd, ...args });
    });
  const sink = {
    port,
    pid: child.pid,
    origin: `http://127.0.0.1:${port}`,
    reset: () => call('reset'),
    hang: (paths) => call('hang', { paths }),
    /** `{ path: behaviour }` (see sink.mjs `answer`); `{}` ends what earlier behaviours hold open. */
    behave: (paths) => call('behave', { paths }),
    /** Requests per behaviour path: `{ paths: { [path]: { requests, firstAt, lastAt, at? } }, heldNow }`. */
    pathStats: (times = false) => call('pathStats', { times }),
    /** Opens `count` more ports (closed by `reset`); returns their origins. */
    origins: async (count) => (await call('listen', { count })).ports.map((p) => `http://127.0.0.1:${p}`),
    count: () => call('count'),
    dump: (from = 0) => call('dump', { from }),
    /** Polls until `unique` first arrivals are in, or the deadline passes; returns the last count. */
    async waitFor(unique, timeoutMs, onTick) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const c = await call('count');
        onTick?.(c);
        if (c.unique >= unique || performance.now() > deadline) return c;
        await sleep(c.unique > 0 ? 50 : 20);
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await call('stop');
      await Promise.race([exited, sleep(2_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
  return sink;
}
