// Reads a few of the runner's own Prometheus metrics (GET /metrics) after a scenario.

/** `{ name{labels}: value }` for the sample lines of a Prometheus text page. */
export function parsePrometheus(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

const mb = (bytes) => (bytes === undefined ? null : Math.round(bytes / 1024 / 1024));

const sumOf = (m, prefix) =>
  Object.entries(m)
    .filter(([k]) => k === prefix || k.startsWith(`${prefix}{`))
    .reduce((a, [, v]) => a + v, 0);

/** Mean attempt time and publish→delivered time as the runner measured them, and its counters. */
export async function runnerMetrics(runner) {
  try {
    const m = parsePrometheus(await runner.metrics());
    const mean = (name) => {
      const count = sumOf(m, `${name}_count`);
      return count ? Math.round((sumOf(m, `${name}_sum`) / count) * 10_000) / 10 : null;
    };
    return {
      attempts: sumOf(m, 'herald_attempts_total'),
      meanAttemptMs: mean('herald_attempt_duration_seconds'),
      meanPublishToDeliveredMs: mean('herald_publish_to_delivered_seconds'),
      eventsRouted: sumOf(m, 'herald_events_routed_total'),
      deliveriesCreated: sumOf(m, 'herald_deliveries_created_total'),
      deliveriesHandedOver: sumOf(m, 'herald_deliveries_handed_over_total'),
      pendingDeliveries: sumOf(m, 'herald_pending_deliveries'),
      heapUsedMb: mb(m.nodejs_heap_size_used_bytes),
      heapTotalMb: mb(m.nodejs_heap_size_total_bytes),
      externalMb: mb(m.nodejs_external_memory_bytes),
      eventLoopLagP99Ms: m.nodejs_eventloop_lag_p99_seconds
        ? Math.round(m.nodejs_eventloop_lag_p99_seconds * 10_000) / 10
        : null,
    };
  } catch (err) {
    return { error: String(err) };
  }
}
