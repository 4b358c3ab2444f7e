import { DELIVERY_LOG_STREAM, HeraldError } from '@herald/core';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { type AckedPublisher, PublishError, WRITE_RETRY_MS } from '../nats/acked-publisher.js';
import type {
  AttemptRecord,
  DeliveryDetail,
  DeliveryLog,
  DeliveryRecord,
  DeliveryStatus,
  GivenBack,
  ListPage,
  ListQuery,
  SaveChanges,
  Saved,
} from './delivery-records.js';
import { liveJson } from './kv.js';
import {
  CHAIN_OF_STATUS,
  type Chain,
  type Cursor,
  decodeCursor,
  encodeCursor,
  LogIndex,
} from './log-index.js';

export { BadCursorError, INDEX_WRITE_INTERVAL_MS, LOG_PAGE_SIZE } from './log-index.js';

/** A filtered listing reads at most this many index pages before it returns what it found. */
const MAX_PAGES_PER_LIST = 16;

/** A `create` save found the delivery recorded already. */
export class RecordExistsError extends HeraldError {
  constructor(deliveryId: string) {
    super('record_exists', `delivery ${deliveryId} is recorded already`);
    this.name = 'RecordExistsError';
  }
}

/** Where KV puts of the log's bucket are published. */
const PUT_PREFIX = `$KV.${DELIVERY_LOG_STREAM}.`;
const LOG_STREAM = `KV_${DELIVERY_LOG_STREAM}`;

/**
 * The delivery log in a KV bucket:
 * - `d.<integration>.<delivery>`: the delivery's current record;
 * - `a.<integration>.<delivery>.<n>`: attempt n ≥ 2 with request and response (attempt 1
 *   is in the record, so a delivery that succeeds at once is one record write);
 * - `p.<integration>.<chain>.<page>` / `h.<integration>.<chain>` (LogIndex): append-only pages of
 *   delivery ids and the number of the newest page. Chain `all` lists every delivery,
 *   `failed` and `skipped` those that entered that status. Listing newest first walks
 *   pages backwards, so a page costs O(page) reads whatever the history's length;
 * - `g.<integration>.<delivery>`: the delivery's message was last given back unattempted
 *   (GivenBack); written only when a runner gives deliveries back, read only on a
 *   redelivery the record shows no attempt of. Like every key, it expires with the bucket's TTL.
 *
 * A record is written before its index entries, and a chain's page at most every
 * INDEX_WRITE_INTERVAL_MS with every id that arrived meanwhile, so a busy integration
 * costs one index write per interval, not one per delivery. `save` resolves when the
 * record is stored and hands back `indexed`; the worker settles the delivery's message
 * only after it, so a crash in between redelivers the message and `reindex` lists the
 * record — unless a page written since the record holds it already (the first listing
 * was written and its ack lost). Appends also skip ids on the chain's last two pages.
 */
export class KvDeliveryLog implements DeliveryLog {
  readonly #kv: KV;
  // Writes on the hot path go through the lean publisher; reads and rare writes through kv.
  readonly #publisher: AckedPublisher;
  readonly #index: LogIndex;
  // Reads that decide (was it done?) go to the stream's leader.
  readonly #jsm: JetStreamManager;
  readonly #retryWritesMs: number;

  constructor(kv: KV, publisher: AckedPublisher, jsm: JetStreamManager, retryWritesMs = WRITE_RETRY_MS) {
    this.#kv = kv;
    this.#publisher = publisher;
    this.#jsm = jsm;
    this.#retryWritesMs = retryWritesMs;
    this.#index = new LogIndex(kv, (key, value, expectRevision) => this.#put(key, value, expectRevision));
  }

