// Scenario 9: one integration whose endpoint hangs has 25 000 deliveries queued (its events
// are published before the runner starts). A healthy integration whose id hashes to the SAME
// partition, paced at 5 deliveries/s (`rateLimitPerSecond`, as a Slack integration is paced
// at its provider's rate), gets one event every 100 ms; a control integration, paced the
// same, in another partition gets the same events. "Isolation" issue: every paced event
// reaches the healthy integration of the stalled partition (100 %), however long the other's
// backlog. Informational: an unpaced integration in the same partition gets them too (the
// router hands a delivery that can start at once straight to its lane, past the stream;
// a paced one's, or a retry, takes the partition's stream).
import { consumerState } from '../lib/backlog.mjs';
import { core, loadConfig, now, sleep } from '../lib/deps.mjs';
import { eventFactory, paced, pipelined, sinkPath, webhookIntegration } from '../lib/fixtures.mjs';
import { cpuWindow, rssGrowth, rssTimeline } from '../lib/proc.mjs';
import { collect, withStack } from '../lib/stack.mjs';
import { round, summarizeExpected } from '../lib/stats.mjs';

const TEAM = 'bl';
const STUCK_ID = 'bl-stuck';
const BACKLOG = 25_000;
const PACED_EVENTS = 50;
/** One event every 100 ms… */
const PACE_MS = 100;
/** …to integrations paced at 5 deliveries/s: 50 events take ~10 s to deliver, backlog or not. */
const RATE_LIMIT_PER_SECOND = 5;
/** After the last paced event, how long its deliveries may take to count as delivered. */
const WAIT_MS = 120_000;
/** How long the router may take to route the backlog before the paced events start anyway. */
const ROUTE_WAIT_MS = 60_000;
const PUBLISH_WINDOW = 500;
/** Events the router may still hold (unacked) once the backlog counts as queued: those in flight. */
const ROUTER_MAY_HOLD = 64;

/** The first `<prefix><n>` whose partition is (or, with `same: false`, is not) `partition`. */
function idIn(prefix, partition, partitions, same = true) {
  for (let n = 0; ; n++) {
    const id = `${prefix}${n}`;
    if ((core.partitionOf(id, partitions) === partition) === same) return id;
  }
}

