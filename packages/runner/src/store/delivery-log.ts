import { DELIVERY_LOG_STREAM, HeraldError } from '@herald/core';
import type { KV } from '@nats-io/kv';
import { type AckedPublisher, PublishError } from '../nats/acked-publisher.js';
import type {
  AttemptRecord,
  DeliveryDetail,
  DeliveryLog,
  DeliveryRecord,
  DeliveryStatus,
  ListPage,
  ListQuery,
  SaveChanges,
  Saved,
} from './delivery-records.js';
import { isLive, liveJson } from './kv.js';

/** Delivery ids per index page. */
export const LOG_PAGE_SIZE = 64;
/** How far back a reindex looks for an entry already written. */
const MAX_REINDEX_PAGES = 256;
/** Runners' clocks against nats-server's, when comparing a record's time with a page's. */
const CLOCK_SKEW_MS = 30_000;
/** A filtered listing reads at most this many index pages before it returns what it found. */
const MAX_PAGES_PER_LIST = 16;

type Chain = 'all' | 'failed' | 'skipped';
const CHAIN_OF_STATUS: Partial<Record<DeliveryStatus, Chain>> = { failed: 'failed', skipped: 'skipped' };

/** A `create` save found the delivery recorded already. */
export class RecordExistsError extends HeraldError {
  constructor(deliveryId: string) {
    super('record_exists', `delivery ${deliveryId} is recorded already`);
    this.name = 'RecordExistsError';
  }
}

/** Where KV puts of the log's bucket are published. */
const PUT_PREFIX = `$KV.${DELIVERY_LOG_STREAM}.`;

/** A cursor that does not decode. */
export class BadCursorError extends HeraldError {
  constructor() {
    super('bad_cursor', 'cursor is not one this server returned');
    this.name = 'BadCursorError';
  }
}

interface Tail {
  head: number;
  ids: string[];
  revision: number;
  /** The ids of the head page and the page before it: a repeat append is looked for there. */
  listed: Set<string>;
}

/** Appends waiting for one chain's next write. */
interface ChainQueue {
  integrationId: string;
  chain: Chain;
  waiting: Array<{ id: string; resolve: () => void; reject: (err: Error) => void }>;
  writing: boolean;
  lastWriteAt: number;
  timer: NodeJS.Timeout | null;
}

/** A chain's index page is written at most this often; appends in between share one write. */
export const INDEX_WRITE_INTERVAL_MS = 250;

interface Cursor {
  c: Chain;
  p: number;
  i: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor;
    if (!['all', 'failed', 'skipped'].includes(c.c) || !Number.isInteger(c.p) || !Number.isInteger(c.i))
      throw new Error();
    return c;
  } catch {
    throw new BadCursorError();
  }
}

