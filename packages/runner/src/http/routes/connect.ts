import { eventPatternSchema, SAFE_TOKEN } from '@herald/core';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Connections } from '../../connect/connections.js';
import type { HostedFlow } from '../../connect/flows.js';
import {
  MAX_STATE_CHARS,
  newNonce,
  STATE_TTL_MS,
  type StatePayload,
  signState,
} from '../../connect/state.js';
import { ApiError, invalidRequest } from '../errors.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { integrationNameInput } from '../schemas.js';
import { findIntegration, type IntegrationLookup } from './common.js';

// Where a connect flow's install starts ("Add to Slack"), for every provider that has
// one: `/v1/integrations/<type>/app` and `/install`. The browser must be sent to the
// destination with a signed state; a navigation cannot carry the API key (and a key
// never goes in a URL), so the dashboard asks with its key (POST) and navigates to the
// answer. The answer also sets a short-lived cookie named after the state's nonce: the
// callback accepts the state only from the browser that started the install, so a link
// to someone else's install cannot attach the clicker's channel to another team
// (RFC 6749 §10.12). The callback itself is in connect-callback.ts.

/** What these routes use: the hosted flows, and the integration a reinstall replaces. */
export interface ConnectHost extends IntegrationLookup {
  connections: Pick<Connections, 'flows'>;
}

/** The cookie that binds an install to the browser that started it: `herald_<type>_<nonce>`. */
export function installCookie(type: string, nonce: string): string {
  return `herald_${type}_${nonce}`;
}

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

export const installBody = z
  .strictObject({
    name: integrationNameInput
      .optional()
      .meta({ description: 'the new integration’s name (not for a reinstall)' }),
    events: eventsInput.default(['*']),
    projects: projectsInput.nullable().default(null),
    integrationId: token.optional().meta({
      description: 'reinstall: the integration whose config is replaced (and which is enabled)',
    }),
  })
  .superRefine(nameUnlessReinstall);

const installQuery = z
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

const appSchema = z.object({
  installAvailable: z.boolean(),
  reason: z.string().nullable().meta({ description: 'why not, when it is not available' }),
  clientId: z.string().nullable(),
  redirectUri: z.string().nullable().meta({ description: 'the redirect URL to register with the app' }),
});

const installStartedSchema = z.object({
  url: z.string().meta({ description: "the destination's authorize page; send the same browser there" }),
  expiresAt: z.iso.datetime(),
});

type InstallInput = { name?: string; events?: string[]; projects?: string[] | null; integrationId?: string };
type Where = 'body' | 'query';
type Settings = Pick<StatePayload, 'name' | 'events' | 'projects' | 'integrationId'>;

const problemIn = (where: Where, path: string, message: string) =>
  invalidRequest(`invalid request ${where === 'body' ? 'body' : 'query string'}`, [
    { path, message, in: where },
  ]);

/** The pending integration's settings: the input's, or a reinstalled integration's own. */
function pendingOf(host: ConnectHost, hosted: HostedFlow, teamId: string, input: InstallInput, where: Where) {
  if (input.integrationId === undefined)
    return {
      name: input.name!,
      events: input.events ?? ['*'],
      projects: input.projects?.length ? input.projects : null,
      integrationId: null,
    } satisfies Settings;
  const current = findIntegration(host, teamId, input.integrationId);
  if (current.type !== hosted.type)
    throw problemIn(
      where,
      'integrationId',
      `is a ${current.type} integration, not a ${hosted.provider.displayName} one`,
    );
  const { name, events, projects, id } = current;
  return { name, events, projects, integrationId: id } satisfies Settings;
}

