// Samples where the backlog sits while a scenario runs: events not yet routed (router
// consumer) and deliveries not yet done (partition consumers), from JetStream itself.
import { core } from './deps.mjs';

export async function consumerState(jsm, stream, name) {
  try {
    const info = await jsm.consumers.info(stream, name);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  } catch {
    return { pending: 0, ackPending: 0, redelivered: 0 };
  }
}

/** Starts sampling every `everyMs`; `stop()` returns the samples. */
export function sampleBacklog(jsm, { partitions = 16, everyMs = 1_000 } = {}) {
  const samples = [];
  const started = performance.now();
  let busy = false;
  const take = async () => {
    if (busy) return;
    busy = true;
    try {
      const router = await consumerState(jsm, core.EVENTS_STREAM, 'herald-router');
      const parts = await Promise.all(
        Array.from({ length: partitions }, (_, p) =>
          consumerState(jsm, core.DELIVERIES_STREAM, `herald-deliveries-${p}`),
        ),
      );
      const sum = (k) => parts.reduce((a, x) => a + x[k], 0);
      samples.push({
        second: Math.round((performance.now() - started) / 100) / 10,
        eventsUnrouted: router.pending + router.ackPending,
        deliveriesWaiting: sum('pending'),
        deliveriesInRunner: sum('ackPending'),
        deliveriesRedelivered: sum('redelivered'),
      });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(take, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await take();
      return samples;
    },
  };
}
