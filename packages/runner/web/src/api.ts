import { createHeraldClient, HeraldApiError, type HeraldClient, type paths, unwrap } from '@herald/client';

// The dashboard calls the API through @herald/client, as any other client does. The
// browser resolves the bare names through the page's import map (index.html), which
// points them at /assets/vendor/ (served by http/dashboard.ts from the installed packages).

/** An API error answer: status, stable code, message and, for a 400, the fields at fault. */
export const ApiError = HeraldApiError;
export type ApiError = HeraldApiError;
export { unwrap };

/** A create body's `config`: one of the loaded providers' configs. */
export type ConfigInput =
  paths['/v1/integrations']['post']['requestBody']['content']['application/json']['config'];

/** The /v1 API with the signed-in team's key. */
export type Api = HeraldClient;

/** An API client; `onUnauthorized` runs when the key stops working (revoked, expired session). */
export function createApi(key: string, onUnauthorized: () => void): Api {
  return createHeraldClient({ baseUrl: '', key, onUnauthorized, cache: 'no-store' });
}

/** Checks a key without keeping it: the team's integrations answer only to a valid one. */
export async function verifyKey(key: string): Promise<'ok' | 'rejected'> {
  let rejected = false;
  await unwrap(
    createApi(key, () => {
      rejected = true;
    }).GET('/v1/integrations'),
  ).catch((err: unknown) => {
    if (!rejected) throw err;
  });
  return rejected ? 'rejected' : 'ok';
}
