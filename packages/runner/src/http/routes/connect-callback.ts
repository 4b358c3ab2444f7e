import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HostedFlow } from '../../connect/flows.js';
import { claimNonce, purgeExpiredNonces, type StatePayload, verifyState } from '../../connect/state.js';
import { type InstallPage, type Page, page, sendInstallPage } from '../connect-page.js';
import type { PlainRoute } from '../openapi.js';
import { installCookie } from './connect.js';
import { type CompleteHost, completeInstall } from './connect-complete.js';

// Where the destination sends the browser back (`/v1/integrations/<type>/callback`):
// `?code=…&state=…` after "Allow", or `?error=access_denied&state=…` after "Cancel"
// (RFC 6749 §4.1.2). A browser lands here, so the answer is a redirect to the
// integration's page or an HTML page saying what went wrong — never JSON. The state is
// checked (signature, expiry, this browser's cookie) and its nonce claimed before
// anything else, so a replay is refused even while the first use is still exchanging
// its code; the integration is written only after the destination gave a config
// (connect-complete.ts).

/** OAuth error codes are short snake_case words; anything else is not quoted on a page. */
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;
const HOME = { href: '/#/integrations', label: 'Back to Herald' };

function one(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function hasCookie(request: FastifyRequest, name: string): boolean {
  const header = request.headers.cookie ?? '';
  return header.split(';').some((c) => c.trim().split('=')[0] === name);
}

/** The verified state of this browser's install, its nonce claimed; or the page that ends it. */
async function claimState(
  host: CompleteHost,
  hosted: HostedFlow,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ s: StatePayload } | { end: Page; back?: InstallPage['back'] }> {
  const name = hosted.provider.displayName;
  const state = one((request.query as Record<string, unknown>).state);
  const check =
    state && hosted.setup
      ? verifyState(hosted.setup.stateKey, state)
      : ({ ok: false, problem: 'malformed' } as const);
  if (!check.ok)
    return check.problem === 'expired'
      ? {
          end: page(
            400,
            'expired_state',
            'This install link has expired',
            'Install links work for 10 minutes. Start again from Herald.',
          ),
        }
      : {
          end: page(
            400,
            'bad_state',
            'This is not a valid install link',
            `Herald did not issue this ${name} install link, or it was altered. Nothing was changed.`,
            'Start the install from Herald’s dashboard.',
          ),
        };
  const s = check.payload;
  const back = backOf(s);
  const cookie = installCookie(hosted.type, s.n);
  reply.header('set-cookie', `${cookie}=; Path=${hosted.paths.callback}; Max-Age=0; HttpOnly; SameSite=Lax`);
  if (!hasCookie(request, cookie))
    return {
      back,
      end: page(
        400,
        'other_browser',
        'Finish the install in the browser that started it',
        'This install was started in another browser (or the dashboard is not opened at Herald’s public address), so Herald does not accept it here. Nothing was changed.',
      ),
    };
  const kv = host.connections.kv;
  if ((await claimNonce(kv, hosted.type, s)) === 'replayed')
    return {
      back,
      end: page(
        400,
        'replayed_state',
        'This install link was already used',
        'Each install link works once. Nothing was changed.',
      ),
    };
  purgeExpiredNonces(kv, hosted.type).catch((err: unknown) =>
    host.logger.warn({ err: (err as Error).message }, `expired ${hosted.type} install nonces not purged`),
  );
  return { s };
}

/** Where the end page leads: the reinstalled integration, or the form again. */
function backOf(s: StatePayload): InstallPage['back'] {
  return s.integrationId !== null
    ? { href: `/#/integrations/${s.integrationId}`, label: 'Back to the integration' }
    : { href: '/#/integrations/new', label: 'Start again' };
}

/** The callback's `error` (consent denied, or another OAuth error), or its missing code, as a page. */
function consentProblem(hosted: HostedFlow, s: StatePayload, query: Record<string, unknown>): Page | null {
  const name = hosted.provider.displayName;
  const reinstall = s.integrationId !== null;
  const error = one(query.error);
  if (error === 'access_denied')
    return page(
      200,
      'denied',
      reinstall ? `${name} was not reinstalled` : `${name} was not connected`,
      reinstall
        ? `You cancelled on ${name}’s page. The integration is unchanged.`
        : `You cancelled on ${name}’s page, so no integration was created.`,
    );
  if (error !== undefined)
    return page(
      400,
      'destination_error',
      `${name} was not connected`,
      `${name} sent back an error (${ERROR_CODE.test(error) ? error : 'unknown'}). Nothing was changed.`,
    );
  if (!one(query.code))
    return page(400, 'bad_request', `${name} was not connected`, `${name} sent no authorization code.`);
  return null;
}

async function handle(host: CompleteHost, hosted: HostedFlow, request: FastifyRequest, reply: FastifyReply) {
  if (!hosted.setup)
    return sendInstallPage(reply, {
      ...page(
        404,
        'not_configured',
        `"${hosted.flow.presentation.installLabel}" is not set up`,
        `This Herald has no ${hosted.provider.displayName} app configured.`,
      ),
      type: hosted.type,
      back: HOME,
    });
  const claimed = await claimState(host, hosted, request, reply);
  if ('end' in claimed)
    return sendInstallPage(reply, { ...claimed.end, type: hosted.type, back: claimed.back ?? HOME });
  const { s } = claimed;
  const query = request.query as Record<string, unknown>;
  const log = (outcome: string) =>
    host.logger.info({ teamId: s.t, integrationId: s.integrationId, outcome }, `${hosted.type} install`);
  const problem = consentProblem(hosted, s, query);
  if (problem) {
    log(problem.outcome === 'denied' ? 'denied' : problem.outcome);
    return sendInstallPage(reply, { ...problem, type: hosted.type, back: backOf(s) });
  }
  const params = Object.fromEntries(
    Object.entries(query).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'code' && e[0] !== 'state',
    ),
  );
  const done = await completeInstall(host, hosted, hosted.setup, s, { code: one(query.code)!, params });
  if ('end' in done)
    return sendInstallPage(reply, { ...done.end, type: hosted.type, back: done.home ? HOME : backOf(s) });
  return reply.header('cache-control', 'no-store').redirect(`/#/integrations/${done.integrationId}`, 302);
}

