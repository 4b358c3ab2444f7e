import type { Integration } from '@herald/core';
import type { Commands } from '../../commands.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { IntegrationStore } from '../../store/integrations.js';
import { invalidRequest } from '../errors.js';
import { newSigningSecret, newToken, providerOf, validateConfig } from '../integration-config.js';
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
      summary: "Rotate a webhook's token or add a new signing secret",
      description:
        'kind `token` replaces the token; kind `signingSecret` adds a new whsec_ secret and, unless ' +
        '`keepPrevious` is false, keeps the current ones active (requests carry one signature per secret). ' +
        'Drop an old secret later with PATCH, sending the masked list without it. The new secret is returned once.',
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
        const signing = provider.secretFields.includes('signingSecrets');
        const token = provider.secretFields.includes('secret');
        const existing = Array.isArray(current.config.signingSecrets)
          ? (current.config.signingSecrets as string[])
          : [];
        const kind =
          body.kind ?? (existing.length > 0 || !token ? ('signingSecret' as const) : ('token' as const));
        if ((kind === 'signingSecret' && !signing) || (kind === 'token' && !token)) {
          throw invalidRequest('invalid request body', [
            {
              path: 'kind',
              message: `${current.type} integrations have no ${kind === 'token' ? 'token' : 'signing secret'} to rotate`,
              in: 'body',
            },
          ]);
        }
        const secret = kind === 'token' ? newToken() : newSigningSecret();
        const config =
          kind === 'token'
            ? { ...current.config, secret }
            : { ...current.config, signingSecrets: body.keepPrevious ? [secret, ...existing] : [secret] };
        const next: Integration = {
          ...current,
          config: validateConfig(provider, config),
          updatedAt: new Date().toISOString(),
        };
        await deps.integrations.update(next);
        return { kind, secret, integration: await viewOf(deps, next) };
      },
    }),
  ];
}
