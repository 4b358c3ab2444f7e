import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { HeraldError, SAFE_TOKEN } from '@herald/core';
import type { KV } from '@nats-io/kv';
import { z } from 'zod';
import { isLive, liveJson } from './kv.js';

// A portal link lets a platform show Herald's dashboard to its own user without handing
// over an API key: a short-lived token, signed (HMAC-SHA256) with a key derived from
// HERALD_PORTAL_SECRET, that carries the team, optionally one integration, a read-only
// flag and an expiry. It is signed, not encrypted: the holder can read the team and
// integration ids, nothing secret. Every link also has a record in the teams bucket
// (`portal.<id>`), so a revocation reaches every runner (within PORTAL_CACHE_MS).

/** A link's lifetime when the caller gives none. */
export const DEFAULT_PORTAL_TTL_SECONDS = 60 * 60;
/** The longest lifetime a link may have: a link is a bearer credential, so it stays short. */
export const MAX_PORTAL_TTL_SECONDS = 24 * 60 * 60;
/** Shortest secret accepted in HERALD_PORTAL_SECRET (256 bits as text). */
export const MIN_PORTAL_SECRET_CHARS = 32;
/** How long a checked link is trusted without a KV read; a revocation takes effect within it. */
export const PORTAL_CACHE_MS = 3_000;
/** How often a runner at most tidies expired links' records up (on a mint). */
export const PORTAL_PURGE_EVERY_MS = 60_000;
/** Longest token Herald issues; anything longer is refused before it is parsed. */
const MAX_TOKEN_CHARS = 1_024;
const PREFIX = 'hp_';
const ID_BYTES = 12;

/** What a portal token lets its holder do: one team, maybe one integration, maybe reads only. */
export interface PortalScope {
  id: string;
  teamId: string;
  integrationId: string | null;
  readOnly: boolean;
  /** Epoch ms. */
  expiresAt: number;
}

const token = z.string().regex(SAFE_TOKEN);
const payloadSchema = z.strictObject({
  id: z.string().regex(/^pl_[0-9a-f]{24}$/),
  t: token,
  i: token.nullable(),
  ro: z.boolean(),
  exp: z.number().int().positive(),
});

/** A link as stored (the token itself is never stored: the record says what it allows). */
export interface PortalLinkRecord {
  id: string;
  teamId: string;
  integrationId: string | null;
  readOnly: boolean;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** Asked for a link that does not exist (or is another team's). */
export class PortalLinkNotFoundError extends HeraldError {
  constructor(id: string) {
    super('portal_link_not_found', `portal link ${JSON.stringify(id)} not found`);
    this.name = 'PortalLinkNotFoundError';
  }
}

/** True for a string shaped like a portal token (what the API's authentication tells apart). */
export function isPortalToken(text: string): boolean {
  return text.startsWith(PREFIX);
}

/** The HMAC key of portal tokens, derived (HKDF-SHA256) from HERALD_PORTAL_SECRET. */
export function portalKeyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'herald', 'herald portal link v1', 32));
}

function mac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`${PREFIX}${body}`).digest();
}

