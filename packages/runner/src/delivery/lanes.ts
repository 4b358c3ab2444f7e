import { stateOf } from '@herald/core';
import type { Logger } from 'pino';
import type { HeraldConfig } from '../config/config.js';
import type { Metrics } from '../metrics.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { ActorRegistry } from './actors.js';
import { AttemptsInFlight } from './attempts-in-flight.js';
import type { DeliverySteps } from './delivery-steps.js';
import type { Item, StepResult } from './item.js';
import type { DeliveryJob } from './job.js';
import { attemptLimitOf, isDisabled, PARK_AFTER_WAIT_MS, queueCapOf, slotClassOf } from './lane-policy.js';
import type { ParkedCount, ParkedEntry, ParkedStore } from './parked.js';
import { ParkedLevels, parkedItem } from './parked-levels.js';
import { FairSlots, type Slot, type SlotClass, UNPROVEN_PATIENCE_MS } from './slots.js';
import { rateLimitOf, Standings } from './standing.js';

/** A sweep this much later than due means the event loop stalled. */
const STALL_MS = 200;
/** Parked entries a lane reads back ahead of its attempts. */
const PARKED_READ_AHEAD = 16;
const RETRY_LOAD_MS = 1_000;

/** What the lanes need of the configuration. */
export type LanesConfig = Pick<
  HeraldConfig,
  'maxInFlight' | 'maxQueued' | 'restrictedShare' | 'slowAttemptMs'
>;

export interface LanesDeps {
  config: LanesConfig;
  integrations: IntegrationStore;
  providers: ProviderRegistry;
  actors: ActorRegistry;
  steps: DeliverySteps;
  parked: ParkedStore;
  logger: Logger;
  metrics: Pick<Metrics, 'deliveriesParked'>;
  /** Called before slots are handed out: stops partitions this runner may no longer own. */
  beforeAttempts?: () => void;
  /** Whether this runner works the integration's partition now: checked before each attempt and before parked entries are taken up. */
  owns?: (integrationId: string) => boolean;
}

interface Lane {
  id: string;
  queue: Item[];
  /** Attempts holding a slot. */
  attempts: number;
  /** Steps and settlements under way (attempts, skips, parks). */
  busy: number;
  timer: NodeJS.Timeout | null;
  timerAt: number;
  loading: boolean;
  parked: ParkedLevels;
}

/**
 * Per-integration lanes: which deliveries go, when, and where the rest wait. A lane's
 * concurrency is its machine's (healthy: configured; failing or slow: one probe; disabled:
 * none → skipped), its pace its provider's rate; slots are shared fairly (`FairSlots`).
 * A lane holds in memory only what it can attempt soon; the rest — a backlog, a paused or
 * restricted integration's deliveries, retries — is parked (`ParkedStore`) and read back
 * when the lane has room, so no partition's ack window and no heap fills up behind a broken
 * endpoint. The lanes apply what a delivery step returns; the step never calls back.
 */
export class Lanes {
  readonly #deps: LanesDeps;
  readonly #slots: FairSlots;
  readonly #lanes = new Map<string, Lane>();
  readonly #standings: Standings;
  readonly #tasks = new Set<Promise<void>>();
  /** Keys of the deliveries held here: a redelivered copy of one is ignored. */
  readonly #active = new Set<string>();
  /** Deliveries with an attempt in flight (another copy of one waits for it), and how to abort it. */
  readonly #attempting = new AttemptsInFlight();
  readonly #sweep: NodeJS.Timeout;
  readonly #sweepEveryMs: number;
  #lastSweepAt = Date.now();
  /** When this runner's event loop was last seen stalled (a sweep ran late). */
  #lastStallAt = 0;
  readonly #roomWaiters: Array<() => void> = [];
  /** Deliveries in memory in the lanes, and being parked. */
  #queued = 0;
  #parking = 0;
  #stopping = false;
  #filling = false;

