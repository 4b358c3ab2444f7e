import { EVENT_TYPES, TemplateError } from '@herald/core';
import { z } from 'zod';
import type { Commands } from '../../commands.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { IntegrationStore } from '../../store/integrations.js';
import { invalidRequest } from '../errors.js';
import { providerOf } from '../integration-config.js';
import { checkTemplateFields, templateIssue } from '../integration-template.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { integrationParams, named, templatePreviewBody } from '../schemas.js';
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

/** Renders an integration's message template for a catalogue example, nothing sent or saved. */
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
        checkTemplateFields(provider, template);
        try {
          return deps.commands.previewTemplate({
            provider,
            integration,
            template,
            eventType: body.eventType,
          });
        } catch (err) {
          if (err instanceof TemplateError)
            throw invalidRequest('invalid request body', [templateIssue(err, body.eventType)]);
          throw err;
        }
      },
    }),
  ];
}
