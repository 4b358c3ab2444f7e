import { InvalidEventError } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { ApiError, toErrorResponse } from '../src/http/errors.js';
import { loggableUrl } from '../src/http/request-log.js';
import { BadCursorError } from '../src/store/delivery-log.js';
import { ConflictError } from '../src/store/integrations.js';

describe('API errors — one shape, the right status, no leaked messages', () => {
  it.each([
    [new ConflictError('integration int_1 was changed concurrently; retry'), 409, 'conflict'],
    [new BadCursorError(), 400, 'invalid_request'],
    [new InvalidEventError('schema', [{ path: 'data.build.sha', message: 'bad' }]), 400, 'invalid_event'],
    [new ApiError(404, 'not_found', 'integration x not found'), 404, 'not_found'],
    [
      Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }),
      413,
      'payload_too_large',
    ],
    [
      Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }),
      415,
      'unsupported_media_type',
    ],
    [
      Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }),
      400,
      'invalid_json',
    ],
  ])('maps %s to %i %s', (err, status, code) => {
    const answer = toErrorResponse(err);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.error.message).toEqual(expect.any(String));
    expect(answer.body.error).toHaveProperty('details');
    expect(answer.expected).toBe(true);
  });

  it('names the cursor and the event fields in details', () => {
    expect(toErrorResponse(new BadCursorError()).body.error.details).toEqual([
      expect.objectContaining({ path: 'cursor', in: 'query' }),
    ]);
    const event = toErrorResponse(
      new InvalidEventError('schema', [{ path: 'data.build.sha', message: 'bad' }]),
    );
    expect(event.body.error.details).toEqual([{ path: 'data.build.sha', message: 'bad', in: 'body' }]);
  });

  it('answers an unexpected error with a generic 500 that does not repeat its message', () => {
    const answer = toErrorResponse(
      new Error('connect to https://hooks.slack.com/services/T0/B0/SECRET failed'),
    );
    expect(answer.status).toBe(500);
    expect(answer.expected).toBe(false);
    expect(JSON.stringify(answer.body)).not.toContain('SECRET');
  });

  it('logs URLs with query values redacted unless known harmless', () => {
    expect(loggableUrl('/v1/integrations')).toBe('/v1/integrations');
    expect(loggableUrl('/v1/x/deliveries?status=failed&limit=5&token=abc&key=hk_1')).toBe(
      '/v1/x/deliveries?status=failed&limit=5&token=[redacted]&key=[redacted]',
    );
  });
});
