import {
  type AnyProvider,
  deliveryIdFor,
  exampleEvent,
  HeraldError,
  type Integration,
  newId,
  type Outcome,
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
}

/**
 * Sends an example `build:success` to an integration now, outside the queue, and records
 * it in the delivery log with trigger `test`. It does not touch the integration's health;
 * it counts as an attempt in the metrics.
 */
export async function sendTestNotification(
  deps: TestNotificationDeps,
  integration: Integration,
): Promise<TestNotificationResult> {
  const provider: AnyProvider | undefined = deps.providers.get(integration.type);
  if (!provider) throw new HeraldError('unknown_provider', `no provider for type "${integration.type}"`);
  const now = new Date().toISOString();
  const event = exampleEvent('build:success', {
    id: newId('evt_test'),
    occurredAt: now,
    teamId: integration.teamId,
  });
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
