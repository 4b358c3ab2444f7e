import { eventPatternSchema, SAFE_TOKEN } from '@herald/core';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { SlackAppConfig } from '../../config/config.js';
import type { HeraldService } from '../../service.js';
import { ApiError, invalidRequest } from '../errors.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { integrationNameInput } from '../schemas.js';
import {
  MAX_STATE_CHARS,
  newNonce,
  STATE_TTL_MS,
  type StatePayload,
  signState,
  stateKeyFrom,
} from '../slack-state.js';
import { findIntegration } from './common.js';
import { authorizeUrl, redirectUri, SLACK_CALLBACK_PATH } from './slack-install-oauth.js';

// "Add to Slack": where an install starts. The browser must be sent to Slack with a
// signed state; a navigation cannot carry the API key (and a key never goes in a URL),
// so the dashboard asks with its key (POST) and navigates to the answer. The answer
// also sets a short-lived cookie named after the state's nonce: the callback accepts
// the state only from the browser that started the install, so a link to someone
// else's install cannot attach the clicker's Slack channel to another team (RFC 6749
// §10.12). The callback itself is in slack-install-callback.ts.

const TAG = 'Slack app';
/** The env variables an operator sets to offer "Add to Slack". */
const SLACK_APP_VARIABLES = 'HERALD_SLACK_CLIENT_ID, HERALD_SLACK_CLIENT_SECRET and HERALD_PUBLIC_URL';
/** The cookie that binds an install to the browser that started it: `herald_slack_<nonce>`. */
export const INSTALL_COOKIE_PREFIX = 'herald_slack_';

const token = z.string().regex(SAFE_TOKEN, 'must match [A-Za-z0-9_-]{1,64}');
const eventsInput = z.array(eventPatternSchema).min(1, 'pick at least one event type');
const projectsInput = z.array(token).min(1, 'use null for all projects');
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

function nameUnlessReinstall(input: { name?: string; integrationId?: string }, ctx: z.RefinementCtx): void {
  if (input.integrationId === undefined && input.name === undefined)
    ctx.addIssue({ code: 'custom', path: ['name'], message: 'required for a new integration' });
}

export const slackInstallBody = z
  .strictObject({
    name: integrationNameInput
      .optional()
      .meta({ description: 'the new integration’s name (not for a reinstall)' }),
    events: eventsInput.default(['*']),
    projects: projectsInput.nullable().default(null),
    integrationId: token.optional().meta({
      description: 'reinstall: the Slack integration whose webhook is replaced (and which is enabled)',
    }),
  })
  .superRefine(nameUnlessReinstall);

const slackInstallQuery = z
  .strictObject({
    name: integrationNameInput.optional(),
    events: list.pipe(eventsInput).optional().meta({ description: 'comma-separated; default *' }),
    projects: list
      .pipe(z.array(token))
      .optional()
      .meta({ description: 'comma-separated; empty or absent: all projects' }),
    integrationId: token.optional(),
  })
  .superRefine(nameUnlessReinstall);

const slackAppSchema = z.object({
  installAvailable: z.boolean(),
  reason: z.string().nullable().meta({ description: 'why not, when it is not available' }),
  clientId: z.string().nullable(),
  redirectUri: z.string().nullable().meta({ description: 'the redirect URL to register with the Slack app' }),
});

const installStartedSchema = z.object({
  url: z.string().meta({ description: "Slack's authorize page; send the same browser there" }),
  expiresAt: z.iso.datetime(),
});

type InstallInput = {
  name?: string;
  events?: string[];
  projects?: string[] | null;
  integrationId?: string;
};

/** The Slack app and public URL, or a 409 saying what the operator has to set. */
function slackAppOf(service: HeraldService): { app: SlackAppConfig; publicUrl: string } {
  const { slackApp, publicUrl } = service.config;
  if (!slackApp || !publicUrl)
    throw new ApiError(
      409,
      'slack_app_not_configured',
      `"Add to Slack" needs a Slack app: the operator sets ${SLACK_APP_VARIABLES} (see the README). Paste an incoming webhook URL instead.`,
    );
  return { app: slackApp, publicUrl };
}

