import { type AnyProvider, filterInWords, type Integration, type IntegrationState } from '@herald/core';
import type { z } from 'zod';
import { TEST_EVENT_ID_PREFIX } from '../delivery/test-notification.js';
import { maskConfig } from '../secrets.js';
import type { AttemptRecord, DeliveryDetail, DeliveryRecord } from '../store/delivery-records.js';
import type { HealthView } from '../store/health.js';
import { disabledView } from './disabled-view.js';
import type {
  attemptSchema,
  DeliveryKind,
  deliverySchema,
  deliverySummarySchema,
  integrationSchema,
  testResultSchema,
} from './response-schemas.js';

// What the API shows of stored things. Everything a read returns passes through here,
// so secrets are masked in exactly one place.

export type IntegrationView = z.output<typeof integrationSchema>;

/** Every config field hidden, for an integration whose provider is not loaded. */
function maskAll(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(config).map((k) => [k, '****']));
}

/** An integration as the API reads it: config masked, state and health from its machine. */
export function integrationView(
  integration: Integration,
  provider: AnyProvider | undefined,
  health: HealthView,
): IntegrationView {
  // A user-disabled integration receives nothing, whatever its machine last said.
  const state: IntegrationState = integration.enabled ? health.state : 'disabled';
  // One answer to "does it receive events?": `enabled` is false whoever disabled it, and
  // `disabled` says who and why (before, a health-disabled one read `enabled: true`).
  const disabled = disabledView(integration, provider, health);
  return {
    id: integration.id,
    name: integration.name,
    type: integration.type,
    config: provider ? maskConfig(provider, integration.config) : maskAll(integration.config),
    events: integration.events,
    projects: integration.projects,
    enabled: disabled === null,
    disabled,
    rateLimitPerSecond: integration.rateLimitPerSecond,
    filter: integration.filter ?? null,
    filterInWords: integration.filter ? filterInWords(integration.filter) : null,
    ordered: integration.ordered,
    orderedFrom: integration.orderedFrom,
    orderedUntil: integration.orderedUntil,
    template: integration.template ?? null,
    state,
    createdAt: integration.createdAt,
    updatedAt: integration.updatedAt ?? null,
    health: {
      state: health.state,
      since: health.since,
      failingSince: health.failingSince,
      lastError: health.lastError,
      failedDeliveries: health.failedDeliveries,
      transitions: health.transitions,
    },
  };
}

/** One attempt (the log stores it masked already). */
export function attemptView(a: AttemptRecord): z.output<typeof attemptSchema> {
  return {
    number: a.number,
    trigger: a.trigger,
    at: a.at,
    durationMs: a.durationMs,
    request: {
      method: a.request.method,
      url: a.request.url,
      headers: a.request.headers,
      body: a.request.body,
    },
    response: a.response
      ? {
          status: a.response.status,
          headers: a.response.headers,
          body: a.response.body,
          truncated: a.response.truncated,
        }
      : null,
    error: a.error,
    outcome: a.outcome,
    reason: a.reason,
  };
}

/** A test, a confirmation, or a real event's delivery. */
export function deliveryKindOf(r: Pick<DeliveryRecord, 'eventId' | 'eventType'>): DeliveryKind {
  if (r.eventType === 'integration:test') return 'test';
  if (r.eventType === 'integration:connected') return 'confirmation';
  // Tests recorded before `integration:test` existed were an example build:success.
  return r.eventId.startsWith(TEST_EVENT_ID_PREFIX) ? 'test' : 'event';
}

/** The delivery list's row of one delivery. */
export function deliverySummary(r: DeliveryRecord): z.output<typeof deliverySummarySchema> {
  return {
    id: r.id,
    integrationId: r.integrationId,
    eventId: r.eventId,
    eventType: r.eventType,
    kind: deliveryKindOf(r),
    projectId: r.event.projectId,
    status: r.status,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    attemptCount: r.attemptCount,
    nextAttemptAt: r.nextAttemptAt,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
  };
}

/** A delivery with its event and every attempt, oldest first. */
export function deliveryView(d: DeliveryDetail): z.output<typeof deliverySchema> {
  return {
    ...deliverySummary(d),
    event: d.event as unknown as Record<string, unknown>,
    attempts: [...d.attempts].sort((a, b) => a.number - b.number).map(attemptView),
  };
}

/** The answer to a test notification. */
export function testResultView(deliveryId: string, a: AttemptRecord): z.output<typeof testResultSchema> {
  return {
    ...attemptView(a),
    deliveryId,
    ok: a.outcome === 'success',
    status: a.response?.status ?? null,
  };
}
