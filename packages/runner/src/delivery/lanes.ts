import { stateOf } from '@herald/core';
import type { Logger } from 'pino';
import type { HeraldConfig } from '../config/config.js';
import type { Metrics } from '../metrics.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { ActorRegistry } from './actors.js';
import { AttemptsInFlight } from './attempts-in-flight.js';
import type { DeliverySteps } from './delivery-steps.js';
import { Held } from './held.js';
import type { Item } from './item.js';
import type { Lane } from './lane.js';
import { attemptLimitOf, isDisabled, PARK_AFTER_WAIT_MS, queueCapOf, slotClassOf } from './lane-policy.js';
import { LaneTable } from './lane-table.js';
import type { ParkedCount, ParkedStore } from './parked.js';
import { Settler } from './settler.js';
import { FairSlots, type Slot, type SlotClass, UNPROVEN_PATIENCE_MS } from './slots.js';
import { SlowSweep } from './slow-sweep.js';
import { rateLimitOf, Standings } from './standing.js';
import { TrackedTasks } from './tracked-tasks.js';

/** Parked entries a lane reads back ahead of its attempts. */
const PARKED_READ_AHEAD = 16;

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

/**
 * Per-integration lanes: which deliveries go, when, and where the rest wait. A lane's
 * concurrency is its machine's (healthy: configured; failing or slow: one probe; disabled:
 * none → skipped), its pace its provider's rate; slots are shared fairly (`FairSlots`).
 * A lane holds in memory only what it can attempt soon; the rest — a backlog, a paused or
 * restricted integration's deliveries, retries — is parked (`ParkedStore`) and read back
 * when the lane has room, so no partition's ack window and no heap fills up behind a broken
 * endpoint. What a delivery step returns is applied by the `Settler`; the step never calls
 * back. A lane's state is `Lane`, what all of them hold is counted in `Held`.
 */
