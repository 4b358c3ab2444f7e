import {
  type AnyProvider,
  deliveryIdFor,
  type EventData,
  HeraldError,
  type HeraldEvent,
  type Integration,
  newId,
  type Outcome,
  TEAM_SCOPE,
} from '@herald/core';
import type { Metrics } from '../metrics.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { AttemptRecord, DeliveryLog, DeliveryRecord } from '../store/delivery-records.js';
import { attempt } from './attempt.js';
import { newDeliveryRecord } from './delivery-steps.js';
import type { HttpSender } from './http-sender.js';

export interface TestNotificationResult {
  record: DeliveryRecord;
  attempt: AttemptRecord;
  outcome: Outcome;
}

export interface TestNotificationDeps {
  providers: ProviderRegistry;
  sender: HttpSender;
  deliveryLog: DeliveryLog;
  headerPrefix: string;
  runnerId: string;
  metrics: Metrics;
  /** `HERALD_PUBLIC_URL`: the confirmation links to the integration's page there. */
  publicUrl: string | null;
}

/** A test the user asked for, or the confirmation sent when an integration is created. */
export type DirectNotificationKind = 'test' | 'confirmation';

/** Event ids of test notifications and confirmations: the replay leaves them out. */
export const TEST_EVENT_ID_PREFIX = 'evt_test_';

/** The dashboard page where an integration's events and projects are changed. */
export function settingsUrlOf(publicUrl: string | null, integrationId: string): string | null {
  return publicUrl === null ? null : `${publicUrl}/#/integrations/${encodeURIComponent(integrationId)}/edit`;
}

/** The `integration:test` or `integration:connected` event for one integration. */
export function directEvent(
  kind: DirectNotificationKind,
  integration: Integration,
  publicUrl: string | null,
  now: string,
): HeraldEvent {
  const ref = { id: integration.id, name: integration.name, type: integration.type };
  const envelope = {
    id: newId('evt_test'),
    occurredAt: now,
    teamId: integration.teamId,
    projectId: TEAM_SCOPE,
  };
  if (kind === 'test') {
    const data: EventData<'integration:test'> = { integration: ref, requestedAt: now };
    return { ...envelope, event: 'integration:test', data };
  }
  const data: EventData<'integration:connected'> = {
    integration: ref,
    events: [...integration.events],
    projects: integration.projects === null ? null : [...integration.projects],
    settingsUrl: settingsUrlOf(publicUrl, integration.id),
  };
  return { ...envelope, event: 'integration:connected', data };
}

/**
 * Sends an `integration:test` (or, for a new integration, `integration:connected`) to an
 * integration now, outside the queue and whatever it subscribes to, and records it in the
 * delivery log with trigger `test`. It does not touch the integration's health; it counts
 * as an attempt in the metrics.
 */
export async function sendTestNotification(
  deps: TestNotificationDeps,
  integration: Integration,
  kind: DirectNotificationKind = 'test',
): Promise<TestNotificationResult> {
  const provider: AnyProvider | undefined = deps.providers.get(integration.type);
  if (!provider) throw new HeraldError('unknown_provider', `no provider for type "${integration.type}"`);
  const now = new Date().toISOString();
  const event = directEvent(kind, integration, deps.publicUrl, now);
  const deliveryId = deliveryIdFor(event.id, integration.id);
  const result = await attempt(deps.sender, {
    provider,
    integration,
    event,
    deliveryId,
    number: 1,
    trigger: 'test',
    headerPrefix: deps.headerPrefix,
    runnerId: deps.runnerId,
  });
  deps.metrics.attempts.inc({ provider: provider.type, outcome: result.record.outcome });
  deps.metrics.attemptSeconds.observe({ provider: provider.type }, result.record.durationMs / 1_000);
  const succeeded = result.outcome.kind === 'success';
  const record: DeliveryRecord = {
    ...newDeliveryRecord(
      { integrationId: integration.id, teamId: integration.teamId, event },
      deliveryId,
      now,
    ),
    status: succeeded ? 'succeeded' : 'failed',
    updatedAt: new Date().toISOString(),
    attemptCount: 1,
    failures: succeeded ? 0 : 1,
    lastStatusCode: result.record.response?.status ?? null,
    lastError: result.record.reason,
  };
  const saved = await deps.deliveryLog.save(record, {
    isNew: true,
    enteredStatus: record.status,
    attempt: result.record,
    create: true,
  });
  await saved.indexed;
  return { record, attempt: result.record, outcome: result.outcome };
}
