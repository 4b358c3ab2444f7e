// The BullMQ peer's producer (a process of its own): for each event, one job per matching
// endpoint (team and project), with a dedup job id `<event id>_<endpoint id>` (BullMQ keeps
// one job per id while it exists: completed jobs are kept an hour, failed a day). Commands
// over IPC: `burst` (500 adds outstanding, as the harness publishes to JetStream) and `paced`
// (a steady rate); each answers with when every job was added.
import { rmSync } from 'node:fs';
import { Queue } from 'bullmq';

const core = await import('../../packages/core/dist/index.js');
const QUEUE = 'herald-webhooks';
const now = () => performance.timeOrigin + performance.now();
const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT), maxRetriesPerRequest: null };
const queue = new Queue(QUEUE, {
  connection,
  defaultJobOptions: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: 3_600 },
    removeOnFail: { age: 86_400 },
  },
});
await queue.waitUntilReady();

let endpoints = [];
let routes = new Map();

/** Event `i` of a run: for the i-th endpoint's (team, project), enqueued to every endpoint listening there. */
function enqueue(tag, i, addedAt) {
  const first = endpoints[i % endpoints.length];
  const id = `${tag}-${i}`;
  const at = now();
  const event = core.exampleEvent('build:success', {
    id,
    occurredAt: new Date(at).toISOString(),
    teamId: first.teamId,
    projectId: first.project,
  });
  const jobs = [];
  for (const e of routes.get(`${first.teamId}|${first.project}`)) {
    addedAt.push([`${id}|${e.id}`, at]);
    jobs.push(
      queue.add(
        event.event,
        { event, integration: { id: e.id, name: e.name, url: e.url } },
        { jobId: `${id}_${e.id}` },
      ),
    );
  }
  return Promise.all(jobs);
}

async function burst({ tag, count, window }) {
  const addedAt = [];
  let inFlight = 0;
  let wake = null;
  const done = () => {
    inFlight--;
    wake?.();
  };
  for (let i = 0; i < count; i++) {
    while (inFlight >= window) await new Promise((r) => (wake = r));
    inFlight++;
    enqueue(tag, i, addedAt).then(done, (err) => {
      process.stderr.write(`bullmq producer: ${err.message}\n`);
      done();
    });
  }
  while (inFlight > 0) await new Promise((r) => (wake = r));
  return { addedAt };
}

async function paced({ tag, rate, durationMs, startIndex = 0 }) {
  const addedAt = [];
  const total = Math.round((rate * durationMs) / 1000);
  const start = now();
  const pending = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
    while (sent < due) pending.push(enqueue(tag, startIndex + sent++, addedAt));
    await new Promise((r) => setTimeout(r, 1));
  }
  const seconds = (now() - start) / 1000;
  await Promise.allSettled(pending);
  return { addedAt, rate: sent / seconds };
}

process.on('message', async (m) => {
  let reply;
  try {
    if (m.cmd === 'endpoints') {
      endpoints = m.endpoints;
      routes = new Map();
      for (const e of endpoints) {
        const k = `${e.teamId}|${e.project}`;
        routes.set(k, [...(routes.get(k) ?? []), e]);
      }
      reply = {};
    } else if (m.cmd === 'burst') reply = await burst(m);
    else if (m.cmd === 'paced') reply = await paced(m);
    else if (m.cmd === 'stop') {
      await queue.close();
      process.send({ id: m.id });
      process.exit(0);
    }
  } catch (err) {
    reply = { error: err.stack ?? String(err) };
  }
  process.send({ id: m.id, ...reply });
});
// The harness is gone (even SIGKILLed): take the private redis-server and its dir along.
process.on('disconnect', () => {
  try {
    process.kill(Number(process.env.REDIS_PID), 'SIGKILL');
  } catch {
    // Already gone.
  }
  rmSync(process.env.REDIS_DIR, { recursive: true, force: true });
  process.exit(0);
});
process.send({ ready: true });