  constructor(deps: LanesDeps) {
    this.#deps = deps;
    this.#slots = new FairSlots({
      maxInFlight: deps.config.maxInFlight,
      restrictedShare: deps.config.restrictedShare,
      slowAfterMs: deps.config.slowAttemptMs,
    });
    this.#standings = new Standings(
      (id) => rateLimitOf(deps.integrations.byId(id), deps.providers),
      deps.config.slowAttemptMs,
    );
    // Often enough that an unanswered attempt gives its slot back close to the patience.
    this.#sweepEveryMs = Math.max(10, Math.min(UNPROVEN_PATIENCE_MS, deps.config.slowAttemptMs) / 4);
    this.#sweep = setInterval(() => this.#sweepSlow(), this.#sweepEveryMs);
    this.#sweep.unref();
  }

  /** Attempts started and not yet recorded: at most what a crash now would make again. */
  get attemptsInFlight(): number {
    return this.#attempting.size;
  }

  /** Deliveries queued in memory or being attempted. */
  get pending(): number {
    const { shared, restricted } = this.#slots.inFlight;
    return this.#queued + shared + restricted;
  }

  /** True while a delivery with this key is held here. */
  has(key: string): boolean {
    return this.#active.has(key);
  }

  /** How many deliveries wait in memory in the integration's lane. */
  queued(integrationId: string): number {
    return this.#lanes.get(integrationId)?.queue.length ?? 0;
  }

  /** Resolves when the lanes hold fewer than `maxQueued` deliveries (queued or being parked); null when they do now. */
  room(): Promise<void> | null {
    if (!this.#full() || this.#stopping) return null;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /**
   * Whether a delivery for this integration would start at once or soon: its machine is
   * in memory and lets it through, it is not failing, slow or paused, and its lane is short
   * with no backlog parked. The router hands over only such deliveries.
   */
  takesNow(integrationId: string, laneCap: number): boolean {
    const snapshot = this.#deps.actors.peek(integrationId);
    if (!snapshot || isDisabled(snapshot) || stateOf(snapshot) === 'failing') return false;
    const standing = this.#standings.of(integrationId);
    if (standing.slow || standing.pacer.waitMs(Date.now()) > 0) return false;
    const lane = this.#lanes.get(integrationId);
    return !lane || (lane.queue.length < laneCap && !lane.parked.hasBacklog);
  }

  /**
   * Whether a delivery for this integration would be parked at the back of its backlog on
   * arrival (a backlog exists, or its lane is full): the router can park it itself, one
   * write instead of a partition publish, its delivery to this runner, a park and an ack.
   */
  parksNow(integrationId: string): boolean {
    const lane = this.#lanes.get(integrationId);
    return lane !== undefined && (lane.parked.hasBacklog || lane.queue.length >= this.#queueCap(lane));
  }

  /** JetStream has one more delivery in the integration's backlog (parked by the router). */
  parkedBacklog(integrationId: string): void {
    if (!this.#works(integrationId)) return; // moved meanwhile: its next owner counts the entry
    const lane = this.#lane(integrationId);
    lane.parked.counted(0);
    this.#deps.metrics.deliveriesParked.inc({ level: 'backlog' });
    this.#pump(lane);
  }

  /** Takes a delivery: queued in its lane when it can be attempted soon, else parked. */
  add(item: Item): void {
    if (this.#stopping) {
      item.source.giveBack();
      return;
    }
    const lane = this.#lane(item.job.integrationId);
    this.#active.add(item.key);
    if (lane.parked.hasBacklog || lane.queue.length >= this.#queueCap(lane)) {
      this.#parkBacklog(lane, item);
      return;
    }
    this.#enqueue(lane, item);
    this.#pump(lane);
  }

  /** Lets a lane go on (its machine changed). */
  wake(integrationId: string): void {
    const lane = this.#lanes.get(integrationId);
    if (lane) this.#pump(lane);
  }

  /** Takes up what is parked for a partition this runner now owns. */
  adopt(counts: ParkedCount[]): void {
    // Counted while the partition moved (seconds on a slow link): its next owner counts them.
    const owned = counts.filter(({ integrationId }) => this.#works(integrationId));
    for (const { integrationId, level, count } of owned) this.#lane(integrationId).parked.adopt(level, count);
    for (const { integrationId } of owned) this.wake(integrationId);
  }

  /** Whether the integration's partition is worked here (always, without an `owns`). */
  #works(integrationId: string): boolean {
    return this.#deps.owns?.(integrationId) ?? true;
  }

  /**
   * Lets go of the integrations that match (their partition moved, or the runner stops):
   * what waits in their lanes goes back to its source, their parked entries stay for the
   * next owner. Attempts in flight finish and settle.
   */
  release(matches: (integrationId: string) => boolean): void {
    for (const [id, lane] of this.#lanes) {
      if (!matches(id)) continue;
      for (const item of lane.queue) {
        this.#active.delete(item.key);
        item.source.giveBack();
      }
      this.#queued -= lane.queue.length;
      lane.queue = [];
      lane.parked.drop();
      // Out of the map at once: what is still under way for it (attempts, parks, reads)
      // finishes without taking up the partition's parked deliveries again.
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = null;
      this.#lanes.delete(id);
    }
    this.#wakeRoom();
  }

  /** Starts nothing more. */
  hold(): void {
    this.#stopping = true;
    this.#wakeRoom();
  }

  /** Gives everything waiting back and waits (bounded) for attempts in flight and their settling. */
  async stop(graceMs: number): Promise<void> {
    this.hold();
    clearInterval(this.#sweep);
    this.release(() => true);
    for (const lane of this.#lanes.values()) if (lane.timer) clearTimeout(lane.timer);
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

  /** Tells JetStream the waiting deliveries are being worked on; forgets idle standings. */
  touchQueued(): void {
    for (const lane of this.#lanes.values()) for (const item of lane.queue) item.source.working();
    this.#standings.evictIdle(Date.now(), (id) => this.#lanes.has(id));
  }

  /** An integration changed: its pace may have (a destination's pause holds). */
  forgetPacer(integrationId: string): void {
    this.#standings.forgetPacer(integrationId);
  }

  #lane(id: string): Lane {
    let lane = this.#lanes.get(id);
    if (!lane) {
      const created: Lane = {
        id,
        queue: [],
        attempts: 0,
        busy: 0,
        timer: null,
        timerAt: 0,
        loading: false,
        parked: new ParkedLevels(id, this.#deps.parked, {
          changed: (afterMs) => (afterMs ? this.#wakeIn(created, afterMs) : this.#pump(created)),
          holds: (key) => this.#active.has(key),
          track: (task) => this.track(task),
          warn: (message, err) => this.#deps.logger.warn({ integrationId: id, err: err.message }, message),
        }),
      };
      lane = created;
      this.#lanes.set(id, lane);
    }
    return lane;
  }

  #queueCap(lane: Lane): number {
    return queueCapOf(this.#deps.actors.peek(lane.id), this.#standings.of(lane.id), Date.now());
  }

  #enqueue(lane: Lane, item: Item): void {
    lane.queue.push(item);
    this.#queued++;
  }

  #dequeue(lane: Lane): Item {
    this.#queued--;
    this.#wakeRoom();
    return lane.queue.shift()!;
  }

  #full(): boolean {
    return this.#queued + this.#parking >= this.#deps.config.maxQueued;
  }

  #wakeRoom(): void {
    if (this.#roomWaiters.length === 0 || (this.#full() && !this.#stopping)) return;
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  #pump(lane: Lane): void {
    if (this.#stopping) return;
    if (this.#lanes.get(lane.id) !== lane) {
      const current = this.#lanes.get(lane.id);
      if (current) this.#pump(current);
      return;
    }
    const snapshot = this.#deps.actors.peek(lane.id);
    if (!snapshot) {
      this.#load(lane);
      return;
    }
    const standing = this.#standings.of(lane.id);
    standing.lastUsed = Date.now();
    if (isDisabled(snapshot)) this.#skipQueued(lane);
    const cap = this.#queueCap(lane);
    // Trimmed to what it can attempt soon (it became restricted or paused): the rest is parked.
    while (lane.queue.length > cap) this.#parkBacklog(lane, this.#popTail(lane));
    this.#readParked(lane, cap);
    if (lane.queue.length > 0) {
      const wait = standing.pacer.waitMs(Date.now());
      if (wait > 0) this.#wakeIn(lane, wait);
      else if (this.#classOf(lane.id) !== null) this.#slots.enqueue(lane.id);
    }
    this.#maybeDrop(lane);
    this.#fill();
  }

  /** Hands free slots to waiting lanes in turn. */
  #fill(): void {
    if (this.#filling) return;
    this.#deps.beforeAttempts?.();
    this.#filling = true;
    try {
      const classOf = (id: string) => this.#classOf(id);
      for (
        let slot = this.#slots.next(classOf, Date.now());
        slot;
        slot = this.#slots.next(classOf, Date.now())
      ) {
        const lane = this.#lanes.get(slot.laneId)!;
        // The last word on single writing: a lane whose partition this runner no longer
        // works (fenced, released) attempts nothing, however its deliveries got here.
        if (!this.#works(lane.id)) {
          this.#deps.logger.warn(
            { integrationId: lane.id },
            'a lane of a partition not worked here gave its deliveries back unattempted',
          );
          this.#slots.release(slot);
          this.release((id) => id === lane.id);
          continue;
        }
        this.#standings.of(lane.id).pacer.take(Date.now());
        this.#attempt(lane, this.#dequeue(lane), slot);
        if (this.#classOf(lane.id) !== null) this.#slots.enqueue(lane.id);
      }
    } finally {
      this.#filling = false;
    }
  }

  /** How the lane stands for a slot now, or null when it cannot start an attempt. */
  #classOf(id: string): SlotClass | null {
    const lane = this.#lanes.get(id);
    if (!lane || lane.queue.length === 0 || this.#stopping) return null;
    const snapshot = this.#deps.actors.peek(id);
    if (!snapshot) return null;
    const standing = this.#standings.of(id);
    if (lane.attempts >= attemptLimitOf(snapshot, standing)) return null;
    if (standing.pacer.waitMs(Date.now()) > 0) return null;
    // Another copy of this delivery is being attempted: it waits for that one's record.
    if (this.#attempting.has(lane.queue[0]!.deliveryId)) return null;
    return slotClassOf(snapshot, standing);
  }

  /** A disabled integration's deliveries are recorded as skipped (a resend still goes). */
  #skipQueued(lane: Lane): void {
    const manual = lane.queue.filter((item) => item.job.trigger === 'manual');
    if (manual.length === lane.queue.length) return;
    const skipped = lane.queue.filter((item) => item.job.trigger !== 'manual');
    this.#queued -= skipped.length;
    lane.queue = manual;
    for (const item of skipped) this.#run(lane, item, this.#deps.steps.skip(item), null);
    this.#wakeRoom();
  }

  #attempt(lane: Lane, item: Item, slot: Slot): void {
    lane.attempts++;
    const abort = this.#attempting.start(item.deliveryId, lane.id);
    this.#run(lane, item, this.#deps.steps.deliver(item, abort), slot);
  }

  /** See AttemptsInFlight.end. */
  endAttempts(matches: (integrationId: string) => boolean, withinMs: number): Promise<void> {
    return this.#attempting.end(matches, withinMs);
  }

  /** Runs a step and applies what it returns. */
  #run(lane: Lane, item: Item, step: Promise<StepResult>, slot: Slot | null): void {
    lane.busy++;
    this.track(
      step
        .then(
          (result) => {
            // An attempt that overlapped a stall of this runner's own event loop says
            // nothing of its destination's speed.
            const overlappedStall =
              result.durationMs !== null && Date.now() - this.#lastStallAt <= result.durationMs;
            this.#standings.learn(lane.id, result, overlappedStall);
            this.#apply(lane, item, result);
          },
          (err: unknown) => {
            this.#deps.logger.error(
              { integrationId: lane.id, err: (err as Error).message },
              'delivery step failed',
            );
            this.#abandon(lane, item, err as Error);
          },
        )
        .finally(() => {
          lane.busy--;
          if (slot) {
            lane.attempts--;
            this.#attempting.finish(item.deliveryId);
            this.#slots.release(slot);
          }
          this.#pump(lane);
          this.#fill();
        }),
    );
  }

  /** Applies a step's settlement through the delivery's source, once it is listed. */
  #apply(lane: Lane, item: Item, result: StepResult): void {
    const { settlement } = result;
    if (settlement.kind === 'abandon') this.#abandon(lane, item, settlement.error);
    else if (settlement.kind === 'ack') this.#settle(lane, item, result.listed, false);
    else {
      const level = settlement.kind === 'retry' ? settlement.level : 0;
      this.#park(
        lane,
        item,
        { ...item.job, repeat: true, notBefore: settlement.notBefore },
        level,
        result.listed,
      );
    }
  }

  /** Parks a delivery at the back of its integration's backlog, now. */
  #parkBacklog(lane: Lane, item: Item): void {
    this.#parking++;
    const job: DeliveryJob = item.job.repeat ? item.job : { ...item.job, repeat: true };
    this.#park(lane, item, job, 0, Promise.resolve()).finally(() => {
      this.#parking--;
      this.#wakeRoom();
    });
  }

  /** Parks `job` at `level` once `after` resolves; the item's source lets it go once JetStream has it. */
  #park(lane: Lane, item: Item, job: DeliveryJob, level: number, after: Promise<void>): Promise<void> {
    if (level === 0) lane.parked.parkingBacklog(1);
    const parked = after
      .then(() => this.#deps.parked.park(job, level))
      .finally(() => {
        if (level === 0) lane.parked.parkingBacklog(-1);
      })
      .then(() => {
        lane.parked.counted(level);
        this.#deps.metrics.deliveriesParked.inc({ level: level === 0 ? 'backlog' : 'retry' });
      });
    return this.#settle(lane, item, parked, true);
  }

  /** Lets the item's source go once `done` resolves; abandons it if it rejects. */
  #settle(lane: Lane, item: Item, done: Promise<void>, parked: boolean): Promise<void> {
    lane.busy++;
    const task = done
      .then(
        () => {
          this.#active.delete(item.key);
          item.source.ack();
        },
        (err: Error) => {
          this.#deps.logger.warn(
            { integrationId: lane.id, deliveryId: item.deliveryId, err: err.message },
            'cannot settle the delivery yet; it will be redelivered',
          );
          this.#abandon(lane, item, err);
        },
      )
      .finally(() => {
        lane.busy--;
        // Parked: the lane may read it back. Acked: nothing changed but the lane may be done.
        if (parked) this.#pump(lane);
        else this.#maybeDrop(lane);
      });
    this.track(task);
    return task;
  }

  /** Neither done nor parked: the source redelivers it (a parked one is read again). */
  #abandon(lane: Lane, item: Item, err: Error): void {
    this.#active.delete(item.key);
    if (item.parked) lane.parked.rewind(item.parked.level, item.parked.seq);
    item.source.abandon(err);
  }

  #popTail(lane: Lane): Item {
    this.#queued--;
    this.#wakeRoom();
    return lane.queue.pop()!;
  }

  /** Reads parked deliveries back while the lane has room: retries that are due first, then the backlog. */
  #readParked(lane: Lane, cap: number): void {
    if (lane.parked.idle || this.#stopping) return;
    const now = Date.now();
    const snapshot = this.#deps.actors.peek(lane.id);
    // A disabled integration's parked deliveries are skipped now, retries included.
    const disabled = snapshot !== undefined && isDisabled(snapshot);
    const wait = this.#standings.of(lane.id).pacer.waitMs(now);
    if (!disabled && wait > PARK_AFTER_WAIT_MS) {
      this.#wakeIn(lane, wait);
      return;
    }
    const room = () => lane.queue.length < Math.min(cap, PARKED_READ_AHEAD);
    const take = (entry: ParkedEntry, level: number) => {
      const item = parkedItem(entry, level, this.#deps.parked, this.#deps.logger);
      this.#active.add(item.key);
      this.#enqueue(lane, item);
    };
    const earliest = lane.parked.release(now, room, take, disabled);
    if (earliest < Number.POSITIVE_INFINITY) this.#wakeIn(lane, earliest - now);
  }

  /** Loads the integration's machine, then goes on; retries when it cannot be read. */
  #load(lane: Lane): void {
    if (lane.loading) return;
    lane.loading = true;
    this.#deps.actors.snapshot(lane.id).then(
      () => {
        lane.loading = false;
        this.#pump(lane);
      },
      (err) => {
        lane.loading = false;
        this.#deps.logger.warn(
          { integrationId: lane.id, err: (err as Error).message },
          'cannot load integration state; retrying',
        );
        this.#wakeIn(lane, RETRY_LOAD_MS);
      },
    );
  }

  /** Pumps the lane again in `ms` (or sooner, if a sooner wake is already set). */
  #wakeIn(lane: Lane, ms: number): void {
    const at = Date.now() + ms;
    if (lane.timer && lane.timerAt <= at) return;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timerAt = at;
    lane.timer = setTimeout(() => {
      lane.timer = null;
      this.#pump(lane);
    }, ms);
    lane.timer.unref?.();
  }

  /** Attempts running past the slow threshold: their integrations become restricted, their shared slots free. */
  #sweepSlow(): void {
    const now = Date.now();
    const late = now - this.#lastSweepAt - this.#sweepEveryMs;
    this.#lastSweepAt = now;
    // The sweep itself ran late: this runner's loop stalled, and every attempt in flight
    // looks old. Shared slots are freed as usual, but nobody is called slow for it.
    if (late > STALL_MS) this.#lastStallAt = now;
    const slow = this.#slots.sweep(now);
    for (const slot of slow) {
      if (now - this.#lastStallAt <= this.#deps.config.slowAttemptMs) continue;
      this.#standings.of(slot.laneId).slow = true;
      const lane = this.#lanes.get(slot.laneId);
      if (lane) this.#pump(lane);
    }
    // Also frees shared slots (moved to the restricted count): fill them whatever became slow.
    this.#fill();
  }

  #maybeDrop(lane: Lane): void {
    if (
      lane.queue.length > 0 ||
      lane.busy > 0 ||
      lane.loading ||
      !lane.parked.idle ||
      this.#lanes.get(lane.id) !== lane
    )
      return;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = null;
    this.#lanes.delete(lane.id);
  }
}
