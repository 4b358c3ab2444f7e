import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';

const RETRY_MS = 1_000;

/**
 * Which first deliveries of a stream may be repeats of work already done.
 *
 * JetStream counts deliveries, so a redelivered message says so — unless nats-server
 * restarted and forgot the last acks (and deliveries) it was told about, or a consumer's
 * new leader (its old one's node died) had not heard of them. Only messages stored before
 * this process connected, before its last reconnect, or before a leader of the stream or
 * of one of its consumers was elected, can be affected: those at or below the stream's
 * last sequence at that moment (the horizon). A first delivery above it is new and needs
 * no look-up; until the horizon is known, every message is treated as a possible repeat.
 */
export class ForgottenAcks {
  readonly #stream: string;
  readonly #jsm: JetStreamManager;
  readonly #log: Logger;
  #horizon = Number.POSITIVE_INFINITY;
  #generation = 0;

  constructor(jsm: JetStreamManager, stream: string, log: Logger) {
    this.#jsm = jsm;
    this.#stream = stream;
    this.#log = log;
  }

  /**
   * Learns the horizon in the background, and again after every reconnect. Start-up does
   * not wait for it (a cluster that is recovering can take seconds to answer): until it is
   * known, every first delivery is looked up.
   */
  start(nc: NatsConnection): Promise<void> {
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'reconnect') void this.#refresh();
      }
    })();
    // Elections announced by the cluster (advisories, sent on an election only).
    const elected = () => void this.#refresh();
    nc.subscribe(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${this.#stream}`, { callback: elected });
    nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.${this.#stream}.*`, { callback: elected });
    return this.#refresh();
  }

  /** True when a message with this stream sequence, handed out for the first time, may have been done before. */
  possible(streamSequence: number): boolean {
    return streamSequence <= this.#horizon;
  }

  async #refresh(): Promise<void> {
    const generation = ++this.#generation;
    this.#horizon = Number.POSITIVE_INFINITY;
    while (generation === this.#generation) {
      try {
        const info = await this.#jsm.streams.info(this.#stream);
        if (generation === this.#generation) this.#horizon = info.state.last_seq;
        return;
      } catch (err) {
        this.#log.warn(
          { stream: this.#stream, err: (err as Error).message },
          'cannot read stream state; retrying',
        );
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }
}
