// Experiment: `node bench/experiments/event-log-cost.mjs [noindex]` — the CPU of this process per
// event recorded with KvEventLog at the throughput scenario's pace (100 000 events over 10 teams,
// 40 every 10 ms, ~4 000/s) against a fresh nats-server; `noindex` stubs the listing appends.
import { AckedPublisher, KvEventLog } from '../lib/deps.mjs';
import { provisionLike } from '../lib/fixtures.mjs';
import { startNats } from '../lib/nats-server.mjs';

const { LogIndex } = await import('../../packages/runner/dist/store/log-index.js');
if (process.argv[2] === 'noindex') LogIndex.prototype.append = () => Promise.resolve();
const nats = await startNats();
const buckets = await provisionLike(nats);
const log = new KvEventLog(buckets.eventLog, new AckedPublisher(nats.nc, 5000));
const rec = (i) => ({
  teamId: `team-${i % 10}`,
  eventId: `evt-${i}`,
  type: 'build:success',
  projectId: `p${i % 100}`,
  occurredAt: 'x',
  receivedAt: 'x',
  routedAt: 'x',
  outcome: 'delivered',
  deliveredTo: ['int_1'],
  skipped: Object.fromEntries(Array.from({ length: 9 }, (_, k) => [`int_${k}`, 'project'])),
  skippedCount: 9,
  throttle: null,
  rejection: null,
});
const t0 = process.cpuUsage();
const w0 = performance.now();
const N = 100_000;
const listed = [];
// 4 000 events/s, as the throughput scenario routes them
for (let i = 0; i < N; i++) {
  listed.push(log.record(rec(i)).then((s) => s.listed));
  if (i % 40 === 39) await new Promise((r) => setTimeout(r, 10));
}
await Promise.all(listed);
const d = process.cpuUsage(t0);
console.log(
  process.argv[2] ?? 'full',
  'µs CPU per event',
  ((d.user + d.system) / N).toFixed(1),
  'wall s',
  ((performance.now() - w0) / 1000).toFixed(1),
);
await nats.stop();
