/** A field the API refused, as a 400's `details` lists them (`config.url`, `events.0`). */
export interface FieldIssue {
  path: string;
  message: string;
  in?: 'body' | 'query' | 'path';
}

/**
 * An answer that is not a success, with the API's stable `code` and readable message
 * (`{"error": {code, message, details}}`); status 0 and code `network` when Herald
 * could not be reached at all. Not core's `HeraldError`: the client imports nothing of
 * Herald's (it runs in browsers, without NATS).
 */
export class HeraldApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HeraldApiError';
    this.status = status;
    this.code = code;
    this.details = options.details ?? null;
  }

  /** The fields at fault, for a 400 (empty otherwise). */
  get issues(): FieldIssue[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is FieldIssue =>
        typeof d === 'object' && d !== null && typeof (d as FieldIssue).path === 'string',
    );
  }
}

/** The error of an answer's body, whatever shape it came in (a proxy's HTML page, say). */
export function errorOf(status: number, body: unknown): HeraldApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  return new HeraldApiError(
    status,
    typeof error?.code === 'string' ? error.code : 'http_error',
    typeof error?.message === 'string' ? error.message : `Herald answered ${status}`,
    { details: error?.details },
  );
}
