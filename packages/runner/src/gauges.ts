import {
  DELIVERIES_STREAM,
  DLQ_PREFIX,
  DLQ_STREAM,
  EVENTS_STREAM,
  type IntegrationState,
} from '@herald/core';
import type { ConsumerInfo, JetStreamManager } from '@nats-io/jetstream';
import { LeaseManager } from './cluster/leases.js';
import { orderedConsumerName } from './delivery/ordered-queue.js';
import { DeliveryWorker, partitionConsumerName } from './delivery/worker.js';
import { inject, injectable } from './injection.js';
import { Metrics } from './metrics.js';
import { ROUTER_CONSUMER } from './router/router.js';
import { HealthStore } from './store/health.js';
import { IntegrationStore } from './store/integrations.js';
import { TOKENS } from './tokens.js';

/**
 * A scrape waits no longer than this for what it asks NATS (stream and consumer info,
 * all at once); what has not answered by then keeps its last value.
 */
const NATS_INFO_TIMEOUT_MS = 1_000;

/** One consumer whose backlog is reported. */
interface ConsumerRef {
  stream: string;
  consumer: string;
}

/** What `fn` resolves to within `ms`, or null (also when it fails, however it fails). */
function within<T>(ms: number, fn: () => Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve()
      .then(fn)
      .catch(() => null),
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The gauges that are read, not counted: set when a scrape asks (never on the delivery
 * path). One scrape's NATS requests — the DLQ stream's info with its subjects, and the
 * info of the router's consumer, of each partition consumer and of each ordered queue this
 * runner works, 2 + owned partitions + ordered queues in all — run at once and are waited for at most 1 s; a scrape that
 * comes while a refresh runs shares it rather than asking again.
 */
@injectable()
export class Gauges {
  readonly #metrics: Metrics;
  readonly #worker: DeliveryWorker;
  readonly #leases: LeaseManager;
  readonly #integrations: IntegrationStore;
  readonly #health: HealthStore;
  readonly #jsm: JetStreamManager;
  #refreshing: Promise<void> | null = null;
  /** The consumers last reported, by `stream/consumer`, so one no longer worked is dropped. */
  #consumers = new Map<string, ConsumerRef>();
  /** Every DLQ reason reported so far: one whose messages aged out reads 0, not nothing. */
  readonly #dlqReasons = new Set<string>();

  constructor(
    metrics: Metrics,
    worker: DeliveryWorker,
    leases: LeaseManager,
    integrations: IntegrationStore,
    health: HealthStore,
    @inject(TOKENS.jsm) jsm: JetStreamManager,
  ) {
    this.#metrics = metrics;
    this.#worker = worker;
    this.#leases = leases;
    this.#integrations = integrations;
    this.#health = health;
    this.#jsm = jsm;
  }

  /** Sets every read gauge; bounded in time (NATS being slow or away leaves its gauges as they were). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const metrics = this.#metrics;
    metrics.pendingDeliveries.set(this.#worker.pending);
    metrics.attemptsInFlight.set(this.#worker.attemptsInFlight);
    metrics.partitionsOwned.set(this.#leases.held.length);
    metrics.orderedQueues.set(this.#worker.orderedQueues.length);
    this.#countIntegrations();
    await Promise.all([this.#readDlq(), this.#readConsumers()]);
  }

  /** Every integration's state as the API shows it: disabled by the user, else its machine's. */
  #countIntegrations(): void {
    const stored = this.#health.storedStates();
    if (stored === null) return; // not caught up: a partial count would be wrong
    const counts: Record<IntegrationState, number> = { healthy: 0, failing: 0, disabled: 0 };
    for (const integration of this.#integrations.all()) {
      const state = integration.enabled ? (stored.get(integration.id) ?? 'healthy') : 'disabled';
      counts[state]++;
    }
    for (const [state, n] of Object.entries(counts)) this.#metrics.integrationsByState.set({ state }, n);
  }

  /** The DLQ's size, and by reason from the per-subject counts of one stream-info request. */
  async #readDlq(): Promise<void> {
    const info = await within(NATS_INFO_TIMEOUT_MS, () =>
      this.#jsm.streams.info(DLQ_STREAM, { subjects_filter: `${DLQ_PREFIX}.>` }),
    );
    if (info === null) return;
    this.#metrics.dlqMessages.set(info.state.messages);
    const bySubject = info.state.subjects ?? {};
    const counts = new Map<string, number>();
    for (const [subject, n] of Object.entries(bySubject)) {
      const reason = subject.slice(DLQ_PREFIX.length + 1);
      counts.set(reason, (counts.get(reason) ?? 0) + n);
      this.#dlqReasons.add(reason);
    }
    for (const reason of this.#dlqReasons)
      this.#metrics.dlqMessagesByReason.set({ reason }, counts.get(reason) ?? 0);
  }

  /** Pending, ack-pending and redelivered of the router's consumer and each partition consumer worked here. */
  async #readConsumers(): Promise<void> {
    const wanted = new Map<string, ConsumerRef>();
    const add = (ref: ConsumerRef) => wanted.set(`${ref.stream}/${ref.consumer}`, ref);
    add({ stream: EVENTS_STREAM, consumer: ROUTER_CONSUMER });
    for (const p of this.#worker.partitions)
      add({ stream: DELIVERIES_STREAM, consumer: partitionConsumerName(p) });
    // An ordered queue's pending is its backlog (the team's events it has not read yet).
    for (const id of this.#worker.orderedQueues)
      add({ stream: EVENTS_STREAM, consumer: orderedConsumerName(id) });
    const infos = await Promise.all(
      [...wanted.values()].map((ref) =>
        within(NATS_INFO_TIMEOUT_MS, () => this.#jsm.consumers.info(ref.stream, ref.consumer)),
      ),
    );
    const metrics = this.#metrics;
    // A partition that moved away meanwhile is dropped, not reported from a late answer.
    const worked = new Set(this.#worker.partitions.map(partitionConsumerName));
    for (const [key, ref] of this.#consumers) {
      if (!wanted.has(key) || (ref.stream === DELIVERIES_STREAM && !worked.has(ref.consumer))) {
        for (const gauge of [
          metrics.consumerPending,
          metrics.consumerAckPending,
          metrics.consumerRedelivered,
        ])
          gauge.remove({ ...ref });
        this.#consumers.delete(key);
      }
    }
    [...wanted.values()].forEach((ref, i) => {
      const info: ConsumerInfo | null = infos[i] ?? null;
      if (info === null) return;
      if (ref.stream === DELIVERIES_STREAM && !worked.has(ref.consumer)) return;
      metrics.consumerPending.set({ ...ref }, info.num_pending);
      metrics.consumerAckPending.set({ ...ref }, info.num_ack_pending);
      metrics.consumerRedelivered.set({ ...ref }, info.num_redelivered);
      this.#consumers.set(`${ref.stream}/${ref.consumer}`, ref);
    });
  }
}
