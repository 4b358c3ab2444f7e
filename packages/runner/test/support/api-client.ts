// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them
type Loose = any;

/** An answer of the API: status, headers and the parsed JSON body (or the text when not JSON). */
export interface ApiAnswer<T = Loose> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A tiny client for Herald's HTTP API, with the team key set. */
export interface ApiClient {
  get(path: string): Promise<ApiAnswer>;
  post(path: string, body?: unknown): Promise<ApiAnswer>;
  patch(path: string, body: unknown): Promise<ApiAnswer>;
  put(path: string, body: unknown): Promise<ApiAnswer>;
  delete(path: string): Promise<ApiAnswer>;
  /** Any request, with raw body and headers. */
  raw(
    method: string,
    path: string,
    init?: { body?: string; headers?: Record<string, string> },
  ): Promise<ApiAnswer>;
}

export function apiClient(baseUrl: string, key: string | null): ApiClient {
  const raw = async (
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer> => {
    const headers: Record<string, string> = {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...init.headers,
    };
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: init.body });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, body, text };
  };
  const json = (method: string) => (path: string, body?: unknown) =>
    raw(
      method,
      path,
      body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
    );
  return {
    get: (path) => raw('GET', path),
    post: json('POST'),
    patch: json('PATCH'),
    put: json('PUT'),
    delete: (path) => raw('DELETE', path),
    raw,
  };
}
