import type { HttpResponseInfo, Outcome } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_WAIT_MS, interpretTeams, wrappedStatusOf } from '../src/index.js';
import { WORKFLOWS_SIG, WORKFLOWS_URL } from './fixtures.js';

/** What a legacy connector answers, with status 200, when Teams refused the message. */
const wrapped = (status: number) =>
  `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ${status} ` +
  'with ContextId tcid=0,server=msgapi-production-weu-azsc2-1-17,cv=0cXzV0XeAkGbcFCFyF1+Vw.0..';

const logicAppsError = (code: string, message = 'The workflow could not be found.') =>
  JSON.stringify({ error: { code, message } });

function answer(status: number, body = '', headers: Record<string, string> = {}): HttpResponseInfo {
  return { status, body, headers };
}

function shape(outcome: Outcome): string {
  if (outcome.kind === 'fail') return outcome.disable ? 'disable' : 'fail';
  if (outcome.kind === 'rateLimited') return `rateLimited ${outcome.afterMs}`;
  if (outcome.kind === 'retry') return outcome.afterMs === undefined ? 'retry' : `retry ${outcome.afterMs}`;
  return outcome.kind;
}

describe('teams provider — reading Workflows answers', () => {
  it.each([
    ['202 with an empty body (flow run queued)', answer(202), 'success'],
    ['200 with an empty body', answer(200), 'success'],
    ['429 with Retry-After', answer(429, '', { 'retry-after': '3' }), 'rateLimited 3000'],
    ['429 without Retry-After', answer(429), `rateLimited ${DEFAULT_RATE_LIMIT_WAIT_MS}`],
    ['408', answer(408), 'retry'],
    ['500', answer(500), 'retry'],
    ['502', answer(502), 'retry'],
    ['503 with Retry-After', answer(503, '', { 'retry-after': '120' }), 'retry 120000'],
    ['504', answer(504), 'retry'],
    ['400 InvalidRequestContent', answer(400, logicAppsError('InvalidRequestContent')), 'fail'],
    [
      '401 DirectApiAuthorizationRequired',
      answer(401, logicAppsError('DirectApiAuthorizationRequired')),
      'fail',
    ],
    ['403', answer(403), 'fail'],
    [
      '404 WorkflowNotFound (the workflow was deleted)',
      answer(404, logicAppsError('WorkflowNotFound')),
      'disable',
    ],
    ['410', answer(410), 'disable'],
    ['413 (message too large)', answer(413), 'fail'],
    ['301 (redirects are not followed)', answer(301), 'fail'],
  ])('%s → %s', (_name, response, expected) => {
    expect(shape(interpretTeams(response))).toBe(expected);
  });

  it('names the Logic Apps error code in the reason, and how to fix an auth refusal', () => {
    const outcome = interpretTeams(answer(401, logicAppsError('DirectApiAuthorizationRequired')));
    expect(outcome).toMatchObject({ kind: 'fail', disable: false });
    expect(outcome.kind === 'fail' && outcome.reason).toContain('DirectApiAuthorizationRequired');
    expect(outcome.kind === 'fail' && outcome.reason).toContain('Anyone');
  });

  it('keeps error messages (which may quote the URL) out of reasons', () => {
    const bodies = [
      logicAppsError('WorkflowNotFound', `No workflow at ${WORKFLOWS_URL}`),
      logicAppsError(`sig=${WORKFLOWS_SIG} is wrong`),
      `Bad request to ${WORKFLOWS_URL}`,
    ];
    for (const body of bodies) {
      for (const status of [200, 400, 401, 404, 429, 500]) {
        const text = JSON.stringify(interpretTeams(answer(status, body)));
        expect(text).not.toContain(WORKFLOWS_SIG);
      }
    }
  });
});

describe('teams provider — reading legacy connector answers', () => {
  it.each([
    ['200 with the text 1', answer(200, '1'), 'success'],
    ['200 wrapping a 429', answer(200, wrapped(429)), `rateLimited ${DEFAULT_RATE_LIMIT_WAIT_MS}`],
    [
      '200 wrapping a 429, with Retry-After',
      answer(200, wrapped(429), { 'retry-after': '30' }),
      'rateLimited 30000',
    ],
    ['200 wrapping a 500', answer(200, wrapped(500)), 'retry'],
    ['200 wrapping a 502', answer(200, wrapped(502)), 'retry'],
    ['200 wrapping a 503', answer(200, wrapped(503)), 'retry'],
    ['200 wrapping a 408', answer(200, wrapped(408)), 'retry'],
    ['200 wrapping a 400 (bad card, or the channel is gone)', answer(200, wrapped(400)), 'fail'],
    ['200 wrapping a 404', answer(200, wrapped(404)), 'fail'],
    ['200 wrapping a 413 (message too large)', answer(200, wrapped(413)), 'fail'],
    [
      '200 with a failure that names no status',
      answer(200, 'Webhook message delivery failed with error: oops'),
      'retry',
    ],
    ['400 Summary or Text is required.', answer(400, 'Summary or Text is required.'), 'fail'],
    [
      'a real 429 from the connector',
      answer(429, 'Too many requests', { 'retry-after': '7' }),
      'rateLimited 7000',
    ],
    ['404 (connector removed)', answer(404), 'disable'],
  ])('%s → %s', (_name, response, expected) => {
    expect(shape(interpretTeams(response))).toBe(expected);
  });

  it('says which status Teams returned behind the 200', () => {
    const outcome = interpretTeams(answer(200, wrapped(400)));
    expect(outcome.kind === 'fail' && outcome.reason).toContain('HTTP 400');
    expect(outcome.kind === 'fail' && outcome.reason).not.toContain('ContextId');
  });

  it('reads a wrapped status only from a 2xx answer, so a real error status decides', () => {
    expect(shape(interpretTeams(answer(404, wrapped(500))))).toBe('disable');
    expect(shape(interpretTeams(answer(503, wrapped(400))))).toBe('retry');
  });

  it('finds the wrapped status in the connector text', () => {
    expect(wrappedStatusOf(wrapped(429))).toBe(429);
    expect(wrappedStatusOf(wrapped(502))).toBe(502);
    expect(wrappedStatusOf('1')).toBeUndefined();
    expect(wrappedStatusOf('')).toBeUndefined();
  });
});
