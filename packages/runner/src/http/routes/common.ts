import type { Integration } from '@herald/core';
import type { Connections } from '../../connect/connections.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { HealthStore } from '../../store/health.js';
import type { IntegrationStore } from '../../store/integrations.js';
import { notFound } from '../errors.js';
import { type IntegrationView, integrationView } from '../views.js';

/** What finding the caller's integration takes. */
export interface IntegrationLookup {
  integrations: Pick<IntegrationStore, 'get'>;
}

/** What the API's read of an integration takes. */
export interface IntegrationViewDeps {
  health: Pick<HealthStore, 'view'>;
  connections: Pick<Connections, 'readOf'>;
  providers: Pick<ProviderRegistry, 'get'>;
}

/** The caller's integration, or 404 (also for another team's: never 403). */
export function findIntegration(deps: IntegrationLookup, teamId: string, id: string): Integration {
  const integration = deps.integrations.get(teamId, id);
  if (!integration) throw notFound(`integration ${id}`);
  return integration;
}

/** The API's read of an integration (config masked, health attached, a connection's details). */
export async function viewOf(deps: IntegrationViewDeps, integration: Integration): Promise<IntegrationView> {
  const [health, connection] = await Promise.all([
    deps.health.view(integration.id),
    deps.connections.readOf(integration),
  ]);
  const view = integrationView(integration, deps.providers.get(integration.type), health);
  return connection ? { ...view, ...connection } : view;
}
