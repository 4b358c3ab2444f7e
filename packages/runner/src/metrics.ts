import { createRequire } from 'node:module';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Herald's Prometheus metrics, on their own registry. */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsRouted = new Counter({
    name: 'herald_events_routed_total',
    help: 'Valid events routed',
    registers: [this.registry],
  });
  readonly eventsThrottled = new Counter({
    name: 'herald_events_throttled_total',
    help: 'Infrastructure alerts dropped by the team throttle',
    registers: [this.registry],
  });
  readonly eventsDeadLettered = new Counter({
    name: 'herald_events_dead_lettered_total',
    help: 'Invalid events sent to the DLQ, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly deliveriesCreated = new Counter({
    name: 'herald_deliveries_created_total',
    help: 'Deliveries the router made (published to a partition or handed over to this runner)',
    registers: [this.registry],
  });
  readonly deliveriesHandedOver = new Counter({
    name: 'herald_deliveries_handed_over_total',
    help: "Deliveries the router handed straight to this runner's worker, without the partition stream",
    registers: [this.registry],
  });
  readonly deliveriesParked = new Counter({
    name: 'herald_deliveries_parked_total',
    help: 'Deliveries parked in HERALD_PARKED: level "backlog" (could not be attempted soon) or "retry" (waiting for a retry)',
    labelNames: ['level'],
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'herald_attempts_total',
    help: 'Delivery attempts by provider and outcome',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'herald_deliveries_total',
    help: 'Deliveries that reached a status, by provider and status',
    labelNames: ['provider', 'status'],
    registers: [this.registry],
  });
  readonly attemptSeconds = new Histogram({
    name: 'herald_attempt_duration_seconds',
    help: 'Duration of one HTTP attempt',
    labelNames: ['provider'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [this.registry],
  });
  readonly deliveredSeconds = new Histogram({
    name: 'herald_publish_to_delivered_seconds',
    help: 'From the event entering the events stream to its successful delivery',
    labelNames: ['provider'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
    registers: [this.registry],
  });
  readonly pendingDeliveries = new Gauge({
    name: 'herald_pending_deliveries',
    help: 'Deliveries waiting in this runner (queued or in flight)',
    registers: [this.registry],
  });
  readonly attemptsInFlight = new Gauge({
    name: 'herald_attempts_in_flight',
    help: 'Attempts started by this runner and not yet recorded (what a crash now could repeat)',
    registers: [this.registry],
  });
  readonly integrationsByState = new Gauge({
    name: 'herald_integrations',
    help: 'Integrations of every team by state as the API shows it (a user-disabled one is disabled); the same on every runner',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: 'herald_build_info',
    help: "The runner's version and Node.js version, as labels; always 1",
    labelNames: ['version', 'node'],
    registers: [this.registry],
  });
  readonly partitionsOwned = new Gauge({
    name: 'herald_partitions_owned',
    help: 'Partitions of the deliveries stream whose lease this runner holds',
    registers: [this.registry],
  });
  readonly orderedQueues = new Gauge({
    name: 'herald_ordered_queues',
    help: "Ordered integrations' queues this runner works (consumers on HERALD_EVENTS of its partitions' ordered integrations)",
    registers: [this.registry],
  });
  readonly consumerPending = new Gauge({
    name: 'herald_consumer_pending',
    help: "Messages of the stream not yet delivered to the consumer (consumer info num_pending): the router's, each partition consumer this runner works and each ordered queue it works, read at scrape time",
    labelNames: ['stream', 'consumer'],
    registers: [this.registry],
  });
  readonly consumerAckPending = new Gauge({
    name: 'herald_consumer_ack_pending',
    help: 'Messages delivered to the consumer and not yet acknowledged (num_ack_pending), read at scrape time',
    labelNames: ['stream', 'consumer'],
    registers: [this.registry],
  });
  readonly consumerRedelivered = new Gauge({
    name: 'herald_consumer_redelivered',
    help: 'Unacknowledged messages delivered to the consumer more than once (num_redelivered), read at scrape time',
    labelNames: ['stream', 'consumer'],
    registers: [this.registry],
  });

  readonly dlqMessages = new Gauge({
    name: 'herald_dlq_messages',
    help: 'Invalid events held in the dead-letter stream (all runners), read at scrape time',
    registers: [this.registry],
  });
  readonly dlqMessagesByReason = new Gauge({
    name: 'herald_dlq_messages_by_reason',
    help: 'Invalid events held in the dead-letter stream by reason (the herald.dlq.<reason> subject), read at scrape time',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'herald_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version, node: process.version }, 1);
  }
}
