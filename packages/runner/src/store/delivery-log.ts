import { HeraldError } from '@herald/core';
import type { KV } from '@nats-io/kv';
import type {
  AttemptRecord,
  DeliveryDetail,
  DeliveryLog,
  DeliveryRecord,
  DeliveryStatus,
  ListPage,
  ListQuery,
} from './delivery-records.js';
import { isLive, liveJson } from './kv.js';

/** Delivery ids per index page. */
export const LOG_PAGE_SIZE = 64;
/** A filtered listing reads at most this many index pages before it returns what it found. */
const MAX_PAGES_PER_LIST = 16;

type Chain = 'all' | 'failed' | 'skipped';
const CHAIN_OF_STATUS: Partial<Record<DeliveryStatus, Chain>> = { failed: 'failed', skipped: 'skipped' };

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
}

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
 * - `a.<integration>.<delivery>.<n>`: attempt n with request and response;
 * - `p.<integration>.<chain>.<page>` / `h.<integration>.<chain>`: append-only pages of
 *   delivery ids and the number of the newest page. Chain `all` lists every delivery,
 *   `failed` and `skipped` those that entered that status. Listing newest first walks
 *   pages backwards, so a page costs O(page) reads whatever the history's length.
 */
export class KvDeliveryLog implements DeliveryLog {
  readonly #kv: KV;
  // Serialises appends per chain inside this process; CAS guards across processes.
  readonly #appends = new Map<string, Promise<void>>();
  // The newest page of each chain this process wrote to, so an append is one write.
  readonly #tails = new Map<string, Tail>();

  constructor(kv: KV) {
    this.#kv = kv;
  }

  async saveRecord(
    record: DeliveryRecord,
    changes: { isNew: boolean; enteredStatus: DeliveryStatus | null },
  ): Promise<void> {
    // Index first, record second: after a crash between the two, the redelivered attempt
    // finds no record and indexes again (a listing skips the repeat), whereas the other
    // order could leave a record that no listing ever reaches.
    const pages: Partial<Record<Chain, number>> = {};
    const index = async (chain: Chain) => {
      pages[chain] = await this.#append(record.integrationId, chain, record.id);
    };
    const appends: Promise<void>[] = [];
    if (changes.isNew) appends.push(index('all'));
    const chain = changes.enteredStatus ? CHAIN_OF_STATUS[changes.enteredStatus] : undefined;
    if (chain) appends.push(index(chain));
    await Promise.all(appends);
    // The caller's object carries the positions on, so later saves keep them.
    if (appends.length > 0) record.indexPages = { ...record.indexPages, ...pages };
    await this.#kv.put(`d.${record.integrationId}.${record.id}`, JSON.stringify(record));
  }

  async saveAttempt(record: DeliveryRecord, attempt: AttemptRecord): Promise<void> {
    await this.#kv.put(`a.${record.integrationId}.${record.id}.${attempt.number}`, JSON.stringify(attempt));
  }

  async getRecord(integrationId: string, deliveryId: string): Promise<DeliveryRecord | null> {
    const entry = await this.#kv.get(`d.${integrationId}.${deliveryId}`);
    return liveJson<DeliveryRecord>(entry) ?? null;
  }

  async getDetail(integrationId: string, deliveryId: string): Promise<DeliveryDetail | null> {
    const record = await this.getRecord(integrationId, deliveryId);
    if (!record) return null;
    const numbers = Array.from({ length: record.attemptCount }, (_, i) => i + 1);
    const attempts = await Promise.all(
      numbers.map((n) => this.#kv.get(`a.${integrationId}.${deliveryId}.${n}`)),
    );
    return {
      ...record,
      attempts: attempts.map((e) => liveJson<AttemptRecord>(e)).filter((a): a is AttemptRecord => a !== null),
    };
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
        // A repeat from a crash: the delivery is listed where its record says it is.
        const at = record.indexPages?.[chain];
        if (at !== undefined && at !== position.p) continue;
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

  #append(integrationId: string, chain: Chain, deliveryId: string): Promise<number> {
    const key = `${integrationId}.${chain}`;
    const previous = this.#appends.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.#appendNow(integrationId, chain, deliveryId));
    const settled: Promise<void> = next.then(
      () => undefined,
      () => undefined,
    );
    this.#appends.set(key, settled);
    void settled.then(() => {
      if (this.#appends.get(key) === settled) this.#appends.delete(key);
    });
    return next;
  }

  /** Appends to the chain's newest page; resolves to the page the id is on. */
  async #appendNow(integrationId: string, chain: Chain, deliveryId: string): Promise<number> {
    const cacheKey = `${integrationId}.${chain}`;
    for (let tries = 0; tries < 10; tries++) {
      const tail = this.#tails.get(cacheKey) ?? (await this.#loadTail(integrationId, chain));
      // Indexed already (a retried write after a crash): a listing must show it once.
      if (tail.ids.includes(deliveryId)) return tail.head;
      try {
        if (tail.head > 0 && tail.ids.length < LOG_PAGE_SIZE) {
          const ids = [...tail.ids, deliveryId];
          const revision = await this.#kv.update(
            `p.${integrationId}.${chain}.${tail.head}`,
            JSON.stringify(ids),
            tail.revision,
          );
          this.#tails.set(cacheKey, { ...tail, ids, revision });
          return tail.head;
        }
        // Create the next page, then move the head to it. `create` fails if another
        // writer made that page first; then we help move the head and try again.
        const next = tail.head + 1;
        const revision = await this.#kv.create(
          `p.${integrationId}.${chain}.${next}`,
          JSON.stringify([deliveryId]),
        );
        await this.#moveHead(integrationId, chain, tail.head, next);
        this.#tails.set(cacheKey, { head: next, ids: [deliveryId], revision });
        return next;
      } catch (err) {
        if (!/wrong last sequence|key exists/i.test(String(err))) throw err;
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
    if (head === 0) return { head: 0, ids: [], revision: 0 };
    const entry = await this.#kv.get(`p.${integrationId}.${chain}.${head}`);
    const ids = liveJson<string[]>(entry) ?? [];
    return { head, ids, revision: entry?.revision ?? 0 };
  }
}
