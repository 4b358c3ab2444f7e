import type { Integration } from '@herald/core';
import type { HeraldService } from '../../service.js';
import { notFound } from '../errors.js';
import { type IntegrationView, integrationView } from '../views.js';

/** The caller's integration, or 404 (also for another team's: never 403). */
export function findIntegration(
  service: Pick<HeraldService, 'integrations'>,
  teamId: string,
  id: string,
): Integration {
  const integration = service.integrations.get(teamId, id);
  if (!integration) throw notFound(`integration ${id}`);
  return integration;
}

/** The API's read of an integration (config masked, health attached, a connection's details). */
export async function viewOf(service: HeraldService, integration: Integration): Promise<IntegrationView> {
  const [health, connection] = await Promise.all([
    service.health.view(integration.id),
    service.connections.readOf(integration),
  ]);
  const view = integrationView(integration, service.providers.get(integration.type), health);
  return connection ? { ...view, ...connection } : view;
}