export class Lanes {
  readonly #deps: LanesDeps;
  readonly #slots: FairSlots;
  readonly #lanes: LaneTable;
  readonly #standings: Standings;
  readonly #tasks = new TrackedTasks();
  readonly #held: Held;
  readonly #settler: Settler;
  /** Deliveries with an attempt in flight (another copy of one waits for it), and how to abort it. */
  readonly #attempting = new AttemptsInFlight();
  /** Marks integrations slow; knows when this runner's event loop stalled. */
  readonly #sweep: SlowSweep;
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
    this.#held = new Held(deps.config.maxQueued);
    this.#lanes = new LaneTable({
      held: this.#held,
      actors: deps.actors,
      parked: deps.parked,
      logger: deps.logger,
      pump: (lane) => this.#pump(lane),
      track: (task) => this.track(task),
    });
    this.#sweep = new SlowSweep({
      // Often enough that an unanswered attempt gives its slot back close to the patience.
      everyMs: Math.max(10, Math.min(UNPROVEN_PATIENCE_MS, deps.config.slowAttemptMs) / 4),
      slowAttemptMs: deps.config.slowAttemptMs,
      slots: this.#slots,
      standings: this.#standings,
      becameSlow: (id) => this.wake(id),
      swept: () => this.#fill(),
    });
    this.#settler = new Settler({
      held: this.#held,
      parked: deps.parked,
      standings: this.#standings,
      stalls: this.#sweep,
      tasks: this.#tasks,
      logger: deps.logger,
      metrics: deps.metrics,
      lanes: {
        stepEnded: (lane, item, slot) => this.#stepEnded(lane, item, slot),
        settled: (lane, parked) => (parked ? this.#pump(lane) : this.#lanes.dropIfIdle(lane)),
      },
    });
  }

  /** Attempts started and not yet recorded: at most what a crash now would make again. */
  get attemptsInFlight(): number {
    return this.#attempting.size;
  }

  /** Deliveries queued in memory or being attempted. */
  get pending(): number {
    const { shared, restricted } = this.#slots.inFlight;
    return this.#held.queued + shared + restricted;
  }

  /** True while a delivery with this key is held here. */
  has(key: string): boolean {
    return this.#held.has(key);
  }

  /** How many deliveries wait in memory in the integration's lane. */
  queued(integrationId: string): number {
    return this.#lanes.get(integrationId)?.queue.length ?? 0;
  }

  /** Resolves when the lanes hold fewer than `maxQueued` deliveries (queued or being parked); null when they do now. */
  room(): Promise<void> | null {
    return this.#held.room();
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
    const lane = this.#lanes.of(integrationId);
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
    const lane = this.#lanes.of(item.job.integrationId);
    this.#held.take(item.key);
    // An ordered head is never parked behind a backlog (a resend's): the trim below holds it if need be.
    if ((lane.parked.hasBacklog || lane.queue.length >= this.#queueCap(lane)) && !item.source.holdUntil) {
      this.#settler.parkBacklog(lane, item);
      return;
    }
    lane.push(item);
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
    for (const { integrationId, level, count } of owned)
      this.#lanes.of(integrationId).parked.adopt(level, count);
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
    this.#lanes.release(matches);
    this.#held.wake();
  }

  /** Starts nothing more. */
  hold(): void {
    this.#stopping = true;
    this.#held.open();
  }

  /** Gives everything waiting back and waits (bounded) for attempts in flight and their settling. */
  async stop(graceMs: number): Promise<void> {
    this.hold();
    this.#sweep.stop();
    this.release(() => true);
    for (const lane of this.#lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    await this.#tasks.settled(graceMs);
  }

  /** Keeps a task that `stop` waits for. */
  track(task: Promise<void>): void {
    this.#tasks.track(task);
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

  /** See AttemptsInFlight.end. */
  endAttempts(matches: (integrationId: string) => boolean, withinMs: number): Promise<void> {
    return this.#attempting.end(matches, withinMs);
  }

  #queueCap(lane: Lane): number {
    return queueCapOf(this.#deps.actors.peek(lane.id), this.#standings.of(lane.id), Date.now());
  }

  #pump(lane: Lane): void {
    if (this.#stopping) return;
    if (!this.#lanes.isCurrent(lane)) {
      const current = this.#lanes.get(lane.id);
      if (current) this.#pump(current);
      return;
    }
    const snapshot = this.#deps.actors.peek(lane.id);
    if (!snapshot) {
      lane.load();
      return;
    }
    const standing = this.#standings.of(lane.id);
    standing.lastUsed = Date.now();
    if (isDisabled(snapshot)) this.#skipQueued(lane);
    const cap = this.#queueCap(lane);
    // Trimmed to what it can attempt soon (it became restricted or paused): the rest is parked.
    while (lane.queue.length > cap)
      this.#settler.setAside(lane, lane.pop(), standing.pacer.waitMs(Date.now()));
    this.#readParked(lane, cap);
    if (lane.queue.length > 0) {
      const wait = standing.pacer.waitMs(Date.now());
      if (wait > 0) lane.wakeIn(wait);
      else if (this.#classOf(lane.id) !== null) this.#slots.enqueue(lane.id);
    }
    this.#lanes.dropIfIdle(lane);
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
        this.#attempt(lane, lane.shift(), slot);
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
    lane.keepOnly(manual);
    for (const item of skipped) this.#settler.run(lane, item, this.#deps.steps.skip(item), null);
    this.#held.wake();
  }

  #attempt(lane: Lane, item: Item, slot: Slot): void {
    lane.attempts++;
    const abort = this.#attempting.start(item.deliveryId, lane.id);
    this.#settler.run(lane, item, this.#deps.steps.deliver(item, abort), slot);
  }

  /** A step is over (see Settler.run): its attempt, if it made one, gives its slot back; the lane goes on. */
  #stepEnded(lane: Lane, item: Item, slot: Slot | null): void {
    if (slot) {
      lane.attempts--;
      this.#attempting.finish(item.deliveryId);
      this.#slots.release(slot);
    }
    this.#pump(lane);
    this.#fill();
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
      lane.wakeIn(wait);
      return;
    }
    lane.readParked(now, Math.min(cap, PARKED_READ_AHEAD), disabled);
  }
}
