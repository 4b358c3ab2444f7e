import { describe, expect, it } from 'vitest';
import { interpretWebhook } from '../src/index.js';

const answer = (status: number, headers: Record<string, string> = {}, body = '') =>
  interpretWebhook({ status, headers, body });

describe('webhook interpret — outcome table', () => {
  it.each([200, 201, 202, 204, 299])('HTTP %s succeeds', (status) => {
    expect(answer(status)).toEqual({ kind: 'success' });
  });

  it('HTTP 429 is rate-limited for its Retry-After, in seconds or as a date', () => {
    expect(answer(429, { 'retry-after': '30' })).toMatchObject({ kind: 'rateLimited', afterMs: 30_000 });
    const date = new Date(Date.now() + 60_000).toUTCString();
    const outcome = answer(429, { 'retry-after': date });
    expect(outcome.kind).toBe('rateLimited');
    expect(outcome.kind === 'rateLimited' && outcome.afterMs).toBeGreaterThan(55_000);
  });

  it('HTTP 429 without Retry-After waits the default 5 s', () => {
    expect(answer(429)).toMatchObject({ kind: 'rateLimited', afterMs: 5_000 });
  });

  it('HTTP 410 fails and disables the integration', () => {
    expect(answer(410)).toEqual({
      kind: 'fail',
      reason: 'HTTP 410 Gone: the endpoint no longer wants webhooks',
      disable: true,
    });
  });

  it.each([502, 503, 504])('HTTP %s is retried, honouring Retry-After', (status) => {
    expect(answer(status)).toEqual({ kind: 'retry', reason: `HTTP ${status} (serverError)` });
    expect(answer(status, { 'retry-after': '120' })).toEqual({
      kind: 'retry',
      reason: `HTTP ${status} (serverError)`,
      afterMs: 120_000,
    });
  });

  it.each([400, 401, 403, 404, 405, 408, 409, 413, 422, 500])(
    'HTTP %s is a failure that is retried (the seed: "resent a limited number of times")',
    (status) => {
      expect(answer(status)).toMatchObject({
        kind: 'retry',
        reason: expect.stringContaining(`HTTP ${status}`),
      });
    },
  );

  it.each([301, 302, 303, 307, 308])(
    'HTTP %s is a failure (redirects are not followed), retried',
    (status) => {
      expect(answer(status, { location: 'https://elsewhere.example.com/' })).toEqual({
        kind: 'retry',
        reason: `HTTP ${status}: redirects are not followed; point the integration at the final URL`,
      });
    },
  );

  it('keeps what the endpoint echoed out of the reason', () => {
    const outcome = answer(401, { 'x-echo': 'tok_secret' }, 'bad token tok_secret');
    expect(JSON.stringify(outcome)).not.toContain('tok_secret');
  });
});
