import { createHash, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import {
  DEFAULT_HEADER_PREFIX,
  decodeHeaderValue,
  headerNamesFor,
  isValidHeaderPrefix,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './header-names.js';
import { WebhookConfigError, WebhookVerificationError } from './receiver-errors.js';
import {
  ASYMMETRIC_SIGNATURE_VERSION,
  SIGNATURE_VERSION,
  type SignedContent,
  signatureOf,
  signedBytes,
} from './sign.js';
import { decodePublicKey } from './signing-key.js';
import { decodeSigningSecret } from './signing-secret.js';
import { parseBody } from './verify-body.js';

// Imports node:crypto and sibling modules alone: this is `@herald/provider-webhook/verify`'s
// code (test/verify-subpath.test.ts fails on any other import).

/** How far `webhook-timestamp` may be from the receiver's clock, either way (the reference libraries' 5 min). */
export const DEFAULT_TOLERANCE_SECONDS = 300;
const MS_PER_SECOND = 1000;
// Unix seconds as digits only: `parseInt` would accept `12abc`, which was not what was signed.
const UNIX_SECONDS = /^\d{1,12}$/;

/** Request headers as a receiver has them: a fetch `Headers`, or a plain object in any case (node:http's included). */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

/** The request to verify: its headers and the raw body, byte for byte as received. */
export interface WebhookRequest {
  headers: WebhookHeaders;
  /** The raw body. Never a re-serialised `JSON.parse` result: signatures cover the exact bytes. */
  body: string | Uint8Array;
}

/** What the receiver knows; at least one of `token`, `secrets` and `publicKeys`. */
export interface VerifyWebhookOptions {
  /** The integration's plain token, compared with the token header. */
  token?: string;
  /** Signing secrets (`whsec_…`); a signature made with any of them is accepted. */
  secrets?: string | readonly string[];
  /** ed25519 public keys (`whpk_…`) for `v1a` signatures; a signature made with the private key of any of them is accepted. */
  publicKeys?: string | readonly string[];
  /** Accepted clock difference, both directions; default 300. */
  toleranceSeconds?: number;
  /** Herald's `HERALD_HEADER_PREFIX`; default `X-Herald`. */
  headerPrefix?: string;
  /** The receiver's clock, for tests; default `Date.now()`. */
  now?: Date | number;
  /**
   * The integration has a body template: its JSON is the receiver's own shape, not
   * `{event, data}`. Then `event` comes from the event-type header and the body is `body`.
   */
  templated?: boolean;
}

/** A verified webhook: the parsed body plus Herald's ids. */
export interface VerifiedWebhook {
  /** `webhook-id`: the same on every attempt of a delivery, so use it to deduplicate. */
  id: string | undefined;
  /** `webhook-timestamp` in unix seconds, when sent. */
  timestamp: number | undefined;
  /** The event id from the identity headers, when sent. */
  eventId: string | undefined;
  event: string;
  /** The body's `data`; with `templated`, the body itself when it is an object (else `{}`). */
  data: Record<string, unknown>;
  /** The parsed JSON body, whatever its shape. */
  body: unknown;
}

/** Reads one header by name, whatever the container and the case. */
function headerReader(headers: WebhookHeaders): (name: string) => string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (name) => (headers as Headers).get(name) ?? undefined;
  }
  const lower = new Map<string, string>();
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string') lower.set(key.toLowerCase(), value);
    else if (Array.isArray(value)) lower.set(key.toLowerCase(), value.join(', '));
  }
  return (name) => lower.get(name.toLowerCase());
}

