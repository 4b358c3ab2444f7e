// Scenario 12: the events log with 100 000 events recorded for one team, written and read
// with the runner's own KvEventLog the way the router writes them (one record per event,
// its listing coalesced): 80 % delivered, 10 % unmatched, 5 % skipped (throttled), 5 %
// rejected, over 10 projects and 2 types. Measured one call at a time: a page of 50 newest
// first (the first page again and again, and a walk 100 pages deep with the cursor), and
// filtered pages (outcome=rejected, outcome=delivered, a type, a project).
import { AckedPublisher, KvEventLog, now } from '../lib/deps.mjs';
import { pipelined, provisionLike } from '../lib/fixtures.mjs';
import { startNats } from '../lib/nats-server.mjs';
import { round, summarize } from '../lib/stats.mjs';

const TEAM = 'team-events';
const PROJECTS = 10;
const PAGE = 50;
const FILL_WINDOW = 256;

function outcomeOf(i) {
  const k = i % 20;
  if (k === 3) return 'rejected';
  if (k === 7) return 'skipped';
  if (k === 11 || k === 15) return 'unmatched';
  return 'delivered';
}

function recordOf(i) {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 10).toISOString();
  const outcome = outcomeOf(i);
  const type = i % 2 === 0 ? 'build:success' : 'deployment:start';
  const rejected = outcome === 'rejected';
  return {
    id: rejected ? `rejected-${i}` : `evt-${i}`,
    teamId: TEAM,
    eventId: `evt-${i}`,
    type,
    projectId: `p${i % PROJECTS}`,
    occurredAt: at,
    receivedAt: at,
    routedAt: at,
    outcome,
    deliveredTo: outcome === 'delivered' ? [`int_${i % 10}`] : [],
    skipped: Object.fromEntries(
      Array.from({ length: 9 }, (_, k) => [
        `int_${(i + k + 1) % 10}`,
        outcome === 'skipped' ? 'throttled' : 'project',
      ]),
    ),
    skippedCount: 9,
    throttle: outcome === 'skipped' ? { minIntervalSeconds: 300 } : null,
    rejection: rejected
      ? {
          reason: 'schema',
          error: 'invalid event (schema): data.build.id: expected string',
          subject: 'herald.events.x',
        }
      : null,
  };
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
  const samples = ctx.quick ? 20 : 200;
  const walkPages = ctx.quick ? 10 : 100;
  const nats = await startNats();
  try {
    const buckets = await provisionLike(nats);
    const publisher = new AckedPublisher(nats.nc, 5_000);
    const log = new KvEventLog(buckets.eventLog, publisher);
    const listed = [];
    const started = now();
    await pipelined(total, FILL_WINDOW, async (i) => {
      listed.push((await log.record(recordOf(i))).listed);
      if (i > 0 && i % (total / 5) === 0) ctx.log(`  … ${i} events recorded`);
    });
    await Promise.all(listed);
    const fillSeconds = (now() - started) / 1000;
    ctx.log(`  ${total} events recorded in ${round(fillSeconds, 1)} s`);
    const info = await nats.jsm.streams.info('KV_HERALD_EVENT_LOG');

    let first = null;
    const firstPage = await timed(samples, async () => {
      const page = await log.list(TEAM, { limit: PAGE });
      first ??= page;
    });
    const newest = recordOf(total - 1).id;
    if (first.items.length !== PAGE || first.items[0].id !== newest)
      throw new Error('the first page is not the 50 newest events');
    let cursor = null;
    let walked = 0;
    const walk = await timed(walkPages, async () => {
      const page = await log.list(TEAM, { limit: PAGE, cursor });
      walked += page.items.length;
      cursor = page.nextCursor;
    });
    if (walked !== Math.min(total, walkPages * PAGE)) throw new Error(`the walk saw ${walked} events`);
    const check = (want) => (page) => {
      if (page.items.length !== PAGE || !page.items.every(want)) throw new Error('a filtered page is wrong');
    };
    const filtered = (query, want) =>
      timed(Math.min(samples, 50), async () => check(want)(await log.list(TEAM, { limit: PAGE, ...query })));
    const rejectedPage = await filtered({ outcome: 'rejected' }, (e) => e.outcome === 'rejected');
    const deliveredPage = await filtered({ outcome: 'delivered' }, (e) => e.outcome === 'delivered');
    const typePage = await filtered({ type: 'deployment:start' }, (e) => e.type === 'deployment:start');
    const projectPage = await filtered({ projectId: 'p3' }, (e) => e.projectId === 'p3');
    return {
      events: total,
      fillSeconds: round(fillSeconds, 1),
      fillPerSecond: round(total / fillSeconds),
      kvMessages: info.state.messages,
      kvMb: round(info.state.bytes / 1024 / 1024, 1),
      pageSize: PAGE,
      firstPageMs: firstPage,
      walkPageMs: { ...walk, pages: walkPages, eventsWalked: walked },
      rejectedPageMs: rejectedPage,
      deliveredPageMs: deliveredPage,
      typePageMs: typePage,
      projectPageMs: projectPage,
      pageP95Ms: Math.max(firstPage.p95, walk.p95),
    };
  } finally {
    await nats.stop();
  }
}
