import { z } from 'zod';
import type { Commands } from '../../commands.js';
import { TEST_EVENT_ID_PREFIX } from '../../delivery/test-notification.js';
import type { DeliveryLog, DeliveryStatus } from '../../store/delivery-records.js';
import { notFound } from '../errors.js';
import { deliverySchema, deliverySummarySchema, pageOf } from '../response-schemas.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { deliveryListQuery, deliveryParams, integrationParams, replayBody } from '../schemas.js';
import { deliverySummary, deliveryView } from '../views.js';
import { findIntegration, type IntegrationLookup } from './common.js';

const TAG = 'Deliveries';

/** What the delivery log's routes use. */
export interface DeliveryRouteDeps extends IntegrationLookup {
  deliveryLog: Pick<DeliveryLog, 'getRecord' | 'getDetail' | 'list' | 'replayable'>;
  commands: Pick<Commands, 'requeue'>;
}

/** An integration's delivery log: list, detail, resend and replay. */
export function deliveryRoutes(deps: DeliveryRouteDeps): AnyRoute[] {
  const record = async (teamId: string, id: string, deliveryId: string) => {
    findIntegration(deps, teamId, id);
    const found = await deps.deliveryLog.getRecord(id, deliveryId);
    if (!found || found.teamId !== teamId) throw notFound(`delivery ${deliveryId}`);
    return found;
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/v1/integrations/:id/deliveries',
      operationId: 'listDeliveries',
      summary: "An integration's deliveries, newest first",
      tag: TAG,
      auth: true,
      params: integrationParams,
      query: deliveryListQuery,
      status: 200,
      response: pageOf(deliverySummarySchema),
      errors: [404],
      handler: async ({ teamId, params, query }) => {
        findIntegration(deps, teamId, params.id);
        const page = await deps.deliveryLog.list(params.id, {
          status: query.status,
          cursor: query.cursor ?? null,
          limit: query.limit,
        });
        return { items: page.items.map(deliverySummary), nextCursor: page.nextCursor };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/v1/integrations/:id/deliveries/:deliveryId',
      operationId: 'getDelivery',
      summary: 'A delivery with its event and every attempt (request and response)',
      tag: TAG,
      auth: true,
      params: deliveryParams,
      status: 200,
      response: deliverySchema,
      errors: [404],
      handler: async ({ teamId, params }) => {
        await record(teamId, params.id, params.deliveryId);
        const detail = await deps.deliveryLog.getDetail(params.id, params.deliveryId);
        if (!detail) throw notFound(`delivery ${params.deliveryId}`);
        return deliveryView(detail);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/integrations/:id/deliveries/:deliveryId/resend',
      operationId: 'resendDelivery',
      summary: 'Queue one more attempt of a delivery now (trigger `manual`)',
      tag: TAG,
      auth: true,
      params: deliveryParams,
      status: 202,
      response: z.object({ deliveryId: z.string(), queued: z.literal(true) }),
      errors: [404],
      handler: async ({ teamId, params }) => {
        await deps.commands.requeue(await record(teamId, params.id, params.deliveryId), 'manual');
        return { deliveryId: params.deliveryId, queued: true as const };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/integrations/:id/replay',
      operationId: 'replayDeliveries',
      summary: 'Queue again every failed (and/or skipped) delivery created since a time (trigger `replay`)',
      description: 'Each replayed delivery starts the retry schedule afresh.',
      tag: TAG,
      auth: true,
      params: integrationParams,
      body: replayBody,
      status: 202,
      response: z.object({ count: z.number().int() }),
      errors: [404],
      handler: async ({ teamId, params, body }) => {
        findIntegration(deps, teamId, params.id);
        const statuses: DeliveryStatus[] = body.status ? [body.status] : ['failed', 'skipped'];
        const found = await deps.deliveryLog.replayable(params.id, body.since, statuses);
        // Tests and confirmations are recorded too; replaying one would send it again, out of its moment.
        const unique = [...new Map(found.map((r) => [r.id, r])).values()].filter(
          (r) => r.teamId === teamId && !r.eventId.startsWith(TEST_EVENT_ID_PREFIX),
        );
        for (const r of unique) await deps.commands.requeue(r, 'replay');
        return { count: unique.length };
      },
    }),
  ];
}
