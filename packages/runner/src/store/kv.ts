import type { KvEntry } from '@nats-io/kv';

/** True for an entry that holds a value (not missing, deleted or purged). */
export function isLive(entry: KvEntry | null | undefined): entry is KvEntry {
  return !!entry && entry.operation === 'PUT' && entry.length > 0;
}

/** The entry's JSON value, or null when there is none. */
export function liveJson<T>(entry: KvEntry | null | undefined): T | null {
  return isLive(entry) ? entry.json<T>() : null;
}