/**
 * The delivery log in a KV bucket:
 * - `d.<integration>.<delivery>`: the delivery's current record;
 * - `a.<integration>.<delivery>.<n>`: attempt n ≥ 2 with request and response (attempt 1
 *   is in the record, so a delivery that succeeds at once is one record write);
 * - `p.<integration>.<chain>.<page>` / `h.<integration>.<chain>`: append-only pages of
 *   delivery ids and the number of the newest page. Chain `all` lists every delivery,
 *   `failed` and `skipped` those that entered that status. Listing newest first walks
 *   pages backwards, so a page costs O(page) reads whatever the history's length.
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
  readonly #queues = new Map<string, ChainQueue>();
  // The newest pages of each chain this process wrote to, so an append is one write.
  readonly #tails = new Map<string, Tail>();

  constructor(kv: KV, publisher: AckedPublisher) {
    this.#kv = kv;
    this.#publisher = publisher;
  }

  async save(record: DeliveryRecord, changes: SaveChanges): Promise<Saved> {
    const { attempt } = changes;
    // The caller's object carries attempt 1 on, so later saves keep it.
    if (attempt?.number === 1) record.firstAttempt = attempt;
    else if (attempt) await this.#put(`a.${record.integrationId}.${record.id}.${attempt.number}`, attempt);
    try {
      await this.#put(`d.${record.integrationId}.${record.id}`, record, changes.create ? 0 : undefined);
    } catch (err) {
      if (err instanceof PublishError && err.isWrongLastSequence) throw new RecordExistsError(record.id);
      throw err;
    }
    const chains: Chain[] = changes.isNew ? ['all'] : [];
    const chain = changes.enteredStatus ? CHAIN_OF_STATUS[changes.enteredStatus] : undefined;
    if (chain) chains.push(chain);
    return { indexed: this.#index(record.integrationId, record.id, chains) };
  }

  async reindex(record: DeliveryRecord): Promise<void> {
    const status = CHAIN_OF_STATUS[record.status];
    const chains: Chain[] = status ? ['all', status] : ['all'];
    const missing: Chain[] = [];
    for (const chain of chains)
      if (!(await this.#listedSince(record.integrationId, chain, record.id, Date.parse(record.updatedAt))))
        missing.push(chain);
    await this.#index(record.integrationId, record.id, missing);
  }

  /**
   * Whether the chain lists the id on a page written since `since` (ms): its entry was
   * appended after the record was saved, so only those pages can hold it. Walks back from
   * the newest page; after an outage that is a few pages.
   */
  async #listedSince(
    integrationId: string,
    chain: Chain,
    deliveryId: string,
    since: number,
  ): Promise<boolean> {
    const head = await this.#head(integrationId, chain);
    for (let page = head; page > 0 && page > head - MAX_REINDEX_PAGES; page--) {
      const entry = await this.#kv.get(`p.${integrationId}.${chain}.${page}`);
      if (liveJson<string[]>(entry)?.includes(deliveryId)) return true;
      // Last written before the record was saved (with room for clock skew): older pages cannot hold it.
      if (entry && entry.created.getTime() < since - CLOCK_SKEW_MS) return false;
    }
    return false;
  }

  /** Takes ids only: the record is not kept alive while its listing waits. */
  async #index(integrationId: string, deliveryId: string, chains: Chain[]): Promise<void> {
    await Promise.all(chains.map((chain) => this.#append(integrationId, chain, deliveryId)));
  }

  /** A KV put, or a compare-and-set when `expectRevision` is given (0 = the key is new). */
  async #put(key: string, value: unknown, expectRevision?: number): Promise<number> {
    const ack = await this.#publisher.publish(`${PUT_PREFIX}${key}`, JSON.stringify(value), {
      expectLastSubjectSeq: expectRevision,
    });
    return ack.seq;
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
      position = decodeCursor(query.cursor);
      if (position.c !== chain) throw new BadCursorError();
    } else {
      const head = await this.#head(integrationId, chain);
      if (head === 0) return { items: [], nextCursor: null };
      position = { c: chain, p: head, i: Number.MAX_SAFE_INTEGER };
    }
    const items: DeliveryRecord[] = [];
    const seen = new Set<string>();
    let pagesRead = 0;
    while (position.p > 0 && items.length < query.limit && pagesRead < MAX_PAGES_PER_LIST) {
      const ids = await this.#page(integrationId, chain, position.p);
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

  async #head(integrationId: string, chain: Chain): Promise<number> {
    const entry = await this.#kv.get(`h.${integrationId}.${chain}`);
    return isLive(entry) ? Number(entry.string()) : 0;
  }

  async #page(integrationId: string, chain: Chain, page: number): Promise<string[]> {
    const entry = await this.#kv.get(`p.${integrationId}.${chain}.${page}`);
    return liveJson<string[]>(entry) ?? [];
  }

  #append(integrationId: string, chain: Chain, deliveryId: string): Promise<void> {
    const key = `${integrationId}.${chain}`;
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = { integrationId, chain, waiting: [], writing: false, lastWriteAt: 0, timer: null };
      this.#queues.set(key, queue);
    }
    const done = new Promise<void>((resolve, reject) =>
      queue.waiting.push({ id: deliveryId, resolve, reject }),
    );
    this.#schedule(queue);
    return done;
  }

  /** Writes the chain's waiting ids now, or when its interval has passed since the last write. */
  #schedule(queue: ChainQueue): void {
    if (queue.writing || queue.timer) return;
    const wait = queue.lastWriteAt + INDEX_WRITE_INTERVAL_MS - Date.now();
    if (wait <= 0) this.#writeNow(queue);
    else queue.timer = setTimeout(() => this.#writeNow(queue), wait);
  }

  #writeNow(queue: ChainQueue): void {
    if (queue.timer) clearTimeout(queue.timer);
    queue.timer = null;
    if (queue.writing) return;
    const batch = queue.waiting.splice(0);
    queue.writing = true;
    queue.lastWriteAt = Date.now();
    this.#appendNow(
      queue.integrationId,
      queue.chain,
      batch.map((w) => w.id),
    )
      .then(
        () => {
          for (const w of batch) w.resolve();
        },
        (err: Error) => {
          for (const w of batch) w.reject(err);
        },
      )
      .finally(() => {
        queue.writing = false;
        if (queue.waiting.length > 0) this.#schedule(queue);
        else this.#queues.delete(`${queue.integrationId}.${queue.chain}`);
      });
  }

  /** Appends ids to the chain's newest pages, starting new pages as they fill. */
  async #appendNow(integrationId: string, chain: Chain, deliveryIds: string[]): Promise<void> {
    const cacheKey = `${integrationId}.${chain}`;
    let ids = [...new Set(deliveryIds)];
    for (let conflicts = 0; conflicts < 10; ) {
      const tail = this.#tails.get(cacheKey) ?? (await this.#loadTail(integrationId, chain));
      // Indexed already (a repeat after a crash): a listing must show it once.
      ids = ids.filter((id) => !tail.listed.has(id));
      if (ids.length === 0) return;
      try {
        if (tail.head > 0 && tail.ids.length < LOG_PAGE_SIZE) {
          const page = [...tail.ids, ...ids.slice(0, LOG_PAGE_SIZE - tail.ids.length)];
          const revision = await this.#put(`p.${integrationId}.${chain}.${tail.head}`, page, tail.revision);
          for (const id of page) tail.listed.add(id);
          this.#tails.set(cacheKey, { ...tail, ids: page, revision });
          continue;
        }
        // Start the next page, then move the head to it. `create` fails if another
        // writer made that page first; then we help move the head and try again.
        const next = tail.head + 1;
        const page = ids.slice(0, LOG_PAGE_SIZE);
        const revision = await this.#kv.create(`p.${integrationId}.${chain}.${next}`, JSON.stringify(page));
        await this.#moveHead(integrationId, chain, tail.head, next);
        this.#tails.set(cacheKey, {
          head: next,
          ids: page,
          revision,
          listed: new Set([...tail.ids, ...page]),
        });
      } catch (err) {
        if (!/wrong last sequence|key exists/i.test(String(err))) throw err;
        conflicts++;
        this.#tails.delete(cacheKey);
        await this.#moveHead(integrationId, chain, tail.head, tail.head + 1).catch(() => undefined);
      }
    }
    throw new HeraldError('log_contention', `could not append to the delivery log of ${integrationId}`);
  }

  async #moveHead(integrationId: string, chain: Chain, from: number, to: number): Promise<void> {
    const headKey = `h.${integrationId}.${chain}`;
    const entry = await this.#kv.get(headKey);
    const current = isLive(entry) ? Number(entry.string()) : 0;
    if (current !== from) return;
    if (from > 0 && !(await this.#kv.get(`p.${integrationId}.${chain}.${to}`))) return;
    if (isLive(entry)) await this.#kv.update(headKey, String(to), entry.revision);
    else await this.#kv.create(headKey, String(to));
  }

  async #loadTail(integrationId: string, chain: Chain): Promise<Tail> {
    const head = await this.#head(integrationId, chain);
    if (head === 0) return { head: 0, ids: [], revision: 0, listed: new Set() };
    const [entry, previous] = await Promise.all([
      this.#kv.get(`p.${integrationId}.${chain}.${head}`),
      head > 1 ? this.#page(integrationId, chain, head - 1) : Promise.resolve([]),
    ]);
    const ids = liveJson<string[]>(entry) ?? [];
    return { head, ids, revision: entry?.revision ?? 0, listed: new Set([...previous, ...ids]) };
  }
}
