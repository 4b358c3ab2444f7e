import { type Integration, integrationSchema, newId } from '@herald/core';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Commands } from '../../commands.js';
import type { Connections } from '../../connect/connections.js';
import type { FlowSetup, HostedFlow } from '../../connect/flows.js';
import type { StatePayload } from '../../connect/state.js';
import { ConflictError, type IntegrationStore } from '../../store/integrations.js';
import { type Page, page } from '../connect-page.js';

// The end of a connect flow's callback, once the state is verified and claimed: the
// provider exchanges the code for a config, the runner checks it with the provider's
// own schema, creates the integration (or replaces a reinstalled one's config and
// enables it), keeps the install's details next to it and sends a test notification.

/** What the callback uses. */
export interface CompleteHost {
  connections: Pick<Connections, 'flows' | 'kv' | 'http' | 'saveInstall' | 'records'>;
  integrations: Pick<IntegrationStore, 'get' | 'create' | 'update'>;
  logger: Logger;
  commands: Pick<Commands, 'control' | 'sendConfirmation'>;
}

// A plugin's answer is parsed like any input: a broken one ends on a page, not in a crash.
const exchangeResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    config: z.record(z.string(), z.unknown()),
    details: z.record(z.string(), z.unknown()),
    summary: z.string().max(200),
  }),
  z.object({
    ok: z.literal(false),
    error: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
    status: z.number().int().min(400).max(599),
    message: z.array(z.string()).min(1),
  }),
]);

type Completed = { integrationId: string } | { end: Page; home?: boolean };

/** Creates the integration, or replaces a reinstalled one's config and enables it. */
async function save(
  host: CompleteHost,
  hosted: HostedFlow,
  s: StatePayload,
  grant: { config: Record<string, unknown>; details: Record<string, unknown>; summary: string },
  current: Integration | undefined,
): Promise<Integration> {
  const now = new Date().toISOString();
  if (current) {
    const next: Integration = {
      ...current,
      config: { ...current.config, ...grant.config },
      enabled: true,
      updatedAt: now,
    };
    await host.integrations.update(next);
    await host.connections.saveInstall(hosted, next, grant.details).catch((err: unknown) => {
      host.logger.warn({ integrationId: next.id, err: (err as Error).message }, 'install record not saved');
    });
    await host.commands.control(
      next.id,
      'enable',
      `reinstalled to ${hosted.provider.displayName} ${grant.summary}`,
    );
    return next;
  }
  const created: Integration = integrationSchema.parse({
    id: newId('int'),
    teamId: s.t,
    name: s.name,
    type: hosted.type,
    config: grant.config,
    events: s.events,
    projects: s.projects,
    enabled: true,
    rateLimitPerSecond: null,
    filter: null,
    createdAt: now,
    updatedAt: now,
  });
  // The record first: if the integration cannot be written, the record is removed and
  // nothing is left; a record without its integration is never shown anyway.
  await host.connections.saveInstall(hosted, created, grant.details);
  try {
    await host.integrations.create(created);
  } catch (err) {
    await host.connections
      .records(hosted.type)
      .forget(created.id)
      .catch(() => undefined);
    throw err;
  }
  return created;
}

/** Asks the provider for the config; checks what it answered. */
async function exchange(
  host: CompleteHost,
  hosted: HostedFlow,
  setup: FlowSetup,
  input: { code: string; params: Record<string, string> },
) {
  const answer = await hosted.flow.exchange({
    settings: setup.settings,
    redirectUri: setup.redirectUri,
    code: input.code,
    params: input.params,
    http: host.connections.http,
  });
  const result = exchangeResultSchema.safeParse(answer);
  if (!result.success) return { ok: false as const, error: 'unusable_answer' };
  if (!result.data.ok) return result.data;
  const config = hosted.provider.configSchema.safeParse(result.data.config);
  if (!config.success) return { ok: false as const, error: 'bad_config' };
  return { ...result.data, config: config.data as Record<string, unknown> };
}

/** Exchange, save, confirm; the integration's id, or the page it ended on. */
export async function completeInstall(
  host: CompleteHost,
  hosted: HostedFlow,
  setup: FlowSetup,
  s: StatePayload,
  input: { code: string; params: Record<string, string> },
): Promise<Completed> {
  const name = hosted.provider.displayName;
  const reinstall = s.integrationId !== null;
  const title = reinstall ? `${name} was not reinstalled` : `${name} was not connected`;
  const log = (outcome: string, extra: Record<string, unknown> = {}) =>
    host.logger.info(
      { teamId: s.t, integrationId: s.integrationId, outcome, ...extra },
      `${hosted.type} install`,
    );

  let current: Integration | undefined;
  if (s.integrationId !== null) {
    current = host.integrations.get(s.t, s.integrationId);
    if (current?.type !== hosted.type)
      return {
        home: true,
        end: page(
          404,
          'integration_gone',
          'The integration is gone',
          `It was deleted while you were on ${name}’s page.`,
        ),
      };
  }
  const result = await exchange(host, hosted, setup, input);
  if (!result.ok) {
    log('exchange_failed', { destinationError: result.error });
    return 'status' in result
      ? { end: { status: result.status, outcome: 'exchange_failed', title, message: result.message } }
      : {
          end: page(
            502,
            'exchange_failed',
            title,
            `${name} answered with something Herald cannot use. Try again.`,
          ),
        };
  }
  let integration: Integration;
  try {
    integration = await save(host, hosted, s, result, current);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    return { end: page(409, 'conflict', title, 'The integration was changed meanwhile. Try again.') };
  }
  try {
    const test = await host.commands.sendConfirmation(integration);
    log(reinstall ? 'reinstalled' : 'installed', {
      integrationId: integration.id,
      confirmation: test.outcome.kind,
    });
  } catch (err) {
    host.logger.warn(
      { integrationId: integration.id, err: (err as Error).message },
      'install confirmation not sent',
    );
  }
  return { integrationId: integration.id };
}
