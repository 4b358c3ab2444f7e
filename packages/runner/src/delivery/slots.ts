/**
 * How an integration stands for slots:
 * - `proven`: its last attempt here answered within the slow threshold;
 * - `unproven`: nothing known yet (new, or since this runner took its partition);
 * - `restricted`: failing, or slow (an attempt ran past the threshold, until one is fast again).
 */
export type SlotClass = 'proven' | 'unproven' | 'restricted';

export interface SlotOptions {
  /** Attempts in flight of integrations in good standing (`HERALD_MAX_IN_FLIGHT`). */
  maxInFlight: number;
  /** Share of `maxInFlight` that restricted integrations hold at most, together. */
  restrictedShare: number;
  /** An attempt running this long is slow: its integration becomes restricted. */
  slowAfterMs: number;
  /** An unproven integration's attempt gives its shared slot back after this long (capped by `slowAfterMs`). */
  unprovenPatienceMs?: number;
}

/** Attempts counted restricted (slow ones included) at most: `maxInFlight` × 4, and at least 1 024. */
export function restrictedCeiling(maxInFlight: number): number {
  return Math.max(1_024, 4 * maxInFlight);
}
/** An unproven integration's attempt unanswered this long gives its shared slot back. */
export const UNPROVEN_PATIENCE_MS = 100;

/** One attempt holding a slot. */
export interface Slot {
  readonly laneId: string;
  readonly startedAt: number;
  class: SlotClass;
  /** A restricted integration's probe not yet known slow: it counts against the restricted share and `maxInFlight`. */
  probe: boolean;
  /** It has run for `slowAfterMs`. */
  slow: boolean;
}

/** A FIFO of lane ids with a moving head (shift() on a long array is O(n)). */
class LaneQueue {
  readonly #ids: string[] = [];
  #head = 0;

  push(id: string): void {
    this.#ids.push(id);
  }

  shift(): string | undefined {
    if (this.#head >= this.#ids.length) return undefined;
    const id = this.#ids[this.#head++]!;
    if (this.#head > 1_024 && this.#head * 2 > this.#ids.length) {
      this.#ids.splice(0, this.#head);
      this.#head = 0;
    }
    return id;
  }
}

/**
 * The runner's attempt slots (`maxInFlight`: shared slots and restricted probes), handed out in turn. Lanes that want a slot queue up; a lane
 * that just finished an attempt goes to the back, so none keeps slots for itself.
 *
 * Restricted integrations (failing, or slow) hold at most `restrictedCap` slots together,
 * and integrations not yet proven fast at most `maxInFlight - restrictedCap` (one attempt
 * each), so whatever the number of broken endpoints, integrations known to answer always
 * find slots. An unproven integration's attempt that has not answered within
 * `unprovenPatienceMs`, or any attempt past `slowAfterMs`, moves to the restricted count
 * and gives its shared slot back (it goes on until the HTTP timeout): a hanging endpoint
 * costs a shared slot for a tenth of a second, once. At most `restrictedCeiling()`
 * attempts are counted restricted; beyond, slow attempts keep their shared slots and no
 * probe starts, so no more than `maxInFlight + restrictedCeiling(maxInFlight)` are ever in
 * flight. A probe that turns slow runs on apart too, so the next restricted integration
 * gets its probe: one that has recovered is not kept waiting behind hanging ones.
 */
export class FairSlots {
  readonly restrictedCap: number;
  readonly #maxInFlight: number;
  readonly #unprovenCap: number;
  readonly #slowAfterMs: number;
  readonly #patienceMs: number;
  readonly #restrictedCeiling: number;
  /** Lanes waiting for a slot, in turn. */
  readonly #ready = new LaneQueue();
  /** Lanes waiting for their class's share to have room. */
  readonly #restrictedWaiting = new LaneQueue();
  readonly #unprovenWaiting = new LaneQueue();
  /** Where each waiting lane waits; an entry in any other queue is stale and skipped. */
  readonly #where = new Map<string, LaneQueue>();
  /** Shared slots in flight, oldest first (the slow sweep stops at the first young one). */
  readonly #shared = new Set<Slot>();
  /** Restricted attempts not yet known to be slow. */
  readonly #restrictedRunning = new Set<Slot>();
  #unproven = 0;
  #restricted = 0;
  #probes = 0;

  constructor(options: SlotOptions) {
    this.#maxInFlight = options.maxInFlight;
    this.restrictedCap = Math.max(1, Math.floor(options.maxInFlight * options.restrictedShare));
    this.#unprovenCap = Math.max(1, options.maxInFlight - this.restrictedCap);
    this.#slowAfterMs = options.slowAfterMs;
    this.#patienceMs = Math.min(options.slowAfterMs, options.unprovenPatienceMs ?? UNPROVEN_PATIENCE_MS);
    this.#restrictedCeiling = restrictedCeiling(options.maxInFlight);
  }

