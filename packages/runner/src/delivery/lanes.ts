import { allowedInFlight, type Integration, type RateLimit } from '@herald/core';
import { DeliverySteps, type Item } from './delivery-steps.js';
import { Pacer } from './pacer.js';
import type { WorkerDeps } from './worker.js';

interface Lane {
  queue: Item[];
  inFlight: number;
  timer: NodeJS.Timeout | null;
  loading: boolean;
}

/**
 * Per-integration lanes: a FIFO whose concurrency the integration's machine decides
 * (healthy: configured, failing: one probe, disabled: none → skipped) and whose pace its
 * provider's rate limit sets; one global cap bounds requests in flight. Where a delivery
 * comes from (its partition's stream, or the router) is the worker's business; a lane
 * only starts, skips and gives back.
 */
export class Lanes {
  readonly #deps: WorkerDeps;
  readonly #steps: DeliverySteps;
  readonly #lanes = new Map<string, Lane>();
  readonly #blocked = new Set<string>();
  // Pacers outlive lanes: a destination's "wait" holds for deliveries that arrive later.
  readonly #pacers = new Map<string, Pacer>();
  readonly #tasks = new Set<Promise<void>>();
  // Keys of the deliveries queued or in flight here: a redelivered copy of one is ignored,
  // so one delivery is never attempted twice at once.
  readonly #active = new Set<string>();
  #inFlight = 0;
  #stopping = false;