/** Signs a state for the install, sets the browser-binding cookie, returns the authorize URL. */
function startInstall(
  host: ConnectHost,
  hosted: HostedFlow,
  ctx: { teamId: string; input: InstallInput; reply: FastifyReply; where: Where },
): { url: string; expiresAt: string } {
  if (!hosted.setup)
    throw new ApiError(
      409,
      `${hosted.type.replaceAll('-', '_')}_app_not_configured`,
      `"${hosted.flow.presentation.installLabel}" is not set up on this Herald: the operator sets ${hosted.variables} (see the README). ${hosted.flow.presentation.manualLabel}.`,
    );
  const pending = pendingOf(host, hosted, ctx.teamId, ctx.input, ctx.where);
  const payload: StatePayload = { n: newNonce(), t: ctx.teamId, exp: Date.now() + STATE_TTL_MS, ...pending };
  const { settings, stateKey, redirectUri } = hosted.setup;
  const state = signState(stateKey, payload);
  if (state.length > MAX_STATE_CHARS)
    throw problemIn(ctx.where, 'projects', 'too many projects or event types for an install link');
  const secure = redirectUri.startsWith('https:') ? '; Secure' : '';
  ctx.reply.header(
    'set-cookie',
    `${installCookie(hosted.type, payload.n)}=1; Path=${hosted.paths.callback}; Max-Age=${STATE_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`,
  );
  ctx.reply.header('cache-control', 'no-store');
  return {
    url: hosted.flow.authorizeUrl({ settings, redirectUri, state }),
    expiresAt: new Date(payload.exp).toISOString(),
  };
}

const pascal = (type: string) =>
  type
    .split('-')
    .map((w) => `${w[0]!.toUpperCase()}${w.slice(1)}`)
    .join('');

/** One flow's availability and the two ways to start an install. */
function flowRoutes(host: ConnectHost, hosted: HostedFlow): AnyRoute[] {
  const { installLabel } = hosted.flow.presentation;
  const name = pascal(hosted.type);
  const tag = `${hosted.provider.displayName} app`;
  const start = (teamId: string, input: InstallInput, reply: FastifyReply, where: Where) =>
    startInstall(host, hosted, { teamId, input, reply, where });
  return [
    defineRoute({
      method: 'GET',
      path: hosted.paths.app,
      operationId: `get${name}App`,
      summary: `Whether "${installLabel}" is available here, and the redirect URL to register`,
      tag,
      auth: true,
      status: 200,
      response: appSchema,
      handler: async () => ({
        installAvailable: hosted.setup !== null,
        reason: hosted.unavailableReason,
        clientId: hosted.setup ? (hosted.flow.clientId?.(hosted.setup.settings) ?? null) : null,
        redirectUri: hosted.redirectUri,
      }),
    }),
    defineRoute({
      method: 'POST',
      path: hosted.paths.install,
      operationId: `start${name}Install`,
      summary: `Start "${installLabel}": the URL of ${hosted.provider.displayName}’s authorize page for a new or reinstalled integration`,
      description:
        `Send the same browser to \`url\` (it carries a cookie that binds the install to it). After the user ` +
        `allows, ${hosted.provider.displayName} sends the browser to GET ${hosted.paths.callback}, which ` +
        'creates the integration (or replaces a reinstalled one’s config and enables it), sends a test ' +
        'notification and redirects to the integration’s page. The link expires after 10 minutes and works once.',
      tag,
      auth: true,
      body: installBody,
      status: 200,
      response: installStartedSchema,
      errors: [404, 409],
      handler: async ({ teamId, body, reply }) => start(teamId, body, reply, 'body'),
    }),
    defineRoute({
      method: 'GET',
      path: hosted.paths.install,
      operationId: `redirectTo${name}Install`,
      summary: `Start "${installLabel}" with a redirect (302) to ${hosted.provider.displayName}’s authorize page`,
      description:
        'The same as POST, for a client that sends the API key in the Authorization header and follows the ' +
        'redirect in the browser that will come back (the install is bound to it by a cookie).',
      tag,
      auth: true,
      changes: true,
      query: installQuery,
      status: 302,
      errors: [404, 409],
      handler: async ({ teamId, query, reply }) => {
        reply.header('location', start(teamId, query, reply, 'query').url);
      },
    }),
  ];
}

/** The install routes of every hosted connect flow. */
export function connectRoutes(host: ConnectHost): AnyRoute[] {
  return host.connections.flows.all().flatMap((hosted) => flowRoutes(host, hosted));
}
