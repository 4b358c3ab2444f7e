import { deliveryIdFor } from '@herald/core';
import type { DeliveryLog, DeliveryStatus } from '../../store/delivery-records.js';
import type { EventLog } from '../../store/event-records.js';
import type { IntegrationStore } from '../../store/integrations.js';
import { notFound } from '../errors.js';
import { eventLogView } from '../event-view.js';
import { eventLogEntrySchema, pageOf } from '../response-schemas.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { eventListQuery, eventLogParams } from '../schemas.js';

const TAG = 'Events';

/** What the events log's routes use. */
export interface EventLogRouteDeps {
  eventLog: Pick<EventLog, 'get' | 'list'>;
  deliveryLog: Pick<DeliveryLog, 'getRecord'>;
  integrations: Pick<IntegrationStore, 'get'>;
}

/** The team's events log: every event it published and what became of it. */
export function eventLogRoutes(deps: EventLogRouteDeps): AnyRoute[] {
  const integrationOf = (teamId: string) => (id: string) => deps.integrations.get(teamId, id);
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/events',
      operationId: 'listEvents',
      // Every integration's deliveries and skips: not for a link scoped to one.
      teamWide: true,
      summary: "The team's events, newest first, each with what became of it",
      description:
        'Filters: `type`, `projectId`, `outcome`. A filtered page may hold fewer items than `limit` and still a `nextCursor`: a page reads a bounded part of the log.',
      tag: TAG,
      auth: true,
      query: eventListQuery,
      status: 200,
      response: pageOf(eventLogEntrySchema),
      handler: async ({ teamId, query }) => {
        const page = await deps.eventLog.list(teamId, {
          type: query.type,
          projectId: query.projectId,
          outcome: query.outcome,
          cursor: query.cursor ?? null,
          limit: query.limit,
        });
        const of = integrationOf(teamId);
        return { items: page.items.map((r) => eventLogView(r, of)), nextCursor: page.nextCursor };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/v1/events/:id',
      operationId: 'getEvent',
      teamWide: true,
      summary: 'One event of the events log, with the status of each of its deliveries now',
      tag: TAG,
      auth: true,
      params: eventLogParams,
      status: 200,
      response: eventLogEntrySchema,
      errors: [404],
      handler: async ({ teamId, params }) => {
        const record = await deps.eventLog.get(teamId, params.id);
        if (!record) throw notFound(`event ${params.id}`);
        const statuses = new Map<string, DeliveryStatus | null>();
        await Promise.all(
          record.deliveredTo.map(async (integrationId) => {
            const deliveryId = deliveryIdFor(record.eventId ?? '', integrationId);
            const delivery = await deps.deliveryLog.getRecord(integrationId, deliveryId);
            statuses.set(deliveryId, delivery && delivery.teamId === teamId ? delivery.status : null);
          }),
        );
        return eventLogView(record, integrationOf(teamId), statuses);
      },
    }),
  ];
}
