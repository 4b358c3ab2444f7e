import type { HttpResponseInfo, Outcome } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_WAIT_MS, interpretDiscord } from '../src/index.js';

function answer(status: number, body: unknown = '', headers: Record<string, string> = {}): HttpResponseInfo {
  return { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

const limited = (body: unknown, headers: Record<string, string> = {}) =>
  interpretDiscord(answer(429, body, headers)) as Extract<Outcome, { kind: 'rateLimited' }>;

describe('discord interpret — rate limits', () => {
  it('waits the float retry_after of the body, to the millisecond', () => {
    const outcome = limited({ message: 'You are being rate limited.', retry_after: 1.234, global: false });
    expect(outcome).toEqual({ kind: 'rateLimited', reason: 'Discord rate limit', afterMs: 1234 });
  });

  it('prefers the body over the rounded-up Retry-After header', () => {
    const outcome = limited({ retry_after: 64.57, global: false }, { 'retry-after': '65' });
    expect(outcome.afterMs).toBe(64_570);
  });

  it('falls back to Retry-After when the body is not Discord JSON (e.g. a Cloudflare page)', () => {
    expect(limited('<html>slow down</html>', { 'retry-after': '3' }).afterMs).toBe(3_000);
  });

  it('falls back to X-RateLimit-Reset-After when nothing else names a wait', () => {
    expect(limited('', { 'x-ratelimit-reset-after': '0.75' }).afterMs).toBe(750);
  });

  it('waits a default when a 429 names no wait at all', () => {
    expect(limited('').afterMs).toBe(DEFAULT_RATE_LIMIT_WAIT_MS);
  });

  it('ignores a negative or non-numeric retry_after', () => {
    expect(limited({ retry_after: -1 }, { 'retry-after': '2' }).afterMs).toBe(2_000);
    expect(limited({ retry_after: 'soon' }, { 'retry-after': '2' }).afterMs).toBe(2_000);
  });

  it('says when the limit is global or shared', () => {
    expect(limited({ retry_after: 1, global: true }).reason).toBe('Discord rate limit (global)');
    expect(limited({ retry_after: 1 }, { 'x-ratelimit-scope': 'shared' }).reason).toBe(
      'Discord rate limit (shared)',
    );
  });
});

describe('discord interpret — answers', () => {
  it.each([200, 204])('HTTP %i is a success', (status) => {
    expect(interpretDiscord(answer(status, status === 200 ? { id: '1' } : ''))).toEqual({ kind: 'success' });
  });

  it('disables on 404 Unknown Webhook (a deleted webhook)', () => {
    expect(interpretDiscord(answer(404, { message: 'Unknown Webhook', code: 10015 }))).toEqual({
      kind: 'fail',
      reason: 'Discord webhook was deleted (HTTP 404): Unknown Webhook (code 10015)',
      disable: true,
    });
  });

  it('disables on any 404: Discord asks not to use such a webhook again', () => {
    expect(interpretDiscord(answer(404, '404: Not Found'))).toEqual({
      kind: 'fail',
      reason: 'Discord webhook not found (HTTP 404)',
      disable: true,
    });
  });

  it('disables on 401 Invalid Webhook Token', () => {
    expect(interpretDiscord(answer(401, { message: 'Invalid Webhook Token', code: 50027 }))).toEqual({
      kind: 'fail',
      reason: 'Discord webhook token is invalid (HTTP 401): Invalid Webhook Token (code 50027)',
      disable: true,
    });
  });

  it('disables on any 401: a webhook URL that Discord refuses will not start working', () => {
    expect(interpretDiscord(answer(401, { message: '401: Unauthorized', code: 0 }))).toEqual({
      kind: 'fail',
      reason: 'Discord refused the webhook URL (HTTP 401): 401: Unauthorized (code 0)',
      disable: true,
    });
  });

  it('fails a 400 with Discord message, code and the first field error, without disabling', () => {
    const body = {
      message: 'Invalid Form Body',
      code: 50035,
      errors: {
        embeds: {
          '0': {
            description: {
              _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 4096 or fewer in length.' }],
            },
          },
        },
      },
    };
    expect(interpretDiscord(answer(400, body))).toEqual({
      kind: 'fail',
      reason:
        'Discord refused the message (HTTP 400): Invalid Form Body (code 50035; embeds.0.description: Must be 4096 or fewer in length.)',
      disable: false,
    });
  });

  it('fails a 403 without disabling, with Discord words', () => {
    expect(interpretDiscord(answer(403, { message: 'Missing Access', code: 50001 }))).toEqual({
      kind: 'fail',
      reason: 'Discord answered HTTP 403: Missing Access (code 50001)',
      disable: false,
    });
  });

  it.each([500, 502, 503, 504, 408])('retries HTTP %i', (status) => {
    expect(interpretDiscord(answer(status))).toEqual({
      kind: 'retry',
      reason: `Discord answered HTTP ${status}`,
    });
  });

  it('honours Retry-After on a 5xx', () => {
    expect(interpretDiscord(answer(503, '', { 'retry-after': '120' }))).toMatchObject({
      kind: 'retry',
      afterMs: 120_000,
    });
  });

  it('fails a redirect, which the runner does not follow', () => {
    expect(interpretDiscord(answer(301))).toMatchObject({ kind: 'fail', disable: false });
  });

  it('never repeats a webhook token found in Discord words, and caps them', () => {
    const token = 'aBcD-eFgH_1234567890';
    const outcome = interpretDiscord(
      answer(400, {
        message: `bad https://discord.com/api/webhooks/42/${token} ${'x'.repeat(1_000)}`,
        code: 0,
      }),
    );
    expect(outcome.kind).toBe('fail');
    const reason = (outcome as Extract<Outcome, { kind: 'fail' }>).reason;
    expect(reason).not.toContain(token);
    expect(reason).toContain('webhooks/42/****');
    expect(reason.length).toBeLessThan(400);
  });
});
