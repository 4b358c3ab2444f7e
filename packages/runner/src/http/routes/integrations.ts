import {
  type Integration,
  newId,
  integrationSchema as storedIntegration,
  switchOrdering,
} from '@herald/core';
import type { Commands } from '../../commands.js';
import type { Connections } from '../../connect/connections.js';
import type { OrderedQueues } from '../../delivery/ordered-queue.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { IntegrationStore } from '../../store/integrations.js';
import { generateRequested, mergeConfig, providerOf, validateConfig } from '../integration-config.js';
import { typesOf, validateTemplate } from '../integration-template.js';
import { integrationCreatedSchema, integrationSchema, pageOf } from '../response-schemas.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { integrationCreateBody, integrationParams, integrationPatchBody } from '../schemas.js';
import { testResultView } from '../views.js';
import { findIntegration, type IntegrationViewDeps, viewOf } from './common.js';
import { settledView } from './integration-actions.js';

const TAG = 'Integrations';

/** What the CRUD routes use. */
export interface IntegrationRouteDeps extends IntegrationViewDeps {
  integrations: Pick<IntegrationStore, 'get' | 'list' | 'create' | 'update' | 'delete'>;
  providers: Pick<ProviderRegistry, 'get' | 'types'>;
  connections: Pick<Connections, 'readOf' | 'forget'>;
  commands: Pick<Commands, 'control' | 'sendConfirmation'>;
  /** Ordered integrations' queues: opened before one is saved as ordered, closed on delete. */
  ordered: Pick<OrderedQueues, 'open' | 'close'>;
}

/** CRUD of a team's integrations. */
export function integrationRoutes(deps: IntegrationRouteDeps): AnyRoute[] {
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
      handler: async ({ teamId, request }) => {
        // A portal link scoped to one integration sees that one alone.
        const only = request.portal?.integrationId ?? null;
        const visible = deps.integrations.list(teamId).filter((i) => only === null || i.id === only);
        return { items: await Promise.all(visible.map((i) => viewOf(deps, i))), nextCursor: null };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/integrations',
      operationId: 'createIntegration',
      summary: 'Create an integration',
      description:
        'The config is validated by the provider of `type`. A webhook config may say `"secret": "generate"`: the ' +
        'server makes a token and returns it once as `generatedSecret`; and `"signingSecrets": "generate"`: one ' +
        'signing secret, returned once as `generatedSigningSecret`. Unless `confirm` is false, a test ' +
        'notification is sent at once and its result returned as `confirmation`. With `ordered`, its ' +
        "deliveries go one at a time in the events stream's order, a retrying one holding the rest; " +
        'the queue is opened before the integration is saved (503 `ordered_queue_unavailable` when it cannot be).',
      tag: TAG,
      auth: true,
      body: integrationCreateBody,
      status: 201,
      response: integrationCreatedSchema,
      errors: [503],
      handler: async ({ teamId, body }) => {
        const provider = providerOf(deps.providers, body.type);
        const config = { ...body.config };
        const generated = generateRequested(provider, config);
        const now = new Date().toISOString();
        const id = newId('int');
        validateTemplate(
          provider,
          body.template,
          { id, name: body.name, type: body.type, projects: body.projects },
          typesOf(body.events),
        );
        const integration: Integration = storedIntegration.parse({
          ...switchOrdering(null, body.ordered, Date.parse(now)),
          id,
          teamId,
          name: body.name,
          type: body.type,
          config: validateConfig(provider, config),
          events: body.events,
          projects: body.projects,
          enabled: body.enabled,
          rateLimitPerSecond: body.rateLimitPerSecond,
          filter: body.filter,
          template: body.template,
          createdAt: now,
          updatedAt: now,
        });
        // Its queue holds every event from now on: opened before any router can see it.
        if (integration.ordered) await deps.ordered.open(integration);
        await deps.integrations.create(integration);
        const confirmation =
          body.confirm && integration.enabled ? await deps.commands.sendConfirmation(integration) : undefined;
        return {
          ...(await viewOf(deps, integration)),
          ...generated,
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
      handler: async ({ teamId, params }) => viewOf(deps, findIntegration(deps, teamId, params.id)),
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
      errors: [404, 409, 503],
      handler: async ({ teamId, params, body }) => {
        const current = findIntegration(deps, teamId, params.id);
        let config = current.config;
        let generated = {};
        if (body.config) {
          const provider = providerOf(deps.providers, current.type);
          const merged = mergeConfig(provider, current.config, body.config);
          generated = generateRequested(provider, merged);
          config = validateConfig(provider, merged);
        }
        const { config: _config, ordered, ...fields } = body;
        const next: Integration = storedIntegration.parse({
          ...current,
          ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
          ...(ordered === undefined ? {} : switchOrdering(current, ordered, Date.now())),
          config,
          updatedAt: new Date().toISOString(),
        });
        // A template is checked when it changes, and when what it renders with does (the
        // events it must render for, the name and projects it may print).
        const rendersAnew = [body.template, body.events, body.name, body.projects].some(
          (v) => v !== undefined,
        );
        if (rendersAnew)
          validateTemplate(
            providerOf(deps.providers, current.type),
            next.template,
            next,
            typesOf(next.events),
          );
        // Switched on: the queue exists before any router leaves an event to it.
        if (next.ordered && !current.ordered) await deps.ordered.open(next);
        await deps.integrations.update(next);
        // `enabled: true` turns on an integration its health disabled too: the read says
        // `enabled: false` for it, so asking for true must mean "enable again".
        const reEnable =
          body.enabled === true && current.enabled && (await deps.health.view(next.id)).state === 'disabled';
        if (next.enabled !== current.enabled || reEnable)
          await deps.commands.control(next.id, next.enabled ? 'enable' : 'disable', 'changed by a user');
        const view = reEnable ? await settledView(deps, next) : await viewOf(deps, next);
        return { ...view, ...generated };
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
        const integration = findIntegration(deps, teamId, params.id);
        await deps.integrations.delete(teamId, params.id);
        await deps.commands.control(params.id, 'forget');
        // Its partition's owner closes it too; done here at once when it was ordered.
        if (integration.ordered || integration.orderedUntil !== null) await deps.ordered.close(params.id);
        // A connected one: its provider's goodbye and the install record.
        await deps.connections.forget(integration);
      },
    }),
  ];
}
