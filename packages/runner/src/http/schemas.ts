import {
  contentFilterSchema,
  controlCharacterProblem,
  eventPatternSchema,
  isEventType,
  messageTemplateSchema,
  SAFE_TOKEN,
} from '@herald/core';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../store/delivery-records.js';
import { EVENT_OUTCOMES } from '../store/event-records.js';

// The API's schemas: request parsing and the OpenAPI document both come from here;
// what the API answers is in response-schemas.ts.
// Schemas with an `id` in `API_SCHEMAS` become named components of the document.

/** Named components of the OpenAPI document. */
export const API_SCHEMAS = z.registry<{ id: string; description?: string }>();

export function named<T extends z.ZodType>(schema: T, id: string, description?: string): T {
  API_SCHEMAS.add(schema, { id, description });
  return schema;
}

/** Most deliveries one page of a listing returns. */
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;
/** Largest alert throttle interval: a day (the throttle bucket forgets older alerts). */
export const MAX_ALERT_INTERVAL_SECONDS = 86_400;

const token = z.string().regex(SAFE_TOKEN, 'must match [A-Za-z0-9_-]{1,64}');

/**
 * An integration's name (lists, identity headers, chat messages). Control characters are
 * refused, not stripped, and checked before trimming: a NUL or line break is never
 * stored, and a trailing newline is named rather than dropped.
 */
export const integrationNameInput = z
  .string()
  .superRefine((name, ctx) => {
    const problem = controlCharacterProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .trim()
  .min(1)
  .max(200);
export const isoTime = z.iso.datetime({ offset: true });

export const errorSchema = named(
  z.object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z
        .unknown()
        .meta({ description: 'for validation errors: [{ path, message, in: body|query|path }]' }),
    }),
  }),
  'Error',
);

// ---- path parameters and queries

export const integrationParams = z.strictObject({ id: token });
export const deliveryParams = z.strictObject({ id: token, deliveryId: token });

export const deliveryListQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});

export const eventListQuery = z.strictObject({
  type: z.string().refine(isEventType, { message: 'must be an event type (GET /v1/event-types)' }).optional(),
  projectId: token.optional(),
  outcome: z.enum(EVENT_OUTCOMES).optional(),
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});
export const eventLogParams = z.strictObject({ id: token });

// ---- request bodies

const configInput = z.record(z.string(), z.unknown()).meta({
  description:
    'the provider\'s config; see the *Config components (webhooks: secret: "generate", signingSecrets: "generate")',
});
const projectsInput = z.array(token).min(1, 'use null for all projects').nullable();
const eventsInput = z.array(eventPatternSchema).min(1, 'pick at least one event type');
const rateInput = z.number().positive().max(10_000).nullable();
const orderedInput = z.boolean().meta({
  description:
    'deliver one at a time in the order the events were published (HERALD_EVENTS); a retrying delivery holds the ones behind it until it succeeds or fails for good',
});
const filterInput = contentFilterSchema.nullable().meta({
  description:
    'conditions on the event (path projectId or data.<key>…, op eq/neq/in/nin/contains/exists/gt/gte/lt/lte, value); all must hold and, if given, one of any; null: no filter',
});

const templateInput = named(
  messageTemplateSchema,
  'MessageTemplate',
  'LiquidJS per field (https://liquidjs.com): `title` and `text` of a Slack, Discord or Teams message, or the JSON ' +
    '`body` of a webhook. Data: `event` (id, event, occurredAt, teamId, projectId, data), `integration` (id, ' +
    'name, provider, projects) and `summary` (Herald’s own title, text, severity, fields, url, scope). ' +
    'No file tags (include, render, layout), unknown filters refused, own properties only.',
)
  .nullable()
  .meta({
    description:
      "the message's template; null: Herald's own wording. Checked against every catalogue example the integration takes",
  });

export const integrationCreateBody = z.strictObject({
  name: integrationNameInput,
  type: z.string().min(1).max(64),
  config: configInput,
  events: eventsInput.default(['*']),
  projects: projectsInput.default(null),
  enabled: z.boolean().default(true),
  rateLimitPerSecond: rateInput.default(null),
  filter: filterInput.default(null),
  ordered: orderedInput.default(false),
  template: templateInput.default(null),
  confirm: z
    .boolean()
    .default(true)
    .meta({ description: 'send a test notification now and return its result as `confirmation`' }),
});

export const integrationPatchBody = z.strictObject({
  name: integrationNameInput.optional(),
  config: configInput.optional().meta({
    description: 'merged into the current config; a field set to null is removed; omitted secrets are kept',
  }),
  events: eventsInput.optional(),
  projects: projectsInput.optional(),
  enabled: z.boolean().optional(),
  rateLimitPerSecond: rateInput.optional(),
  filter: filterInput.optional(),
  ordered: orderedInput.optional(),
  template: templateInput.optional().meta({ description: 'replaces the whole template; null removes it' }),
});

const previewEventType = z
  .string()
  .refine(isEventType, { message: 'must be an event type (GET /v1/event-types)' })
  .meta({ description: 'the catalogue type whose example is rendered' });

export const templatePreviewBody = z.strictObject({
  eventType: previewEventType,
  template: templateInput.optional().meta({
    description:
      "the template to try (not saved); omitted: the integration's own; null: Herald's own wording",
  }),
});

export const teamTemplatePreviewBody = z.strictObject({
  type: z.string().min(1).max(64).meta({ description: 'the provider type (GET /v1/providers)' }),
  eventType: previewEventType,
  template: templateInput,
  name: integrationNameInput
    .optional()
    .meta({ description: 'the integration name templates see; default "Preview"' }),
  projects: projectsInput.optional().meta({ description: 'the project ids templates see; default null' }),
  config: configInput.optional().meta({
    description:
      "the provider's config, to render its request too (secrets masked in the answer); omitted: no request",
  }),
});

/** What `rotate-secret` can make: a token, an HMAC signing secret, an ed25519 signing key pair. */
export const ROTATION_KINDS = ['token', 'signingSecret', 'signingKey'] as const;

export const rotateSecretBody = z.strictObject({
  kind: z.enum(ROTATION_KINDS).optional().meta({
    description:
      'default: signingSecret when the integration has one, else token; signingKey adds an ed25519 key pair (v1a)',
  }),
  keepPrevious: z.boolean().default(true).meta({
    description: 'signingSecret and signingKey: keep the current secrets or keys active next to the new one',
  }),
});

export const replayBody = z.strictObject({
  since: isoTime,
  status: z.enum(['failed', 'skipped']).optional().meta({ description: 'default: both' }),
});

export const eventBody = z
  .object({
    id: token.optional(),
    event: z.string(),
    occurredAt: isoTime.optional(),
    teamId: token.optional().meta({ description: "defaults to the key's team; any other team is refused" }),
    projectId: token.optional().meta({
      description: 'required, except for team-wide types (billing:*), where it defaults to `_team`',
    }),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ description: 'an event; data is validated against the catalogue (GET /v1/event-types)' });

export const alertSettingsSchema = named(
  z.strictObject({
    minIntervalSeconds: z.number().int().min(0).max(MAX_ALERT_INTERVAL_SECONDS),
  }),
  'AlertSettings',
);
