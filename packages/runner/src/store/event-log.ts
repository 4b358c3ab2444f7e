import { randomBytes } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { AckedPublisher } from '../nats/acked-publisher.js';
import type { EventListQuery, EventLog, EventPage, EventRecord, NewEventRecord } from './event-records.js';
import { liveJson } from './kv.js';
import { type Cursor, decodeCursor, encodeCursor, LogIndex } from './log-index.js';

/** The events log's bucket (its retention is the delivery log's: HERALD_LOG_MAX_AGE). */
export const EVENT_LOG_BUCKET = 'HERALD_EVENT_LOG';
const PUT_PREFIX = `$KV.${EVENT_LOG_BUCKET}.`;

/**
 * The records of events routed within this long share one write, whatever their teams. A
 * JetStream write costs the runner and nats-server ~50 µs each (bench/README.md): one per
 * event, or per team and moment when teams are many, is a measurable share of a delivery's
 * cost. The ack of each event waits for its batch, not its routing.
 */
export const BATCH_WINDOW_MS = 10;
/** Most records in one batch, and the most bytes of it (NATS takes 1 MiB by default). */
const MAX_BATCH_RECORDS = 128;
const MAX_BATCH_BYTES = 256 * 1024;
/**
 * Entries per index page. An entry is ~40 bytes; a busy team fills pages fast, and each
 * new page costs three requests (create, read and move the head).
 */
const EVENT_PAGE_SIZE = 256;
/**
 * A filtered listing reads at most this many index pages before it answers what it found
 * with a cursor to go on (4 096 events). Entries carry type, project and outcome, so a
 * page that holds no match costs one read, not one per event.
 */
const MAX_PAGES_PER_LIST = 16;
/** Outcomes with a chain of their own; `delivered`, the common one, is read from `all`. */
const CHAINED_OUTCOMES = new Set(['skipped', 'unmatched', 'rejected']);
/** In an index entry: a field the event did not have (a rejected payload). */
const NONE = '-';
/** A row id: `<batch>-<position>`. */
const ROW_ID = /^([A-Za-z0-9_]{1,48})-(\d{1,4})$/;

/**
 * The chain a listing walks: every event, or those of a rare outcome. Most events are
 * delivered: a chain of its own would double the common case's index writes.
 */
function chainOf(query: Pick<EventListQuery, 'outcome'>): string {
  return query.outcome && CHAINED_OUTCOMES.has(query.outcome) ? `o-${query.outcome}` : 'all';
}

/** What the log reports: a batch it could not list (its records' events are acked). */
export type EventLogWarn = (fields: Record<string, unknown>, message: string) => void;

