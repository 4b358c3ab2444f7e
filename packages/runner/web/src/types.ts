// What the API answers, as the dashboard reads it: the client's generated types where
// they serve (so a change of the API's shapes fails the dashboard's build), and looser
// ones where forms read JSON Schema.
import type { components } from '@herald/client';

type Schemas = components['schemas'];
export type Integration = Schemas['Integration'];
export type Health = Schemas['Health'];
export type Transition = Health['transitions'][number];
export type Disabled = Schemas['Disabled'];
export type Connection = Schemas['Connection'];
export type Attempt = Schemas['Attempt'];
export type TestResult = Schemas['TestResult'];
export type DeliverySummary = Schemas['DeliverySummary'];
export type Delivery = Schemas['Delivery'];

export type IntegrationState = 'healthy' | 'failing' | 'disabled';
export type DeliveryStatus = 'pending' | 'succeeded' | 'retrying' | 'failed' | 'skipped';
export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'retrying', 'failed', 'skipped'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
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

export interface IntegrationCreated extends Integration {
  generatedSecret?: string;
  generatedSigningSecret?: string;
  confirmation?: TestResult;
}

/** What a delivery carried: a real event, a test notification, or a new integration's confirmation. */
export type DeliveryKind = 'event' | 'test' | 'confirmation';

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
  /** Message-template fields it renders: title, text (chat) or body (webhook). */
  templateFields: Array<'title' | 'text' | 'body'>;
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
