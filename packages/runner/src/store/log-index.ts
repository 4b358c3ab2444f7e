import { HeraldError } from '@herald/core';
import type { KV } from '@nats-io/kv';
import type { DeliveryStatus } from './delivery-records.js';
import { isLive, liveJson } from './kv.js';

/** Delivery ids per index page (the delivery log's; the events log's pages are larger). */
export const LOG_PAGE_SIZE = 64;
/** How far back a reindex looks for an entry already written. */
const MAX_REINDEX_PAGES = 256;
/** Runners' clocks against nats-server's, when comparing a record's time with a page's. */
const CLOCK_SKEW_MS = 30_000;

/** A delivery listing: every delivery, or those that entered `failed` / `skipped`. */
export type Chain = 'all' | 'failed' | 'skipped';

/**
 * Where a listing was left: chain, page and the index on that page below which the walk
 * goes on. The delivery log and the events log hand it out the same way (base64url JSON).
 */
export interface Cursor {
  c: string;
  p: number;
  i: number;
}

/** A cursor that does not decode. */
export class BadCursorError extends HeraldError {
  constructor() {
    super('bad_cursor', 'cursor is not one this server returned');
    this.name = 'BadCursorError';
  }
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor, if it decodes and names `chain`; else BadCursorError. */
export function decodeCursor(text: string, chain: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor;
    if (c.c !== chain || !Number.isInteger(c.p) || !Number.isInteger(c.i)) throw new Error();
    return c;
  } catch {
    throw new BadCursorError();
  }
}
export const CHAIN_OF_STATUS: Partial<Record<DeliveryStatus, Chain>> = {
  failed: 'failed',
  skipped: 'skipped',
};

/** Writes a KV value, compare-and-set when `expectRevision` is given; resolves to the new revision. */
export type KvPut = (key: string, value: unknown, expectRevision?: number) => Promise<number>;

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
  chain: string;
  waiting: Array<{
    ids: string | string[];
    /** Set by a reindex: append only if no page written since this time (ms) lists the id. */
    unlessListedSince?: number;
    resolve: () => void;
    reject: (err: Error) => void;
  }>;
  writing: boolean;
  lastWriteAt: number;
  timer: NodeJS.Timeout | null;
}

/** A chain's index page is written at most this often; appends in between share one write. */
export const INDEX_WRITE_INTERVAL_MS = 250;

/**
 * The listings of the delivery log (scope: an integration) and of the events log (scope:
 * a team; entries carry more than an id, see event-log.ts): per scope and chain, append-only pages of delivery
 * ids (`p.<integration>.<chain>.<page>`) and the number of the newest page
 * (`h.<integration>.<chain>`). A chain's page is written at most every
 * INDEX_WRITE_INTERVAL_MS with every id that arrived meanwhile (one compare-and-set);
 * appends are serialised per chain in this process, compare-and-set guards across
 * processes, and an id already on the chain's last two pages is not appended again.
 */
export class LogIndex {
  readonly #kv: KV;
  readonly #put: KvPut;
  readonly #queues = new Map<string, ChainQueue>();
  // The newest pages of each chain this process wrote to, so an append is one write.
  readonly #tails = new Map<string, Tail>();

  readonly #pageSize: number;
  readonly #holdIdle: boolean;

  /**
   * `holdIdle`: a chain's queue outlives its write by INDEX_WRITE_INTERVAL_MS, so an append
   * just after a write waits for the interval. Without it (the delivery log's way) an idle
   * queue is dropped at once and the next append is written at once: a chain appended
   * every few ms whose writes are quick is written on every append, not every interval.
   */
  constructor(kv: KV, put: KvPut, options: { pageSize?: number; holdIdle?: boolean } = {}) {
    this.#kv = kv;
    this.#put = put;
    this.#pageSize = options.pageSize ?? LOG_PAGE_SIZE;
    this.#holdIdle = options.holdIdle ?? false;
  }

