import { PARKED_PREFIX, PARKED_STREAM, parkedSubject } from '@herald/core';
import type { JetStreamManager, MsgRequest } from '@nats-io/jetstream';
import { type AckedPublisher, WRITE_RETRY_MS } from '../nats/acked-publisher.js';
import type { DeliveryJob } from './job.js';

/** One parked delivery, read back. */
export interface ParkedEntry {
  seq: number;
  job: DeliveryJob;
}

/** Parked deliveries of one integration at one level, as a partition's owner finds them. */
export interface ParkedCount {
  integrationId: string;
  level: number;
  count: number;
}

/**
 * Deliveries that cannot be attempted soon — their integration is failing, slow, paused,
 * or has a backlog beyond what a lane holds, or they wait for a retry — parked in the
 * `HERALD_PARKED` stream, one subject per integration and level, instead of waiting in a
 * partition consumer's ack window (where they would stop the whole partition) or in memory.
 * A level is read back in order with a cursor (`next_by_subj`), and an entry is deleted
 * once its delivery is settled; what is left is found again by the partition's next owner.
 */
export class ParkedStore {
  readonly #jsm: JetStreamManager;
  readonly #publisher: AckedPublisher;
  readonly #partitions: number;

  constructor(deps: { jsm: JetStreamManager; publisher: AckedPublisher; partitions: number }) {
    this.#jsm = deps.jsm;
    this.#publisher = deps.publisher;
    this.#partitions = deps.partitions;
  }

  /**
   * Parks a delivery at a level; resolves once JetStream has it. No `Nats-Msg-Id`: entries
   * are deleted once settled, and a replicated stream that deletes messages forgets their ids
   * on a replica that restarts, which then stores a repeated id the others dropped — the
   * replicas' sequences, which reads and deletes go by, drift apart. A park repeated after a
   * lost answer is read twice instead; the delivery's record tells the second read it is done.
   * A park no stream answered is sent again for a while (a retry's park failing would give
   * the delivery back, to be attempted again before its time).
   */
  async park(job: DeliveryJob, level: number): Promise<void> {
    await this.#publisher.publishRetrying(
      parkedSubject(job.integrationId, this.#partitions, level),
      JSON.stringify(job),
      {},
      WRITE_RETRY_MS,
    );
  }

  /** The first entry of an integration's level at or after `fromSeq`; null when there is none. */
  async read(integrationId: string, level: number, fromSeq: number): Promise<ParkedEntry | null> {
    // STREAM.MSG.GET takes `next_by_subj` since nats-server 2.9 (the client types list it
    // only for direct gets, which need the stream's allow_direct).
    const request = { next_by_subj: parkedSubject(integrationId, this.#partitions, level), seq: fromSeq };
    const msg = await this.#jsm.streams.getMessage(PARKED_STREAM, request as unknown as MsgRequest);
    if (!msg) return null;
    return { seq: msg.seq, job: msg.json<DeliveryJob>() };
  }

  /** Deletes an entry whose delivery is settled. */
  async remove(seq: number): Promise<void> {
    await this.#jsm.streams.deleteMessage(PARKED_STREAM, seq, false);
  }

  /** What is parked for a partition's integrations, per level. */
  async counts(partition: number): Promise<ParkedCount[]> {
    const info = await this.#jsm.streams.info(PARKED_STREAM, {
      subjects_filter: `${PARKED_PREFIX}.${partition}.>`,
    });
    const counts: ParkedCount[] = [];
    for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
      const [, , , integrationId, level] = subject.split('.');
      if (integrationId === undefined || level === undefined || count === 0) continue;
      counts.push({ integrationId, level: Number(level), count });
    }
    return counts;
  }
}
