import { DLQ_STREAM } from '@herald/core';
import type { JetStreamManager } from '@nats-io/jetstream';
import { ActorRegistry } from './delivery/actors.js';
import { DeliveryWorker } from './delivery/worker.js';
import { inject, injectable } from './injection.js';
import { Metrics } from './metrics.js';
import { TOKENS } from './tokens.js';

/** A scrape does not wait longer than this for the DLQ count. */
const DLQ_INFO_TIMEOUT_MS = 1_000;

/** The gauges that are read, not counted: set just before a scrape reads the registry. */
@injectable()
export class Gauges {
  readonly #metrics: Metrics;
  readonly #worker: DeliveryWorker;
  readonly #actors: ActorRegistry;
  readonly #jsm: JetStreamManager;

  constructor(
    metrics: Metrics,
    worker: DeliveryWorker,
    actors: ActorRegistry,
    @inject(TOKENS.jsm) jsm: JetStreamManager,
  ) {
    this.#metrics = metrics;
    this.#worker = worker;
    this.#actors = actors;
    this.#jsm = jsm;
  }

  /** Pending deliveries, attempts in flight, integrations by state, and the DLQ's size (kept when NATS is slow). */
  async refresh(): Promise<void> {
    const metrics = this.#metrics;
    metrics.pendingDeliveries.set(this.#worker.pending);
    metrics.attemptsInFlight.set(this.#worker.attemptsInFlight);
    for (const [state, n] of Object.entries(this.#actors.states()))
      metrics.integrationsByState.set({ state }, n);
    const dlq = await Promise.race([
      this.#jsm.streams.info(DLQ_STREAM).then(
        (info) => info.state.messages,
        () => null,
      ),
      new Promise<null>((r) => setTimeout(() => r(null), DLQ_INFO_TIMEOUT_MS).unref()),
    ]);
    if (dlq !== null) metrics.dlqMessages.set(dlq);
  }
}
