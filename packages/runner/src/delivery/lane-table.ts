import { Lane, type LaneContext } from './lane.js';

/**
 * The lanes that exist: one per integration with something waiting, under way, parked or
 * loading — created when first needed, dropped once idle, and let go together when their
 * partition moves (what waits goes back to its source; parked entries stay for the next
 * owner). A lane let go is out of the table at once, so what is still under way for it
 * finishes without taking up its integration's parked deliveries again.
 */
export class LaneTable {
  readonly #lanes = new Map<string, Lane>();
  readonly #ctx: LaneContext;

  constructor(ctx: LaneContext) {
    this.#ctx = ctx;
  }

  /** The integration's lane, if it has one. */
  get(integrationId: string): Lane | undefined {
    return this.#lanes.get(integrationId);
  }

  /** Whether the integration has a lane. */
  has(integrationId: string): boolean {
    return this.#lanes.has(integrationId);
  }

  /** The integration's lane, created if it has none. */
  of(integrationId: string): Lane {
    let lane = this.#lanes.get(integrationId);
    if (!lane) {
      lane = new Lane(integrationId, this.#ctx);
      this.#lanes.set(integrationId, lane);
    }
    return lane;
  }

  /** Whether `lane` is still its integration's lane (not let go or dropped meanwhile). */
  isCurrent(lane: Lane): boolean {
    return this.#lanes.get(lane.id) === lane;
  }

  /** Every lane, in the order they were created. */
  values(): IterableIterator<Lane> {
    return this.#lanes.values();
  }

  /** Drops the lane if it is idle and still current. */
  dropIfIdle(lane: Lane): void {
    if (!lane.idle || this.#lanes.get(lane.id) !== lane) return;
    lane.clearTimer();
    this.#lanes.delete(lane.id);
  }

  /** Lets go of the lanes whose integration matches; room waiters are not woken (the caller does). */
  release(matches: (integrationId: string) => boolean): void {
    for (const [id, lane] of this.#lanes) {
      if (!matches(id)) continue;
      for (const item of lane.queue) {
        this.#ctx.held.letGo(item.key);
        item.source.giveBack();
      }
      lane.keepOnly([]);
      lane.parked.drop();
      lane.clearTimer();
      this.#lanes.delete(id);
    }
  }
}
