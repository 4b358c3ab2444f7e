// What parking costs at 10 000 integrations: park one delivery for each (levels 0–2), count
// every partition's parked subjects (what a partition's new owner and the 30 s recount do),
// and read heads back with next_by_subj. `pnpm build && node bench/experiments/parked-at-scale.mjs`

import { loadConfig } from '../../packages/runner/dist/config/config.js';
import { ParkedStore } from '../../packages/runner/dist/delivery/parked.js';
import { AckedPublisher } from '../../packages/runner/dist/nats/acked-publisher.js';
import { provision } from '../../packages/runner/dist/nats/provision.js';
import { startNats } from '../lib/nats-server.mjs';

const N = 10_000;
const PARTITIONS = 16;
const nats = await startNats();
try {
  const config = loadConfig({ NATS_URL: nats.url, HERALD_PARTITIONS: String(PARTITIONS) });
  await provision(nats.nc, nats.jsm, config);
  const publisher = new AckedPublisher(nats.nc, 5_000);
  const store = new ParkedStore({ jsm: nats.jsm, publisher, partitions: PARTITIONS });
  const job = (i) => ({
    kind: 'delivery',
    integrationId: `int_${i}`,
    teamId: 't',
    event: {
      id: `e${i}`,
      event: 'build:start',
      occurredAt: new Date().toISOString(),
      teamId: 't',
      projectId: 'p',
      data: { pad: 'x'.repeat(800) },
    },
    trigger: 'scheduled',
    routedAt: '',
    publishedAt: 0,
  });
  let t = performance.now();
  for (let i = 0; i < N; i += 500)
    await Promise.all(
      Array.from({ length: 500 }, (_, j) => store.park(job(i + j), (i + j) % 3, `k${i + j}`)),
    );
  console.log(`parked ${N} deliveries for ${N} integrations: ${Math.round(performance.now() - t)} ms`);
  t = performance.now();
  let subjects = 0;
  for (let p = 0; p < PARTITIONS; p++) subjects += (await store.counts(p)).length;
  console.log(
    `counted ${PARTITIONS} partitions (${subjects} subjects): ${Math.round(performance.now() - t)} ms`,
  );
  t = performance.now();
  for (let i = 0; i < 1_000; i++) await store.read(`int_${i}`, i % 3, 1);
  console.log(`1 000 head reads one after another: ${Math.round(performance.now() - t)} ms`);
  t = performance.now();
  await Promise.all(
    Array.from({ length: 1_000 }, (_, i) => store.read(`int_${1_000 + i}`, (1_000 + i) % 3, 1)),
  );
  console.log(`1 000 head reads at once: ${Math.round(performance.now() - t)} ms`);
  publisher.close();
} finally {
  await nats.stop();
}
