import { type Integration, integrationSchema, newId } from '@herald/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HeraldService } from '../../service.js';
import { ConflictError } from '../../store/integrations.js';
import {
  claimNonce,
  purgeExpiredNonces,
  type StatePayload,
  stateKeyFrom,
  verifyState,
} from '../slack-state.js';
import { INSTALL_COOKIE_PREFIX } from './slack-install.js';
import { exchangeCode, SLACK_CALLBACK_PATH, type SlackWebhookGrant } from './slack-install-oauth.js';
import { exchangeFailure, type Page, page, sendInstallPage } from './slack-install-page.js';
import { forgetDeletedInstalls, installRecord, SlackInstalls } from './slack-install-store.js';

// Where Slack sends the browser back: `?code=…&state=…` after "Allow", or
// `?error=access_denied&state=…` after "Cancel". A browser lands here, so the answer is
// a redirect to the integration's page or an HTML page saying what went wrong — never
// JSON. The state is checked (signature, expiry, this browser's cookie) and its nonce
// claimed before anything else, so a replay is refused even while the first use is still
// exchanging its code; the integration is written only after Slack gave a webhook.

/** Slack's error codes are short snake_case words; anything else is not quoted on a page. */
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

function one(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function hasInstallCookie(request: FastifyRequest, nonce: string): boolean {
  const header = request.headers.cookie ?? '';
  return header.split(';').some((c) => c.trim().split('=')[0] === `${INSTALL_COOKIE_PREFIX}${nonce}`);
}

/** Creates the integration, or replaces a reinstalled one's webhook and enables it. */
async function saveInstall(
  service: HeraldService,
  s: StatePayload,
  grant: SlackWebhookGrant,
  config: Record<string, unknown>,
  current: Integration | undefined,
): Promise<Integration> {
  const installs = new SlackInstalls(service.buckets.teams);
  const now = new Date().toISOString();
  if (current) {
    const next: Integration = {
      ...current,
      config: { ...current.config, ...config },
      enabled: true,
      updatedAt: now,
    };
    await service.integrations.update(next);
    await installs.save(installRecord(next, grant)).catch((err: unknown) => {
      service.logger.warn(
        { integrationId: next.id, err: (err as Error).message },
        'slack install record not saved',
      );
    });
    await service.control(next.id, 'enable', `reinstalled to Slack ${grant.channel}`);
    return next;
  }
  const created: Integration = integrationSchema.parse({
    id: newId('int'),
    teamId: s.t,
    name: s.name,
    type: 'slack',
    config,
    events: s.events,
    projects: s.projects,
    enabled: true,
    rateLimitPerSecond: null,
    createdAt: now,
    updatedAt: now,
  });
  // The record first: if the integration cannot be written, the record is removed and
  // nothing is left; a record without its integration is never shown anyway.
  await installs.save(installRecord(created, grant));
  try {
    await service.integrations.create(created);
  } catch (err) {
    await installs.forget(created.id).catch(() => undefined);
    throw err;
  }
  return created;
}

async function handle(
  service: HeraldService,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { slackApp: app, publicUrl } = service.config;
  const query = request.query as Record<string, unknown>;
  const fail = (p: Page, back = { href: '/#/integrations', label: 'Back to Herald' }) =>
    sendInstallPage(reply, { ...p, back });
  if (!app || !publicUrl)
    return fail(
      page(404, 'not_configured', '"Add to Slack" is not set up', 'This Herald has no Slack app configured.'),
    );

  const state = one(query.state);
  const check = state
    ? verifyState(stateKeyFrom(app.clientSecret), state)
    : ({ ok: false, problem: 'malformed' } as const);
  if (!check.ok)
    return fail(
      check.problem === 'expired'
        ? page(
            400,
            'expired_state',
            'This install link has expired',
            'Install links work for 10 minutes. Start again from Herald.',
          )
        : page(
            400,
            'bad_state',
            'This is not a valid install link',
            'Herald did not issue this Slack install link, or it was altered. Nothing was changed.',
            'Start the install from Herald’s dashboard.',
          ),
    );

  const s = check.payload;
  const reinstall = s.integrationId !== null;
  const back = reinstall
    ? { href: `/#/integrations/${s.integrationId}`, label: 'Back to the integration' }
    : { href: '/#/integrations/new', label: 'Start again' };
  const end = (p: Page) => sendInstallPage(reply, { ...p, back });
  const cookie = `${INSTALL_COOKIE_PREFIX}${s.n}`;
  reply.header('set-cookie', `${cookie}=; Path=${SLACK_CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax`);
  if (!hasInstallCookie(request, s.n))
    return end(
      page(
        400,
        'other_browser',
        'Finish the install in the browser that started it',
        'This install was started in another browser (or the dashboard is not opened at Herald’s public address), so Herald does not accept it here. Nothing was changed.',
      ),
    );
  const kv = service.buckets.teams;
  if ((await claimNonce(kv, s)) === 'replayed')
    return end(
      page(
        400,
        'replayed_state',
        'This install link was already used',
        'Each install link works once. Nothing was changed.',
      ),
    );
  purgeExpiredNonces(kv).catch((err: unknown) =>
    service.logger.warn({ err: (err as Error).message }, 'expired slack install nonces not purged'),
  );
  const log = (outcome: string, extra: Record<string, unknown> = {}) =>
    service.logger.info({ teamId: s.t, integrationId: s.integrationId, outcome, ...extra }, 'slack install');

  const error = one(query.error);
  if (error !== undefined) {
    log(error === 'access_denied' ? 'denied' : 'slack_error');
    if (error === 'access_denied')
      return end(
        page(
          200,
          'denied',
          reinstall ? 'Slack was not reinstalled' : 'Slack was not connected',
          reinstall
            ? 'You cancelled on Slack’s page. The integration is unchanged.'
            : 'You cancelled on Slack’s page, so no integration was created.',
        ),
      );
    const code = ERROR_CODE.test(error) ? error : 'unknown';
    return end(
      page(
        400,
        'slack_error',
        'Slack was not connected',
        `Slack sent back an error (${code}). Nothing was changed.`,
      ),
    );
  }
  const code = one(query.code);
  if (!code)
    return end(page(400, 'bad_request', 'Slack was not connected', 'Slack sent no authorization code.'));

  let current: Integration | undefined;
  if (s.integrationId !== null) {
    current = service.integrations.get(s.t, s.integrationId);
    if (current?.type !== 'slack')
      return fail(
        page(
          404,
          'integration_gone',
          'The integration is gone',
          'It was deleted while you were on Slack’s page.',
        ),
      );
  }

  const exchanged = await exchangeCode(app, publicUrl, code);
  if (!exchanged.ok) {
    log('exchange_failed', { slackError: exchanged.error });
    return end(exchangeFailure(exchanged.error, reinstall));
  }
  const provider = service.providers.get('slack');
  if (!provider)
    return end(
      page(
        500,
        'internal',
        'Slack was not connected',
        'The Slack provider is not loaded on this Herald (HERALD_PROVIDERS).',
      ),
    );
  const parsed = provider.configSchema.safeParse({ url: exchanged.grant.url });
  if (!parsed.success) {
    log('exchange_failed', { slackError: 'bad_webhook_url' });
    return end(exchangeFailure('unexpected_answer', reinstall));
  }

  let integration: Integration;
  try {
    integration = await saveInstall(
      service,
      s,
      exchanged.grant,
      parsed.data as Record<string, unknown>,
      current,
    );
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    return end(
      page(409, 'conflict', 'Slack was not reinstalled', 'The integration was changed meanwhile. Try again.'),
    );
  }
  try {
    const test = await service.sendTest(integration);
    log(reinstall ? 'reinstalled' : 'installed', {
      integrationId: integration.id,
      confirmation: test.outcome.kind,
    });
  } catch (err) {
    service.logger.warn(
      { integrationId: integration.id, err: (err as Error).message },
      'slack confirmation not sent',
    );
  }
  return reply.header('cache-control', 'no-store').redirect(`/#/integrations/${integration.id}`, 302);
}

/** `GET /v1/integrations/slack/callback` (public: Slack sends the browser; the state authenticates it). */
export function registerSlackCallback(app: FastifyInstance, service: HeraldService): void {
  forgetDeletedInstalls(service);
  app.get(SLACK_CALLBACK_PATH, async (request, reply) => {
    try {
      return await handle(service, request, reply);
    } catch (err) {
      service.logger.error(
        { reqId: request.id, err: (err as Error).message, stack: (err as Error).stack },
        'slack install failed',
      );
      return sendInstallPage(reply, {
        ...page(
          500,
          'internal',
          'Something went wrong',
          'Herald could not finish the install. Look at your integrations before trying again.',
        ),
        back: { href: '/#/integrations', label: 'Back to Herald' },
      });
    }
  });
}
