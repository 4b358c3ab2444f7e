import {
  contentFilterSchema,
  INTEGRATION_STATES,
  messageTemplateSchema,
  TEMPLATE_FIELDS,
} from '@herald/core';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../store/delivery-records.js';
import { EVENT_OUTCOMES, SKIP_REASONS } from '../store/event-records.js';
import { DISABLE_CAUSES } from './disabled-view.js';
import { isoTime, named, ROTATION_KINDS } from './schemas.js';

// What the API answers (schemas.ts has the requests and the shared parts).

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
      filter: contentFilterSchema.nullable(),
      filterInWords: z.string().nullable().meta({ description: 'the filter as a sentence' }),
      ordered: z.boolean().meta({
        description:
          'deliveries attempted one at a time in the order the events were published; a retrying one holds the rest',
      }),
      orderedFrom: isoTime.nullable().meta({
        description:
          'events published from then on are delivered in order (a switch applies after a short grace)',
      }),
      orderedUntil: isoTime.nullable().meta({
        description: 'ordering switched off: events published until then are still delivered in order',
      }),
      template: messageTemplateSchema
        .nullable()
        .meta({ description: "the message's template (LiquidJS); null: Herald's own wording" }),
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
  generatedSigningSecret: z
    .string()
    .optional()
    .meta({ description: 'the signing secret generated for signingSecrets: "generate"; shown only here' }),
  confirmation: testResultSchema.optional(),
});

export const rotatedSchema = z.object({
  kind: z.enum(ROTATION_KINDS),
  secret: z
    .string()
    .optional()
    .meta({ description: 'token and signingSecret: the new secret; shown only here' }),
  publicKey: z.string().optional().meta({
    description:
      'signingKey: the new whpk_ public key receivers verify with (reads show it too; the private key never)',
  }),
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
    templateFields: z.array(z.enum(TEMPLATE_FIELDS)).meta({
      description: 'the message-template fields it renders (title, text; body); [] takes no template',
    }),
  }),
  'Provider',
);

/** What the events log shows of a delivery the router made. */
const routedDeliverySchema = z.object({
  integrationId: z.string(),
  integrationName: z.string().nullable().meta({ description: 'null once the integration is deleted' }),
  deliveryId: z
    .string()
    .meta({ description: 'GET /v1/integrations/{integrationId}/deliveries/{deliveryId}' }),
  status: z
    .enum(DELIVERY_STATUSES)
    .nullable()
    .optional()
    .meta({ description: 'GET /v1/events/{id} only: the delivery’s status now (null: not recorded yet)' }),
});

export const eventLogEntrySchema = named(
  z.object({
    id: z.string().meta({
      description:
        'the row’s id (GET /v1/events/{id}); `eventId` is the event’s (an event routed twice is two rows)',
    }),
    eventId: z.string().nullable(),
    type: z.string().nullable(),
    projectId: z.string().nullable(),
    occurredAt: z.string().nullable(),
    receivedAt: isoTime,
    routedAt: isoTime,
    outcome: z.enum(EVENT_OUTCOMES).meta({
      description:
        '`delivered`: at least one delivery; `skipped`: integrations would take it but are switched off or the alert frequency held it back; `unmatched`: no integration listens to it; `rejected`: dead-lettered',
    }),
    deliveries: z.array(routedDeliverySchema),
    skipped: z.array(
      z.object({
        integrationId: z.string(),
        integrationName: z.string().nullable(),
        reason: z.enum(SKIP_REASONS),
        message: z.string(),
      }),
    ),
    skippedCount: z.number().int().meta({ description: 'also those beyond the listed (a record keeps 100)' }),
    throttle: z
      .object({ minIntervalSeconds: z.number().int() })
      .nullable()
      .meta({ description: 'the team’s alert frequency when it held the alert back' }),
    rejection: z
      .object({ reason: z.string(), error: z.string(), subject: z.string() })
      .nullable()
      .meta({ description: 'why the event went to the dead-letter stream' }),
  }),
  'EventLogEntry',
);
