// Deliveries/s with 1, 2 and 3 runners sharing one nats-server (README → Scaling).
// Usage: pnpm build && node bench/scaling.mjs [--deliveries 20000]
// Each round: a fresh nats-server, 100 webhook integrations, N runner processes; wait until
// the partitions are spread over all N; publish the deliveries; time first publish → last
// arrival at the sink. All of it shares this machine's 2 cores.
import { now, sleep } from './lib/deps.mjs';
import {
  eventFactory,
  integrationSet,
  pipelined,
  provisionLike,
  writeIntegrations,
} from './lib/fixtures.mjs';
import { startNats } from './lib/nats-server.mjs';
import { startRunner } from './lib/runner-proc.mjs';
import { startSink } from './lib/sink-client.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DELIVERIES = arg('deliveries', 20_000);
const INTEGRATIONS = 100;

async function round(sink, runners) {
  const nats = await startNats();
  const procs = [];
  try {
    const buckets = await provisionLike(nats, {});
    const integrations = integrationSet({ count: INTEGRATIONS, perTeam: 10, sinkOrigin: sink.origin });
    await writeIntegrations(buckets.integrations, integrations);
    for (let i = 0; i < runners; i++)
      procs.push(await startRunner({ natsUrl: nats.url, env: { LOG_LEVEL: 'warn' } }));
    // Wait until every runner owns a share and together they own all 16 partitions.
    for (let t = 0; t < 120; t++) {
      const owned = await Promise.all(procs.map((p) => fetch(`${p.url}/readyz`).then((r) => r.json())));
      const all = owned.flatMap((o) => o.partitions);
      if (new Set(all).size === 16 && all.length === 16 && owned.every((o) => o.partitions.length > 0)) break;
      await sleep(250);
    }
    const events = eventFactory();
    const tag = `s${runners}-${Date.now().toString(36)}`;
    const started = now();
    await pipelined(DELIVERIES, 500, (i) => {
      const target = integrations[i % INTEGRATIONS];
      const id = `${tag}-${i}`;
      return nats.js.publish(
        events.subject(target.teamId, target.projects[0]),
        events.json(id, now(), target.teamId, target.projects[0]),
        { msgID: id },
      );
    });
    await sink.waitFor(DELIVERIES, 300_000, () => undefined);
    return DELIVERIES / ((now() - started) / 1000);
  } finally {
    for (const p of procs) await p.stop();
    await nats.stop();
    await sink.reset();
  }
}

const sink = await startSink();
const rows = [];
for (const runners of [1, 2, 3]) {
  const rate = await round(sink, runners);
  rows.push({ runners, rate: Math.round(rate) });
  console.log(`${runners} runner(s): ${Math.round(rate)} deliveries/s (${DELIVERIES} deliveries)`);
}
await sink.stop();
console.log(JSON.stringify(rows));
