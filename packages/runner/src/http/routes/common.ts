import type { Integration } from '@herald/core';
import type { HeraldService } from '../../service.js';
import { notFound } from '../errors.js';
import { type IntegrationView, integrationView } from '../views.js';
import { slackInstallOf } from './slack-install-store.js';

/** The caller's integration, or 404 (also for another team's: never 403). */
export function findIntegration(service: HeraldService, teamId: string, id: string): Integration {
  const integration = service.integrations.get(teamId, id);
  if (!integration) throw notFound(`integration ${id}`);
  return integration;
}

/** The API's read of an integration (config masked, health attached). */
export async function viewOf(service: HeraldService, integration: Integration): Promise<IntegrationView> {
  const [health, slack] = await Promise.all([
    service.health.view(integration.id),
    slackInstallOf(service, integration),
  ]);
  const view = integrationView(integration, service.providers.get(integration.type), health);
  return slack ? { ...view, slack } : view;
}
