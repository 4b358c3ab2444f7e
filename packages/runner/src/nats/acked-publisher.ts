import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';

/** JetStream's answer to a stored message. */
export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

export interface PublishOptions {
  /** `Nats-Msg-Id`: JetStream drops a repeat within its dedup window. */
  msgId?: string;
  /** `Nats-Expected-Last-Subject-Sequence`: 0 = the subject must be empty (compare-and-set). */
  expectLastSubjectSeq?: number;
}

/** JetStream refused a message (its error code and description), or never answered. */
export class PublishError extends Error {
  readonly code: number;
  /** The answer to a send after an unanswered one (`publishRetrying`): the first may have been stored. */
  resent = false;
  constructor(message: string, code: number) {
    super(message);
    this.name = 'PublishError';
    this.code = code;
  }

  /** A compare-and-set that lost: the subject's last sequence was not the expected one. */
  get isWrongLastSequence(): boolean {
    return this.code === WRONG_LAST_SEQUENCE;
  }

  /**
   * No stream answered in time, or none answers its subject now: as while a replicated
   * stream elects a leader after a node died. Sending again is safe for a write that is
   * the same whether stored once or twice (a put of the same value; a compare-and-set
   * whose caller tells its own earlier write from another's).
   */
  get isUnanswered(): boolean {
    return this.code === 503 || this.code === NO_ACK;
  }
}

/**
 * A publish's header block, written as the client writes one (`NATS/1.0`, `Key: value`
 * lines, a blank line): the client only calls `encode()` of the headers it publishes, and
 * a MsgHdrs would validate, canonicalise and re-encode the same two keys every time.
 */
class HeaderBlock {
  readonly #bytes: Uint8Array;
  constructor(lines: string) {
    this.#bytes = new TextEncoder().encode(`NATS/1.0${lines}\r\n\r\n`);
  }
  encode(): Uint8Array {
    return this.#bytes;
  }
}

/** A record's create (compare-and-set on an empty subject): the same block every time. */
const EXPECT_NEW = new HeaderBlock('\r\nNats-Expected-Last-Subject-Sequence: 0');

function headerBlock({ msgId, expectLastSubjectSeq: seq }: PublishOptions): MsgHdrs | undefined {
  if (msgId === undefined && seq === undefined) return undefined;
  let block: HeaderBlock;
  if (msgId === undefined && seq === 0) block = EXPECT_NEW;
  else {
    let lines = '';
    if (msgId !== undefined) {
      if (/[\r\n]/.test(msgId)) throw new PublishError('a message id cannot hold CR or LF', 0);
      lines += `\r\nNats-Msg-Id: ${msgId}`;
    }
    if (seq !== undefined) lines += `\r\nNats-Expected-Last-Subject-Sequence: ${seq}`;
    block = new HeaderBlock(lines);
  }
  return block as unknown as MsgHdrs;
}

/**
 * How long a write that must not fail goes on being sent while no stream answers it
 * (`publishRetrying`). A replicated stream whose leader died elects another within
 * seconds; this stays well below the ack wait (30 s by default), so the delivery being
 * recorded or parked is not redelivered meanwhile.
 */
export const WRITE_RETRY_MS = 10_000;

/** A publish that got no answer within the timeout (HTTP's Request Timeout, by analogy). */
const NO_ACK = 408;

/** JetStream's err_code for a failed `Nats-Expected-Last-Subject-Sequence`. */
const WRONG_LAST_SEQUENCE = 10071;

interface Pending {
  resolve: (ack: PubAck) => void;
  reject: (err: Error) => void;
  deadline: number;
}

/**
 * Publishes to JetStream and awaits the stored-ack, for the hot path. It does what
 * `js.publish` does with one subscription for every answer (`<inbox>.<n>`) and one
 * timer for every timeout, where the client makes a request object, a timer and a
 * cancellation error per message — a large share of the runner's CPU per delivery.
 */
export class AckedPublisher {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #prefix: string;
  readonly #sub: Subscription;
  readonly #pending = new Map<number, Pending>();
  readonly #sweeper: NodeJS.Timeout;
  #next = 0;
  #closed = false;

