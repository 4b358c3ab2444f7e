import { EVENTS_STREAM, type Integration, mayBeOrdered, partitionOf } from '@herald/core';
import type { JetStreamManager } from '@nats-io/jetstream';
import { ensureConsumer } from '../nats/consumers.js';
import { settledWithin } from '../settled-within.js';
import type { IntegrationStore } from '../store/integrations.js';
import { OrderedFeed, type OrderedFeedDeps } from './ordered-feed.js';
import { closeOrderedQueue, orderedConsumerConfig, orderedConsumerName } from './ordered-queue.js';

/** How often feeds that could not start are started again and drained queues closed. */
const ORDERED_SWEEP_MS = 5_000;
/** A queue without its integration is closed only when older than this: the API opens one just before it saves. */
const ORPHAN_MIN_AGE_MS = 60_000;
/** A feed's consumer closing with NATS unreachable is not waited for longer. */
const FEED_CLOSE_TIMEOUT_MS = 2_000;

export interface OrderedFeedsDeps extends Omit<OrderedFeedDeps, 'drained' | 'gone' | 'integrations'> {
  jsm: JetStreamManager;
  integrations: Pick<IntegrationStore, 'byId' | 'all' | 'onChange'>;
  partitions: number;
  ackWaitMs: number;
}

/**
 * The ordered queues this runner works: one feed per ordered integration (or one still
 * draining after a switch-off) of each partition it owns, started with the partition and
 * when an integration becomes ordered, stopped with the partition; a queue whose integration
 * is gone or whose switch-off has drained is closed (its consumer deleted).
 */
export class OrderedFeeds {
  readonly #deps: OrderedFeedsDeps;
  readonly #feeds = new Map<string, OrderedFeed>();
  readonly #starting = new Set<string>();
  readonly #partitions = new Set<number>();
  /** Switched-off queues known closed, by the `orderedUntil` they were closed for: not looked up again. */
  readonly #closed = new Map<string, string>();
  readonly #sweep: NodeJS.Timeout;
  readonly #unwatch: () => void;
  #stopped = false;

  constructor(deps: OrderedFeedsDeps) {
    this.#deps = deps;
    this.#unwatch = deps.integrations.onChange((integration, id) => this.#changed(integration, id));
    this.#sweep = setInterval(() => void this.#sweepAll(), ORDERED_SWEEP_MS);
    this.#sweep.unref();
  }