  /**
   * Whether the chain lists the id on a page written since `since` (ms): its entry was
   * appended after the record was saved, so only those pages can hold it. Walks back from
   * the newest page; after an outage that is a few pages.
   */
  async #listedSince(
    integrationId: string,
    chain: string,
    deliveryId: string,
    since: number,
  ): Promise<boolean> {
    const head = await this.head(integrationId, chain);
    for (let page = head; page > 0 && page > head - MAX_REINDEX_PAGES; page--) {
      const entry = await this.#kv.get(`p.${integrationId}.${chain}.${page}`);
      if (liveJson<string[]>(entry)?.includes(deliveryId)) return true;
      // Last written before the record was saved (with room for clock skew): older pages cannot hold it.
      if (entry && entry.created.getTime() < since - CLOCK_SKEW_MS) return false;
    }
    return false;
  }

  async head(integrationId: string, chain: string): Promise<number> {
    const entry = await this.#kv.get(`h.${integrationId}.${chain}`);
    return isLive(entry) ? Number(entry.string()) : 0;
  }

  async page(integrationId: string, chain: string, page: number): Promise<string[]> {
    const entry = await this.#kv.get(`p.${integrationId}.${chain}.${page}`);
    return liveJson<string[]>(entry) ?? [];
  }

  /**
   * Appends an id (or several, in order: one wait for all of them) to a chain; resolves
   * once the pages holding them are written. With `unlessListedSince` (a reindex), ids that a
   * page written since then lists already are left out — looked up when the chain's write
   * comes, after this process's earlier appends are written: a check made before queueing
   * could miss the id's first listing still on its way, and that one can end up more
   * pages back than the two a plain append looks at (one batch after an outage spans pages).
   */
  append(
    integrationId: string,
    chain: string,
    ids: string | string[],
    unlessListedSince?: number,
  ): Promise<void> {
    const key = `${integrationId}.${chain}`;
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = { integrationId, chain, waiting: [], writing: false, lastWriteAt: 0, timer: null };
      this.#queues.set(key, queue);
    }
    const done = new Promise<void>((resolve, reject) =>
      queue.waiting.push({ ids, unlessListedSince, resolve, reject }),
    );
    this.#schedule(queue);
    return done;
  }

  /** Writes the chain's waiting ids now, or when its interval has passed since the last write. */
  #schedule(queue: ChainQueue): void {
    // A held queue's timer now has appends to write: it keeps the process alive again.
    queue.timer?.ref();
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
    this.#appendBatch(queue.integrationId, queue.chain, batch)
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
        else if (this.#holdIdle) {
          // Nothing waits on it: it must not keep a stopping process alive.
          queue.timer = setTimeout(() => this.#idle(queue), INDEX_WRITE_INTERVAL_MS);
          queue.timer.unref();
        } else this.#queues.delete(`${queue.integrationId}.${queue.chain}`);
      });
  }

  /** A held queue's interval has passed: write what arrived meanwhile, or let it go. */
  #idle(queue: ChainQueue): void {
    queue.timer = null;
    if (queue.waiting.length > 0) this.#writeNow(queue);
    else if (!queue.writing) this.#queues.delete(`${queue.integrationId}.${queue.chain}`);
  }

  /** A batch's ids, those of a reindex only if no page lists them yet, appended in order. */
  async #appendBatch(integrationId: string, chain: string, batch: ChainQueue['waiting']): Promise<void> {
    if (batch.every((w) => w.unlessListedSince === undefined))
      return this.#appendNow(
        integrationId,
        chain,
        batch.flatMap((w) => w.ids),
      );
    const ids: string[] = [];
    for (const w of batch) {
      const list = typeof w.ids === 'string' ? [w.ids] : w.ids;
      if (w.unlessListedSince === undefined) {
        ids.push(...list);
        continue;
      }
      try {
        for (const id of list)
          if (!(await this.#listedSince(integrationId, chain, id, w.unlessListedSince))) ids.push(id);
      } catch (err) {
        // Only this reindex fails (its delivery comes back); the rest of the batch is written.
        w.reject(err as Error);
      }
    }
    return this.#appendNow(integrationId, chain, ids);
  }

  /** Appends ids to the chain's newest pages, starting new pages as they fill. */
  async #appendNow(integrationId: string, chain: string, deliveryIds: string[]): Promise<void> {
    const cacheKey = `${integrationId}.${chain}`;
    let ids = [...new Set(deliveryIds)];
    for (let conflicts = 0; conflicts < 10; ) {
      const tail = this.#tails.get(cacheKey) ?? (await this.#loadTail(integrationId, chain));
      // Indexed already (a repeat after a crash): a listing must show it once.
      ids = ids.filter((id) => !tail.listed.has(id));
      if (ids.length === 0) return;
      try {
        if (tail.head > 0 && tail.ids.length < this.#pageSize) {
          const page = [...tail.ids, ...ids.slice(0, this.#pageSize - tail.ids.length)];
          const revision = await this.#put(`p.${integrationId}.${chain}.${tail.head}`, page, tail.revision);
          for (const id of page) tail.listed.add(id);
          this.#tails.set(cacheKey, { ...tail, ids: page, revision });
          continue;
        }
        // Start the next page, then move the head to it. `create` fails if another
        // writer made that page first; then we help move the head and try again.
        const next = tail.head + 1;
        const page = ids.slice(0, this.#pageSize);
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
    throw new HeraldError('log_contention', `could not append to the log index of ${integrationId}`);
  }

  async #moveHead(integrationId: string, chain: string, from: number, to: number): Promise<void> {
    const headKey = `h.${integrationId}.${chain}`;
    const entry = await this.#kv.get(headKey);
    const current = isLive(entry) ? Number(entry.string()) : 0;
    if (current !== from) return;
    if (from > 0 && !(await this.#kv.get(`p.${integrationId}.${chain}.${to}`))) return;
    if (isLive(entry)) await this.#kv.update(headKey, String(to), entry.revision);
    else await this.#kv.create(headKey, String(to));
  }

  async #loadTail(integrationId: string, chain: string): Promise<Tail> {
    const head = await this.head(integrationId, chain);
    if (head === 0) return { head: 0, ids: [], revision: 0, listed: new Set() };
    const [entry, previous] = await Promise.all([
      this.#kv.get(`p.${integrationId}.${chain}.${head}`),
      head > 1 ? this.page(integrationId, chain, head - 1) : Promise.resolve([]),
    ]);
    const ids = liveJson<string[]>(entry) ?? [];
    return { head, ids, revision: entry?.revision ?? 0, listed: new Set([...previous, ...ids]) };
  }
}