interface Batch {
  parts: string[];
  bytes: number;
  entries: Array<{ teamId: string; fields: string; chain: string }>;
  /** Every record of the batch waits for this one promise (no promise per event). */
  stored: Promise<{ listed: Promise<void> }>;
  resolve: (v: { listed: Promise<void> }) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * The events log in a KV bucket:
 * - `b.<batch>`: a JSON array of the records a runner routed within BATCH_WINDOW_MS, of
 *   any team (one write for all of them); a record's row id is `<batch>-<n>`, and a read
 *   answers a row only to the team it belongs to;
 * - `p.<team>.<chain>.<page>` / `h.<team>.<chain>` (LogIndex, as the delivery log's):
 *   chain `all` lists every row, `o-<outcome>` those of a rare outcome (not `delivered`);
 *   entries are `<row> <type> <project> <outcome>`, so a filter reads pages, not records.
 * Listing newest first walks pages backwards: a page costs O(page) reads, whatever the
 * history's length (fewer when rows share batches). A batch is written before its entries,
 * and a chain's page at most every INDEX_WRITE_INTERVAL_MS with every entry that arrived.
 */
export class KvEventLog implements EventLog {
  readonly #kv: KV;
  readonly #publisher: AckedPublisher;
  readonly #index: LogIndex;
  readonly #warn: EventLogWarn;
  #open: Batch | null = null;
  // Batch ids: this process's nonce and a counter, after the time (so they never repeat).
  readonly #nonce = randomBytes(6).toString('base64url').replace(/-/g, '_');
  #counter = 0;

  constructor(kv: KV, publisher: AckedPublisher, warn: EventLogWarn = () => undefined) {
    this.#kv = kv;
    this.#publisher = publisher;
    this.#warn = warn;
    this.#index = new LogIndex(
      kv,
      async (key, value, expectRevision) => {
        const ack = await publisher.publish(`${PUT_PREFIX}${key}`, JSON.stringify(value), {
          expectLastSubjectSeq: expectRevision,
        });
        return ack.seq;
      },
      // Appended every BATCH_WINDOW_MS by a busy team: held, a chain is written once an interval.
      { pageSize: EVENT_PAGE_SIZE, holdIdle: true },
    );
  }

  record(record: NewEventRecord): Promise<{ listed: Promise<void> }> {
    const part = JSON.stringify(record);
    let batch = this.#open;
    if (batch && batch.bytes + part.length > MAX_BATCH_BYTES) {
      this.#flush(batch);
      batch = null;
    }
    if (!batch) batch = this.#openBatch();
    const fields = ` ${record.type ?? NONE} ${record.projectId ?? NONE} ${record.outcome}`;
    batch.entries.push({ teamId: record.teamId, fields, chain: chainOf(record) });
    batch.parts.push(part);
    batch.bytes += part.length + 1;
    const { stored } = batch;
    if (batch.parts.length >= MAX_BATCH_RECORDS) this.#flush(batch);
    return stored;
  }

  #openBatch(): Batch {
    let resolve!: Batch['resolve'];
    let reject!: Batch['reject'];
    const stored = new Promise<{ listed: Promise<void> }>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Its records' callers each hear a failure; none may go unheard when there are none.
    stored.catch(() => undefined);
    const batch: Batch = { parts: [], bytes: 2, entries: [], stored, resolve, reject, timer: null };
    batch.timer = setTimeout(() => this.#flush(batch), BATCH_WINDOW_MS);
    this.#open = batch;
    return batch;
  }

  #flush(batch: Batch): void {
    if (batch.timer) clearTimeout(batch.timer);
    if (this.#open === batch) this.#open = null;
    const id = `${Date.now().toString(36)}${this.#nonce}${(this.#counter++).toString(36)}`;
    this.#publisher.publish(`${PUT_PREFIX}b.${id}`, `[${batch.parts.join(',')}]`).then(
      () => {
        const listed = this.#list(batch, id);
        // Reported once for the batch; the records are stored, their events acked.
        listed.catch((err: Error) =>
          this.#warn(
            { err: err.message, records: batch.parts.length },
            'events not listed in the events log',
          ),
        );
        batch.resolve({ listed });
      },
      (err: Error) => batch.reject(err),
    );
  }

  #list(batch: Batch, id: string): Promise<void> {
    // One append per team and chain for the whole batch, entries in order.
    const lists = new Map<string, { teamId: string; chain: string; entries: string[] }>();
    const add = (teamId: string, chain: string, entry: string) => {
      const key = `${teamId}.${chain}`;
      const list = lists.get(key);
      if (list) list.entries.push(entry);
      else lists.set(key, { teamId, chain, entries: [entry] });
    };
    batch.entries.forEach((e, n) => {
      const entry = `${id}-${n}${e.fields}`;
      add(e.teamId, 'all', entry);
      if (e.chain !== 'all') add(e.teamId, e.chain, entry);
    });
    return Promise.all([...lists.values()].map((l) => this.#index.append(l.teamId, l.chain, l.entries))).then(
      () => undefined,
    );
  }

  /** A batch's records (every team's: callers keep their own team's rows only). */
  async #batch(batchId: string): Promise<NewEventRecord[] | null> {
    return liveJson<NewEventRecord[]>(await this.#kv.get(`b.${batchId}`));
  }

  async get(teamId: string, id: string): Promise<EventRecord | null> {
    const m = ROW_ID.exec(id);
    if (!m) return null;
    const record = (await this.#batch(m[1]!))?.[Number(m[2])];
    return record && record.teamId === teamId ? { id, ...record } : null;
  }

  async list(teamId: string, query: EventListQuery): Promise<EventPage> {
    const chain = chainOf(query);
    let position: Cursor;
    if (query.cursor) position = decodeCursor(query.cursor, chain);
    else {
      const head = await this.#index.head(teamId, chain);
      if (head === 0) return { items: [], nextCursor: null };
      position = { c: chain, p: head, i: Number.MAX_SAFE_INTEGER };
    }
    const wanted = (entry: string): string | null => {
      const [id, type, project, outcome] = entry.split(' ');
      if (query.type && type !== query.type) return null;
      if (query.projectId && project !== query.projectId) return null;
      if (query.outcome && outcome !== query.outcome) return null;
      return id ?? null;
    };
    // One read per batch, however many of its rows a page shows.
    const batches = new Map<string, Promise<NewEventRecord[] | null>>();
    const read = (id: string): Promise<EventRecord | null> => {
      const m = ROW_ID.exec(id);
      if (!m) return Promise.resolve(null);
      let batch = batches.get(m[1]!);
      if (!batch) {
        batch = this.#batch(m[1]!);
        batches.set(m[1]!, batch);
      }
      return batch.then((records) => {
        const record = records?.[Number(m[2])];
        // The team's own listing names only its rows; the check is the isolation's second lock.
        return record && record.teamId === teamId ? { id, ...record } : null;
      });
    };
    const items: EventRecord[] = [];
    const seen = new Set<string>();
    let pagesRead = 0;
    while (position.p > 0 && items.length < query.limit && pagesRead < MAX_PAGES_PER_LIST) {
      const entries = await this.#index.page(teamId, chain, position.p);
      pagesRead++;
      let end = Math.min(position.i, entries.length);
      // Newest first: walk the page from its end, reading only as many rows as the page still needs.
      while (end > 0 && items.length < query.limit) {
        const ids: string[] = [];
        while (end > 0 && ids.length < query.limit - items.length) {
          const id = wanted(entries[--end]!);
          if (id && !seen.has(id)) ids.push(id);
        }
        for (const record of await Promise.all(ids.map(read))) {
          if (!record) continue; // expired
          seen.add(record.id);
          items.push(record);
        }
      }
      position =
        end > 0
          ? { c: chain, p: position.p, i: end }
          : { c: chain, p: position.p - 1, i: Number.MAX_SAFE_INTEGER };
    }
    return { items, nextCursor: position.p > 0 ? encodeCursor(position) : null };
  }
}
