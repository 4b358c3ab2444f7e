import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HeraldError, isSafeToken } from '@herald/core';
import type { KV } from '@nats-io/kv';
import { isLive, liveJson } from './kv.js';

/** How long a verified key is trusted without a KV read; a revocation takes effect within it. */
export const KEY_CACHE_MS = 3_000;
/** Random bytes of a key's secret part (256 bits). */
const KEY_SECRET_BYTES = 32;
/** Random bytes of a key's public id. */
const KEY_ID_BYTES = 8;
const KEY_PREFIX = 'hk_';
// hk_<16 hex: key id>_<43 base64url: secret>. The id is hex so the `_` after it is unambiguous.
const KEY_FORMAT = /^hk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const KEY_ID_FORMAT = /^[0-9a-f]{16}$/;

/** A team's API key as stored: only a hash of the key, never the key. */
export interface ApiKeyRecord {
  keyId: string;
  teamId: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** What a listing shows of a key. */
export type ApiKeyInfo = Omit<ApiKeyRecord, 'hash'>;

/** Asked for a key that does not exist. */
export class ApiKeyNotFoundError extends HeraldError {
  constructor(keyId: string) {
    super('key_not_found', `no API key ${JSON.stringify(keyId)}`);
    this.name = 'ApiKeyNotFoundError';
  }
}

function hashOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function kvKey(keyId: string): string {
  return `key.${keyId}`;
}

/** The key id of a key (`hk_<id>_…`) or of an id given alone; null when it is neither. */
export function keyIdOf(keyOrId: string): string | null {
  if (KEY_ID_FORMAT.test(keyOrId)) return keyOrId;
  return KEY_FORMAT.exec(keyOrId)?.[1] ?? null;
}

/**
 * Team API keys in the HERALD_TEAMS bucket under `key.<keyId>`. A key is
 * `hk_<keyId>_<secret>`, shown once at creation; the bucket keeps its SHA-256.
 * Verification looks the record up by id and compares hashes in constant time.
 */
export class ApiKeyStore {
  readonly #kv: KV;
  readonly #cacheMs: number;
  readonly #verified = new Map<string, { teamId: string; hash: string; at: number }>();

  constructor(kv: KV, options: { cacheMs?: number } = {}) {
    this.#kv = kv;
    this.#cacheMs = options.cacheMs ?? KEY_CACHE_MS;
  }

  /** Creates a key for `teamId`; returns the key (the only time it exists in clear) and its record. */
  async create(teamId: string, name: string | null = null): Promise<{ key: string; info: ApiKeyInfo }> {
    if (!isSafeToken(teamId)) throw new HeraldError('invalid_team', 'team id must match [A-Za-z0-9_-]{1,64}');
    const keyId = randomBytes(KEY_ID_BYTES).toString('hex');
    const key = `${KEY_PREFIX}${keyId}_${randomBytes(KEY_SECRET_BYTES).toString('base64url')}`;
    const record: ApiKeyRecord = {
      keyId,
      teamId,
      hash: hashOf(key),
      name,
      createdAt: new Date().toISOString(),
      revokedAt: null,
    };
    await this.#kv.create(kvKey(keyId), JSON.stringify(record));
    const { hash: _hash, ...info } = record;
    return { key, info };
  }

  /** The team a key belongs to, or null for a malformed, unknown or revoked key. */
  async verify(key: string, now: number = Date.now()): Promise<string | null> {
    const match = KEY_FORMAT.exec(key);
    if (!match) return null;
    const keyId = match[1]!;
    const hash = hashOf(key);
    const cached = this.#verified.get(keyId);
    if (cached && now - cached.at < this.#cacheMs) return sameHash(cached.hash, hash) ? cached.teamId : null;
    const record = liveJson<ApiKeyRecord>(await this.#kv.get(kvKey(keyId)));
    if (!record || record.revokedAt !== null || !sameHash(record.hash, hash)) {
      this.#verified.delete(keyId);
      return null;
    }
    this.#verified.set(keyId, { teamId: record.teamId, hash: record.hash, at: now });
    return record.teamId;
  }

  /** Marks a key revoked (kept for the listing); idempotent. Throws `ApiKeyNotFoundError`. */
  async revoke(keyOrId: string): Promise<ApiKeyInfo> {
    const keyId = keyIdOf(keyOrId);
    if (!keyId) throw new ApiKeyNotFoundError(keyOrId.startsWith(KEY_PREFIX) ? '(a malformed key)' : keyOrId);
    for (;;) {
      const entry = await this.#kv.get(kvKey(keyId));
      if (!isLive(entry)) throw new ApiKeyNotFoundError(keyId);
      const record = entry.json<ApiKeyRecord>();
      this.#verified.delete(keyId);
      const { hash: _hash, ...info } = record;
      if (record.revokedAt !== null) return info;
      const revoked = { ...record, revokedAt: new Date().toISOString() };
      try {
        await this.#kv.update(kvKey(keyId), JSON.stringify(revoked), entry.revision);
        return { ...info, revokedAt: revoked.revokedAt };
      } catch (err) {
        if (!/wrong last sequence/i.test(String(err))) throw err;
      }
    }
  }

  /** A team's keys (revoked ones too), oldest first. */
  async list(teamId: string): Promise<ApiKeyInfo[]> {
    const ids: string[] = [];
    for await (const k of await this.#kv.keys('key.*')) ids.push(k);
    const records = await Promise.all(ids.map(async (k) => liveJson<ApiKeyRecord>(await this.#kv.get(k))));
    return records
      .filter((r): r is ApiKeyRecord => r !== null && r.teamId === teamId)
      .map(({ hash: _hash, ...info }) => info)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.keyId.localeCompare(b.keyId));
  }
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
