// Scenario 1: what this machine can do at best, measured in the same run as Herald.
// - raw undici POST rate to the sink (16 connections, 1 KB body);
// - raw JetStream publish rate (500 outstanding, 1 KB, Nats-Msg-Id like event publishes);
// - a naive one-hop pipeline: pre-filled stream → durable pull consumer → POST → ack,
//   64 in flight; the same while the stream is being published to (the shape of scenario
//   2); and that again with one JetStream write per delivery (request and response as JSON,
//   acked before the message is): the least a service that logs every delivery must do.
import { natsJetStream, now, sleep, undici } from '../lib/deps.mjs';
import { pipelined } from '../lib/fixtures.mjs';
import { startNats } from '../lib/nats-server.mjs';
import { cpuWindow } from '../lib/proc.mjs';
import { median, round } from '../lib/stats.mjs';

const BODY_BYTES = 1024;
const POST_CONNECTIONS = 16;
const POST_CONCURRENCY = 64;
const PUBLISH_WINDOW = 500;
const PIPELINE_IN_FLIGHT = 64;
const EVENT_ID_HEADER = 'x-herald-notification-integration-event-id';
const LOG_STREAM = 'BENCH_LOG';

const body = (id) => {
  const head = `{"event":"build:success","id":"${id}","pad":"`;
  return `${head}${'x'.repeat(BODY_BYTES - head.length - 2)}"}`;
};

async function undiciPostRate(sink, seconds) {
  const pool = new undici.Pool(sink.origin, { connections: POST_CONNECTIONS });
  const payload = body('ceiling');
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (w) => {
    while (performance.now() < end) {
      const res = await pool.request({
        path: '/ceiling/post',
        method: 'POST',
        headers: { 'content-type': 'application/json', [EVENT_ID_HEADER]: `c${w}-${n}` },
        body: payload,
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`sink answered ${res.statusCode}`);
      n++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: POST_CONCURRENCY }, (_, w) => worker(w)));
  const rate = n / ((performance.now() - started) / 1000);
  await pool.close();
  await sink.reset();
  return rate;
}

async function ensureStream(nats, name) {
  await nats.jsm.streams.delete(name).catch(() => undefined);
  await nats.jsm.streams.add({
    name,
    subjects: [`${name.toLowerCase()}.>`],
    storage: natsJetStream.StorageType.File,
    duplicate_window: 120_000 * 1_000_000,
  });
}

async function publishAll(nats, stream, count, tag) {
  const subject = `${stream.toLowerCase()}.x`;
  await pipelined(count, PUBLISH_WINDOW, (i) =>
    nats.js.publish(subject, body(`${tag}${i}`), { msgID: `${tag}${i}` }),
  );
}

async function publishRate(nats, count) {
  await ensureStream(nats, 'BENCH_PUB');
  const started = performance.now();
  await publishAll(nats, 'BENCH_PUB', count, `p${Date.now()}-`);
  const rate = count / ((performance.now() - started) / 1000);
  await nats.jsm.streams.delete('BENCH_PUB');
  return rate;
}

