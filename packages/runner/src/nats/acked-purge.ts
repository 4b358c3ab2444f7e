import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { DEDUP_WINDOW_MS } from './provision.js';

/** How often a runner purges what the consumers of its partitions have acknowledged. */
export const PURGE_INTERVAL_MS = 30_000;
/**
 * Acknowledged messages stay this long before they are purged: past the dedup window, so
 * that every replica, a restarted one too, knows the same message ids (see AckedPurge).
 */
export const KEEP_ACKED_MS = DEDUP_WINDOW_MS + PURGE_INTERVAL_MS;

export interface AckedPurgeDeps {
  jsm: JetStreamManager;
  stream: string;
  /** The durable consumer of a partition. */
  consumer: (partition: number) => string;
  /** The subjects of a partition (the consumer's filter). */
  filter: (partition: number) => string;
  logger: Logger;
  keepMs?: number;
}

interface Floor {
  at: number;
  seq: number;
}

/**
 * Removes a partition's acknowledged messages from a stream with limits retention, once
 * they are older than the dedup window: a filtered purge below the consumer's ack floor as
 * it was KEEP_ACKED_MS ago.
 *
 * Why not a work-queue stream, which removes a message when it is acked: nats-server 2.9
 * checks `Nats-Msg-Id` on every replica when it applies a message, against that replica's
 * own memory of ids, and a replica that restarts rebuilds that memory from the messages
 * in its store. In a work queue the acked ones are gone, so the restarted replica stores a
 * re-published id (a re-routed event, a handed-back delivery) that the others drop as a
 * duplicate; from then on one message has different sequence numbers on different
 * replicas, acks (which remove by sequence on each replica) remove other messages, and
 * deliveries are lost (bench/README.md, "A NATS node killed"). A purge is one replicated
 * operation, and what it removes is outside the dedup window on every replica.
 */
export class AckedPurge {
  readonly #deps: AckedPurgeDeps;
  readonly #keepMs: number;
  /** Per partition: ack floors seen, oldest first, and the floor purged up to. */
  readonly #floors = new Map<number, Floor[]>();
  readonly #purged = new Map<number, number>();

  constructor(deps: AckedPurgeDeps) {
    this.#deps = deps;
    this.#keepMs = deps.keepMs ?? KEEP_ACKED_MS;
  }

  /** Notes each partition's ack floor and purges below the one seen `keepMs` ago. */
  async round(partitions: number[], now = Date.now()): Promise<void> {
    const { jsm, stream, consumer, filter, logger } = this.#deps;
    for (const [p] of this.#floors) if (!partitions.includes(p)) this.#floors.delete(p);
    for (const p of partitions) {
      try {
        const info = await jsm.consumers.info(stream, consumer(p));
        const floors = this.#floors.get(p) ?? [];
        floors.push({ at: now, seq: info.ack_floor.stream_seq });
        this.#floors.set(p, floors);
        // The newest floor old enough: everything at or below it was acked before then.
        let due: Floor | undefined;
        while (floors.length > 0 && floors[0]!.at <= now - this.#keepMs) due = floors.shift();
        if (!due || due.seq <= (this.#purged.get(p) ?? 0)) continue;
        await jsm.streams.purge(stream, { filter: filter(p), seq: due.seq + 1 });
        this.#purged.set(p, due.seq);
      } catch (err) {
        logger.warn(
          { partition: p, err: (err as Error).message },
          'cannot purge acknowledged deliveries yet',
        );
      }
    }
  }
}