  constructor(deps: WorkerDeps) {
    this.#deps = deps;
    this.#steps = new DeliverySteps({
      ...deps,
      pause: (id, ms) => this.pacer(id).pauseUntil(Date.now() + ms),
      track: (task) => this.track(task),
    });
  }

  /** Deliveries queued or in flight. */
  get pending(): number {
    let n = this.#inFlight;
    for (const lane of this.#lanes.values()) n += lane.queue.length;
    return n;
  }

  /** True while a delivery with this key is queued or in flight here. */
  has(key: string): boolean {
    return this.#active.has(key);
  }

  /** How many deliveries wait in the integration's lane. */
  queued(integrationId: string): number {
    return this.#lanes.get(integrationId)?.queue.length ?? 0;
  }

  /** Queues a delivery and starts what its lane allows. */
  add(item: Item): void {
    const id = item.job.integrationId;
    let lane = this.#lanes.get(id);
    if (!lane) {
      lane = { queue: [], inFlight: 0, timer: null, loading: false };
      this.#lanes.set(id, lane);
    }
    this.#active.add(item.key);
    lane.queue.push(item);
    this.#pump(id, lane);
  }

  /** Lets a lane go on (its machine changed). */
  wake(integrationId: string): void {
    const lane = this.#lanes.get(integrationId);
    if (lane) this.#pump(integrationId, lane);
  }

  /** Returns the waiting deliveries that match to JetStream (their partition moved). */
  giveBack(matches: (item: Item) => boolean): void {
    for (const [id, lane] of this.#lanes) {
      const mine = lane.queue.filter(matches);
      if (mine.length === 0) continue;
      lane.queue = lane.queue.filter((item) => !mine.includes(item));
      for (const item of mine) {
        this.#active.delete(item.key);
        item.nak();
      }
      if (lane.queue.length === 0 && lane.inFlight === 0) this.#drop(id, lane);
    }
  }

  /** Starts nothing more (what waits stays queued until `giveBack` or `stop`). */
  hold(): void {
    this.#stopping = true;
  }

  /** Gives everything waiting back and waits (bounded) for attempts in flight and their settling. */
  async stop(graceMs: number): Promise<void> {
    this.hold();
    this.giveBack(() => true);
    for (const lane of this.#lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    // A finishing attempt adds a task (its message settles once it is listed): wait for those too.
    const deadline = Date.now() + graceMs;
    while (this.#tasks.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.#tasks]),
        new Promise((r) => setTimeout(r, deadline - Date.now()).unref()),
      ]);
    }
  }

  /** Keeps a task that `stop` waits for. */
  track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /** Tells JetStream the waiting deliveries are being worked on; forgets idle pacers. */
  touchQueued(): void {
    for (const lane of this.#lanes.values()) for (const item of lane.queue) item.working();
    const now = Date.now();
    for (const [id, pacer] of this.#pacers)
      if (!this.#lanes.has(id) && pacer.idle(now)) this.#pacers.delete(id);
  }

  /** An integration changed: its pace may have. */
  forgetPacer(integrationId: string): void {
    this.#pacers.delete(integrationId);
  }

  pacer(id: string): Pacer {
    let pacer = this.#pacers.get(id);
    if (!pacer) {
      pacer = new Pacer(this.#rateLimitOf(this.#deps.integrations.byId(id)));
      this.#pacers.set(id, pacer);
    }
    return pacer;
  }

  /** The integration's own rate, else its provider's default; null = unpaced. */
  #rateLimitOf(integration: Integration | undefined): RateLimit | null {
    if (!integration) return null;
    const perSecond = integration.rateLimitPerSecond;
    if (perSecond) {
      const count = Math.max(1, Math.round(perSecond));
      return { count, perMs: (1_000 * count) / perSecond };
    }
    return this.#deps.providers.get(integration.type)?.rateLimit ?? null;
  }

  #pump(id: string, lane: Lane): void {
    if (this.#stopping) return;
    const current = this.#lanes.get(id);
    // A dropped lane (emptied while its machine loaded or an attempt ran; it gets no new
    // deliveries): the integration's current lane goes on instead.
    if (current !== lane) {
      if (current) this.#pump(id, current);
      return;
    }
    const snapshot = this.#deps.actors.peek(id);
    if (!snapshot) {
      this.#load(id, lane);
      return;
    }
    const allowed = allowedInFlight(snapshot);
    while (lane.queue.length > 0) {
      const next = lane.queue[0]!;
      if (allowed === 0 && next.job.trigger !== 'manual') {
        lane.queue.shift();
        this.#start(id, lane, next, this.#steps.skip(next));
        continue;
      }
      if (lane.inFlight >= Math.max(allowed, 1)) break;
      if (this.#inFlight >= this.#deps.config.maxInFlight) {
        this.#blocked.add(id);
        break;
      }
      const wait = this.pacer(id).take(Date.now());
      if (wait > 0) {
        this.#retryIn(id, lane, wait);
        break;
      }
      lane.queue.shift();
      this.#inFlight++;
      this.#start(id, lane, next, this.#steps.deliver(next), true);
    }
    if (lane.queue.length === 0 && lane.inFlight === 0) this.#drop(id, lane);
  }

  /** Loads the integration's machine, then goes on; retries when it cannot be read. */
  #load(id: string, lane: Lane): void {
    if (lane.loading) return;
    lane.loading = true;
    this.#deps.actors.snapshot(id).then(
      () => {
        lane.loading = false;
        this.#pump(id, lane);
      },
      (err) => {
        lane.loading = false;
        this.#deps.logger.warn(
          { integrationId: id, err: (err as Error).message },
          'cannot load integration state; retrying',
        );
        this.#retryIn(id, lane, 1_000);
      },
    );
  }

  #retryIn(id: string, lane: Lane, ms: number): void {
    lane.timer ??= setTimeout(() => {
      lane.timer = null;
      this.#pump(id, lane);
    }, ms);
  }

  #start(id: string, lane: Lane, item: Item, task: Promise<void>, counted = false): void {
    lane.inFlight++;
    this.track(
      task
        .catch((err: unknown) => {
          this.#deps.logger.error({ integrationId: id, err: (err as Error).message }, 'delivery step failed');
          // Neither acked nor nakked: a handed-over delivery's event is re-routed, a
          // partition's message comes back after the ack wait.
          item.abandon(err as Error);
        })
        .finally(() => {
          this.#active.delete(item.key);
          lane.inFlight--;
          if (counted) this.#inFlight--;
          this.#pump(id, lane);
          if (counted) this.#unblock();
        }),
    );
  }

  #unblock(): void {
    for (const id of this.#blocked) {
      if (this.#inFlight >= this.#deps.config.maxInFlight) return;
      this.#blocked.delete(id);
      const lane = this.#lanes.get(id);
      if (lane) this.#pump(id, lane);
    }
  }

  #drop(id: string, lane: Lane): void {
    if (lane.timer) clearTimeout(lane.timer);
    // A lane dropped earlier can still be pumped (its machine finished loading, an attempt
    // finished): it must not take a newer lane of the same integration out of the map,
    // or that lane's deliveries would wait forever.
    if (this.#lanes.get(id) === lane) this.#lanes.delete(id);
  }
}