/** Consume → POST → ack with 64 in flight; `concurrentPublish` fills the stream meanwhile. */
async function oneHop(nats, sink, count, { concurrentPublish, logWrite = false }) {
  const stream = 'BENCH_PIPE';
  await ensureStream(nats, stream);
  if (logWrite) await ensureStream(nats, LOG_STREAM);
  const tag = `h${Date.now()}-`;
  if (!concurrentPublish) await publishAll(nats, stream, count, tag);
  await nats.jsm.consumers.add(stream, {
    durable_name: 'naive',
    ack_policy: natsJetStream.AckPolicy.Explicit,
    ack_wait: 60_000 * 1_000_000,
    max_ack_pending: 20_000,
  });
  const pool = new undici.Pool(sink.origin, { connections: PIPELINE_IN_FLIGHT });
  const consumer = await nats.js.consumers.get(stream, 'naive');
  const started = now();
  const publishing = concurrentPublish ? publishAll(nats, stream, count, tag) : Promise.resolve();
  const messages = await consumer.consume({ max_messages: 256 });
  let inFlight = 0;
  let handled = 0;
  let slot = null;
  let finished;
  const allDone = new Promise((r) => (finished = r));
  const deliver = async (msg) => {
    const { id } = msg.json();
    const headers = { 'content-type': 'application/json', [EVENT_ID_HEADER]: id };
    const res = await pool.request({ path: '/ceiling/one-hop', method: 'POST', headers, body: msg.data });
    await res.body.dump();
    if (logWrite) {
      const record = {
        id,
        request: { url: `${sink.origin}/ceiling/one-hop`, headers, body: msg.string() },
        response: { status: res.statusCode, headers: res.headers },
      };
      await nats.js.publish(`${LOG_STREAM.toLowerCase()}.${id}`, JSON.stringify(record));
    }
    if (res.statusCode === 200) msg.ack();
    else msg.nak();
  };
  (async () => {
    for await (const msg of messages) {
      if (inFlight >= PIPELINE_IN_FLIGHT) await new Promise((r) => (slot = r));
      inFlight++;
      deliver(msg)
        .catch(() => msg.nak())
        .finally(() => {
          inFlight--;
          if (++handled === count) finished();
          if (slot) {
            const s = slot;
            slot = null;
            s();
          }
        });
    }
  })();
  await allDone;
  const rate = count / ((now() - started) / 1000);
  await publishing;
  await messages.close();
  await pool.close();
  await nats.jsm.streams.delete(stream);
  if (logWrite) await nats.jsm.streams.delete(LOG_STREAM);
  await sink.reset();
  return rate;
}

export async function run(ctx) {
  const q = ctx.quick;
  const repeats = q ? 1 : 3;
  const sizes = {
    postSeconds: q ? 0.5 : 3,
    publishCount: q ? 5_000 : 40_000,
    oneHopCount: q ? 5_000 : 50_000,
  };
  const nats = await startNats();
  const runs = { undiciPost: [], jsPublish: [], oneHop: [], oneHopWhilePublishing: [], oneHopLogged: [] };
  const cost = {};
  try {
    // CPU per operation of each process, to price what Herald does per delivery.
    const measure = async (key, count, fn) => {
      const w = cpuWindow({ nats: nats.pid, sink: ctx.sink.pid, harness: process.pid });
      w.start();
      const rate = await fn();
      const u = w.stop();
      runs[key].push(rate);
      const n = count ?? rate * u.wallSeconds;
      cost[key] = Object.fromEntries(
        ['nats', 'sink', 'harness'].map((p) => [p, Math.round((u[p].cpuSeconds / n) * 1e6 * 10) / 10]),
      );
      cost[key].otherProcessesCores = u.otherProcessesCores;
    };
    for (let r = 0; r < repeats; r++) {
      await measure('undiciPost', null, () => undiciPostRate(ctx.sink, sizes.postSeconds));
      await measure('jsPublish', sizes.publishCount, () => publishRate(nats, sizes.publishCount));
      await measure('oneHop', sizes.oneHopCount, () =>
        oneHop(nats, ctx.sink, sizes.oneHopCount, { concurrentPublish: false }),
      );
      await measure('oneHopWhilePublishing', sizes.oneHopCount, () =>
        oneHop(nats, ctx.sink, sizes.oneHopCount, { concurrentPublish: true }),
      );
      await measure('oneHopLogged', sizes.oneHopCount, () =>
        oneHop(nats, ctx.sink, sizes.oneHopCount, { concurrentPublish: true, logWrite: true }),
      );
      ctx.log(
        `  run ${r + 1}: POST ${round(runs.undiciPost[r])}/s, publish ${round(runs.jsPublish[r])}/s, ` +
          `one-hop ${round(runs.oneHop[r])}/s, one-hop while publishing ${round(runs.oneHopWhilePublishing[r])}/s, ` +
          `with a log write ${round(runs.oneHopLogged[r])}/s`,
      );
      await sleep(200);
    }
  } finally {
    await nats.stop();
  }
  const med = (k) => round(median(runs[k]));
  return {
    sizes: { ...sizes, repeats, bodyBytes: BODY_BYTES },
    undiciPostPerSecond: med('undiciPost'),
    jsPublishPerSecond: med('jsPublish'),
    oneHopPerSecond: med('oneHop'),
    oneHopWhilePublishingPerSecond: med('oneHopWhilePublishing'),
    oneHopLoggedPerSecond: med('oneHopLogged'),
    cpuMicrosecondsPerOperation: cost,
    runs: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((x) => round(x))])),
  };
}
