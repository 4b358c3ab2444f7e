import { controlCharacterProblem, eventPatternSchema, INTEGRATION_STATES, SAFE_TOKEN } from '@herald/core';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../store/delivery-records.js';
import { DISABLE_CAUSES } from './disabled-view.js';

// The API's schemas: request parsing and the OpenAPI document both come from here.
// Schemas with an `id` in `API_SCHEMAS` become named components of the document.

/** Named components of the OpenAPI document. */
export const API_SCHEMAS = z.registry<{ id: string; description?: string }>();

function named<T extends z.ZodType>(schema: T, id: string, description?: string): T {
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
const isoTime = z.iso.datetime({ offset: true });

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

// ---- request bodies

const configInput = z.record(z.string(), z.unknown()).meta({
  description: 'the provider\'s config; see the *Config components (secret: "generate" for webhooks)',
});
const projectsInput = z.array(token).min(1, 'use null for all projects').nullable();
const eventsInput = z.array(eventPatternSchema).min(1, 'pick at least one event type');
const rateInput = z.number().positive().max(10_000).nullable();

export const integrationCreateBody = z.strictObject({
  name: integrationNameInput,
  type: z.string().min(1).max(64),
  config: configInput,
  events: eventsInput.default(['*']),
  projects: projectsInput.default(null),
  enabled: z.boolean().default(true),
  rateLimitPerSecond: rateInput.default(null),
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
});

export const rotateSecretBody = z.strictObject({
  kind: z
    .enum(['token', 'signingSecret'])
    .optional()
    .meta({ description: 'default: signingSecret when the integration has one, else token' }),
  keepPrevious: z
    .boolean()
    .default(true)
    .meta({ description: 'signingSecret only: keep the current secrets active next to the new one' }),
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

// ---- responses

const transition = z.object({
  from: z.enum(INTEGRATION_STATES),
  to: z.enum(INTEGRATION_STATES),
  at: isoTime,
  reason: z.string(),
  cause: z
    .enum(['gone', 'kept_failing', 'user'])
    .optional()
    .meta({ description: 'on a transition to disabled' }),
});

export const disabledSchema = named(
  z.object({
    by: z.enum(['user', 'health']),
    cause: z.enum(DISABLE_CAUSES).meta({
      description:
        '`gone`: the destination answered that it no longer exists (410), disabled at once; `cut_off`: the ' +
        "provider's connect flow recognises the answer (the Slack app was removed); `kept_failing`: failed " +
        "deliveries over the health policy's window; `user`: turned off; `other`: history from before causes were kept",
    }),
    at: isoTime.nullable(),
    message: z.string(),
    lastError: z.string().nullable(),
  }),
  'Disabled',
  'why an integration receives nothing; POST …/enable turns it on again whoever disabled it',
);

export const healthSchema = named(
  z.object({
    state: z.enum(INTEGRATION_STATES),
    since: isoTime.nullable(),
    failingSince: isoTime.nullable(),
    lastError: z.string().nullable(),
    failedDeliveries: z.number().int(),
    transitions: z.array(transition),
  }),
  'Health',
);

export const connectionSchema = named(
  z.object({
    type: z.string(),
    installedAt: isoTime,
    rows: z.array(
      z.object({ id: z.string(), label: z.string(), text: z.string(), href: z.string().nullable() }),
    ),
  }),
  'Connection',
  'what the dashboard shows of an integration set up with its provider’s connect flow ("Add to Slack")',
);

export const integrationSchema = named(
  z
    .object({
      id: z.string(),
      name: z.string(),
      type: z.string(),
      config: z.record(z.string(), z.unknown()).meta({ description: 'secret fields masked' }),
      events: z.array(z.string()),
      projects: z.array(z.string()).nullable(),
      enabled: z.boolean().meta({
        description:
          'whether it receives events: false when a user or its health disabled it (see `disabled`)',
      }),
      disabled: disabledSchema.nullable(),
      rateLimitPerSecond: z.number().nullable(),
      state: z.enum(INTEGRATION_STATES),
      createdAt: isoTime,
      updatedAt: isoTime.nullable(),
      health: healthSchema,
      connection: connectionSchema.optional(),
    })
    .catchall(z.unknown()),
  'Integration',
  "An integration set up with its provider's connect flow also carries the flow's details under the " +
    'provider type, e.g. `slack: {channel, channelId, configurationUrl, workspace, installedAt}` (see the ' +
    '<Type>Connection components).',
);

export const attemptSchema = named(
  z.object({
    number: z.number().int(),
    trigger: z.enum(['scheduled', 'manual', 'test', 'replay', 'recovered']).meta({
      description:
        '`recovered`: not a try of its own but the note that the runner handling the attempt before ' +
        'it stopped (a crash) before recording its outcome; that attempt may have reached the ' +
        'destination (outcome `unknown`). The next attempt is the real one.',
    }),
    at: isoTime,
    durationMs: z.number(),
    request: z.object({
      method: z.string(),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      body: z.string(),
    }),
    response: z
      .object({
        status: z.number().int(),
        headers: z.record(z.string(), z.string()),
        body: z.string(),
        truncated: z.boolean(),
      })
      .nullable(),
    error: z.string().nullable(),
    outcome: z.enum(['success', 'retry', 'rateLimited', 'fail', 'disable', 'unknown']).meta({
      description: '`unknown`: whether it reached the destination cannot be told (trigger `recovered`)',
    }),
    reason: z.string().nullable(),
  }),
  'Attempt',
);

export const testResultSchema = named(
  attemptSchema.extend({
    deliveryId: z.string(),
    ok: z.boolean(),
    status: z.number().int().nullable().meta({ description: "the destination's HTTP status" }),
  }),
  'TestResult',
);

/** What a delivery carried: a real event, a test notification, or a new integration's confirmation. */
export const DELIVERY_KINDS = ['event', 'test', 'confirmation'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

const deliveryFields = {
  id: z.string(),
  integrationId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  kind: z.enum(DELIVERY_KINDS).meta({
    description:
      '`test`: a test notification (POST …/test, event `integration:test`); `confirmation`: the ' +
      'message sent when the integration was created (`integration:connected`); `event`: a real event',
  }),
  projectId: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  createdAt: isoTime,
  updatedAt: isoTime,
  attemptCount: z.number().int(),
  nextAttemptAt: isoTime.nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
};

export const deliverySummarySchema = named(z.object(deliveryFields), 'DeliverySummary');

export const deliverySchema = named(
  z.object({
    ...deliveryFields,
    event: z.record(z.string(), z.unknown()),
    attempts: z.array(attemptSchema),
  }),
  'Delivery',
);

export const integrationCreatedSchema = integrationSchema.extend({
  generatedSecret: z
    .string()
    .optional()
    .meta({ description: 'the token generated for secret: "generate"; shown only here' }),
  confirmation: testResultSchema.optional(),
});

export const rotatedSchema = z.object({
  kind: z.enum(['token', 'signingSecret']),
  secret: z.string().meta({ description: 'the new secret; shown only here' }),
  integration: integrationSchema,
});

/** A page of a listing. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const eventTypeSchema = z.object({
  type: z.string(),
  category: z.string(),
  direct: z.boolean().meta({
    description:
      'sent by Herald straight to one integration (integration:test, integration:connected), never routed',
  }),
  schema: z.record(z.string(), z.unknown()).meta({ description: 'JSON Schema of the event data' }),
});

const connectInfoSchema = z
  .object({
    installLabel: z.string(),
    reinstallLabel: z.string(),
    changeLabel: z.string().nullable(),
    steps: z.array(z.string()),
    manualLabel: z.string(),
    cutOff: z
      .object({
        fixes: z.array(z.string()),
        title: z.string(),
        cause: z.string(),
        reinstallFix: z.string(),
        manualFix: z.string(),
      })
      .nullable()
      .meta({ description: 'the notice on a disabled integration whose failure names one of `fixes`' }),
  })
  .meta({
    description:
      'the provider’s connect flow ("Add to Slack") as a form shows it; whether it is available here: GET /v1/integrations/<type>/app',
  });

export const providerSchema = named(
  z.object({
    type: z.string(),
    displayName: z.string(),
    setupHelp: z.string().nullable(),
    secretFields: z.array(z.string()).meta({ description: 'write-only config fields, masked in reads' }),
    configSchema: z
      .record(z.string(), z.unknown())
      .meta({ description: 'JSON Schema (2020-12) of the config a create or PATCH takes' }),
    connect: connectInfoSchema.nullable(),
  }),
  'Provider',
);
