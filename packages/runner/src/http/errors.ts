import { HeraldError, InvalidEventError, type ValidationIssue } from '@herald/core';
import { OrderedQueueError } from '../delivery/ordered-queue.js';
import { BadCursorError } from '../store/delivery-log.js';
import { ConflictError } from '../store/integrations.js';

/** Where a bad piece of input was: the body, the query string or the path. */
export type InputLocation = 'body' | 'query' | 'path';

/** One problem with a request, as the API reports it. */
export interface ApiIssue extends ValidationIssue {
  in?: InputLocation;
}

/** An error the API answers with: HTTP status, a stable code, a message, optional details. */
export class ApiError extends HeraldError {
  readonly status: number;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(code, message, { details });
    this.name = 'ApiError';
    this.status = status;
  }
}

/** 400 for input that fails validation; `issues` name each field. */
export function invalidRequest(message: string, issues: ApiIssue[]): ApiError {
  const text = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
  return new ApiError(400, 'invalid_request', text ? `${message}: ${text}` : message, issues);
}

/** 404 for anything the caller's team cannot see (another team's resources included). */
export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} not found`);
}

/** 401 with the reason. */
export function unauthorized(message: string): ApiError {
  return new ApiError(401, 'unauthorized', message);
}

// Fastify's own client errors (body parsing and limits), by code.
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    message: 'request body is larger than the limit',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'request bodies must be JSON (content-type: application/json)',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_request',
    message: 'content-length does not match the body',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'content-type is application/json but the body is empty',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the body is not valid JSON' },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_request', message: 'the URL is malformed' },
};

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

/**
 * Maps anything thrown while handling a request to a status and error body. Messages
 * of unexpected errors are never echoed (they could carry a secret); the caller logs them.
 */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; expected: boolean } {
  const answer = (status: number, code: string, message: string, details: unknown = null) => ({
    status,
    body: { error: { code, message, details } },
    expected: status < 500,
  });
  if (err instanceof ApiError) return answer(err.status, err.code, err.message, err.details ?? null);
  if (err instanceof InvalidEventError) {
    const issues = err.issues.map((i) => ({ ...i, in: 'body' as const }));
    return answer(400, 'invalid_event', err.message, issues);
  }
  if (err instanceof BadCursorError)
    return answer(400, 'invalid_request', err.message, [
      { path: 'cursor', message: err.message, in: 'query' },
    ]);
  if (err instanceof ConflictError) return answer(409, 'conflict', err.message);
  if (err instanceof OrderedQueueError) return answer(503, err.code, err.message);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code in FASTIFY_ERRORS) {
    const known = FASTIFY_ERRORS[code]!;
    return answer(known.status, known.code, known.message);
  }
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return answer(status, 'invalid_request', 'the request cannot be handled');
  return answer(500, 'internal', 'internal error; the request id in x-request-id finds it in the logs');
}
