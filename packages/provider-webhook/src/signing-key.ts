import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { WebhookConfigError } from './receiver-errors.js';

// Standard Webhooks' asymmetric scheme (`v1a`): a standard ed25519 key pair, "base64 encoded,
// prefixed with whsk_ for the secret key, and whpk_ for the public key".
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
// node:crypto alone: this module is part of `@herald/provider-webhook/verify`.

/** Prefix of an ed25519 private (secret) key, which Herald keeps and never shows. */
export const SIGNING_KEY_PREFIX = 'whsk_';
/** Prefix of an ed25519 public key: what a receiver verifies `v1a` signatures with. */
export const PUBLIC_KEY_PREFIX = 'whpk_';
/** An ed25519 public key and private seed (RFC 8032) are 32 bytes each. */
export const ED25519_KEY_BYTES = 32;
/** libsodium's secret key form: the 32-byte seed followed by the 32-byte public key. */
const SODIUM_SECRET_KEY_BYTES = 64;
/** Same bound as for HMAC secrets: a current key, the one being rotated out, and slack. */
export const MAX_SIGNING_KEYS = 5;

// DER headers that turn 32 raw bytes into the PKCS#8 / SPKI forms node:crypto imports
// (RFC 8410: OID 1.3.101.112, id-Ed25519).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Standard, padded base64, as for `whsec_` secrets (see signing-secret.ts).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bytesAfter(prefix: string, value: string, sizes: readonly number[], what: string) {
  if (!value.startsWith(prefix)) return { problem: `must start with ${prefix} (${what})` };
  const encoded = value.slice(prefix.length);
  if (encoded === '' || !BASE64.test(encoded)) {
    return { problem: `must be ${prefix} followed by standard, padded base64` };
  }
  const bytes = Buffer.from(encoded, 'base64');
  if (!sizes.includes(bytes.length)) {
    return { problem: `must decode to ${sizes.join(' or ')} bytes (it decodes to ${bytes.length})` };
  }
  return { bytes };
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
}

function parsePrivateKey(value: string): { key?: KeyObject; problem?: string } {
  const hint = value.startsWith(PUBLIC_KEY_PREFIX)
    ? 'the private key; a whpk_ public key cannot sign'
    : 'the private key';
  const { bytes, problem } = bytesAfter(
    SIGNING_KEY_PREFIX,
    value,
    [ED25519_KEY_BYTES, SODIUM_SECRET_KEY_BYTES],
    hint,
  );
  if (!bytes) return { problem };
  const seed = bytes.subarray(0, ED25519_KEY_BYTES);
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  if (
    bytes.length === SODIUM_SECRET_KEY_BYTES &&
    !rawPublicKey(createPublicKey(key)).equals(bytes.subarray(ED25519_KEY_BYTES))
  ) {
    return { problem: 'is a 64-byte seed + public key whose halves do not belong together' };
  }
  return { key };
}

/** What is wrong with a `whsk_` private key, in words that never include it; undefined when fine. */
export function signingKeyProblem(value: string): string | undefined {
  return parsePrivateKey(value).problem;
}

/** What is wrong with a `whpk_` public key; undefined when fine. */
export function publicKeyProblem(value: string): string | undefined {
  const hint = value.startsWith(SIGNING_KEY_PREFIX)
    ? 'the public key; never give a receiver the whsk_ private key'
    : 'the public key';
  return bytesAfter(PUBLIC_KEY_PREFIX, value, [ED25519_KEY_BYTES], hint).problem;
}

/** The key object of a `whsk_` private key (32-byte seed, or libsodium's 64 bytes). Throws `WebhookConfigError`. */
export function decodeSigningKey(value: string): KeyObject {
  const { key, problem } = parsePrivateKey(value);
  if (!key) throw new WebhookConfigError('invalid_signing_key', `signing key ${problem}`);
  return key;
}

/** The key object of a `whpk_` public key. Throws `WebhookConfigError`, never echoing the key. */
export function decodePublicKey(value: string): KeyObject {
  const problem = publicKeyProblem(value);
  if (problem !== undefined) throw new WebhookConfigError('invalid_public_key', `public key ${problem}`);
  const raw = Buffer.from(value.slice(PUBLIC_KEY_PREFIX.length), 'base64');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The `whpk_` public key of a `whsk_` private key. */
export function publicKeyOf(signingKey: string): string {
  return `${PUBLIC_KEY_PREFIX}${rawPublicKey(createPublicKey(decodeSigningKey(signingKey))).toString('base64')}`;
}

/** A new random ed25519 key pair, `whsk_` (32-byte seed) and `whpk_`. */
export function generateSigningKey(): { signingKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  return {
    signingKey: `${SIGNING_KEY_PREFIX}${seed.toString('base64')}`,
    publicKey: `${PUBLIC_KEY_PREFIX}${rawPublicKey(publicKey).toString('base64')}`,
  };
}