/** `hp_<base64url JSON>.<base64url HMAC>` for `scope`. */
export function signPortalToken(key: Buffer, scope: PortalScope): string {
  const payload = {
    id: scope.id,
    t: scope.teamId,
    i: scope.integrationId,
    ro: scope.readOnly,
    exp: scope.expiresAt,
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${PREFIX}${body}.${mac(key, body).toString('base64url')}`;
}

/** The scope of a well-signed, unexpired token, or null (malformed, forged, expired alike). */
export function verifyPortalToken(key: Buffer, text: string, now: number = Date.now()): PortalScope | null {
  if (text.length > MAX_TOKEN_CHARS || !text.startsWith(PREFIX)) return null;
  const parts = text.slice(PREFIX.length).split('.');
  if (parts.length !== 2) return null;
  const [body, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success || parsed.data.exp <= now) return null;
  const p = parsed.data;
  return { id: p.id, teamId: p.t, integrationId: p.i, readOnly: p.ro, expiresAt: p.exp };
}

function kvKey(id: string): string {
  return `portal.${id}`;
}

/** Mints, checks and revokes portal links; null `key` when HERALD_PORTAL_SECRET is not set. */
export class PortalLinks {
  readonly #kv: KV;
  readonly #key: Buffer | null;
  readonly #cacheMs: number;
  readonly #checked = new Map<string, { revoked: boolean; at: number }>();
  #purgedAt = 0;

  constructor(kv: KV, secret: string | null, options: { cacheMs?: number } = {}) {
    this.#kv = kv;
    this.#key = secret ? portalKeyFrom(secret) : null;
    this.#cacheMs = options.cacheMs ?? PORTAL_CACHE_MS;
  }

  /** False when no secret is configured: minting is refused and every token with it. */
  get enabled(): boolean {
    return this.#key !== null;
  }

  /** A new link's token and record. Throws when portal links are disabled. */
  async mint(input: {
    teamId: string;
    integrationId: string | null;
    readOnly: boolean;
    ttlSeconds: number;
  }): Promise<{ token: string; record: PortalLinkRecord }> {
    if (!this.#key) throw new HeraldError('portal_links_disabled', 'portal links are disabled');
    const now = Date.now();
    const scope: PortalScope = {
      id: `pl_${randomBytes(ID_BYTES).toString('hex')}`,
      teamId: input.teamId,
      integrationId: input.integrationId,
      readOnly: input.readOnly,
      expiresAt: now + input.ttlSeconds * 1000,
    };
    const record: PortalLinkRecord = {
      id: scope.id,
      teamId: scope.teamId,
      integrationId: scope.integrationId,
      readOnly: scope.readOnly,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(scope.expiresAt).toISOString(),
      revokedAt: null,
    };
    await this.#kv.create(kvKey(scope.id), JSON.stringify(record));
    if (now - this.#purgedAt >= PORTAL_PURGE_EVERY_MS) {
      this.#purgedAt = now;
      // Off the answer's path; a failed tidy-up is retried on a later mint.
      void this.purgeExpired(now).catch(() => {
        this.#purgedAt = 0;
      });
    }
    return { token: signPortalToken(this.#key, scope), record };
  }

  /**
   * Removes the records of expired links (an expired token is refused before its record is
   * read, so forgetting one cannot revive it). The teams bucket has no per-key TTL on the
   * NATS versions Herald supports; mints tidy up, at most every PORTAL_PURGE_EVERY_MS.
   */
  async purgeExpired(now: number = Date.now()): Promise<number> {
    const keys: string[] = [];
    for await (const k of await this.#kv.keys('portal.*')) keys.push(k);
    let purged = 0;
    for (const k of keys) {
      const record = liveJson<PortalLinkRecord>(await this.#kv.get(k));
      if (record && Date.parse(record.expiresAt) <= now) {
        await this.#kv.purge(k);
        purged++;
      }
    }
    return purged;
  }

  /**
   * A team's links that have not expired, newest first, revoked ones included (they say
   * so). Reads every link's record: links are few and short-lived, and mints purge the
   * expired ones.
   */
  async list(teamId: string, now: number = Date.now()): Promise<PortalLinkRecord[]> {
    const keys: string[] = [];
    for await (const k of await this.#kv.keys('portal.*')) keys.push(k);
    const records = await Promise.all(
      keys.map(async (k) => liveJson<PortalLinkRecord>(await this.#kv.get(k))),
    );
    return records
      .filter(
        (r): r is PortalLinkRecord => r !== null && r.teamId === teamId && Date.parse(r.expiresAt) > now,
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** The scope of a valid token: well signed, unexpired, minted here and not revoked; else null. */
  async verify(text: string, now: number = Date.now()): Promise<PortalScope | null> {
    if (!this.#key) return null;
    const scope = verifyPortalToken(this.#key, text, now);
    if (!scope) return null;
    const cached = this.#checked.get(scope.id);
    if (cached && now - cached.at < this.#cacheMs) return cached.revoked ? null : scope;
    const record = liveJson<PortalLinkRecord>(await this.#kv.get(kvKey(scope.id)));
    // No record: minted with this secret but not by Herald (or purged): refused as revoked.
    const revoked = !record || record.revokedAt !== null || record.teamId !== scope.teamId;
    this.#checked.set(scope.id, { revoked, at: now });
    return revoked ? null : scope;
  }

  /** Revokes a team's link (idempotent). Throws `PortalLinkNotFoundError`, also for another team's. */
  async revoke(teamId: string, id: string): Promise<PortalLinkRecord> {
    for (;;) {
      const entry = await this.#kv.get(kvKey(id));
      if (!isLive(entry)) throw new PortalLinkNotFoundError(id);
      const record = entry.json<PortalLinkRecord>();
      if (record.teamId !== teamId) throw new PortalLinkNotFoundError(id);
      this.#checked.delete(id);
      if (record.revokedAt !== null) return record;
      const revoked = { ...record, revokedAt: new Date().toISOString() };
      try {
        await this.#kv.update(kvKey(id), JSON.stringify(revoked), entry.revision);
        return revoked;
      } catch (err) {
        if (!/wrong last sequence/i.test(String(err))) throw err;
      }
    }
  }
}
