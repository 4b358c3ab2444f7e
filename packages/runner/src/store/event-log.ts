import type { KV } from '@nats-io/kv';
import type { AckedPublisher } from '../nats/acked-publisher.js';
import type { EventListQuery, EventLog, EventPage, EventRecord } from './event-records.js';
import { liveJson } from './kv.js';
import { type Cursor, decodeCursor, encodeCursor, LogIndex } from './log-index.js';

/** The events log's bucket (its retention is the delivery log's: HERALD_LOG_MAX_AGE). */
export const EVENT_LOG_BUCKET = 'HERALD_EVENT_LOG';
const PUT_PREFIX = `$KV.${EVENT_LOG_BUCKET}.`;

/**
 * A filtered listing reads at most this many index pages (64 entries each) before it
 * answers what it found with a cursor to go on. Entries carry type and project, so a
 * page that holds no match costs one read, not one per event.
 */
const MAX_PAGES_PER_LIST = 64;
/** In an index entry: a field the event did not have (a rejected payload). */
const NONE = '-';

/** The chain a listing walks: every event, or those of one outcome. */
function chainOf(query: Pick<EventListQuery, 'outcome'>): string {
  return query.outcome ? `o-${query.outcome}` : 'all';
}

/** `<id> <type> <project>`: what a filter needs without reading the record. */
function entryOf(record: EventRecord): string {
  return `${record.id} ${record.type ?? NONE} ${record.projectId ?? NONE}`;
}

/**
 * The events log in a KV bucket, one team's records and listings apart from another's:
 * - `e.<team>.<id>`: the event's record (EventRecord), written once when it is routed
 *   (again if it is routed again);
 * - `p.<team>.<chain>.<page>` / `h.<team>.<chain>` (LogIndex, as the delivery log's):
 *   chain `all` lists every event, `o-<outcome>` those of one outcome; its entries are
 *   `<id> <type> <project>`, so a type or project filter reads pages, not records.
 * Listing newest first walks pages backwards: a page costs O(page) reads, whatever the
 * history's length. A record is written before its entries, and a chain's page at most
 * every INDEX_WRITE_INTERVAL_MS with every entry that arrived meanwhile.
 */
export class KvEventLog implements EventLog {
  readonly #kv: KV;
  readonly #publisher: AckedPublisher;
  readonly #index: LogIndex;

  constructor(kv: KV, publisher: AckedPublisher) {
    this.#kv = kv;
    this.#publisher = publisher;
    this.#index = new LogIndex(kv, async (key, value, expectRevision) => {
      const ack = await publisher.publish(`${PUT_PREFIX}${key}`, JSON.stringify(value), {
        expectLastSubjectSeq: expectRevision,
      });
      return ack.seq;
    });
  }

  async record(record: EventRecord): Promise<{ listed: Promise<void> }> {
    await this.#publisher.publish(`${PUT_PREFIX}e.${record.teamId}.${record.id}`, JSON.stringify(record));
    const entry = entryOf(record);
    const listed = Promise.all([
      this.#index.append(record.teamId, 'all', entry),
      this.#index.append(record.teamId, chainOf(record), entry),
    ]).then(() => undefined);
    return { listed };
  }

  async get(teamId: string, id: string): Promise<EventRecord | null> {
    return liveJson<EventRecord>(await this.#kv.get(`e.${teamId}.${id}`));
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
      const [id, type, project] = entry.split(' ');
      if (query.type && type !== query.type) return null;
      if (query.projectId && project !== query.projectId) return null;
      return id ?? null;
    };
    const items: EventRecord[] = [];
    const seen = new Set<string>();
    let pagesRead = 0;
    while (position.p > 0 && items.length < query.limit && pagesRead < MAX_PAGES_PER_LIST) {
      const entries = await this.#index.page(teamId, chain, position.p);
      pagesRead++;
      let end = Math.min(position.i, entries.length);
      // Newest first: walk the page from its end, reading only as many records as the page still needs.
      while (end > 0 && items.length < query.limit) {
        const ids: string[] = [];
        while (end > 0 && ids.length < query.limit - items.length) {
          const id = wanted(entries[--end]!);
          if (id && !seen.has(id)) ids.push(id);
        }
        const records = await Promise.all(ids.map((id) => this.get(teamId, id)));
        for (const record of records) {
          // Expired, or routed again since with another outcome: not this chain's any more.
          if (!record || (query.outcome && record.outcome !== query.outcome)) continue;
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
