import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import { errorOf, HeraldApiError } from './errors.js';
import type { paths } from './openapi-types.js';

/** The API's routes as typed methods: `GET`, `POST`, `PATCH`, `PUT`, `DELETE` by path. */
export type HeraldClient = Client<paths>;

/** Where Herald answers and with which key; the rest is passed to every `fetch`. */
export interface HeraldClientOptions extends Omit<ClientOptions, 'headers'> {
  /** Herald's URL (`http://127.0.0.1:8080`); `''` in a page Herald serves. */
  baseUrl: string;
  /** A team API key (`hk_…`), sent as `Authorization: Bearer` and never shown. */
  key: string;
  /** Called on every 401: the key is wrong or was revoked. */
  onUnauthorized?: () => void;
}

/** A client for one team's key. Methods resolve to `{ data }` or `{ error }`; `unwrap` throws instead. */
export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  const { key, onUnauthorized, ...rest } = options;
  const client = createClient<paths>({
    ...rest,
    headers: { accept: 'application/json', authorization: `Bearer ${key}` },
  });
  if (onUnauthorized)
    client.use({
      onResponse: ({ response }) => {
        if (response.status === 401) onUnauthorized();
      },
    });
  return client;
}

/**
 * The data of a successful answer, or a thrown `HeraldApiError`:
 * `const integration = await unwrap(herald.GET('/v1/integrations/{id}', { params: { path: { id } } }))`.
 */
export async function unwrap<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await request;
  } catch (err) {
    throw new HeraldApiError(0, 'network', 'Herald cannot be reached. Check your connection and try again.', {
      cause: err,
    });
  }
  if (!answer.response.ok) throw errorOf(answer.response.status, answer.error);
  return answer.data as T;
}