  async save(record: DeliveryRecord, changes: SaveChanges): Promise<Saved> {
    const { attempt } = changes;
    // The caller's object carries attempt 1 on, so later saves keep it.
    if (attempt?.number === 1) record.firstAttempt = attempt;
    else if (attempt) await this.#put(`a.${record.integrationId}.${record.id}.${attempt.number}`, attempt);
    const key = `d.${record.integrationId}.${record.id}`;
    const value = JSON.stringify(record);
    try {
      await this.#putString(key, value, changes.create ? 0 : undefined);
    } catch (err) {
      if (!(err instanceof PublishError && err.isWrongLastSequence)) throw err;
      // Sent again after going unanswered, the create may find its own first send stored.
      if (!err.resent || (await this.#kv.get(key))?.string() !== value)
        throw new RecordExistsError(record.id);
    }
    const chains: Chain[] = changes.isNew ? ['all'] : [];
    const chain = changes.enteredStatus ? CHAIN_OF_STATUS[changes.enteredStatus] : undefined;
    if (chain) chains.push(chain);
    return { indexed: this.#indexed(record.integrationId, record.id, chains) };
  }

  async reindex(record: DeliveryRecord): Promise<void> {
    const status = CHAIN_OF_STATUS[record.status];
    const chains: Chain[] = status ? ['all', status] : ['all'];
    // Whether a chain lists it is looked up in the chain's turn to write (LogIndex.append):
    // its first listing may be queued or being written right now.
    const since = Date.parse(record.updatedAt);
    await Promise.all(
      chains.map((chain) => this.#index.append(record.integrationId, chain, record.id, since)),
    );
  }

  /** Takes ids only: the record is not kept alive while its listing waits. */
  #indexed(integrationId: string, deliveryId: string, chains: Chain[]): Promise<void> {
    // Mostly one chain ('all'): its append is the answer, without a Promise.all around it.
    if (chains.length === 1) return this.#index.append(integrationId, chains[0]!, deliveryId);
    return Promise.all(chains.map((chain) => this.#index.append(integrationId, chain, deliveryId))).then(
      () => undefined,
    );
  }

  /**
   * A KV put, or a compare-and-set when `expectRevision` is given (0 = the key is new).
   * A write no stream answered (the bucket's stream electing a leader) is sent again for
   * up to `retryWritesMs`: it records an attempt that was made, and failing it would give
   * the delivery up to be attempted again.
   */
  #put(key: string, value: unknown, expectRevision?: number): Promise<number> {
    return this.#putString(key, JSON.stringify(value), expectRevision);
  }

  async #putString(key: string, value: string, expectRevision?: number): Promise<number> {
    const ack = await this.#publisher.publishRetrying(
      `${PUT_PREFIX}${key}`,
      value,
      { expectLastSubjectSeq: expectRevision },
      this.#retryWritesMs,
    );
    return ack.seq;
  }

  async markGivenBack(integrationId: string, deliveryId: string, mark: GivenBack): Promise<void> {
    await this.#put(`g.${integrationId}.${deliveryId}`, mark);
  }

  givenBack(integrationId: string, deliveryId: string): Promise<GivenBack | null> {
    return this.#current<GivenBack>(`g.${integrationId}.${deliveryId}`);
  }

  currentRecord(integrationId: string, deliveryId: string): Promise<DeliveryRecord | null> {
    return this.#current<DeliveryRecord>(`d.${integrationId}.${deliveryId}`);
  }

  /** A key's value as the stream's leader has it (STREAM.MSG.GET, not a direct get), or null. */
  async #current<T>(key: string): Promise<T | null> {
    const msg = await this.#jsm.streams.getMessage(LOG_STREAM, { last_by_subj: `${PUT_PREFIX}${key}` });
    if (!msg || msg.data.length === 0) return null;
    const operation = msg.header?.get('KV-Operation');
    if (operation === 'DEL' || operation === 'PURGE') return null;
    return msg.json<T>();
  }

  async getRecord(integrationId: string, deliveryId: string): Promise<DeliveryRecord | null> {
    const entry = await this.#kv.get(`d.${integrationId}.${deliveryId}`);
    return liveJson<DeliveryRecord>(entry) ?? null;
  }

  async getDetail(integrationId: string, deliveryId: string): Promise<DeliveryDetail | null> {
    const record = await this.getRecord(integrationId, deliveryId);
    if (!record) return null;
    const { firstAttempt, ...rest } = record;
    const numbers = Array.from({ length: record.attemptCount }, (_, i) => i + 1).filter(
      (n) => n > 1 || !firstAttempt,
    );
    const stored = await Promise.all(
      numbers.map((n) => this.#kv.get(`a.${integrationId}.${deliveryId}.${n}`)),
    );
    const attempts = stored
      .map((e) => liveJson<AttemptRecord>(e))
      .filter((a): a is AttemptRecord => a !== null);
    return { ...rest, attempts: firstAttempt ? [firstAttempt, ...attempts] : attempts };
  }

  async list(integrationId: string, query: ListQuery): Promise<ListPage> {
    const chain: Chain = (query.status && CHAIN_OF_STATUS[query.status]) || 'all';
    let position: Cursor;
    if (query.cursor) {
      position = decodeCursor(query.cursor, chain);
    } else {
      const head = await this.#index.head(integrationId, chain);
      if (head === 0) return { items: [], nextCursor: null };
      position = { c: chain, p: head, i: Number.MAX_SAFE_INTEGER };
    }
    const items: DeliveryRecord[] = [];
    const seen = new Set<string>();
    let pagesRead = 0;
    while (position.p > 0 && items.length < query.limit && pagesRead < MAX_PAGES_PER_LIST) {
      const ids = await this.#index.page(integrationId, chain, position.p);
      pagesRead++;
      const end = Math.min(position.i, ids.length);
      // Newest first: walk the page from its end.
      const candidates = ids.slice(0, end).reverse();
      const records = await Promise.all(candidates.map((id) => this.getRecord(integrationId, id)));
      let consumed = 0;
      for (const record of records) {
        consumed++;
        if (!record || seen.has(record.id)) continue;
        if (query.status && record.status !== query.status) continue;
        seen.add(record.id);
        items.push(record);
        if (items.length === query.limit) break;
      }
      const nextIndex = end - consumed;
      position =
        nextIndex > 0
          ? { c: chain, p: position.p, i: nextIndex }
          : { c: chain, p: position.p - 1, i: Number.MAX_SAFE_INTEGER };
    }
    return { items, nextCursor: position.p > 0 ? encodeCursor(position) : null };
  }

  async replayable(
    integrationId: string,
    since: string,
    statuses: DeliveryStatus[],
  ): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    for (const status of statuses) {
      let cursor: string | null = null;
      do {
        const page: ListPage = await this.list(integrationId, { status, cursor, limit: 100 });
        const recent = page.items.filter((r) => r.createdAt >= since);
        out.push(...recent);
        // Chains are in creation order, so an older one ends the walk.
        cursor = recent.length < page.items.length ? null : page.nextCursor;
      } while (cursor);
    }
    return out;
  }
}
