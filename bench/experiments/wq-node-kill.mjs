// Experiment: does a replicated (R3) stream lose messages when one NATS node is SIGKILLed and
// restarted while messages are published and consumed? No Herald code: a 3-node cluster from
// the test kit, one stream shaped like HERALD_DELIVERIES (12 filtered durable pull consumers,
// explicit acks, publishes with Nats-Msg-Id retried until stored), three consumer connections
// that ack every message after a short "attempt". Run it with each retention policy:
//
//   pnpm build && node bench/experiments/wq-node-kill.mjs --retention workqueue --runs 5
//   pnpm build && node bench/experiments/wq-node-kill.mjs --retention limits --runs 5
//
// Per run it prints published, received (unique), lost (published, never received within the
// wait), duplicates, and the servers' stream-state resets. Findings: bench/README.md.
import { parseArgs } from 'node:util';
import { natsJetStream, natsTransport, sleep } from '../lib/deps.mjs';

const { startNatsCluster } = await import('../../packages/core/dist/testing/nats-cluster.js');
const { connect, headers } = natsTransport;
const { jetstream, jetstreamManager, AckPolicy, DeliverPolicy, RetentionPolicy, StorageType } = natsJetStream;

const { values: opts } = parseArgs({
  options: {
    retention: { type: 'string', default: 'workqueue' },
    runs: { type: 'string', default: '3' },
    rate: { type: 'string', default: '700' },
    partitions: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '25' },
    // How long an "attempt" holds a message before its ack, at most (ms, uniform).
    'hold-ms': { type: 'string', default: '5' },
    // Share of first deliveries nak'ed instead of acked (handed back, redelivered at once).
    'nak-share': { type: 'string', default: '0' },
    // Share of messages published again with the same Nats-Msg-Id after their ack (as a
    // re-routed event or a handed-back delivery is), within the dedup window.
    'republish-share': { type: 'string', default: '0' },
    // Step every consumer's leader down this many times after the restart (1 s apart), as
    // a loaded cluster moves leaders by itself: some land on the restarted node.
    stepdowns: { type: 'string', default: '0' },
  },
});
const PARTITIONS = Number(opts.partitions);
const HOLD_MS = Number(opts['hold-ms']);
const NAK_SHARE = Number(opts['nak-share']);
const REPUBLISH_SHARE = Number(opts['republish-share']);
const republish = [];
const RATE = Number(opts.rate);
const retention = opts.retention === 'limits' ? RetentionPolicy.Limits : RetentionPolicy.Workqueue;

async function consumeAll(nc, partitions, seen, stop) {
  const js = jetstream(nc, { timeout: 5_000 });
  const loops = partitions.map(async (p) => {
    while (!stop.done) {
      try {
        const c = await js.consumers.get('TEST', `c-${p}`);
        const messages = await c.consume({ max_messages: 256 });
        stop.closers.add(messages);
        for await (const m of messages) {
          const { id } = m.json();
          if (m.info.deliveryCount === 1 && Math.random() < NAK_SHARE) {
            m.nak();
            continue;
          }
          // The attempt: held (not awaited, so acks come out of order as the lanes' do).
          void sleep(Math.random() * HOLD_MS).then(() => {
            seen.set(id, (seen.get(id) ?? 0) + 1);
            m.ack();
            if (m.info.deliveryCount === 1 && Math.random() < REPUBLISH_SHARE)
              republish.push({ id, subject: m.subject, at: Date.now() + Math.random() * 2_000 });
          });
          if (stop.done) break;
        }
        stop.closers.delete(messages);
      } catch {
        /* node down, consumer leader moving: resume */
      }
      await sleep(500);
    }
  });
  return Promise.all(loops);
}

async function oneRun(n) {
  const cluster = await startNatsCluster(3);
  const servers = cluster.url.split(',');
  const admin = await connect({ servers });
  const jsm = await jetstreamManager(admin, { timeout: 15_000 });
  await jsm.streams.add({
    name: 'TEST',
    subjects: ['test.>'],
    retention,
    storage: StorageType.File,
    num_replicas: 3,
    duplicate_window: 120_000_000_000,
  });
  for (let p = 0; p < PARTITIONS; p++)
    await jsm.consumers.add('TEST', {
      durable_name: `c-${p}`,
      filter_subject: `test.${p}.*`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 5_000_000_000,
      max_ack_pending: 20_000,
      max_deliver: -1,
    });
  const seen = new Map();
  const stop = { done: false, closers: new Set() };
  const consumerConns = await Promise.all(
    [0, 1, 2].map(() => connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 500 })),
  );
  // Not awaited: they pull until `stop.done`.
  consumerConns.map((nc, i) =>
    consumeAll(
      nc,
      Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => p % 3 === i),
      seen,
      stop,
    ),
  );
  const pubConn = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  const js = jetstream(pubConn, { timeout: 5_000 });
  let published = 0;
  let publishing = true;
  const publisher = (async () => {
    const started = Date.now();
    while (publishing) {
      while (republish.length > 0 && republish[0].at <= Date.now()) {
        const again = republish.shift();
        const h = headers();
        h.set('Nats-Msg-Id', again.id);
        await js
          .publish(again.subject, JSON.stringify({ id: again.id }), { headers: h })
          .catch(() => undefined);
      }
      const id = `m${published}`;
      const h = headers();
      h.set('Nats-Msg-Id', id);
      for (;;) {
        try {
          await js.publish(`test.${published % PARTITIONS}.x`, JSON.stringify({ id }), { headers: h });
          break;
        } catch {
          await sleep(200);
        }
      }
      published++;
      const due = started + (published * 1_000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  })();
  await sleep(5_000);
  await cluster.nodes[2].kill();
  await sleep(2_000);
  await cluster.nodes[2].restart();
  let rest = Number(opts.seconds) * 1_000 - 7_000;
  await sleep(3_000);
  rest -= 3_000;
  for (let i = 0; i < Number(opts.stepdowns); i++) {
    for (let p = 0; p < PARTITIONS; p++)
      await admin
        .request(`$JS.API.CONSUMER.LEADER.STEPDOWN.TEST.c-${p}`, '', { timeout: 5_000 })
        .catch(() => undefined);
    await sleep(1_000);
    rest -= 1_000;
  }
  await sleep(Math.max(0, rest));
  publishing = false;
  await publisher;
  const deadline = Date.now() + 60_000;
  const lost = () => {
    let missing = 0;
    for (let i = 0; i < published; i++) if (!seen.has(`m${i}`)) missing++;
    return missing;
  };
  while (lost() > 0 && Date.now() < deadline) await sleep(500);
  const missing = lost();
  let received = 0;
  let duplicates = 0;
  for (const count of seen.values()) {
    received++;
    duplicates += count - 1;
  }
  const info = await jsm.streams.info('TEST').catch(() => null);
  stop.done = true;
  for (const c of stop.closers) await c.close().catch(() => undefined);
  for (const nc of [...consumerConns, pubConn, admin]) await nc.close().catch(() => undefined);
  await cluster.cleanup();
  console.log(
    JSON.stringify({
      run: n,
      retention: opts.retention,
      published,
      received,
      lost: missing,
      duplicates,
      streamMessagesLeft: info?.state.messages ?? null,
    }),
  );
  return missing;
}

let lostRuns = 0;
for (let n = 1; n <= Number(opts.runs); n++) if ((await oneRun(n)) > 0) lostRuns++;
console.log(`${opts.retention}: ${lostRuns} of ${opts.runs} runs lost messages`);
process.exit(0);
