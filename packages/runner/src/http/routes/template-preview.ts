import {
  type AnyProvider,
  EVENT_TYPES,
  type EventType,
  type Integration,
  type MessageTemplate,
  integrationSchema as storedIntegration,
  TemplateError,
} from '@herald/core';
import { z } from 'zod';
import type { Commands } from '../../commands.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { IntegrationStore } from '../../store/integrations.js';
import { invalidRequest } from '../errors.js';
import { providerOf, validateConfig } from '../integration-config.js';
import { checkTemplateFields, templateIssue } from '../integration-template.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { integrationParams, named, teamTemplatePreviewBody, templatePreviewBody } from '../schemas.js';
import { findIntegration } from './common.js';

/** What the preview route uses. */
export interface TemplatePreviewDeps {
  integrations: Pick<IntegrationStore, 'get'>;
  providers: Pick<ProviderRegistry, 'get' | 'types'>;
  commands: Pick<Commands, 'previewTemplate'>;
}

const requestSchema = z.object({
  method: z.string(),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});

export const templatePreviewSchema = named(
  z.object({
    eventType: z.enum(EVENT_TYPES),
    event: z
      .record(z.string(), z.unknown())
      .meta({ description: "the catalogue example, in the integration's team" }),
    message: z
      .object({ title: z.string().optional(), text: z.string().optional(), body: z.string().optional() })
      .nullable()
      .meta({ description: 'what each field rendered (title, text or body); null without a template' }),
    request: requestSchema.nullable().meta({
      description: "the provider's request as it would be sent, secrets masked as in the delivery log",
    }),
  }),
  'TemplatePreview',
);

/** The preview, or the template's error as a 400 naming the field and line (as at save). */
function preview(
  deps: TemplatePreviewDeps,
  input: {
    provider: AnyProvider;
    integration: Integration;
    template: MessageTemplate | null;
    eventType: EventType;
    withRequest?: boolean;
  },
) {
  checkTemplateFields(input.provider, input.template);
  try {
    return deps.commands.previewTemplate(input);
  } catch (err) {
    if (err instanceof TemplateError)
      throw invalidRequest('invalid request body', [templateIssue(err, input.eventType)]);
    throw err;
  }
}

/** The id a team-level preview's integration has: a template sees one, as after a create. */
const PREVIEW_INTEGRATION_ID = 'int_preview';

/** Renders a message template for a catalogue example, nothing sent or saved. */
export function templatePreviewRoutes(deps: TemplatePreviewDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/integrations/:id/template-preview',
      operationId: 'previewTemplate',
      summary: "Render a message template for a catalogue type's example (nothing sent, nothing saved)",
      description:
        'Renders `template` (or, when omitted, the integration’s own) with the example of `eventType` and ' +
        'answers the request the provider would send, secrets masked. A template that does not parse or ' +
        'render — or a webhook body that is not JSON — is a 400 naming the field, the line and the problem, ' +
        'as when saving.',
      tag: 'Integrations',
      auth: true,
      // A read: it renders, and changes nothing (a read-only portal link may preview).
      changes: false,
      params: integrationParams,
      body: templatePreviewBody,
      status: 200,
      response: templatePreviewSchema,
      errors: [404],
      handler: async ({ teamId, params, body }) => {
        const integration = findIntegration(deps, teamId, params.id);
        const provider = providerOf(deps.providers, integration.type);
        const template = body.template === undefined ? integration.template : body.template;
        return preview(deps, { provider, integration, template, eventType: body.eventType });
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/template-preview',
      operationId: 'previewTeamTemplate',
      summary: 'Render a message template for a provider type, before any integration has it',
      description:
        'As `…/template-preview` of an integration, for one that does not exist yet: the provider `type`, ' +
        'the `template`, and optionally the `name`, `projects` and `config` the integration would have. ' +
        'With a config (validated as at create; secrets masked in the answer), the provider’s request is ' +
        'rendered too; without, `request` is null. Nothing is saved.',
      tag: 'Integrations',
      auth: true,
      changes: false,
      body: teamTemplatePreviewBody,
      status: 200,
      response: templatePreviewSchema,
      handler: async ({ teamId, body }) => {
        const provider = providerOf(deps.providers, body.type);
        const config = body.config === undefined ? {} : validateConfig(provider, body.config);
        const integration = storedIntegration.parse({
          id: PREVIEW_INTEGRATION_ID,
          teamId,
          name: body.name ?? 'Preview',
          type: body.type,
          config,
          events: ['*'],
          projects: body.projects ?? null,
          enabled: true,
          template: body.template,
          createdAt: new Date().toISOString(),
        });
        return preview(deps, {
          provider,
          integration,
          template: body.template,
          eventType: body.eventType,
          withRequest: body.config !== undefined,
        });
      },
    }),
  ];
}
