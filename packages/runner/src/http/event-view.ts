import { deliveryIdFor, filterInWords, type Integration } from '@herald/core';
import type { z } from 'zod';
import type { DeliveryStatus } from '../store/delivery-records.js';
import type { EventRecord, SkipReason } from '../store/event-records.js';
import type { eventLogEntrySchema } from './response-schemas.js';

export type EventLogEntry = z.output<typeof eventLogEntrySchema>;

/** The integrations a view names, as the API's store has them now (undefined: deleted). */
export type IntegrationOf = (
  id: string,
) => Pick<Integration, 'name' | 'events' | 'projects' | 'filter'> | undefined;

/** Why an integration got nothing, in the words the dashboard shows. */
function skipMessage(
  reason: SkipReason,
  integration: ReturnType<IntegrationOf>,
  record: EventRecord,
): string {
  switch (reason) {
    case 'event-type':
      return integration
        ? `listens to ${integration.events.join(', ')}, not ${record.type}`
        : `does not listen to ${record.type}`;
    case 'project':
      return integration?.projects
        ? `only for projects ${integration.projects.join(', ')}, not ${record.projectId}`
        : `not for project ${record.projectId}`;
    case 'content':
      return integration?.filter
        ? `only when ${filterInWords(integration.filter)}`
        : 'its content filter leaves the event out';
    case 'disabled':
      return 'switched off';
    case 'throttled':
      return `held back by the team's alert frequency: the same alert at most once every ${record.throttle?.minIntervalSeconds ?? '?'} s`;
    case 'own-health':
      return 'an event about this integration itself is never sent to it';
  }
}

/**
 * An events-log record as the API reads it: delivery ids derived, integration names and
 * skip reasons in words; `statuses` (the detail read) adds each delivery's status now.
 */
export function eventLogView(
  record: EventRecord,
  integrationOf: IntegrationOf,
  statuses?: Map<string, DeliveryStatus | null>,
): EventLogEntry {
  return {
    id: record.id,
    eventId: record.eventId,
    type: record.type,
    projectId: record.projectId,
    occurredAt: record.occurredAt,
    receivedAt: record.receivedAt,
    routedAt: record.routedAt,
    outcome: record.outcome,
    deliveries: record.deliveredTo.map((integrationId) => {
      // Routed events have their id: deliveries are named after it.
      const deliveryId = deliveryIdFor(record.eventId ?? '', integrationId);
      return {
        integrationId,
        integrationName: integrationOf(integrationId)?.name ?? null,
        deliveryId,
        ...(statuses ? { status: statuses.get(deliveryId) ?? null } : {}),
      };
    }),
    skipped: Object.entries(record.skipped).map(([integrationId, reason]) => {
      const integration = integrationOf(integrationId);
      return {
        integrationId,
        integrationName: integration?.name ?? null,
        reason,
        message: skipMessage(reason, integration, record),
      };
    }),
    skippedCount: record.skippedCount,
    throttle: record.throttle,
    rejection: record.rejection,
  };
}
