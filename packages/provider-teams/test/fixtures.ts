import type { HeraldEvent } from '@herald/core';
import { conformanceNotification } from '@herald/core/testing';
import type { TeamsConfig } from '../src/index.js';
import teams from '../src/index.js';

/** The secret part of a Workflows URL is its `sig`; the whole URL is treated as secret. */
export const WORKFLOWS_SIG = 'Wf9sIgSeCrEt0123456789abcdefABCDEF';
export const WORKFLOWS_URL =
  'https://prod-42.westeurope.logic.azure.com:443/workflows/8c1f0e6b2d7a4f1e9b3c5d7e9f1a3b5c/triggers/manual/paths/invoke' +
  `?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${WORKFLOWS_SIG}`;

/** A legacy connector URL: the path itself is the secret. */
export const LEGACY_TOKEN = 'LeGaCyToKeN0123456789abcdef';
export const LEGACY_URL =
  'https://contoso.webhook.office.com/webhookb2/1b6e2c3d-0000-4000-8000-000000000001@72f988bf-0000-4000-8000-000000000002' +
  `/IncomingWebhook/${LEGACY_TOKEN}/4e5f6a7b-0000-4000-8000-000000000003`;

export const workflowsConfig: TeamsConfig = { url: WORKFLOWS_URL };
export const legacyConfig: TeamsConfig = { url: LEGACY_URL };

if (!('render' in teams)) throw new Error('the Teams provider renders HTTP requests');
const provider = teams;

/** Renders `event` as the conformance kit does (fixed ids and times). */
export function render(event: HeraldEvent, config: TeamsConfig = workflowsConfig) {
  return provider.render(conformanceNotification(event), config);
}

/** Renders and parses the body. */
export function renderJson(event: HeraldEvent, config: TeamsConfig = workflowsConfig) {
  // biome-ignore lint/suspicious/noExplicitAny: tests read into the rendered JSON freely
  return JSON.parse(render(event, config).body) as any;
}
