import type { Integration } from '@herald/core';
import type { HeraldService } from '../../service.js';
import { invalidRequest } from '../errors.js';
import { newSigningSecret, newToken, providerOf, validateConfig } from '../integration-config.js';
import { type AnyRoute, defineRoute } from '../route.js';
import {
  integrationParams,
  integrationSchema,
  rotatedSchema,
  rotateSecretBody,
  testResultSchema,
} from '../schemas.js';
import type { IntegrationView } from '../views.js';
import { testResultView } from '../views.js';
import { findIntegration, viewOf } from './common.js';

const TAG = 'Integrations';
/** How long enable waits for the integration's machine to leave `disabled`, so the answer shows it. */
const ENABLE_SETTLE_MS = 2_000;
const ENABLE_POLL_MS = 50;

async function setEnabled(
  service: HeraldService,
  current: Integration,
  enabled: boolean,
): Promise<Integration> {
  if (current.enabled === enabled) return current;
  const next = { ...current, enabled, updatedAt: new Date().toISOString() };
  await service.integrations.update(next);
  return next;
}

/** Enable waits (bounded) until the partition's owner applied it; then the read is accurate. */
async function settledView(service: HeraldService, integration: Integration): Promise<IntegrationView> {
  const deadline = Date.now() + ENABLE_SETTLE_MS;
  for (;;) {
    const view = await viewOf(service, integration);
    if (view.health.state !== 'disabled' || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, ENABLE_POLL_MS));
  }
}

/** Enable, disable, test and secret rotation. */
export function integrationActionRoutes(service: HeraldService): AnyRoute[] {
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
        const integration = await setEnabled(service, findIntegration(service, teamId, params.id), true);
        await service.control(integration.id, 'enable', 'enabled by a user');
        return settledView(service, integration);
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
        const integration = await setEnabled(service, findIntegration(service, teamId, params.id), false);
        await service.control(integration.id, 'disable', 'disabled by a user');
        return viewOf(service, integration);
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
        const { record, attempt } = await service.sendTest(findIntegration(service, teamId, params.id));
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
        const current = findIntegration(service, teamId, params.id);
        const provider = providerOf(service.providers, current.type);
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
        await service.integrations.update(next);
        return { kind, secret, integration: await viewOf(service, next) };
      },
    }),
  ];
}
