import type { HttpResponseInfo, Outcome } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { interpretSlack, slackErrorCode } from '../src/index.js';
import { WEBHOOK_TOKEN, WEBHOOK_URL } from './fixtures.js';

const answer = (status: number, body: string, headers: Record<string, string> = {}): HttpResponseInfo => ({
  status,
  body,
  headers,
});

// Collapses an outcome to what the runner acts on.
const readingOf = (outcome: Outcome) =>
  outcome.kind === 'fail' && outcome.disable ? 'disable' : outcome.kind;

describe('slack interpret — success', () => {
  it.each(['ok', 'ok\n', '{"ok":true}'])('reads 200 %j as delivered', (body) => {
    expect(interpretSlack(answer(200, body))).toEqual({ kind: 'success' });
  });

  it.each(['', 'OK', '<html>proxy login</html>'])(
    'fails a 200 whose body is not Slack\'s "ok" (%j) without retrying or disabling',
    (body) => {
      const outcome = interpretSlack(answer(200, body));
      expect(outcome).toMatchObject({ kind: 'fail', disable: false });
      expect(outcome).toHaveProperty(
        'reason',
        'Slack answered 200 without "ok": the URL may not be a Slack incoming webhook',
      );
    },
  );
});

describe('slack interpret — Slack error codes', () => {
  it.each([
    // Herald's own payload is wrong: the same body would fail again, and the webhook is fine.
    [400, 'invalid_payload', 'fail'],
    [400, 'no_text', 'fail'],
    [400, 'too_many_attachments', 'fail'],
    [400, 'user_not_found', 'fail'],
    [400, 'invalid_blocks', 'fail'],
    // The webhook, its channel or its workspace can no longer take messages.
    [404, 'no_service', 'disable'],
    [400, 'no_service_id', 'disable'],
    [404, 'no_team', 'disable'],
    [403, 'team_disabled', 'disable'],
    [403, 'invalid_token', 'disable'],
    [404, 'channel_not_found', 'disable'],
    [410, 'channel_is_archived', 'disable'],
    [403, 'action_prohibited', 'disable'],
    [403, 'posting_to_general_channel_denied', 'disable'],
    // Slack's own trouble: worth another try.
    [500, 'rollup_error', 'retry'],
  ] as const)('HTTP %s %s → %s', (status, code, expected) => {
    const outcome = interpretSlack(answer(status, code));
    expect(readingOf(outcome)).toBe(expected);
    expect(outcome).toHaveProperty('reason', expect.stringContaining(`Slack answered ${status} ${code}`));
  });

  it('quotes the code and says what it means', () => {
    expect(interpretSlack(answer(404, 'channel_not_found'))).toEqual({
      kind: 'fail',
      reason: 'Slack answered 404 channel_not_found: the channel no longer exists',
      disable: true,
    });
  });

  it('reads a JSON error body the same way as a plain one', () => {
    const outcome = interpretSlack(answer(404, '{"ok":false,"error":"channel_not_found"}'));
    expect(readingOf(outcome)).toBe('disable');
  });

  it('reads a body naming an Object property (`constructor`) as an unknown code, not a table entry', () => {
    const outcome = interpretSlack(answer(400, 'constructor'));
    expect(outcome.kind).not.toBe('success');
    if (outcome.kind === 'fail') expect(typeof outcome.disable).toBe('boolean');
    expect(JSON.stringify(outcome)).not.toContain('undefined');
  });

  it('does not disable on a bare 403 or 404 that names no Slack code (a proxy, not Slack)', () => {
    expect(interpretSlack(answer(404, ''))).toEqual({
      kind: 'fail',
      reason: 'Slack answered 404',
      disable: false,
    });
    expect(readingOf(interpretSlack(answer(403, '<html>Forbidden</html>')))).toBe('fail');
  });

  it('disables on 410 Gone even without a code', () => {
    expect(readingOf(interpretSlack(answer(410, '')))).toBe('disable');
  });
});

describe('slack interpret — waiting and retrying', () => {
  it('waits exactly what Retry-After asks on 429', () => {
    expect(interpretSlack(answer(429, 'rate_limited', { 'retry-after': '30' }))).toMatchObject({
      kind: 'rateLimited',
      afterMs: 30_000,
    });
  });

  it("waits core's default when a 429 names no delay", () => {
    expect(interpretSlack(answer(429, ''))).toMatchObject({ kind: 'rateLimited', afterMs: 5_000 });
  });

  it.each([408, 500, 502, 503, 504])('retries HTTP %s', (status) => {
    expect(interpretSlack(answer(status, ''))).toEqual({ kind: 'retry', reason: `Slack answered ${status}` });
  });

  it('honours Retry-After on a server error', () => {
    expect(interpretSlack(answer(503, '', { 'retry-after': '120' }))).toMatchObject({
      kind: 'retry',
      afterMs: 120_000,
    });
  });

  it('fails a redirect without following it', () => {
    expect(interpretSlack(answer(302, ''))).toEqual({
      kind: 'fail',
      reason: 'Slack answered 302: redirects are not followed',
      disable: false,
    });
  });
});

describe('slack interpret — secrets', () => {
  it.each([200, 400, 404, 500])('never quotes a body that echoes the webhook URL (HTTP %s)', (status) => {
    const outcome = interpretSlack(answer(status, `bad request to ${WEBHOOK_URL}`));
    const text = JSON.stringify(outcome);
    expect(text).not.toContain('hooks.slack.com');
    expect(text).not.toContain(WEBHOOK_TOKEN);
  });

  it('takes only snake_case words as error codes', () => {
    expect(slackErrorCode(' channel_not_found\n')).toBe('channel_not_found');
    expect(slackErrorCode(WEBHOOK_TOKEN)).toBeUndefined();
    expect(slackErrorCode('{"ok":false,"error":"https://x"}')).toBeUndefined();
    expect(slackErrorCode('{not json')).toBeUndefined();
  });
});