/** Constant-time equality of two strings of any lengths (compares their SHA-256 digests). */
function sameSecret(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Constant-time equality of two base64 signatures (equal lengths are compared in constant time). */
function sameSignature(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The signatures of one version in a `webhook-signature` value (space-separated; merged duplicates add `, `). */
function signaturesOf(header: string, version: string): string[] {
  return header
    .split(/\s+/)
    .map((part) => part.replace(/,+$/, ''))
    .filter((part) => part.startsWith(`${version},`))
    .map((part) => part.slice(version.length + 1));
}

/** The keys a receiver verifies with: HMAC secrets' bytes (`v1`) and ed25519 public keys (`v1a`). */
interface VerificationKeys {
  secrets: Buffer[];
  publicKeys: KeyObject[];
}

/** Whether one of the received signatures is valid under one of the keys. */
function anySignatureMatches(header: string, content: SignedContent, keys: VerificationKeys): boolean {
  if (keys.secrets.length > 0) {
    const received = signaturesOf(header, SIGNATURE_VERSION);
    const expected = keys.secrets.map((key) => signatureOf(key, content));
    if (received.some((r) => expected.some((e) => sameSignature(r, e)))) return true;
  }
  if (keys.publicKeys.length > 0) {
    const message = signedBytes(content);
    for (const signature of signaturesOf(header, ASYMMETRIC_SIGNATURE_VERSION)) {
      const bytes = Buffer.from(signature, 'base64');
      if (keys.publicKeys.some((key) => verify(null, message, key, bytes))) return true;
    }
  }
  return false;
}

function checkToken(read: (name: string) => string | undefined, token: string, tokenHeader: string): void {
  const received = read(tokenHeader);
  if (received === undefined || received === '') {
    throw new WebhookVerificationError('missing_token', `the ${tokenHeader} header is missing`);
  }
  if (!sameSecret(received, token)) {
    throw new WebhookVerificationError('bad_token', `the ${tokenHeader} header does not match the token`);
  }
}

function checkSignature(
  read: (name: string) => string | undefined,
  body: string | Uint8Array,
  keys: VerificationKeys,
  toleranceSeconds: number,
  nowMs: number,
): { id: string; timestamp: number } {
  const id = read(WEBHOOK_ID_HEADER);
  if (!id) throw new WebhookVerificationError('missing_id', `the ${WEBHOOK_ID_HEADER} header is missing`);
  const rawTimestamp = read(WEBHOOK_TIMESTAMP_HEADER);
  if (!rawTimestamp) {
    throw new WebhookVerificationError(
      'missing_timestamp',
      `the ${WEBHOOK_TIMESTAMP_HEADER} header is missing`,
    );
  }
  if (!UNIX_SECONDS.test(rawTimestamp)) {
    throw new WebhookVerificationError('bad_timestamp', `${WEBHOOK_TIMESTAMP_HEADER} must be unix seconds`);
  }
  const header = read(WEBHOOK_SIGNATURE_HEADER) ?? '';
  // Only the versions the receiver has keys for count: a `v1a` entry is no signature to
  // a receiver holding HMAC secrets alone.
  const versions = [
    ...(keys.secrets.length > 0 ? [SIGNATURE_VERSION] : []),
    ...(keys.publicKeys.length > 0 ? [ASYMMETRIC_SIGNATURE_VERSION] : []),
  ];
  if (versions.every((version) => signaturesOf(header, version).length === 0)) {
    throw new WebhookVerificationError(
      'missing_signature',
      `no ${versions.join(' or ')} signature in ${WEBHOOK_SIGNATURE_HEADER}`,
    );
  }
  if (!anySignatureMatches(header, { id, timestamp: rawTimestamp, body }, keys)) {
    throw new WebhookVerificationError('bad_signature', 'no signature matches the body and the keys');
  }
  // Checked after the signature, so a timestamp error means a genuine but stale (or
  // replayed) request, or a clock that is off: worth telling apart from a forgery.
  const timestamp = Number(rawTimestamp);
  const skewSeconds = Math.floor(nowMs / MS_PER_SECOND) - timestamp;
  if (skewSeconds > toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_old', `the request was signed ${skewSeconds}s ago`);
  }
  if (-skewSeconds > toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_in_future', `the request is dated ${-skewSeconds}s ahead`);
  }
  return { id, timestamp };
}

function listOf(value: string | readonly string[] | undefined): readonly string[] {
  return typeof value === 'string' ? [value] : (value ?? []);
}

/**
 * Verifies a Herald webhook on the receiving side: the token header (constant time),
 * the Standard Webhooks signatures (`v1` against every secret, `v1a` against every public
 * key), and the timestamp's freshness.
 * Throws `WebhookVerificationError` (a request to refuse with 401) or
 * `WebhookConfigError` (the options are wrong).
 */
export function verifyWebhook(request: WebhookRequest, options: VerifyWebhookOptions): VerifiedWebhook {
  const secrets = listOf(options.secrets);
  const publicKeys = listOf(options.publicKeys);
  if (options.token === undefined && secrets.length === 0 && publicKeys.length === 0) {
    throw new WebhookConfigError(
      'no_credentials',
      'verifyWebhook needs a token, signing secrets or public keys (or several)',
    );
  }
  if (options.token === '') throw new WebhookConfigError('no_credentials', 'the token must not be empty');
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new WebhookConfigError('invalid_tolerance', 'toleranceSeconds must be a finite number ≥ 0');
  }
  const prefix = options.headerPrefix ?? DEFAULT_HEADER_PREFIX;
  if (!isValidHeaderPrefix(prefix)) {
    throw new WebhookConfigError(
      'invalid_header_prefix',
      `header prefix ${JSON.stringify(prefix)} is not valid`,
    );
  }
  const keys = { secrets: secrets.map(decodeSigningSecret), publicKeys: publicKeys.map(decodePublicKey) };
  const signing = keys.secrets.length + keys.publicKeys.length > 0;
  const names = headerNamesFor(prefix);
  const read = headerReader(request.headers);
  const nowMs = options.now === undefined ? Date.now() : Number(options.now);

  if (options.token !== undefined) checkToken(read, options.token, names.integrationToken);
  const signed = signing ? checkSignature(read, request.body, keys, toleranceSeconds, nowMs) : undefined;
  // Without a signature the id and timestamp are only informative (nothing vouches for them).
  const rawTimestamp = read(WEBHOOK_TIMESTAMP_HEADER);
  const eventId = read(names.eventId);
  const eventType = read(names.eventType);
  const templatedType = options.templated ? decodeHeaderValue(eventType ?? '') : null;
  return {
    id: signed?.id ?? read(WEBHOOK_ID_HEADER),
    timestamp:
      signed?.timestamp ??
      (rawTimestamp !== undefined && UNIX_SECONDS.test(rawTimestamp) ? Number(rawTimestamp) : undefined),
    eventId: eventId === undefined ? undefined : decodeHeaderValue(eventId),
    ...parseBody(request.body, templatedType),
  };
}
