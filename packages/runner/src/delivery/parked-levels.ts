import { deliveryIdFor } from '@herald/core';
import type { Logger } from 'pino';
import type { Item } from './item.js';
import type { ParkedEntry, ParkedStore } from './parked.js';

/** One level of an integration's parked deliveries: how many, where reading goes on, the next one read. */
interface Level {
  count: number;
  cursor: number;
  head: ParkedEntry | null;
  reading: boolean;
}

export interface ParkedLevelsHooks {
  /** A head was read (or a read failed): the lane may go on. */
  changed(afterMs?: number): void;
  /** True while the entry with this key is held by the lanes already. */
  holds(key: string): boolean;
  track(task: Promise<void>): void;
  warn(message: string, err: Error): void;
}

const RETRY_READ_MS = 1_000;

/** The key of a parked entry among the deliveries held. */
export function parkedKey(seq: number): string {
  return `p${seq}`;
}

/** A parked entry read back, as an item: settled, it is deleted; given back or abandoned, it stays for whoever reads it next. */
export function parkedItem(entry: ParkedEntry, level: number, store: ParkedStore, logger: Logger): Item {
  const { job, seq } = entry;
  return {
    job,
    deliveryId: deliveryIdFor(job.event.id, job.integrationId),
    key: parkedKey(seq),
    deliveryCount: 1,
    mayRepeat: true,
    heldBefore: false,
    parked: { level, seq },
    source: {
      ack: () =>
        void store
          .remove(seq)
          .catch((err: Error) =>
            logger.warn({ seq, err: err.message }, 'cannot remove a settled parked delivery'),
          ),
      giveBack: () => undefined,
      abandon: () => undefined,
      working: () => undefined,
    },
  };
}

/**
 * One integration's parked deliveries as its lane sees them: a count per level (0: the
 * backlog; n: waiting for retry n), the next entry of each read ahead, and backlog parks not
 * yet acknowledged. Levels are read back in order with a cursor; due retries go before the
 * backlog, the lowest level first.
 */
export class ParkedLevels {
  readonly #integrationId: string;
  readonly #store: ParkedStore;
  readonly #hooks: ParkedLevelsHooks;
  readonly #levels = new Map<number, Level>();
  #parkingBacklog = 0;
  #reads = 0;
  #dropped = false;

  constructor(integrationId: string, store: ParkedStore, hooks: ParkedLevelsHooks) {
    this.#integrationId = integrationId;
    this.#store = store;
    this.#hooks = hooks;
  }

  /** A backlog exists (parked, or being parked): what arrives queues behind it. */
  get hasBacklog(): boolean {
    return this.#parkingBacklog > 0 || (this.#levels.get(0)?.count ?? 0) > 0;
  }

  /** Nothing parked, being parked or read. */
  get idle(): boolean {
    return this.#levels.size === 0 && this.#parkingBacklog === 0 && this.#reads === 0;
  }

  /** What a partition's earlier owners left. */
  adopt(level: number, count: number): void {
    const known = this.#levels.get(level);
    if (known) known.count = Math.max(known.count, count);
    else this.#levels.set(level, { count, cursor: 1, head: null, reading: false });
  }

  /** A backlog park starts (+1) or ends (-1). */
  parkingBacklog(delta: 1 | -1): void {
    this.#parkingBacklog += delta;
  }

  /** JetStream has one more entry at this level. */
  counted(level: number): void {
    if (this.#dropped) return;
    const known = this.#levels.get(level);
    if (known) known.count++;
    else this.#levels.set(level, { count: 1, cursor: 1, head: null, reading: false });
  }

  /** An entry taken was neither settled nor parked again: read it again next. */
  rewind(level: number, seq: number): void {
    const known = this.#levels.get(level);
    if (!known) {
      this.counted(level);
      return;
    }
    // A head read beyond it would come twice: it is read again too.
    if (known.head) known.count++;
    known.head = null;
    known.cursor = Math.min(known.cursor, seq);
    known.count++;
  }

  /** The partition moved: reads under way are dropped, nothing more is counted. */
  drop(): void {
    this.#dropped = true;
    this.#levels.clear();
  }

  /**
   * Hands due entries to `take` while `room()` says so — retries whose time has come first,
   * then the backlog — and starts reading the next ones. Returns when the earliest entry
   * read but not yet due is due (ms; Infinity when none). `ignoreDue` takes them all now.
   */
  release(
    now: number,
    room: () => boolean,
    take: (entry: ParkedEntry, level: number) => void,
    ignoreDue: boolean,
  ): number {
    let earliest = Number.POSITIVE_INFINITY;
    const order = [...this.#levels.keys()].sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
    for (const n of order) {
      const level = this.#levels.get(n)!;
      while (room() && level.head) {
        const due = ignoreDue ? 0 : (level.head.job.notBefore ?? 0);
        if (due > now) {
          earliest = Math.min(earliest, due);
          break;
        }
        const head = level.head;
        level.head = null;
        level.count--;
        take(head, n);
        if (level.count > 0) this.#read(n, level);
      }
      if (!level.head && level.count > 0 && room()) this.#read(n, level);
      if (level.count <= 0 && !level.head && !level.reading) this.#levels.delete(n);
    }
    return earliest;
  }

  #read(n: number, level: Level): void {
    if (level.reading || this.#dropped) return;
    level.reading = true;
    this.#reads++;
    this.#hooks.track(
      this.#store.read(this.#integrationId, n, level.cursor).then(
        (entry) => {
          level.reading = false;
          this.#reads--;
          if (this.#dropped) return;
          if (!entry) {
            // Settled by a former owner of the partition meanwhile.
            level.count = 0;
            this.#hooks.changed();
            return;
          }
          level.cursor = entry.seq + 1;
          if (!this.#hooks.holds(parkedKey(entry.seq))) level.head = entry;
          this.#hooks.changed();
        },
        (err: Error) => {
          level.reading = false;
          this.#reads--;
          this.#hooks.warn('cannot read parked deliveries; retrying', err);
          this.#hooks.changed(RETRY_READ_MS);
        },
      ),
    );
  }
}