  /** Attempts in flight: in the shared slots, and in the restricted count (probes and slow ones). */
  get inFlight(): { shared: number; restricted: number } {
    return { shared: this.#shared.size, restricted: this.#restricted };
  }

  /** Lanes waiting for a slot. */
  get waiting(): number {
    return this.#where.size;
  }

  /** Puts a lane at the back of the queue for a slot (no-op while it is queued for one). */
  enqueue(laneId: string): void {
    if (this.#where.get(laneId) === this.#ready) return;
    // Waiting for its class's share: its class may have changed (an attempt finished), so it queues again.
    this.#where.set(laneId, this.#ready);
    this.#ready.push(laneId);
  }

  /**
   * The next lane whose class has room, with a slot taken for it; null when none can go.
   * `classOf` says how a queued lane stands now, or null when it no longer wants a slot.
   */
  next(classOf: (laneId: string) => SlotClass | null, now: number): Slot | null {
    while (this.#shared.size + this.#probes < this.#maxInFlight) {
      const laneId = this.#ready.shift();
      if (laneId === undefined) return null;
      if (this.#where.get(laneId) !== this.#ready) continue;
      const cls = classOf(laneId);
      if (cls === null) {
        this.#where.delete(laneId);
        continue;
      }
      if (
        cls === 'restricted' &&
        (this.#probes >= this.restrictedCap || this.#restricted >= this.#restrictedCeiling)
      ) {
        this.#wait(laneId, this.#restrictedWaiting);
        continue;
      }
      if (cls === 'unproven' && this.#unproven >= this.#unprovenCap) {
        this.#wait(laneId, this.#unprovenWaiting);
        continue;
      }
      this.#where.delete(laneId);
      return this.#take(laneId, cls, now);
    }
    return null;
  }

  /** Gives a slot back; a lane waiting for that share's room queues again. */
  release(slot: Slot): void {
    if (slot.class === 'restricted') {
      this.#restricted--;
      this.#restrictedRunning.delete(slot);
      if (slot.probe) this.#probes--;
      this.#wake(this.#restrictedWaiting);
      return;
    }
    this.#shared.delete(slot);
    if (slot.class === 'unproven') {
      this.#unproven--;
      this.#wake(this.#unprovenWaiting);
    }
  }

  /**
   * Moves attempts that have waited too long out of the shared slots (to the restricted
   * count), and returns those that have just become slow (their integrations are restricted).
   */
  sweep(now: number): Slot[] {
    const moving: Slot[] = [];
    for (const slot of this.#shared) {
      const age = now - slot.startedAt;
      // Oldest first: none after this one has waited long enough.
      if (age < this.#patienceMs) break;
      if (this.#restricted + moving.length >= this.#restrictedCeiling) break;
      if (slot.class === 'unproven' || age >= this.#slowAfterMs) moving.push(slot);
    }
    for (const slot of moving) {
      this.#shared.delete(slot);
      if (slot.class === 'unproven') {
        this.#unproven--;
        this.#wake(this.#unprovenWaiting);
      }
      slot.class = 'restricted';
      this.#restricted++;
      this.#restrictedRunning.add(slot);
    }
    const slow: Slot[] = [];
    for (const slot of this.#restrictedRunning) {
      if (now - slot.startedAt < this.#slowAfterMs) continue;
      slot.slow = true;
      slow.push(slot);
    }
    for (const slot of slow) {
      this.#restrictedRunning.delete(slot);
      // A slow probe runs on apart: the next restricted integration gets its probe.
      if (slot.probe) {
        slot.probe = false;
        this.#probes--;
        this.#wake(this.#restrictedWaiting);
      }
    }
    for (const slot of this.#shared) {
      if (now - slot.startedAt < this.#slowAfterMs) break;
      // Kept shared (the restricted count is at its ceiling), yet slow all the same.
      if (!slot.slow) {
        slot.slow = true;
        slow.push(slot);
      }
    }
    return slow;
  }

  #wait(laneId: string, queue: LaneQueue): void {
    this.#where.set(laneId, queue);
    queue.push(laneId);
  }

  /** Queues again the first lane still waiting in `queue`. */
  #wake(queue: LaneQueue): void {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (this.#where.get(id) !== queue) continue;
      this.#where.set(id, this.#ready);
      this.#ready.push(id);
      return;
    }
  }

  #take(laneId: string, cls: SlotClass, now: number): Slot {
    const slot: Slot = { laneId, startedAt: now, class: cls, probe: cls === 'restricted', slow: false };
    if (cls === 'restricted') {
      this.#restricted++;
      this.#probes++;
      this.#restrictedRunning.add(slot);
    } else {
      this.#shared.add(slot);
      if (cls === 'unproven') this.#unproven++;
    }
    return slot;
  }
}
