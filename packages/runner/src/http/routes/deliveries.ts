import { z } from 'zod';
import type { HeraldService } from '../../service.js';
import type { DeliveryStatus } from '../../store/delivery-records.js';
import { notFound } from '../errors.js';
import { type AnyRoute, defineRoute } from '../route.js';
import {
  deliveryListQuery,
  deliveryParams,
  deliverySchema,
  deliverySummarySchema,
  integrationParams,
  pageOf,
  replayBody,
} from '../schemas.js';
import { deliverySummary, deliveryView } from '../views.js';
import { findIntegration } from './common.js';

const TAG = 'Deliveries';
/** Event ids of test notifications (HeraldService.sendTest). */
const TEST_EVENT_PREFIX = 'evt_test_';

/** An integration's delivery log: list, detail, resend and replay. */
export function deliveryRoutes(service: HeraldService): AnyRoute[] {
  const record = async (teamId: string, id: string, deliveryId: string) => {
    findIntegration(service, teamId, id);
    const found = await service.deliveryLog.getRecord(id, deliveryId);
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
        findIntegration(service, teamId, params.id);
        const page = await service.deliveryLog.list(params.id, {
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
        const detail = await service.deliveryLog.getDetail(params.id, params.deliveryId);
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
        await service.requeue(await record(teamId, params.id, params.deliveryId), 'manual');
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
        findIntegration(service, teamId, params.id);
        const statuses: DeliveryStatus[] = body.status ? [body.status] : ['failed', 'skipped'];
        const found = await service.deliveryLog.replayable(params.id, body.since, statuses);
        // Test notifications (sendTest) are recorded too; replaying one would send an example event.
        const unique = [...new Map(found.map((r) => [r.id, r])).values()].filter(
          (r) => r.teamId === teamId && !r.eventId.startsWith(TEST_EVENT_PREFIX),
        );
        for (const r of unique) await service.requeue(r, 'replay');
        return { count: unique.length };
      },
    }),
  ];
}