/** Signs a state for the install, sets the browser-binding cookie, returns Slack's authorize URL. */
function startInstall(
  service: HeraldService,
  teamId: string,
  input: InstallInput,
  reply: FastifyReply,
  where: 'body' | 'query',
): { url: string; expiresAt: string } {
  const { app, publicUrl } = slackAppOf(service);
  let settings: Pick<StatePayload, 'name' | 'events' | 'projects' | 'integrationId'>;
  if (input.integrationId !== undefined) {
    const current = findIntegration(service, teamId, input.integrationId);
    if (current.type !== 'slack')
      throw invalidRequest(`invalid request ${where === 'body' ? 'body' : 'query string'}`, [
        { path: 'integrationId', message: `is a ${current.type} integration, not a Slack one`, in: where },
      ]);
    settings = {
      name: current.name,
      events: current.events,
      projects: current.projects,
      integrationId: current.id,
    };
  } else {
    settings = {
      name: input.name!,
      events: input.events ?? ['*'],
      projects: input.projects?.length ? input.projects : null,
      integrationId: null,
    };
  }
  const payload: StatePayload = { n: newNonce(), t: teamId, exp: Date.now() + STATE_TTL_MS, ...settings };
  const state = signState(stateKeyFrom(app.clientSecret), payload);
  if (state.length > MAX_STATE_CHARS)
    throw invalidRequest(`invalid request ${where === 'body' ? 'body' : 'query string'}`, [
      { path: 'projects', message: 'too many projects or event types for an install link', in: where },
    ]);
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${INSTALL_COOKIE_PREFIX}${payload.n}=1; Path=${SLACK_CALLBACK_PATH}; Max-Age=${STATE_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`,
  );
  reply.header('cache-control', 'no-store');
  return { url: authorizeUrl(app, publicUrl, state), expiresAt: new Date(payload.exp).toISOString() };
}

/** The Slack app's availability and the two ways to start an install. */
export function slackInstallRoutes(service: HeraldService): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/integrations/slack/app',
      operationId: 'getSlackApp',
      summary: 'Whether "Add to Slack" is available here, and the redirect URL to register',
      tag: TAG,
      auth: true,
      status: 200,
      response: slackAppSchema,
      handler: async () => {
        const { slackApp, publicUrl } = service.config;
        const available = !!slackApp && !!publicUrl;
        return {
          installAvailable: available,
          reason: available
            ? null
            : `The operator has not registered a Slack app with this Herald (${SLACK_APP_VARIABLES} are not set).`,
          clientId: slackApp?.clientId ?? null,
          redirectUri: publicUrl ? redirectUri(publicUrl) : null,
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/integrations/slack/install',
      operationId: 'startSlackInstall',
      summary: 'Start "Add to Slack": the URL of Slack’s authorize page for a new or reinstalled integration',
      description:
        'Send the same browser to `url` (it carries a cookie that binds the install to it). After the user ' +
        'picks a channel and allows, Slack sends the browser to GET /v1/integrations/slack/callback, which ' +
        'creates the integration (or replaces a reinstalled one’s webhook and enables it), sends a test ' +
        'notification and redirects to the integration’s page. The link expires after 10 minutes and works once.',
      tag: TAG,
      auth: true,
      body: slackInstallBody,
      status: 200,
      response: installStartedSchema,
      errors: [404, 409],
      handler: async ({ teamId, body, reply }) => startInstall(service, teamId, body, reply, 'body'),
    }),

    defineRoute({
      method: 'GET',
      path: '/v1/integrations/slack/install',
      operationId: 'redirectToSlackInstall',
      summary: 'Start "Add to Slack" with a redirect (302) to Slack’s authorize page',
      description:
        'The same as POST, for a client that sends the API key in the Authorization header and follows the ' +
        'redirect in the browser that will come back (the install is bound to it by a cookie).',
      tag: TAG,
      auth: true,
      query: slackInstallQuery,
      status: 302,
      errors: [404, 409],
      handler: async ({ teamId, query, reply }) => {
        const { url } = startInstall(service, teamId, query, reply, 'query');
        reply.header('location', url);
      },
    }),
  ];
}
