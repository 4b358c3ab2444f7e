import { z } from 'zod';
import {
  DEFAULT_PORTAL_TTL_SECONDS,
  MAX_PORTAL_TTL_SECONDS,
  PortalLinkNotFoundError,
  type PortalLinks,
} from '../../store/portal-links.js';
import { ApiError, notFound } from '../errors.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { named } from '../schemas.js';
import { findIntegration, type IntegrationLookup } from './common.js';

const TAG = 'Portal links';
const ID = /^pl_[0-9a-f]{24}$/;

/** What the portal-link routes use. */
export interface PortalLinkRouteDeps extends IntegrationLookup {
  portalLinks: Pick<PortalLinks, 'enabled' | 'mint' | 'revoke' | 'list'>;
  /** Where users reach Herald (HERALD_PUBLIC_URL), or null: the request's own origin is used. */
  publicUrl: string | null;
}

const mintBody = named(
  z.strictObject({
    integrationId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match [A-Za-z0-9_-]{1,64}')
      .optional(),
    readOnly: z.boolean().default(false),
    ttlSeconds: z.number().int().min(1).max(MAX_PORTAL_TTL_SECONDS).default(DEFAULT_PORTAL_TTL_SECONDS),
  }),
  'PortalLinkInput',
);

const linkSchema = named(
  z.object({
    id: z.string(),
    integrationId: z.string().nullable(),
    readOnly: z.boolean(),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
  }),
  'PortalLink',
);

const mintedSchema = named(
  linkSchema.extend({
    url: z.string().describe('Opens the dashboard with this link: no API key, nothing else to send'),
    token: z.string().describe('A bearer credential for the API within the link’s scope; shown once'),
  }),
  'MintedPortalLink',
);

function disabled(): ApiError {
  return new ApiError(
    403,
    'portal_links_disabled',
    `portal links are disabled on this Herald: set HERALD_PORTAL_SECRET (at least 32 random characters, the same on every runner) to enable them`,
  );
}

/** Minting (API key only) and revoking links that open the dashboard for one team without a key. */
export function portalLinkRoutes(deps: PortalLinkRouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/portal-links',
      operationId: 'createPortalLink',
      summary: "A short-lived link that opens the dashboard for the key's team, with no API key",
      description:
        '`integrationId` limits it to one integration, `readOnly` to reads; `ttlSeconds` defaults to 3600 ' +
        `(at most ${MAX_PORTAL_TTL_SECONDS}). The token is a bearer credential: treat the URL as a secret. ` +
        'A portal link cannot mint links itself.',
      tag: TAG,
      auth: true,
      portal: false,
      body: mintBody,
      status: 201,
      response: mintedSchema,
      errors: [403, 404],
      handler: async ({ teamId, body, request }) => {
        if (!deps.portalLinks.enabled) throw disabled();
        if (body.integrationId !== undefined) findIntegration(deps, teamId, body.integrationId);
        const { token, record } = await deps.portalLinks.mint({
          teamId,
          integrationId: body.integrationId ?? null,
          readOnly: body.readOnly,
          ttlSeconds: body.ttlSeconds,
        });
        const origin = deps.publicUrl ?? `${request.protocol}://${request.host}`;
        // In the fragment: the browser never sends it to a server, nor in a Referer.
        const { teamId: _team, ...link } = record;
        return { ...link, url: `${origin}/#portal=${token}`, token };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/v1/portal-links',
      operationId: 'listPortalLinks',
      summary: "The team's portal links that have not expired, newest first (never their tokens)",
      tag: TAG,
      auth: true,
      portal: false,
      status: 200,
      response: named(z.object({ items: z.array(linkSchema) }), 'PortalLinkList'),
      errors: [403],
      handler: async ({ teamId }) => ({
        items: (await deps.portalLinks.list(teamId)).map(({ teamId: _team, ...link }) => link),
      }),
    }),

    defineRoute({
      method: 'DELETE',
      path: '/v1/portal-links/:id',
      operationId: 'revokePortalLink',
      summary: 'Revoke a portal link: every runner refuses it within seconds',
      tag: TAG,
      auth: true,
      portal: false,
      params: z.strictObject({ id: z.string().min(1).max(64) }),
      status: 200,
      response: linkSchema,
      errors: [403, 404],
      handler: async ({ teamId, params }) => {
        if (!ID.test(params.id)) throw notFound(`portal link ${params.id}`);
        try {
          const { teamId: _team, ...link } = await deps.portalLinks.revoke(teamId, params.id);
          return link;
        } catch (err) {
          if (err instanceof PortalLinkNotFoundError) throw notFound(`portal link ${params.id}`);
          throw err;
        }
      },
    }),
  ];
}
