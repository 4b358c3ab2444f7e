import { SECRET_MASK } from '@herald/core';

// Credentials a URL carries: user info (`https://user:pass@host/`) and query parameters
// named like credentials (`?token=…`, `?sig=…`). The sender turns user info into HTTP
// Basic auth (undici would drop it silently); reads, logs and the delivery log mask both.

/** Query parameter names whose values are credentials (compared lower-cased). */
const CREDENTIAL_PARAMS = new Set([
  'token',
  'key',
  'secret',
  'sig',
  'signature',
  'password',
  'passwd',
  'pwd',
  'auth',
  'access_token',
  'apikey',
  'api_key',
  'api-key',
  'client_secret',
  'code',
]);
/** …and any name ending like one: `auth_token`, `x-api-key`, `hub.secret`. */
const CREDENTIAL_SUFFIX = /[-_.](?:token|key|secret|sig|signature|password|auth)$/;

/** True when a query parameter of this name holds a credential. */
export function isCredentialParam(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_PARAMS.has(lower) || CREDENTIAL_SUFFIX.test(lower);
}

/** An http(s) URL, or null for anything else (cheap for the common non-URL string). */
export function httpUrl(value: string): URL | null {
  if (!/^https?:\/\//i.test(value)) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** False when a string cannot hold URL credentials: user info needs an `@`, a query a `?`. */
function mayHoldCredentials(value: string): boolean {
  return value.includes('@') || value.includes('?');
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A query string's `name=value` pairs as written (not re-encoded). */
function queryPairs(search: string): Array<{ raw: string; name: string; value: string }> {
  if (search.length <= 1) return [];
  return search
    .slice(1)
    .split('&')
    .map((raw) => {
      const eq = raw.indexOf('=');
      return eq < 0
        ? { raw, name: decoded(raw), value: '' }
        : { raw, name: decoded(raw.slice(0, eq)), value: raw.slice(eq + 1) };
    });
}

/** The `authorization` header an URL's user info stands for, or null when it has none. */
export function basicAuthorization(url: URL): string | null {
  if (url.username === '' && url.password === '') return null;
  const pair = `${decoded(url.username)}:${decoded(url.password)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

/**
 * The URL as reads and logs show it: password and credential query values replaced by
 * `****`. Anything else (no credentials, not an http(s) URL) comes back unchanged.
 */
export function maskUrlCredentials(value: string): string {
  // Every attempt's URL comes through here: most carry neither user info nor a query.
  if (!mayHoldCredentials(value)) return value;
  const url = httpUrl(value);
  if (!url) return value;
  const pairs = queryPairs(url.search);
  const masksQuery = pairs.some((p) => p.value !== '' && isCredentialParam(p.name));
  if (url.password === '' && !masksQuery) return value;
  if (url.password !== '') url.password = SECRET_MASK;
  if (masksQuery)
    url.search = pairs
      .map((p) =>
        p.value !== '' && isCredentialParam(p.name) ? `${p.raw.split('=')[0]}=${SECRET_MASK}` : p.raw,
      )
      .join('&');
  return url.href;
}

/**
 * The secret strings inside a URL, to find wherever they are echoed: the password (as
 * written and decoded), the Basic credential made of the user info, and credential query
 * values (as written and decoded). Empty for a URL without credentials.
 */
export function urlCredentialValues(value: string): string[] {
  if (!mayHoldCredentials(value)) return [];
  const url = httpUrl(value);
  if (!url) return [];
  const out: string[] = [];
  if (url.password !== '') {
    out.push(url.password, decoded(url.password));
    out.push(basicAuthorization(url)!.slice('Basic '.length));
  }
  for (const p of queryPairs(url.search))
    if (p.value !== '' && isCredentialParam(p.name)) out.push(p.value, decoded(p.value));
  return out;
}
