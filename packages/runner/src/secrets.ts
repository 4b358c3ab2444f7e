import {
  type AnyProvider,
  type HttpRequestSpec,
  maskSecretUrl,
  type Outcome,
  SECRET_MASK,
} from '@herald/core';
import type { AttemptRecord } from './store/delivery-records.js';
import { httpUrl, maskUrlCredentials, urlCredentialValues } from './url-credentials.js';

// What an integration's secrets look like wherever they could surface: API reads
// (`maskConfig`) and the delivery log (`redactAttempt`), which covers whatever a
// destination echoes back — a token in a response header, a chat endpoint quoting its
// own webhook URL in an error body.

/**
 * Parts of a secret (a URL's path, a path segment, a password) shorter than this are not
 * searched for in free text: "/a" would be masked in every body. Whole secret values
 * are searched for whatever their length.
 */
const MIN_FRAGMENT_CHARS = 4;
/** A path segment of a secret URL this long is a token of its own (Slack's, Discord's). */
const MIN_SECRET_SEGMENT_CHARS = 16;

/** Every string value of a secret field (a field may hold a list, like signing secrets). */
function secretValues(provider: AnyProvider, config: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const field of provider.secretFields) {
    const value = config[field];
    if (typeof value === 'string' && value) out.push([field, value]);
    if (Array.isArray(value)) for (const v of value) if (typeof v === 'string' && v) out.push([field, v]);
  }
  return out;
}

function maskOne(provider: AnyProvider, field: string, value: string): string {
  return provider.maskSecret ? provider.maskSecret(field, value) : maskSecretUrl(value);
}

/**
 * A config as API reads show it: secret fields masked; in every other URL, the password
 * and credential query values masked (`https://user:****@host/hook?token=****`).
 */
export function maskConfig(provider: AnyProvider, config: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = { ...config };
  for (const [field, value] of Object.entries(config)) {
    if (provider.secretFields.includes(field)) {
      if (typeof value === 'string') masked[field] = maskOne(provider, field, value);
      else if (Array.isArray(value))
        masked[field] = value.map((v) => (typeof v === 'string' ? maskOne(provider, field, v) : v));
    } else if (typeof value === 'string') {
      masked[field] = maskUrlCredentials(value);
    }
  }
  return masked;
}

/** The forms a secret is echoed in: as is, URL-encoded, with JSON's escaped slashes. */
function spellings(value: string): string[] {
  return [value, encodeURIComponent(value), value.replaceAll('/', '\\/')];
}

/** What to search for and what to put instead; longest first, so a secret containing another goes whole. */
type Needles = Array<[needle: string, replacement: string]>;

function needlesOf(provider: AnyProvider, config: Record<string, unknown>): Needles {
  const found = new Map<string, string>();
  const add = (needle: string, replacement: string, whole: boolean) => {
    if (needle.length === 0 || (!whole && needle.length < MIN_FRAGMENT_CHARS) || found.has(needle)) return;
    found.set(needle, replacement);
  };
  for (const [field, value] of secretValues(provider, config)) {
    const mask = maskOne(provider, field, value);
    for (const s of spellings(value)) add(s, mask, true);
    const url = httpUrl(value);
    if (!url) continue;
    // The URL is the secret: so are its path and query, quoted without the host.
    const path = url.pathname.length > 1 ? url.pathname : '';
    for (const part of [path + url.search, path, url.search.slice(1)])
      for (const s of spellings(part)) add(s, SECRET_MASK, false);
    for (const segment of url.pathname.split('/'))
      if (segment.length >= MIN_SECRET_SEGMENT_CHARS) add(segment, SECRET_MASK, false);
  }
  // Credentials inside any URL of the config (a webhook's `https://user:pass@…?token=…`).
  for (const value of Object.values(config))
    if (typeof value === 'string')
      for (const credential of urlCredentialValues(value)) add(credential, SECRET_MASK, false);
  return [...found].sort((a, b) => b[0].length - a[0].length);
}

// A config object is replaced, never changed in place, when an integration is edited:
// its needles are computed once, not per attempt.
const needlesByConfig = new WeakMap<Record<string, unknown>, Needles>();

function needlesFor(provider: AnyProvider, config: Record<string, unknown>): Needles {
  let needles = needlesByConfig.get(config);
  if (!needles) {
    needles = needlesOf(provider, config);
    needlesByConfig.set(config, needles);
  }
  return needles;
}

function redactWith(needles: Needles, text: string): string {
  let out = text;
  for (const [needle, replacement] of needles)
    if (out.includes(needle)) out = out.split(needle).join(replacement);
  return out;
}

function redactHeaders(needles: Needles, headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = redactWith(needles, maskUrlCredentials(v));
  return out;
}

/** Replaces every secret of the config found in `text` (whole values, URL parts, URL credentials). */
export function redactText(provider: AnyProvider, config: Record<string, unknown>, text: string): string {
  return redactWith(needlesFor(provider, config), text);
}

/** A request as the delivery log keeps it: secrets in URL, headers and body masked. */
export function maskRequest(
  provider: AnyProvider,
  config: Record<string, unknown>,
  spec: HttpRequestSpec,
): HttpRequestSpec {
  const needles = needlesFor(provider, config);
  return {
    method: spec.method,
    url: redactWith(needles, maskUrlCredentials(spec.url)),
    headers: redactHeaders(needles, spec.headers),
    body: redactWith(needles, spec.body),
  };
}

function redactOutcome(needles: Needles, outcome: Outcome): Outcome {
  return outcome.kind === 'success' ? outcome : { ...outcome, reason: redactWith(needles, outcome.reason) };
}

/**
 * An attempt as it may be kept and shown: every secret of the integration masked in the
 * request, the response's headers and body, the error and the outcome's reason (which
 * health shows as the last error). Applied once, before anything is written.
 */
export function redactAttempt<R extends { outcome: Outcome; record: AttemptRecord }>(
  provider: AnyProvider,
  config: Record<string, unknown>,
  result: R,
): R {
  const needles = needlesFor(provider, config);
  const { record } = result;
  const text = (value: string | null) => (value === null ? null : redactWith(needles, value));
  return {
    ...result,
    outcome: redactOutcome(needles, result.outcome),
    record: {
      ...record,
      request: maskRequest(provider, config, record.request),
      response: record.response && {
        ...record.response,
        headers: redactHeaders(needles, record.response.headers),
        body: redactWith(needles, record.response.body),
      },
      error: text(record.error),
      reason: text(record.reason),
    },
  };
}