  /** The integrations whose ordered queue is worked here. */
  get worked(): string[] {
    return [...this.#feeds.keys()];
  }

  /** Starts the feeds of the partition's ordered integrations (failures are retried by the sweep). */
  startPartition(partition: number): void {
    this.#partitions.add(partition);
    // The property first: every integration is looked at, few are ordered.
    for (const integration of this.#deps.integrations.all())
      if (mayBeOrdered(integration) && this.#partitionOf(integration.id) === partition)
        this.#want(integration);
    void this.#closeOrphans(partition);
  }

  /** Closes the partition's queues whose integration is gone (deleted while its close failed). */
  async #closeOrphans(partition: number): Promise<void> {
    const prefix = orderedConsumerName('');
    try {
      for await (const info of this.#deps.jsm.consumers.list(EVENTS_STREAM)) {
        const id = info.name.startsWith(prefix) ? info.name.slice(prefix.length) : null;
        if (id === null || this.#partitionOf(id) !== partition || this.#deps.integrations.byId(id)) continue;
        if (Date.now() - Date.parse(info.created) < ORPHAN_MIN_AGE_MS) continue;
        await this.#delete(id);
      }
    } catch (err) {
      this.#deps.logger.warn({ partition, err: (err as Error).message }, 'cannot list ordered queues');
    }
  }

  /** Stops the partition's feeds; their heads in the lanes are given back by the lanes. */
  async stopPartition(partition: number): Promise<void> {
    this.#partitions.delete(partition);
    for (const id of [...this.#closed.keys()])
      if (this.#partitionOf(id) === partition) this.#closed.delete(id);
    const closing = [...this.#feeds.values()]
      .filter((feed) => this.#partitionOf(feed.integrationId) === partition)
      .map((feed) => this.#close(feed.integrationId));
    await Promise.all(closing);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweep);
    this.#unwatch();
    await Promise.all([...this.#feeds.keys()].map((id) => this.#close(id)));
  }

  #partitionOf(id: string): number {
    return partitionOf(id, this.#deps.partitions);
  }

  #changed(integration: Integration | null, id: string): void {
    // Deleted: its queue, if it had one here, is closed (the API closed it already, as a rule).
    if (integration === null) {
      if (this.#feeds.has(id)) this.#gone(id);
      return;
    }
    if (!mayBeOrdered(integration)) return;
    if (this.#partitions.has(this.#partitionOf(id))) this.#want(integration);
  }

  /** Starts the integration's feed if it may be ordered and has none. */
  #want(integration: Integration): void {
    const id = integration.id;
    if (this.#stopped || !mayBeOrdered(integration) || this.#feeds.has(id) || this.#starting.has(id)) return;
    if (!integration.ordered && this.#closed.get(id) === integration.orderedUntil) return;
    this.#starting.add(id);
    void this.#start(integration).finally(() => this.#starting.delete(id));
  }

  async #start(integration: Integration): Promise<void> {
    const id = integration.id;
    try {
      // Opened by the API before it saved the integration; made here only if it went missing.
      if (integration.ordered)
        await ensureConsumer(
          this.#deps.jsm,
          EVENTS_STREAM,
          orderedConsumerConfig(integration, this.#deps.ackWaitMs),
        );
      else if (!(await this.#exists(id))) {
        // Switched off and drained already.
        this.#closed.set(id, integration.orderedUntil!);
        return;
      }
      const feed = new OrderedFeed(id, {
        ...this.#deps,
        drained: (drainedId) => this.#drained(drainedId),
        gone: (goneId) => this.#gone(goneId),
      });
      await feed.start();
      if (this.#stopped || !this.#partitions.has(this.#partitionOf(id))) {
        await settledWithin(feed.close(), FEED_CLOSE_TIMEOUT_MS);
        return;
      }
      this.#feeds.set(id, feed);
    } catch (err) {
      this.#deps.logger.warn(
        { integrationId: id, err: (err as Error).message },
        'cannot start an ordered queue yet; retrying',
      );
    }
  }

  async #exists(id: string): Promise<boolean> {
    const info = await this.#deps.jsm.consumers
      .info(EVENTS_STREAM, orderedConsumerName(id))
      .catch(() => null);
    return info !== null;
  }

  async #close(id: string): Promise<void> {
    const feed = this.#feeds.get(id);
    if (!feed) return;
    this.#feeds.delete(id);
    await settledWithin(feed.close(), FEED_CLOSE_TIMEOUT_MS);
  }

  /** A switched-off queue has nothing more to deliver: closed, unless it was switched on again. */
  #drained(id: string): void {
    const integration = this.#deps.integrations.byId(id);
    if (integration?.ordered) return;
    void this.#close(id).then(() => this.#delete(id));
  }

  #gone(id: string): void {
    void this.#close(id).then(() => this.#delete(id));
  }

  async #delete(id: string): Promise<void> {
    // Switched on again meanwhile: the queue goes on.
    const integration = this.#deps.integrations.byId(id);
    if (integration?.ordered) return;
    try {
      await closeOrderedQueue(this.#deps.jsm, id);
      if (integration?.orderedUntil) this.#closed.set(id, integration.orderedUntil);
      else this.#closed.delete(id);
    } catch (err) {
      this.#deps.logger.warn(
        { integrationId: id, err: (err as Error).message },
        'cannot close an ordered queue',
      );
    }
  }

  /** Starts what could not start; closes switched-off queues that have nothing left past their grace. */
  async #sweepAll(): Promise<void> {
    for (const integration of this.#deps.integrations.all())
      if (mayBeOrdered(integration) && this.#partitions.has(this.#partitionOf(integration.id)))
        this.#want(integration);
    const now = Date.now();
    for (const id of [...this.#feeds.keys()]) {
      const integration = this.#deps.integrations.byId(id);
      if (!integration) {
        this.#gone(id);
        continue;
      }
      if (integration.ordered || integration.orderedUntil === null) continue;
      if (Date.parse(integration.orderedUntil) > now) continue;
      const info = await this.#deps.jsm.consumers
        .info(EVENTS_STREAM, orderedConsumerName(id))
        .catch(() => null);
      if (info && info.num_pending === 0 && info.num_ack_pending === 0) this.#drained(id);
    }
  }
}
