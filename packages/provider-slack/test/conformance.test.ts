import { join } from 'node:path';
import { runConnectConformance, runProviderConformance } from '@herald/core/testing';
import slack, { checkSlackLimits } from '../src/index.js';
import { WEBHOOK_TOKEN, WEBHOOK_URL } from './fixtures.js';

// What Slack really sends with each status, so the kit's table exercises Slack's codes.
const SLACK_BODIES: Record<number, string> = {
  400: 'invalid_payload',
  403: 'action_prohibited',
  404: 'no_service',
  410: 'channel_is_archived',
  500: 'rollup_error',
};

runProviderConformance({
  provider: slack,
  config: { url: WEBHOOK_URL },
  secrets: [WEBHOOK_URL, WEBHOOK_TOKEN],
  secretPlaces: ['url'],
  checkLimits: checkSlackLimits,
  // A deleted webhook and an admin's ban are Slack telling us to stop: they disable.
  statusTable: { 403: 'disable', 404: 'disable' },
  responseBody: (status) => (status >= 200 && status < 300 ? 'ok' : (SLACK_BODIES[status] ?? '')),
  goldenDir: join(import.meta.dirname, 'golden'),
});

runConnectConformance({
  provider: slack,
  env: { HERALD_SLACK_CLIENT_ID: '1234.5678', HERALD_SLACK_CLIENT_SECRET: 'slack-client-secret-0123' },
  secrets: ['slack-client-secret-0123'],
});
