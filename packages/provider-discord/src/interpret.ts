import {
  type HttpReading,
  type HttpResponseInfo,
  interpretHttp,
  type Outcome,
  parseRetryAfter,
} from '@herald/core';

// Discord's JSON error codes we read.
// https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
export const DISCORD_UNKNOWN_WEBHOOK_CODE = 10015;
export const DISCORD_INVALID_WEBHOOK_TOKEN_CODE = 50027;

/** A 429 that names no wait at all (e.g. an HTML page from Cloudflare) waits core's default. */
export { DEFAULT_RATE_LIMIT_WAIT_MS } from '@herald/core';
/** Discord's own words in a reason are capped; the delivery log keeps the whole body. */
export const MAX_DETAIL_CHARS = 300;

/** The parts of Discord's error and rate-limit bodies we read. */
interface DiscordErrorBody {
  message?: string;
  code?: number;
  retry_after?: number;
  global?: boolean;
  errors?: unknown;
}

function parseBody(body: string): DiscordErrorBody {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' ? (parsed as DiscordErrorBody) : {};
  } catch {
    return {};
  }
}

/** The first leaf of Discord's nested `errors` object, e.g. `embeds.0.description: Must be 4096 or fewer in length.` */
function firstFieldError(errors: unknown, path: string[] = []): string | undefined {
  if (errors === null || typeof errors !== 'object') return undefined;
  const node = errors as { _errors?: Array<{ message?: unknown }> };
  const message = node._errors?.[0]?.message;
  if (typeof message === 'string') return `${path.join('.')}: ${message}`;
  for (const [key, child] of Object.entries(errors)) {
    const found = firstFieldError(child, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

// Discord never echoes the webhook URL, but its words go to logs and the dashboard:
// strip anything shaped like a webhook token all the same.
function redactTokens(text: string): string {
  return text.replace(/(webhooks\/[^/\s]+\/)[^/\s?"']+/g, '$1****');
}

/** Discord's words, e.g. `Invalid Form Body (code 50035; embeds.0.title: …)`: capped, with no secret. */
function detailOf(body: DiscordErrorBody): string | undefined {
  const extra = [
    typeof body.code === 'number' ? `code ${body.code}` : undefined,
    firstFieldError(body.errors),
  ]
    .filter((part) => part !== undefined)
    .join('; ');
  const said = [typeof body.message === 'string' ? body.message : '', extra ? `(${extra})` : '']
    .filter((part) => part !== '')
    .join(' ');
  return said === '' ? undefined : redactTokens(said).slice(0, MAX_DETAIL_CHARS);
}

function seconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
  // Round to the microsecond first so 1.234 s is 1234 ms, not 1235 after float noise;
  // then up, so we never come back a fraction too early.
  return Math.ceil(Math.round(n * 1e6) / 1e3);
}

/**
 * How long a 429 asks us to wait: the body's `retry_after` (float seconds, the most
 * precise), else `Retry-After`, else `X-RateLimit-Reset-After`.
 * https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit
 */
export function rateLimitWaitMs(response: HttpResponseInfo): number | undefined {
  return (
    seconds(parseBody(response.body).retry_after) ??
    parseRetryAfter(response.headers['retry-after']) ??
    seconds(response.headers['x-ratelimit-reset-after'])
  );
}

/** How a failure's reason starts: what a 404, 401 or 400 means for a webhook, else the status. */
function headlineOf(status: number, { code }: DiscordErrorBody): string {
  if (status === 404) {
    return code === DISCORD_UNKNOWN_WEBHOOK_CODE
      ? 'Discord webhook was deleted (HTTP 404)'
      : 'Discord webhook not found (HTTP 404)';
  }
  if (status === 401) {
    return code === DISCORD_INVALID_WEBHOOK_TOKEN_CODE
      ? 'Discord webhook token is invalid (HTTP 401)'
      : 'Discord refused the webhook URL (HTTP 401)';
  }
  if (status === 400) return 'Discord refused the message (HTTP 400)';
  // 403, 5xx, 408, 410, redirects and the rest read as any HTTP answer, with Discord's words.
  return `Discord answered HTTP ${status}`;
}

const DISCORD_READING: HttpReading = {
  label: ({ body }, status) => headlineOf(status, parseBody(body)),
  details: ({ body }) => detailOf(parseBody(body)),
  // "If a webhook returns a 404 status you should not attempt to use it again": deleted
  // webhooks answer 404 with code 10015, and retrying risks a temporary ban.
  // https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans
  // A webhook needs no Authorization header, so a 401 means the token in the URL is wrong
  // (code 50027, e.g. the webhook's URL was reset); the same URL will never work.
  disableCodes: [401, 404, 410],
  rateLimitReason: ({ body, headers }) => {
    const scope = parseBody(body).global === true ? 'global' : headers['x-ratelimit-scope'];
    return `Discord rate limit${scope ? ` (${scope})` : ''}`;
  },
  rateLimitWaitMs,
};

/** Reads Discord's answer to Execute Webhook (sent with `wait=true`). */
export function interpretDiscord(response: HttpResponseInfo): Outcome {
  return interpretHttp(response, DISCORD_READING);
}
