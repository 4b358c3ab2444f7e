import type { Integration } from '@herald/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { toErrorResponse } from '../../src/http/errors.js';
import { type AnyRoute, bearerAuth, registerRoutes } from '../../src/http/route.js';

/** API keys of the fake apps: `k-<team>` is the team's key. */
export const KEYS = { acme: 'k-acme', globex: 'k-globex' } as const;

/**
 * A fastify app with just `routes`, authenticated by `KEYS` and answering errors as the
 * real server does: a route group under test, without NATS or the rest of the runner.
 */
export async function routeApp(routes: AnyRoute[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = toErrorResponse(err);
    return reply.code(status).send(body);
  });
  const teams = new Map(Object.entries(KEYS).map(([team, key]) => [key as string, team]));
  registerRoutes(
    app,
    routes,
    bearerAuth(async (key) => teams.get(key) ?? null),
  );
  await app.ready();
  return app;
}

/** An in-memory integration store, team-scoped like the KV one. */
export function memoryIntegrations(initial: Integration[] = []) {
  const byId = new Map(initial.map((i) => [i.id, i]));
  return {
    byId,
    get: (teamId: string, id: string) => {
      const found = byId.get(id);
      return found?.teamId === teamId ? found : undefined;
    },
    list: (teamId: string) => [...byId.values()].filter((i) => i.teamId === teamId),
    create: async (i: Integration) => void byId.set(i.id, i),
    update: async (i: Integration) => void byId.set(i.id, i),
    delete: async (_teamId: string, id: string) => void byId.delete(id),
  };
}

/** Records every command instead of publishing it. */
export function recordingCommands() {
  const sent: Array<[string, ...unknown[]]> = [];
  return {
    sent,
    control: async (integrationId: string, action: string, reason?: string) =>
      void sent.push(['control', integrationId, action, reason]),
    requeue: async (record: { id: string }, trigger: string) =>
      void sent.push(['requeue', record.id, trigger]),
    sendTest: async (integration: Integration) => recordDirect(sent, 'sendTest', integration),
    sendConfirmation: async (integration: Integration) => recordDirect(sent, 'sendConfirmation', integration),
  };
}

/** What a recorded test or confirmation answers: a success, as the log would keep it. */
function recordDirect(sent: Array<[string, ...unknown[]]>, command: string, integration: Integration) {
  sent.push([command, integration.id]);
  return {
    record: { id: `dlv_test_${integration.id}` },
    attempt: {
      number: 1,
      trigger: 'test',
      at: new Date().toISOString(),
      durationMs: 3,
      request: { method: 'POST', url: 'https://hooks.example.com/****', headers: {}, body: '{}' },
      response: { status: 204, headers: {}, body: '', truncated: false },
      error: null,
      outcome: 'success',
      reason: null,
    },
    outcome: { kind: 'success' },
  };
}
