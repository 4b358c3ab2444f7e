import { type Integration, newId, integrationSchema as storedIntegration } from '@herald/core';
import type { HeraldService } from '../../service.js';
import { generateRequested, mergeConfig, providerOf, validateConfig } from '../integration-config.js';
import { type AnyRoute, defineRoute } from '../route.js';
import {
  integrationCreateBody,
  integrationCreatedSchema,
  integrationParams,
  integrationPatchBody,
  integrationSchema,
  pageOf,
} from '../schemas.js';
import { testResultView } from '../views.js';
import { findIntegration, viewOf } from './common.js';

const TAG = 'Integrations';

/** CRUD of a team's integrations. */
export function integrationRoutes(service: HeraldService): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/integrations',
      operationId: 'listIntegrations',
      summary: "The team's integrations, oldest first",
      tag: TAG,
      auth: true,
      status: 200,
      response: pageOf(integrationSchema),
      handler: async ({ teamId }) => ({
        items: await Promise.all(service.integrations.list(teamId).map((i) => viewOf(service, i))),
        nextCursor: null,
      }),
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/integrations',
      operationId: 'createIntegration',
      summary: 'Create an integration',
      description:
        'The config is validated by the provider of `type`. A webhook config may say `"secret": "generate"`: the ' +
        'server makes a token and returns it once as `generatedSecret`. Unless `confirm` is false, a test ' +
        'notification is sent at once and its result returned as `confirmation`.',
      tag: TAG,
      auth: true,
      body: integrationCreateBody,
      status: 201,
      response: integrationCreatedSchema,
      handler: async ({ teamId, body }) => {
        const provider = providerOf(service.providers, body.type);
        const config = { ...body.config };
        const generatedSecret = generateRequested(provider, config);
        const now = new Date().toISOString();
        const integration: Integration = storedIntegration.parse({
          id: newId('int'),
          teamId,
          name: body.name,
          type: body.type,
          config: validateConfig(provider, config),
          events: body.events,
          projects: body.projects,
          enabled: body.enabled,
          rateLimitPerSecond: body.rateLimitPerSecond,
          createdAt: now,
          updatedAt: now,
        });
        await service.integrations.create(integration);
        const confirmation =
          body.confirm && integration.enabled ? await service.sendTest(integration) : undefined;
        return {
          ...(await viewOf(service, integration)),
          ...(generatedSecret ? { generatedSecret } : {}),
          ...(confirmation
            ? { confirmation: testResultView(confirmation.record.id, confirmation.attempt) }
            : {}),
        };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/v1/integrations/:id',
      operationId: 'getIntegration',
      summary: 'One integration with its health',
      tag: TAG,
      auth: true,
      params: integrationParams,
      status: 200,
      response: integrationSchema,
      errors: [404],
      handler: async ({ teamId, params }) => viewOf(service, findIntegration(service, teamId, params.id)),
    }),

    defineRoute({
      method: 'PATCH',
      path: '/v1/integrations/:id',
      operationId: 'updateIntegration',
      summary: 'Change an integration (partial; config merged, omitted secrets kept)',
      tag: TAG,
      auth: true,
      params: integrationParams,
      body: integrationPatchBody,
      status: 200,
      response: integrationCreatedSchema.omit({ confirmation: true }),
      errors: [404, 409],
      handler: async ({ teamId, params, body }) => {
        const current = findIntegration(service, teamId, params.id);
        let config = current.config;
        let generatedSecret: string | undefined;
        if (body.config) {
          const provider = providerOf(service.providers, current.type);
          const merged = mergeConfig(provider, current.config, body.config);
          generatedSecret = generateRequested(provider, merged);
          config = validateConfig(provider, merged);
        }
        const { config: _config, ...fields } = body;
        const next: Integration = storedIntegration.parse({
          ...current,
          ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
          config,
          updatedAt: new Date().toISOString(),
        });
        await service.integrations.update(next);
        if (next.enabled !== current.enabled)
          await service.control(next.id, next.enabled ? 'enable' : 'disable', 'changed by a user');
        return { ...(await viewOf(service, next)), ...(generatedSecret ? { generatedSecret } : {}) };
      },
    }),

    defineRoute({
      method: 'DELETE',
      path: '/v1/integrations/:id',
      operationId: 'deleteIntegration',
      summary: 'Delete an integration (its delivery log expires with the retention)',
      tag: TAG,
      auth: true,
      params: integrationParams,
      status: 204,
      errors: [404],
      handler: async ({ teamId, params }) => {
        const integration = findIntegration(service, teamId, params.id);
        await service.integrations.delete(teamId, params.id);
        await service.control(params.id, 'forget');
        // A connected one: its provider's goodbye and the install record.
        await service.connections.forget(integration);
      },
    }),
  ];
}
