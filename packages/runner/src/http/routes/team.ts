import {
  type AnyProvider,
  categoryOf,
  describeEventTypes,
  type EventTypeInfo,
  isTeamWideType,
  MAX_EVENT_BYTES,
  newId,
  parseEvent,
  TEAM_SCOPE,
} from '@herald/core';
import { z } from 'zod';
import type { Commands } from '../../commands.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { AlertThrottle } from '../../router/throttle.js';
import { ApiError, invalidRequest } from '../errors.js';
import { eventTypeSchema, pageOf, providerSchema } from '../response-schemas.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { alertSettingsSchema, eventBody } from '../schemas.js';

/** Event types only Herald itself publishes. */
const HERALD_ONLY_CATEGORY = 'integration';

/** A loaded provider as forms need it: its config as JSON Schema (`{}` when zod cannot express it). */
function describeProvider(provider: AnyProvider): z.output<typeof providerSchema> {
  let configSchema: Record<string, unknown> = {};
  try {
    const { $schema: _draft, ...json } = z.toJSONSchema(provider.configSchema, {
      io: 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>;
    configSchema = json;
  } catch {
    // A third party's schema zod cannot convert (cycles, exotic refinements): a form falls back to raw JSON.
  }
  return {
    type: provider.type,
    displayName: provider.displayName,
    setupHelp: provider.setupHelp ?? null,
    secretFields: [...provider.secretFields],
    configSchema,
    connect: connectInfoOf(provider),
    templateFields: [...(provider.templateFields ?? [])],
  };
}

/** What a form shows of a provider's connect flow (its availability is per runner: GET …/<type>/app). */
function connectInfoOf(provider: AnyProvider): z.output<typeof providerSchema>['connect'] {
  if (!provider.connect) return null;
  const p = provider.connect.presentation;
  return {
    installLabel: p.installLabel,
    reinstallLabel: p.reinstallLabel,
    changeLabel: p.changeLabel ?? null,
    steps: [...p.steps],
    manualLabel: p.manualLabel,
    cutOff: p.cutOff ? { ...p.cutOff, fixes: [...p.cutOff.fixes] } : null,
  };
}

/** What the catalogue, provider, events and alert-settings routes use. */
export interface TeamRouteDeps {
  providers: Pick<ProviderRegistry, 'all'>;
  throttle: Pick<AlertThrottle, 'settings' | 'saveSettings'>;
  commands: Pick<Commands, 'publishEvent'>;
}

/** The catalogue, the loaded providers, publishing over HTTP, and the team's alert settings. */
export function teamRoutes(deps: TeamRouteDeps): AnyRoute[] {
  let catalogue: EventTypeInfo[] | undefined;
  let providers: Array<z.output<typeof providerSchema>> | undefined;
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/event-types',
      operationId: 'listEventTypes',
      summary: 'The event catalogue, each type with the JSON Schema of its data (public)',
      tag: 'Events',
      // The catalogue is the same for everyone and holds nothing of a team: forms and
      // docs may read it without a key, like /openapi.json.
      auth: false,
      status: 200,
      response: pageOf(eventTypeSchema),
      handler: async () => {
        catalogue ??= describeEventTypes();
        return { items: catalogue, nextCursor: null };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/v1/providers',
      operationId: 'listProviders',
      summary: 'The loaded providers: config JSON Schema, secret fields and setup help (public)',
      description: "What a form needs to offer every integration type, a third party's included.",
      tag: 'Providers',
      // Like the catalogue: the same for every team (and already in /openapi.json).
      auth: false,
      status: 200,
      response: pageOf(providerSchema),
      handler: async () => {
        providers ??= deps.providers.all().map(describeProvider);
        return { items: providers, nextCursor: null };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/events',
      operationId: 'publishEvent',
      summary: 'Publish an event (the HTTP alternative to publishing on NATS)',
      description:
        "`id` (default: a new evt_ id) and `occurredAt` (default: now) are optional; `teamId` is the key's " +
        "team. The event is validated like one published on NATS; integration:* events are Herald's own.",
      tag: 'Events',
      auth: true,
      body: eventBody,
      status: 202,
      response: z.object({ id: z.string(), duplicate: z.boolean() }),
      errors: [413],
      handler: async ({ teamId, body, request }) => {
        if (body.teamId !== undefined && body.teamId !== teamId) {
          throw invalidRequest('invalid request body', [
            { path: 'teamId', message: "must be the API key's team (or omitted)", in: 'body' },
          ]);
        }
        if (categoryOf(body.event) === HERALD_ONLY_CATEGORY) {
          throw invalidRequest('invalid request body', [
            { path: 'event', message: 'integration:* events are published by Herald itself', in: 'body' },
          ]);
        }
        // One rule on every path but NATS (whose subject names the project): a team-wide
        // event (billing:*) may leave projectId out; any other must give it.
        const projectId = body.projectId ?? (isTeamWideType(body.event) ? TEAM_SCOPE : undefined);
        if (projectId === undefined)
          throw invalidRequest('invalid request body', [
            {
              path: 'projectId',
              message: 'required for a project event (only billing:* may leave it out)',
              in: 'body',
            },
          ]);
        const event = parseEvent({
          ...body,
          projectId,
          id: body.id ?? newId('evt'),
          occurredAt: body.occurredAt ?? new Date().toISOString(),
          teamId,
        });
        const bytes = Buffer.byteLength(JSON.stringify(event));
        if (bytes > MAX_EVENT_BYTES)
          throw new ApiError(
            413,
            'payload_too_large',
            `the event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`,
          );
        const traceparent = request.headers.traceparent;
        const { duplicate } = await deps.commands.publishEvent(
          event,
          typeof traceparent === 'string' ? traceparent : undefined,
        );
        return { id: event.id, duplicate };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/v1/alert-settings',
      operationId: 'getAlertSettings',
      summary: "The team's infrastructure-alert throttle",
      tag: 'Alert settings',
      auth: true,
      status: 200,
      response: alertSettingsSchema,
      handler: async ({ teamId }) => ({
        minIntervalSeconds: (await deps.throttle.settings(teamId)).minIntervalSeconds,
      }),
    }),

    defineRoute({
      method: 'PUT',
      path: '/v1/alert-settings',
      operationId: 'putAlertSettings',
      summary: 'Set the throttle: the same alert (type + resource) at most once per minIntervalSeconds',
      tag: 'Alert settings',
      auth: true,
      body: alertSettingsSchema,
      status: 200,
      response: alertSettingsSchema,
      handler: async ({ teamId, body }) => {
        await deps.throttle.saveSettings(teamId, { minIntervalSeconds: body.minIntervalSeconds });
        return { minIntervalSeconds: body.minIntervalSeconds };
      },
    }),
  ];
}
