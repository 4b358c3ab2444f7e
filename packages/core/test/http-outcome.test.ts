import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE_LIMIT_WAIT_MS,
  DEFAULT_REASON_SUFFIXES,
  type HttpResponseInfo,
  interpretHttp,
  retryOutcome,
} from '../src/index.js';

const answer = (status: number, headers: Record<string, string> = {}, body = ''): HttpResponseInfo => ({
  status,
  headers,
  body,
});

describe('interpretHttp — the default reading', () => {
  it.each([
    [200, { kind: 'success' }],
    [204, { kind: 'success' }],
    [429, { kind: 'rateLimited', reason: 'HTTP 429', afterMs: DEFAULT_RATE_LIMIT_WAIT_MS }],
    [410, { kind: 'fail', reason: 'HTTP 410 Gone: the endpoint no longer exists', disable: true }],
    [408, { kind: 'retry', reason: 'HTTP 408' }],
    [503, { kind: 'retry', reason: 'HTTP 503' }],
    [301, { kind: 'fail', reason: 'HTTP 301: redirects are not followed', disable: false }],
    [401, { kind: 'fail', reason: 'HTTP 401', disable: false }],
    [404, { kind: 'fail', reason: 'HTTP 404', disable: false }],
  ])('HTTP %i → %o', (status, outcome) => {
    expect(interpretHttp(answer(status))).toEqual(outcome);
  });

  it('honours Retry-After on a 429 and on a retried failure', () => {
    expect(interpretHttp(answer(429, { 'retry-after': '3' }))).toMatchObject({ afterMs: 3_000 });
    expect(interpretHttp(answer(502, { 'retry-after': '120' }))).toEqual({
      kind: 'retry',
      reason: 'HTTP 502',
      afterMs: 120_000,
    });
  });
});

describe('interpretHttp — what a provider parameterises', () => {
  it('starts reasons with its label, continues them with its suffixes, and appends its details', () => {
    const reading = {
      label: (_: HttpResponseInfo, status: number) => `Acme answered ${status}`,
      suffixes: { ...DEFAULT_REASON_SUFFIXES, 413: ': too large', clientError: ': refused' },
      details: ({ body }: HttpResponseInfo) => body || undefined,
    };
    expect(interpretHttp(answer(413, {}, 'limit 1 MB'), reading)).toMatchObject({
      reason: 'Acme answered 413: too large: limit 1 MB',
    });
    expect(interpretHttp(answer(400), reading)).toMatchObject({ reason: 'Acme answered 400: refused' });
    expect(interpretHttp(answer(302), reading)).toMatchObject({
      reason: 'Acme answered 302: redirects are not followed',
    });
  });

  it('disables on its disable codes only, and retries its retry codes', () => {
    const reading = { disableCodes: [404], retryCodes: [409] };
    expect(interpretHttp(answer(404), reading)).toMatchObject({ kind: 'fail', disable: true });
    expect(interpretHttp(answer(410), reading)).toMatchObject({ kind: 'fail', disable: false });
    expect(interpretHttp(answer(409), reading)).toEqual({ kind: 'retry', reason: 'HTTP 409' });
  });

  it("retries every failure but a disabling one with retryCodes: 'all'", () => {
    for (const status of [301, 400, 401, 404, 408, 500]) {
      expect(interpretHttp(answer(status), { retryCodes: 'all' }).kind).toBe('retry');
    }
    expect(interpretHttp(answer(410), { retryCodes: 'all' })).toMatchObject({ kind: 'fail', disable: true });
  });

  it('fails a 2xx that did not deliver, with the success suffix', () => {
    const reading = {
      delivered: ({ body }: HttpResponseInfo) => body === 'ok',
      suffixes: { success: ': no ok' },
    };
    expect(interpretHttp(answer(200, {}, 'ok'), reading)).toEqual({ kind: 'success' });
    expect(interpretHttp(answer(200, {}, 'hm'), reading)).toEqual({
      kind: 'fail',
      reason: 'HTTP 200: no ok',
      disable: false,
    });
  });

  it("words a 429 its way and reads the destination's wait, else its default", () => {
    const reading = {
      rateLimitReason: ({ headers }: HttpResponseInfo) => `slow down (${headers.scope})`,
      rateLimitWaitMs: ({ headers }: HttpResponseInfo) =>
        headers['x-wait-ms'] === undefined ? undefined : Number(headers['x-wait-ms']),
      defaultRateLimitWaitMs: 15_000,
    };
    expect(interpretHttp(answer(429, { scope: 'global', 'x-wait-ms': '750' }), reading)).toEqual({
      kind: 'rateLimited',
      reason: 'slow down (global)',
      afterMs: 750,
    });
    expect(interpretHttp(answer(429, { 'retry-after': '3' }), reading)).toMatchObject({ afterMs: 15_000 });
  });

  it('reads a status wrapped in another answer, with the Retry-After of the answer', () => {
    const outer = answer(200, { 'retry-after': '30' });
    expect(interpretHttp(outer, {}, 429)).toMatchObject({ kind: 'rateLimited', afterMs: 30_000 });
    expect(interpretHttp(outer, {}, 503)).toEqual({ kind: 'retry', reason: 'HTTP 503', afterMs: 30_000 });
  });
});

describe('retryOutcome', () => {
  it('carries a readable Retry-After and nothing else', () => {
    expect(retryOutcome('flaky', answer(200, { 'retry-after': '2' }))).toEqual({
      kind: 'retry',
      reason: 'flaky',
      afterMs: 2_000,
    });
    expect(retryOutcome('flaky', answer(200, { 'retry-after': 'soon' }))).toEqual({
      kind: 'retry',
      reason: 'flaky',
    });
  });
});
