import { hash, randomBytes } from 'node:crypto';

// Crockford base32, as ULID uses: ids sort by creation time as plain strings.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

/** A subject-safe token: what team, project and integration ids must look like. */
export const SAFE_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `value` can be used as one token of a NATS subject. */
export function isSafeToken(value: string): boolean {
  return SAFE_TOKEN.test(value);
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeBytes(bytes: Uint8Array, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) out += ALPHABET[bytes[i % bytes.length]! % 32];
  return out;
}

/** A new time-ordered id with a noun prefix, e.g. `evt_01JD…` (ULID body). */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeBytes(randomBytes(RANDOM_CHARS), RANDOM_CHARS)}`;
}

/**
 * The id of the delivery of one event to one integration. Deterministic, so a router
 * that re-routes an event after a crash produces the same delivery (and the same
 * `webhook-id` for receivers to deduplicate on).
 */
export function deliveryIdFor(eventId: string, integrationId: string): string {
  const digest = hash('sha256', `${eventId}:${integrationId}`, 'buffer');
  return `dlv_${encodeBytes(digest, 26)}`;
}
