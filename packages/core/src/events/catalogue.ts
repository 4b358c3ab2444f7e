import { z } from 'zod';

// Building blocks shared by several event types. Field names follow the platform's
// documented webhook payload (see DESIGN.md and the seed's `build:start` example).
const isoTime = z.iso.datetime({ offset: true });
const url = z.url().optional();

const project = z.object({ id: z.string().min(1), name: z.string().min(1) });
const service = z.object({ id: z.string().min(1), name: z.string().min(1) });
const user = z.object({ id: z.string().min(1), name: z.string().optional() });

const build = z.object({
  id: z.string().min(1),
  branch: z.string().min(1),
  pullRequestId: z.union([z.string(), z.number()]).nullable(),
  status: z.string().min(1),
  sha: z.string().regex(/^[0-9a-f]{7,64}$/, 'must be a hex commit sha'),
  concluded: z.boolean(),
  createdAt: isoTime,
  url,
});

const deployment = z.object({
  id: z.string().min(1),
  image: z.string().min(1),
  status: z.string().min(1),
  concluded: z.boolean(),
  createdAt: isoTime,
  url,
});

const run = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  exitCode: z.number().int().nullable(),
  startedAt: isoTime,
  concluded: z.boolean(),
  url,
});

const backup = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  sizeBytes: z.number().int().nonnegative().nullable(),
  createdAt: isoTime,
  url,
});

const invoice = z.object({
  id: z.string().min(1),
  amountCents: z.number().int(),
  currency: z.string().length(3),
  status: z.string().min(1),
  dueAt: isoTime.nullable(),
  url,
});

const severity = z.enum(['warning', 'critical']);
const resource = z.object({
  kind: z.enum(['container', 'service', 'job', 'addon', 'volume']),
  id: z.string().min(1),
  name: z.string().min(1),
});
const metric = z.object({
  name: z.string().min(1),
  value: z.number(),
  threshold: z.number(),
  unit: z.string().min(1),
});

const buildData = z.object({ build, service, project, user: user.optional() });
const deploymentData = z.object({ deployment, service, project, user: user.optional() });
const jobRunData = z.object({ job: service, run, project, user: user.optional() });
const backupData = z.object({ backup, addon: service, project });
const billingData = z.object({ invoice, team: z.object({ id: z.string().min(1), name: z.string().min(1) }) });
const metricAlertData = z.object({
  alert: z.object({ severity, message: z.string().min(1), url }),
  resource,
  metric,
  project,
});
const crashAlertData = z.object({
  alert: z.object({ severity, message: z.string().min(1), url }),
  resource,
  container: z.object({
    exitCode: z.number().int().nullable(),
    reason: z.string().min(1),
    restarts: z.number().int(),
  }),
  project,
});
const integrationRef = z.object({ id: z.string().min(1), name: z.string().min(1), type: z.string().min(1) });
const integrationData = z.object({
  integration: integrationRef,
  state: z.enum(['healthy', 'failing', 'disabled']),
  previousState: z.enum(['healthy', 'failing', 'disabled']),
  reason: z.string(),
  since: isoTime,
});
// Sent by Herald straight to one integration (never routed): a test a user asked for, and
// the confirmation that a new integration is connected, with what it will receive.
const integrationTestData = z.object({
  integration: integrationRef,
  requestedAt: isoTime,
});
const integrationConnectedData = z.object({
  integration: integrationRef,
  events: z.array(z.string().min(1)).min(1),
  projects: z.array(z.string().min(1)).nullable(),
  /** Where its events and projects are changed (the dashboard's page), or null when Herald has no public URL. */
  settingsUrl: z.url().nullable(),
});

/** The catalogue: every event type Herald knows, with the zod schema of its `data`. */
export const EVENT_CATALOGUE = {
  'build:start': buildData,
  'build:success': buildData,
  'build:failure': buildData,
  'build:abort': buildData,
  'deployment:start': deploymentData,
  'deployment:success': deploymentData,
  'deployment:failure': deploymentData,
  'job-run:start': jobRunData,
  'job-run:success': jobRunData,
  'job-run:failure': jobRunData,
  'backup:start': backupData,
  'backup:success': backupData,
  'backup:failure': backupData,
  'billing:invoice-created': billingData,
  'billing:payment-succeeded': billingData,
  'billing:payment-failed': billingData,
  'alert:container-crashed': crashAlertData,
  'alert:cpu-high': metricAlertData,
  'alert:memory-high': metricAlertData,
  'alert:volume-space-low': metricAlertData,
  'integration:failing': integrationData,
  'integration:disabled': integrationData,
  'integration:recovered': integrationData,
  'integration:test': integrationTestData,
  'integration:connected': integrationConnectedData,
} as const;

export type EventType = keyof typeof EVENT_CATALOGUE;
export type EventData<T extends EventType = EventType> = z.infer<(typeof EVENT_CATALOGUE)[T]>;

/** Every catalogue type, in catalogue order. */
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

/** The category of an event type: `build:start` → `build`. */
export function categoryOf(type: string): string {
  return type.slice(0, type.indexOf(':'));
}

/** True for a type in the catalogue. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_CATALOGUE, type);
}

/**
 * Types Herald sends straight to one integration, outside routing: nobody subscribes to
 * them and no platform publishes them.
 */
export const DIRECT_EVENT_TYPES: readonly EventType[] = ['integration:test', 'integration:connected'];

/** True for a type Herald sends to one integration directly (a test, a confirmation). */
export function isDirectEventType(type: string): boolean {
  return (DIRECT_EVENT_TYPES as readonly string[]).includes(type);
}

/** Team-wide categories: their events belong to no project (`projectId` is `_team`). */
export const TEAM_WIDE_CATEGORIES: readonly string[] = ['billing', 'integration'];

/** True for a type whose events belong to the team, not a project (billing, integration health). */
export function isTeamWideType(type: string): boolean {
  return TEAM_WIDE_CATEGORIES.includes(categoryOf(type));
}

/** Infrastructure alerts are throttled per team by their fingerprint. */
export function isAlertType(type: string): boolean {
  return categoryOf(type) === 'alert';
}

export interface EventTypeInfo {
  type: EventType;
  category: string;
  /** Sent by Herald to one integration directly (a test, a confirmation): not something to subscribe to. */
  direct: boolean;
  schema: Record<string, unknown>;
}

/** The catalogue as JSON Schemas, for `GET /v1/event-types` and forms. */
export function describeEventTypes(): EventTypeInfo[] {
  return EVENT_TYPES.map((type) => ({
    type,
    category: categoryOf(type),
    direct: isDirectEventType(type),
    schema: z.toJSONSchema(EVENT_CATALOGUE[type], { io: 'input' }) as Record<string, unknown>,
  }));
}