export async function run(ctx) {
  const q = ctx.quick;
  const backlog = ctx.backlog ?? (q ? 500 : BACKLOG);
  const pacedEvents = q ? 10 : PACED_EVENTS;
  const waitMs = q ? 10_000 : WAIT_MS;
  const env = q ? { HERALD_HTTP_TIMEOUT: '1s' } : {};
  const partitions = loadConfig({ ...env, ...ctx.runnerEnv }).partitions;
  const partition = core.partitionOf(STUCK_ID, partitions);
  const sameId = idIn('bl-same-', partition, partitions);
  const controlId = idIn('bl-control-', partition, partitions, false);
  const unpacedId = idIn('bl-unpaced-', partition, partitions);
  const [stuckOrigin] = await ctx.sink.origins(1);
  const integrations = [
    webhookIntegration({
      id: STUCK_ID,
      teamId: TEAM,
      url: `${stuckOrigin}${sinkPath(STUCK_ID)}`,
      projects: ['stuck'],
    }),
    ...[
      [sameId, RATE_LIMIT_PER_SECOND],
      [controlId, RATE_LIMIT_PER_SECOND],
      [unpacedId, null],
    ].map(([id, rateLimitPerSecond]) =>
      webhookIntegration({
        id,
        teamId: TEAM,
        url: `${ctx.sink.origin}${sinkPath(id)}`,
        projects: ['paced'],
        rateLimitPerSecond,
      }),
    ),
  ];
  const events = eventFactory();
  const tag = `bl${Date.now().toString(36)}`;
  ctx.log(
    `  ${backlog} deliveries for ${STUCK_ID} (partition ${partition} of ${partitions}, hanging); ${RATE_LIMIT_PER_SECOND}/s-paced ${sameId} (same partition) and ${controlId} (partition ${core.partitionOf(controlId, partitions)}), unpaced ${unpacedId} (same partition)`,
  );

  const queue = async ({ nats }) => {
    // Before the runner starts: it begins on the backlog as soon as it is ready.
    await ctx.sink.hang([sinkPath(STUCK_ID)]);
    const t = performance.now();
    await pipelined(backlog, PUBLISH_WINDOW, (i) => {
      const id = `${tag}-s${i}`;
      return nats.js.publish(events.subject(TEAM, 'stuck'), events.json(id, now(), TEAM, 'stuck'), {
        msgID: id,
      });
    });
    ctx.log(
      `  ${backlog} events queued in ${Math.round(performance.now() - t)} ms, before the runner starts`,
    );
  };

  return withStack(ctx, 'backlog', { integrations, env, beforeRunner: queue }, async ({ nats, runner }) => {
    const rss = rssTimeline(runner.pid);
    const window = cpuWindow({
      runner: runner.pid,
      nats: nats.pid,
      sink: ctx.sink.pid,
      harness: process.pid,
    });
    rss.start();
    window.start();
    const partitionConsumer = `herald-deliveries-${partition}`;
    const samples = [];
    const started = performance.now();
    const sample = async () => {
      const [router, stuck] = await Promise.all([
        consumerState(nats.jsm, core.EVENTS_STREAM, 'herald-router'),
        consumerState(nats.jsm, core.DELIVERIES_STREAM, partitionConsumer),
      ]);
      const s = {
        second: round((performance.now() - started) / 1000, 1),
        eventsNotTaken: router.pending,
        eventsRouterHolds: router.ackPending,
        partitionWaiting: stuck.pending,
        partitionAckPending: stuck.ackPending,
        partitionRedelivered: stuck.redelivered,
      };
      samples.push(s);
      return s;
    };
    let sampling = false;
    const timer = setInterval(async () => {
      if (sampling) return;
      sampling = true;
      await sample().finally(() => (sampling = false));
    }, 1_000);

    // The backlog is queued once the router has taken every event and holds no more than the
    // few whose deliveries it handed straight to the hanging integration's open requests.
    const routeDeadline = performance.now() + (q ? 10_000 : ROUTE_WAIT_MS);
    const holdsAtMost = Math.max(ROUTER_MAY_HOLD, backlog / 100);
    const isQueued = (s) => s.eventsNotTaken === 0 && s.eventsRouterHolds <= holdsAtMost;
    let routed = await sample();
    while (!isQueued(routed) && performance.now() < routeDeadline) {
      await sleep(250);
      routed = await sample();
    }
    const routedSeconds = round((performance.now() - started) / 1000, 1);
    ctx.log(
      `  backlog routed after ${routedSeconds} s (router holds ${routed.eventsRouterHolds}): partition ${partition} ack-pending ${routed.partitionAckPending}, waiting ${routed.partitionWaiting}`,
    );

    const publishedAt = new Map();
    const receivers = [sameId, controlId, unpacedId];
    const publishing = await paced({
      rate: 1000 / PACE_MS,
      durationMs: pacedEvents * PACE_MS,
      send: (i) => {
        const id = `${tag}-p${i}`;
        const at = now();
        for (const r of receivers) publishedAt.set(`${id}|${r}`, at);
        return core.publishEvent(nats.js, events.object(id, at, TEAM, 'paced'));
      },
    });
    const lastPublish = now();
    const count = await ctx.sink.waitFor(publishedAt.size, waitMs);
    const waitedSeconds = round((now() - lastPublish) / 1000, 1);
    clearInterval(timer);
    const atEnd = await sample();
    const usage = window.stop();
    const rssSamples = rss.stop();
    let unexpected = 0;
    const of = async (receiver) => {
      const r = await collect(ctx.sink, publishedAt, { skip: (key) => !key.endsWith(`|${receiver}`) });
      unexpected = r.unexpected;
      return summarizeExpected(r.latencies, publishing.sent);
    };
    const result = {
      backlog,
      stuckIntegration: STUCK_ID,
      partition,
      partitions,
      sameIntegration: sameId,
      controlIntegration: controlId,
      controlPartition: core.partitionOf(controlId, partitions),
      unpacedIntegration: unpacedId,
      rateLimitPerSecond: RATE_LIMIT_PER_SECOND,
      runnerHttpTimeout: env.HERALD_HTTP_TIMEOUT ?? ctx.runnerEnv.HERALD_HTTP_TIMEOUT ?? 'default',
      routedSeconds,
      atRouted: routed,
      pacedEvents: publishing.sent,
      paceMs: PACE_MS,
      publishErrors: publishing.errors,
      waitedSeconds,
      // Percentiles over every paced event (null: it fell among the undelivered).
      samePartition: await of(sameId),
      otherPartition: await of(controlId),
      samePartitionUnpaced: await of(unpacedId),
      atEnd,
      stuckRequests: count.hungTotal,
      // Arrivals nobody expected (none, unless the sink or the harness is wrong).
      unexpectedArrivals: unexpected,
      duplicates: count.duplicates,
      rss: {
        ...rssGrowth(rssSamples),
        hwmMb: round(runner.memory()?.peakRssMb ?? 0, 1),
        samples: rssSamples,
      },
      runner: { ...usage.runner, readyMs: round(runner.readyMs) },
      cpu: usage,
      samples,
    };
    ctx.log(
      `  same partition: ${result.samePartition.delivered}/${pacedEvents}, other partition: ${result.otherPartition.delivered}/${pacedEvents}, same partition unpaced: ${result.samePartitionUnpaced.delivered}/${pacedEvents} (waited ${waitedSeconds} s)`,
    );
    return result;
  });
}
