import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { eventPatternSchema, SAFE_TOKEN } from '@herald/core';
import type { KV } from '@nats-io/kv';
import { z } from 'zod';

// The OAuth `state` of a connect flow's install ("Add to Slack"): it carries the team and
// the pending integration's settings to the callback, signed (HMAC-SHA256) so nobody can
// forge or alter it, expiring, and single-use through a nonce claimed with a CAS create
// in NATS KV (so a replay fails on every runner). It is signed, not encrypted: the
// destination and the browser see the team id and the settings, nothing secret. The key
// is per provider type, so a state issued for one flow is refused by another's callback.
// https://datatracker.ietf.org/doc/html/rfc6749#section-10.12

/** How long an install link lives: from the click to the destination's redirect back. */
export const STATE_TTL_MS = 10 * 60_000;
/** Random bytes of a state's nonce (128 bits). */
const NONCE_BYTES = 16;
/** Longest state Herald issues: a URL parameter the destination passes back untouched. */
export const MAX_STATE_CHARS = 4_096;
const VERSION = 'v1';
const NONCE = /^[A-Za-z0-9_-]{22}$/;
/** The KV key prefix of a flow's claimed nonces in the teams bucket (`slack-state.` for Slack). */
export function noncePrefix(type: string): string {
  return `${type}-state.`;
}

const token = z.string().regex(SAFE_TOKEN);

/** What a state carries. */
export const statePayloadSchema = z.strictObject({
  /** Nonce: claimed once at the callback. */
  n: z.string().regex(NONCE),
  /** Team. */
  t: token,
  /** Expiry, epoch ms. */
  exp: z.number().int().positive(),
  name: z.string().trim().min(1).max(200),
  events: z.array(eventPatternSchema).min(1),
  projects: z.array(token).min(1).nullable(),
  /** For a reinstall, the integration whose URL is replaced; null for a new one. */
  integrationId: token.nullable(),
});

export type StatePayload = z.infer<typeof statePayloadSchema>;

/** Why a state was refused. */
export type StateProblem = 'malformed' | 'bad_signature' | 'expired';

export type StateCheck = { ok: true; payload: StatePayload } | { ok: false; problem: StateProblem };

/**
 * The HMAC key for a flow's states, derived (HKDF-SHA256) from its state secret — the
 * OAuth client secret, which every runner has. The provider type is in the derivation.
 */
export function stateKeyFrom(type: string, stateSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', stateSecret, 'herald', `herald ${type} oauth state v1`, 32));
}

/** A fresh nonce. */
export function newNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64url');
}

function mac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`${VERSION}.${body}`).digest();
}

/** `v1.<base64url JSON>.<base64url HMAC>`. */
export function signState(key: Buffer, payload: StatePayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${VERSION}.${body}.${mac(key, body).toString('base64url')}`;
}

/** Checks a state's signature, shape and expiry (not whether it was used: see `claimNonce`). */
export function verifyState(key: Buffer, state: string, now: number = Date.now()): StateCheck {
  if (state.length > MAX_STATE_CHARS) return { ok: false, problem: 'malformed' };
  const parts = state.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, problem: 'malformed' };
  const [, body, signature] = parts as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, problem: 'bad_signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const parsed = statePayloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: 'malformed' };
  if (parsed.data.exp <= now) return { ok: false, problem: 'expired' };
  return { ok: true, payload: parsed.data };
}

/**
 * Marks a nonce used: `claimed` the first time, `replayed` ever after (KV `create`
 * is a compare-and-set on "no value yet", atomic across runners).
 */
export async function claimNonce(
  kv: KV,
  type: string,
  payload: StatePayload,
): Promise<'claimed' | 'replayed'> {
  try {
    await kv.create(
      `${noncePrefix(type)}${payload.n}`,
      JSON.stringify({ teamId: payload.t, exp: payload.exp, usedAt: new Date().toISOString() }),
    );
    return 'claimed';
  } catch (err) {
    if (/wrong last sequence|key exists/i.test(String(err))) return 'replayed';
    throw err;
  }
}

/**
 * Removes claimed nonces whose state has expired (an expired state is refused before
 * its nonce is looked at, so forgetting it cannot enable a replay). The teams bucket
 * has no per-key TTL on the NATS versions Herald supports, so callbacks tidy up.
 */
export async function purgeExpiredNonces(kv: KV, type: string, now: number = Date.now()): Promise<number> {
  let purged = 0;
  const keys: string[] = [];
  for await (const k of await kv.keys(`${noncePrefix(type)}>`)) keys.push(k);
  for (const k of keys) {
    const entry = await kv.get(k);
    if (entry?.operation !== 'PUT') continue;
    const exp = entry.json<{ exp?: unknown } | null>()?.exp;
    if (typeof exp === 'number' && exp <= now) {
      await kv.purge(k);
      purged++;
    }
  }
  return purged;
}
