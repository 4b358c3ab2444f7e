// Scenario 7: the delivery log with 100 000 deliveries recorded (half of them for one
// integration, the rest over 99 others, 5 % failed), written and read with the runner's
// own KvDeliveryLog. Measured one call at a time: a page of 50 newest first (the first
// page again and again, and a walk 100 pages deep with the cursor), one filtered page
// (status=failed), and one delivery's detail.
import { AckedPublisher, core, KvDeliveryLog, now } from '../lib/deps.mjs';
import { eventFactory, pipelined, provisionLike } from '../lib/fixtures.mjs';
import { startNats } from '../lib/nats-server.mjs';
import { round, summarize } from '../lib/stats.mjs';

const BIG = 'int_big';
const SMALL_INTEGRATIONS = 99;
const FAILED_EVERY = 20;
const PAGE = 50;
const FILL_WINDOW = 256;

function deliveryOf(events, i, integrationId, sinkOrigin) {
  const eventId = `log-${i}`;
  const at = Date.UTC(2026, 0, 1) + i * 10;
  const event = JSON.parse(events.json(eventId, at, 'team-log', 'p0'));
  // Every 20th delivery of each integration (i alternates between the big one and the rest).
  const failed = Math.floor(i / 2) % FAILED_EVERY === 7;
  const id = core.deliveryIdFor(eventId, integrationId);
  const iso = new Date(at).toISOString();
  const record = {
    id,
    integrationId,
    teamId: 'team-log',
    eventId,
    eventType: event.event,
    event,
    status: failed ? 'failed' : 'succeeded',
    createdAt: iso,
    updatedAt: iso,
    attemptCount: 1,
    failures: failed ? 1 : 0,
    rateLimitWaits: 0,
    nextAttemptAt: null,
    lastStatusCode: failed ? 500 : 200,
    lastError: failed ? 'HTTP 500' : null,
  };
  const attempt = {
    number: 1,
    trigger: 'scheduled',
    at: iso,
    durationMs: 3,
    request: {
      method: 'POST',
      url: `${sinkOrigin}/i/${integrationId}`,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Herald-Webhook/0.1',
        'X-Herald-Notification-Integration-Id': integrationId,
        'X-Herald-Notification-Integration-Name': `bench ${integrationId}`,
        'X-Herald-Notification-Integration-Event-Id': eventId,
        'X-Herald-Notification-Integration-Event-Type': event.event,
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at / 1000)),
      },
      body: JSON.stringify({ event: event.event, data: event.data }),
    },
    response: {
      status: failed ? 500 : 200,
      headers: { 'content-length': '0', date: new Date(at).toUTCString(), connection: 'keep-alive' },
      body: '',
      truncated: false,
    },
    error: null,
    outcome: failed ? 'retry' : 'success',
    reason: failed ? 'HTTP 500' : null,
  };
  return { record, attempt };
}

async function timed(samples, fn) {
  const out = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return summarize(out);
}

export async function run(ctx) {
  const total = ctx.quick ? 2_000 : 100_000;
  const samples = ctx.quick ? 30 : 200;
  const walkPages = ctx.quick ? 10 : 100;
  const nats = await startNats();
  try {
    const buckets = await provisionLike(nats);
    const publisher = new AckedPublisher(nats.nc, 5_000);
    const log = new KvDeliveryLog(buckets.log, publisher, nats.jsm);
    const events = eventFactory();
    const bigIds = [];
    const listed = [];
    const started = now();
    await pipelined(total, FILL_WINDOW, async (i) => {
      const integrationId = i % 2 === 0 ? BIG : `int_small${(i >> 1) % SMALL_INTEGRATIONS}`;
      const { record, attempt } = deliveryOf(events, i, integrationId, ctx.sink.origin);
      if (integrationId === BIG) bigIds.push(record.id);
      const saved = await log.save(record, {
        isNew: true,
        enteredStatus: record.status,
        attempt,
        create: true,
      });
      listed.push(saved.indexed);
      if (i > 0 && i % (total / 5) === 0) ctx.log(`  … ${i} deliveries recorded`);
    });
    await Promise.all(listed);
    const fillSeconds = (now() - started) / 1000;
    ctx.log(`  ${total} deliveries recorded in ${round(fillSeconds, 1)} s`);
    const info = await nats.jsm.streams.info(`KV_${core.DELIVERY_LOG_STREAM}`);

    let checked = null;
    const firstPage = await timed(samples, async () => {
      const page = await log.list(BIG, { limit: PAGE });
      checked ??= page;
    });
    if (checked.items.length !== PAGE || checked.items[0].id !== bigIds[bigIds.length - 1])
      throw new Error('the first page is not the 50 newest deliveries');
    let cursor = null;
    let walked = 0;
    const walk = await timed(walkPages, async () => {
      const page = await log.list(BIG, { limit: PAGE, cursor });
      walked += page.items.length;
      cursor = page.nextCursor;
    });
    const smallPage = await timed(samples, () => log.list('int_small0', { limit: PAGE }));
    let failedItems = 0;
    const failedPage = await timed(Math.min(samples, 50), async () => {
      failedItems = (await log.list(BIG, { limit: PAGE, status: 'failed' })).items.length;
    });
    if (failedItems !== Math.min(PAGE, Math.floor(bigIds.length / FAILED_EVERY)))
      throw new Error(`a failed page has ${failedItems} items`);
    const detail = await timed(samples, async (i) => {
      const id = bigIds[Math.floor((((i * 7919) % samples) / samples) * bigIds.length)];
      const d = await log.getDetail(BIG, id);
      if (d?.attempts.length !== 1) throw new Error(`no detail for ${id}`);
    });
    return {
      deliveries: total,
      bigIntegrationDeliveries: bigIds.length,
      fillSeconds: round(fillSeconds, 1),
      fillPerSecond: round(total / fillSeconds),
      kvMessages: info.state.messages,
      kvMb: round(info.state.bytes / 1024 / 1024, 1),
      pageSize: PAGE,
      firstPageMs: firstPage,
      walkPageMs: { ...walk, pages: walkPages, deliveriesWalked: walked },
      smallIntegrationPageMs: smallPage,
      failedPageMs: failedPage,
      detailMs: detail,
      pageP95Ms: Math.max(firstPage.p95, walk.p95),
    };
  } finally {
    await nats.stop();
  }
}
