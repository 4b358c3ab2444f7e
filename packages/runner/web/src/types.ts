// What the API answers, as the dashboard reads it (see GET /openapi.json).

export type IntegrationState = 'healthy' | 'failing' | 'disabled';
export type DeliveryStatus = 'pending' | 'succeeded' | 'retrying' | 'failed' | 'skipped';
export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'retrying', 'failed', 'skipped'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Transition {
  from: IntegrationState;
  to: IntegrationState;
  at: string;
  reason: string;
}

export interface Health {
  state: IntegrationState;
  since: string | null;
  failingSince: string | null;
  lastError: string | null;
  failedDeliveries: number;
  transitions: Transition[];
}

export interface Integration {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  events: string[];
  projects: string[] | null;
  /** Whether it receives events: false when a user or its health disabled it. */
  enabled: boolean;
  /** Who disabled it and why; null while it receives events. */
  disabled: Disabled | null;
  rateLimitPerSecond: number | null;
  state: IntegrationState;
  createdAt: string;
  updatedAt: string | null;
  health: Health;
  /** For one set up with its provider's connect flow ("Add to Slack"): what to show of it. */
  connection?: Connection;
}

export interface Disabled {
  by: 'user' | 'health';
  cause: 'user' | 'gone' | 'cut_off' | 'kept_failing' | 'other';
  at: string | null;
  message: string;
  lastError: string | null;
}

export interface Connection {
  type: string;
  installedAt: string;
  rows: Array<{ id: string; label: string; text: string; href: string | null }>;
}

/** GET /v1/integrations/<type>/app: whether a provider's connect flow works on this Herald. */
export interface ConnectAppInfo {
  installAvailable: boolean;
  reason: string | null;
  clientId: string | null;
  redirectUri: string | null;
}

/** A provider's connect flow, as GET /v1/providers describes it. */
export interface ConnectInfo {
  installLabel: string;
  reinstallLabel: string;
  changeLabel: string | null;
  steps: string[];
  manualLabel: string;
  /** The notice on a disabled integration whose failure names one of `fixes`. */
  cutOff: { fixes: string[]; title: string; cause: string; reinstallFix: string; manualFix: string } | null;
}

export interface Attempt {
  number: number;
  /** `recovered`: a note that the attempt before it may have reached the destination (outcome `unknown`). */
  trigger: 'scheduled' | 'manual' | 'test' | 'replay' | 'recovered';
  at: string;
  durationMs: number;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string; truncated: boolean } | null;
  error: string | null;
  outcome: 'success' | 'retry' | 'rateLimited' | 'fail' | 'disable' | 'unknown';
  reason: string | null;
}

export interface TestResult extends Attempt {
  deliveryId: string;
  ok: boolean;
  status: number | null;
}

export interface IntegrationCreated extends Integration {
  generatedSecret?: string;
  generatedSigningSecret?: string;
  confirmation?: TestResult;
}

/** What a delivery carried: a real event, a test notification, or a new integration's confirmation. */
export type DeliveryKind = 'event' | 'test' | 'confirmation';

export interface DeliverySummary {
  id: string;
  integrationId: string;
  eventId: string;
  eventType: string;
  kind: DeliveryKind;
  projectId: string;
  status: DeliveryStatus;
  createdAt: string;
  updatedAt: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
}

export interface Delivery extends DeliverySummary {
  event: Record<string, unknown>;
  attempts: Attempt[];
}

/** A JSON Schema, as loosely as forms need it. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  maxLength?: number;
  maxItems?: number;
}

export interface ProviderInfo {
  type: string;
  displayName: string;
  setupHelp: string | null;
  secretFields: string[];
  configSchema: JsonSchema;
  connect: ConnectInfo | null;
}

export interface EventTypeInfo {
  type: string;
  category: string;
  /** A test or confirmation Herald sends by itself: not offered as a subscription. */
  direct?: boolean;
}

/** One field problem from a 400 answer. */
export interface ApiIssue {
  path: string;
  message: string;
  in?: 'body' | 'query' | 'path';
}

export type EventOutcome = 'delivered' | 'skipped' | 'unmatched' | 'rejected';
export const EVENT_OUTCOMES: EventOutcome[] = ['delivered', 'skipped', 'unmatched', 'rejected'];

/** A row of the events log (GET /v1/events). */
export interface EventLogEntry {
  id: string;
  eventId: string | null;
  type: string | null;
  projectId: string | null;
  occurredAt: string | null;
  receivedAt: string;
  routedAt: string;
  outcome: EventOutcome;
  deliveries: Array<{
    integrationId: string;
    integrationName: string | null;
    deliveryId: string;
    status?: DeliveryStatus | null;
  }>;
  skipped: Array<{ integrationId: string; integrationName: string | null; reason: string; message: string }>;
  skippedCount: number;
  throttle: { minIntervalSeconds: number } | null;
  rejection: { reason: string; error: string; subject: string } | null;
}