/** How each flow's callback appears in the OpenAPI document. */
export function connectCallbackDocs(host: Pick<CompleteHost, 'connections'>): PlainRoute[] {
  return host.connections.flows.all().map((hosted) => ({
    method: 'GET',
    path: hosted.paths.callback,
    operationId: `${hosted.type}Callback`,
    summary: `Where the ${hosted.type} consent page sends the browser back (the state authenticates it)`,
    tag: 'connect',
    query: ['code', 'state', 'error'],
    responses: {
      200: { description: 'Consent was cancelled: a page that says so', type: 'text/html' },
      302: { description: 'Installed: on to the integration in the dashboard' },
      400: { description: 'A bad, expired or replayed state, or no code', type: 'text/html' },
      404: { description: 'The integration to reinstall is gone', type: 'text/html' },
      409: { description: 'The integration changed meanwhile', type: 'text/html' },
      500: { description: 'The install could not finish', type: 'text/html' },
      502: { description: 'The provider refused the code exchange', type: 'text/html' },
    },
  }));
}

/** `GET /v1/integrations/<type>/callback` of every hosted flow (public: the state authenticates it). */
export function registerConnectCallbacks(app: FastifyInstance, host: CompleteHost): void {
  for (const hosted of host.connections.flows.all())
    app.get(hosted.paths.callback, async (request, reply) => {
      try {
        return await handle(host, hosted, request, reply);
      } catch (err) {
        host.logger.error(
          { reqId: request.id, err: (err as Error).message, stack: (err as Error).stack },
          `${hosted.type} install failed`,
        );
        return sendInstallPage(reply, {
          ...page(
            500,
            'internal',
            'Something went wrong',
            'Herald could not finish the install. Look at your integrations before trying again.',
          ),
          type: hosted.type,
          back: HOME,
        });
      }
    });
}
