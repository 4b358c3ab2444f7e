import type { Integration } from '@herald/core';
import type { Commands } from '../../commands.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { IntegrationStore } from '../../store/integrations.js';
import { invalidRequest } from '../errors.js';
import {
  newSigningKey,
  newSigningSecret,
  newToken,
  providerOf,
  validateConfig,
} from '../integration-config.js';
import { integrationSchema, rotatedSchema, testResultSchema } from '../response-schemas.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { integrationParams, rotateSecretBody } from '../schemas.js';
import type { IntegrationView } from '../views.js';
import { testResultView } from '../views.js';
import { findIntegration, type IntegrationViewDeps, viewOf } from './common.js';

const TAG = 'Integrations';
/** How long enable waits for the integration's machine to leave `disabled`, so the answer shows it. */
const ENABLE_SETTLE_MS = 2_000;
const ENABLE_POLL_MS = 50;

/** The config field each kind of rotation changes, and what a refusal calls it. */
const ROTATED_FIELD = {
  token: 'secret',
  signingSecret: 'signingSecrets',
  signingKey: 'signingKeys',
} as const;
const ROTATED_NOUN = { token: 'token', signingSecret: 'signing secret', signingKey: 'signing key' } as const;

/** What enable, disable, test and rotate-secret use. */
export interface IntegrationActionDeps extends IntegrationViewDeps {
  integrations: Pick<IntegrationStore, 'get' | 'update'>;
  providers: Pick<ProviderRegistry, 'get' | 'types'>;
  commands: Pick<Commands, 'control' | 'sendTest'>;
}

async function setEnabled(
  deps: Pick<IntegrationActionDeps, 'integrations'>,
  current: Integration,
  enabled: boolean,
): Promise<Integration> {
  if (current.enabled === enabled) return current;
  const next = { ...current, enabled, updatedAt: new Date().toISOString() };
  await deps.integrations.update(next);
  return next;
}

/** Enable waits (bounded) until the partition's owner applied it; then the read is accurate. */
export async function settledView(
  deps: IntegrationViewDeps,
  integration: Integration,
): Promise<IntegrationView> {
  const deadline = Date.now() + ENABLE_SETTLE_MS;
  for (;;) {
    const view = await viewOf(deps, integration);
    if (view.health.state !== 'disabled' || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, ENABLE_POLL_MS));
  }
}

/** Enable, disable, test and secret rotation. */
export function integrationActionRoutes(deps: IntegrationActionDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/integrations/:id/enable',
      operationId: 'enableIntegration',
      summary: 'Enable an integration (also one that its health disabled)',
      tag: TAG,
      auth: true,
      params: integrationParams,
      status: 200,
      response: integrationSchema,
      errors: [404, 409],
      handler: async ({ teamId, params }) => {
        const integration = await setEnabled(deps, findIntegration(deps, teamId, params.id), true);
        await deps.commands.control(integration.id, 'enable', 'enabled by a user');
        return settledView(deps, integration);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/integrations/:id/disable',
      operationId: 'disableIntegration',
      summary: 'Disable an integration: it receives nothing until enabled',
      tag: TAG,
      auth: true,
      params: integrationParams,
      status: 200,
      response: integrationSchema,
      errors: [404, 409],
      handler: async ({ teamId, params }) => {
        const integration = await setEnabled(deps, findIntegration(deps, teamId, params.id), false);
        await deps.commands.control(integration.id, 'disable', 'disabled by a user');
        return viewOf(deps, integration);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/integrations/:id/test',
      operationId: 'testIntegration',
      summary: 'Send a test notification now and return the attempt',
      description:
        'The attempt is recorded in the delivery log with trigger `test`; it does not change health.',
      tag: TAG,
      auth: true,
      params: integrationParams,
      status: 200,
      response: testResultSchema,
      errors: [404],
      handler: async ({ teamId, params }) => {
        const { record, attempt } = await deps.commands.sendTest(findIntegration(deps, teamId, params.id));
        return testResultView(record.id, attempt);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/v1/integrations/:id/rotate-secret',
      operationId: 'rotateSecret',
      summary: "Rotate a webhook's token, or add a new signing secret or signing key pair",
      description:
        'kind `token` replaces the token; kind `signingSecret` adds a new whsec_ secret (returned once); kind ' +
        '`signingKey` adds a new ed25519 key pair and returns its whpk_ public key (the private key is never shown). ' +
        'Unless `keepPrevious` is false, the current secrets or keys stay active (requests carry one signature each). ' +
        'Drop an old one later with PATCH, sending the list as read without it.',
      tag: TAG,
      auth: true,
      params: integrationParams,
      body: rotateSecretBody,
      status: 200,
      response: rotatedSchema,
      errors: [404, 409],
      handler: async ({ teamId, params, body }) => {
        const current = findIntegration(deps, teamId, params.id);
        const provider = providerOf(deps.providers, current.type);
        const listOf = (field: string) =>
          Array.isArray(current.config[field]) ? (current.config[field] as string[]) : [];
        const hasToken = provider.secretFields.includes('secret');
        const kind =
          body.kind ??
          (listOf('signingSecrets').length > 0 || !hasToken
            ? ('signingSecret' as const)
            : ('token' as const));
        const field = ROTATED_FIELD[kind];
        if (!provider.secretFields.includes(field)) {
          throw invalidRequest('invalid request body', [
            {
              path: 'kind',
              message: `${current.type} integrations have no ${ROTATED_NOUN[kind]} to rotate`,
              in: 'body',
            },
          ]);
        }
        const secret =
          kind === 'token' ? newToken() : kind === 'signingKey' ? newSigningKey() : newSigningSecret();
        const value = kind === 'token' ? secret : body.keepPrevious ? [secret, ...listOf(field)] : [secret];
        const next: Integration = {
          ...current,
          config: validateConfig(provider, { ...current.config, [field]: value }),
          updatedAt: new Date().toISOString(),
        };
        await deps.integrations.update(next);
        const integration = await viewOf(deps, next);
        if (kind !== 'signingKey') return { kind, secret, integration };
        // The read shows each private key as its public key, newest first.
        const [publicKey] = integration.config.signingKeys as string[];
        return { kind, publicKey: publicKey as string, integration };
      },
    }),
  ];
}
