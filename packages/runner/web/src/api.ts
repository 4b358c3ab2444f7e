import type { ApiIssue } from './types.js';

/** An API error answer: status, stable code, message and, for a 400, the fields at fault. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: ApiIssue[];

  constructor(status: number, code: string, message: string, issues: ApiIssue[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

/** The /v1 API with the signed-in team's key. */
export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete(path: string): Promise<void>;
}

function issuesOf(details: unknown): ApiIssue[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is ApiIssue => typeof d === 'object' && d !== null && typeof (d as ApiIssue).path === 'string',
  );
}

/** An API client; `onUnauthorized` runs when the key stops working (revoked, expired session). */
export function createApi(key: string, onUnauthorized: () => void): Api {
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        cache: 'no-store',
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'Herald cannot be reached. Check your connection and try again.');
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: handled below
    }
    if (res.ok) return json as T;
    if (res.status === 401) onUnauthorized();
    const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? 'http_error',
      error?.message ?? `Herald answered ${res.status}`,
      issuesOf(error?.details),
    );
  };
  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    patch: (path, body) => request('PATCH', path, body),
    delete: (path) => request('DELETE', path),
  };
}

/** Checks a key without keeping it: the team's integrations answer only to a valid one. */
export async function verifyKey(key: string): Promise<'ok' | 'rejected'> {
  let rejected = false;
  await createApi(key, () => {
    rejected = true;
  })
    .get('/v1/integrations')
    .catch((err: unknown) => {
      if (!rejected) throw err;
    });
  return rejected ? 'rejected' : 'ok';
}
