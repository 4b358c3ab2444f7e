import { loadConfig } from '../config/config.js';
import { hostConnectFlows } from '../connect/flows.js';
import { loadProviders } from '../providers/registry.js';
import { type ApiDeps, apiDocument } from './server.js';

/**
 * The document a runner configured by `env` serves at `/openapi.json`, built without NATS
 * or a server: `@herald/client` generates its types from it (the built-in providers by
 * default, as `HERALD_PROVIDERS` unset loads them).
 */
export async function openApiDocument(
  env: Record<string, string | undefined> = {},
): Promise<Record<string, unknown>> {
  const config = loadConfig(env);
  const providers = await loadProviders(config.providers);
  const known = { providers, connections: { flows: hostConnectFlows(providers, config) } };
  // Building the routes reads only these two; the rest is what handlers use, and none runs.
  const api = new Proxy(known, {
    get(target, key) {
      if (key in target) return target[key as keyof typeof target];
      throw new Error(`openApiDocument: building the routes read api.${String(key)}`);
    },
  }) as unknown as ApiDeps;
  return apiDocument(api);
}