  constructor(nc: NatsConnection, timeoutMs: number) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    this.#prefix = `${createInbox()}.`;
    this.#sub = nc.subscribe(`${this.#prefix}*`, { callback: (_err, msg) => this.#answer(msg) });
    this.#sweeper = setInterval(() => this.#expire(Date.now()), Math.max(50, timeoutMs / 10));
    this.#sweeper.unref();
    // A stand-in connection without status events (a test's) has nothing to watch.
    if (typeof nc.status === 'function') void this.#failOnDisconnect().catch(() => undefined);
  }

  /**
   * The acks of what was sent before the connection dropped cannot come any more (nats-server
   * answered, if at all, on the connection that is gone): those publishes fail at once as
   * unanswered, so a retrying write is sent again as soon as NATS is back rather than after
   * its timeout. What is published while reconnecting waits in the client and is answered.
   */
  async #failOnDisconnect(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (this.#closed) return;
      if (status.type !== 'disconnect') continue;
      const lost = [...this.#pending.values()];
      this.#pending.clear();
      for (const pending of lost)
        pending.reject(new PublishError('the connection to NATS dropped before JetStream answered', NO_ACK));
    }
  }

  publish(subject: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<PubAck> {
    const n = ++this.#next;
    let h: MsgHdrs | undefined;
    try {
      h = headerBlock(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<PubAck>((resolve, reject) => {
      this.#pending.set(n, { resolve, reject, deadline: Date.now() + this.#timeoutMs });
      try {
        this.#nc.publish(subject, payload, { reply: `${this.#prefix}${n}`, headers: h });
      } catch (err) {
        this.#pending.delete(n);
        reject(err as Error);
      }
    });
  }

  /**
   * `publish`, sent again while it goes unanswered (`PublishError.isUnanswered`: a
   * replicated stream electing a leader after a node died), for up to `retryMs` after the
   * first failure. For writes whose failure costs more than waiting (an attempt made and
   * not yet recorded) and that are safe to store twice.
   */
  publishRetrying(
    subject: string,
    payload: string,
    options: PublishOptions,
    retryMs: number,
  ): Promise<PubAck> {
    // The first send costs one `catch` more than `publish`: this is on the hot path.
    return this.publish(subject, payload, options).catch((err: unknown) =>
      this.#resend(err, subject, payload, options, Date.now() + retryMs),
    );
  }

  async #resend(
    err: unknown,
    subject: string,
    payload: string,
    options: PublishOptions,
    deadline: number,
  ): Promise<PubAck> {
    for (let waitMs = 50; ; waitMs = Math.min(waitMs * 2, 1_000)) {
      if (!(err instanceof PublishError && err.isUnanswered) || Date.now() + waitMs > deadline) throw err;
      await new Promise((r) => setTimeout(r, waitMs));
      try {
        return await this.publish(subject, payload, options);
      } catch (next) {
        if (next instanceof PublishError) next.resent = true;
        err = next;
      }
    }
  }

  /** Fails what is still waiting and stops listening. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sub.unsubscribe();
    for (const pending of this.#pending.values()) pending.reject(new PublishError('publisher closed', 0));
    this.#pending.clear();
  }

  #answer(msg: Msg): void {
    const n = Number(msg.subject.slice(this.#prefix.length));
    const pending = this.#pending.get(n);
    if (!pending) return; // timed out already
    this.#pending.delete(n);
    if (msg.headers?.hasError) {
      const code = msg.headers.code;
      pending.reject(
        new PublishError(
          code === 503 ? 'no JetStream stream answers this subject' : `JetStream answered ${code}`,
          code,
        ),
      );
      return;
    }
    let ack: {
      stream?: string;
      seq?: number;
      duplicate?: boolean;
      error?: { err_code?: number; code?: number; description?: string };
    };
    try {
      ack = JSON.parse(msg.string());
    } catch {
      pending.reject(new PublishError('JetStream sent an unreadable ack', 0));
      return;
    }
    if (ack.error) {
      pending.reject(
        new PublishError(
          ack.error.description ?? 'JetStream refused the message',
          ack.error.err_code ?? ack.error.code ?? 0,
        ),
      );
      return;
    }
    pending.resolve({ stream: ack.stream ?? '', seq: ack.seq ?? 0, duplicate: ack.duplicate === true });
  }

  #expire(now: number): void {
    // Insertion order is deadline order: stop at the first that is still in time.
    for (const [n, pending] of this.#pending) {
      if (pending.deadline > now) return;
      this.#pending.delete(n);
      pending.reject(new PublishError(`no ack from JetStream within ${this.#timeoutMs} ms`, NO_ACK));
    }
  }
}
