import type { Logger } from 'pino';
import type { ActorRegistry } from './actors.js';
import type { Held } from './held.js';
import type { Item } from './item.js';
import type { ParkedEntry, ParkedStore } from './parked.js';
import { ParkedLevels, parkedItem } from './parked-levels.js';

const RETRY_LOAD_MS = 1_000;

/** What every lane shares with the others, built once by the lanes. */
export interface LaneContext {
  held: Held;
  actors: Pick<ActorRegistry, 'snapshot'>;
  parked: ParkedStore;
  logger: Logger;
  /** Lets a lane go on: its timer fired, or its parked levels changed. */
  pump(lane: Lane): void;
  /** Keeps a task that the lanes' stop waits for. */
  track(task: Promise<void>): void;
}

/**
 * One integration's lane: the deliveries waiting in memory in order (the shared count in
 * `Held` kept right as they come and go), its attempts and steps under way, whether its
 * machine is being loaded, its parked levels, and the one timer that wakes it. What the
 * lane does next is the lanes' decision; the lane holds its state and carries it out.
 */
export class Lane {
  readonly id: string;
  readonly parked: ParkedLevels;
  queue: Item[] = [];
  /** Attempts holding a slot. */
  attempts = 0;
  /** Steps and settlements under way (attempts, skips, parks). */
  busy = 0;
  loading = false;
  timer: NodeJS.Timeout | null = null;
  timerAt = 0;
  readonly #ctx: LaneContext;

  constructor(id: string, ctx: LaneContext) {
    this.id = id;
    this.#ctx = ctx;
    this.parked = new ParkedLevels(id, ctx.parked, {
      changed: (afterMs) => (afterMs ? this.wakeIn(afterMs) : ctx.pump(this)),
      holds: (key) => ctx.held.has(key),
      track: (task) => ctx.track(task),
      warn: (message, err) => ctx.logger.warn({ integrationId: id, err: err.message }, message),
    });
  }

  /** Nothing waits, runs, loads or is parked: the lane can go. */
  get idle(): boolean {
    return this.queue.length === 0 && this.busy === 0 && !this.loading && this.parked.idle;
  }

  /** Queues a delivery at the back. */
  push(item: Item): void {
    this.queue.push(item);
    this.#ctx.held.countQueued(1);
  }

  /** Takes the delivery at the front (to be attempted). */
  shift(): Item {
    this.#ctx.held.countQueued(-1);
    this.#ctx.held.wake();
    return this.queue.shift()!;
  }

  /** Takes the delivery at the back (to be parked). */
  pop(): Item {
    this.#ctx.held.countQueued(-1);
    this.#ctx.held.wake();
    return this.queue.pop()!;
  }

  /** Keeps only `kept` of the queue (the rest was taken out by the caller); room waiters are not woken. */
  keepOnly(kept: Item[]): void {
    this.#ctx.held.countQueued(kept.length - this.queue.length);
    this.queue = kept;
  }

  /** Goes on in `ms` (or sooner, if a sooner wake is already set). */
  wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.#ctx.pump(this);
    }, ms);
    this.timer.unref?.();
  }

  /**
   * Reads parked deliveries back into the queue while it is shorter than `upTo`: retries
   * that are due first, then the backlog (all of them when `disabled`: to be skipped).
   * Sets the timer for the next retry due.
   */
  readParked(now: number, upTo: number, disabled: boolean): void {
    const room = () => this.queue.length < upTo;
    const take = (entry: ParkedEntry, level: number) => {
      const item = parkedItem(entry, level, this.#ctx.parked, this.#ctx.logger);
      this.#ctx.held.take(item.key);
      this.push(item);
    };
    const earliest = this.parked.release(now, room, take, disabled);
    if (earliest < Number.POSITIVE_INFINITY) this.wakeIn(earliest - now);
  }

  /** Loads the integration's machine, then goes on; tries again when it cannot be read. */
  load(): void {
    if (this.loading) return;
    this.loading = true;
    this.#ctx.actors.snapshot(this.id).then(
      () => {
        this.loading = false;
        this.#ctx.pump(this);
      },
      (err) => {
        this.loading = false;
        this.#ctx.logger.warn(
          { integrationId: this.id, err: (err as Error).message },
          'cannot load integration state; retrying',
        );
        this.wakeIn(RETRY_LOAD_MS);
      },
    );
  }

  /** Cancels the wake set, if any. */
  clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
