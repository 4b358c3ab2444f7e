import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@herald/core/testing';
import discord, { checkDiscordLimits, type DiscordConfig } from '../src/index.js';

const TOKEN = 'Xy_SecretWebhookToken-abcDEF1234567890';
const URL_WITH_TOKEN = `https://discord.com/api/webhooks/112233445566778899/${TOKEN}`;

// What Discord sends with these statuses, so the table exercises its bodies.
// https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
const BODIES: Record<number, object> = {
  400: { message: 'Invalid Form Body', code: 50035, errors: {} },
  401: { message: 'Invalid Webhook Token', code: 50027 },
  403: { message: 'Missing Access', code: 50001 },
  404: { message: 'Unknown Webhook', code: 10015 },
  429: { message: 'You are being rate limited.', retry_after: 7, global: false },
};

runProviderConformance<DiscordConfig>({
  provider: discord,
  config: { url: URL_WITH_TOKEN },
  secrets: [TOKEN, URL_WITH_TOKEN],
  secretPlaces: ['url'],
  checkLimits: checkDiscordLimits,
  // Discord: a 404 webhook must not be used again; a 401 means the token is dead.
  statusTable: { 404: 'disable', 401: 'disable' },
  responseBody: (status) => (BODIES[status] ? JSON.stringify(BODIES[status]) : ''),
  goldenDir: fileURLToPath(new URL('./golden', import.meta.url)),
});
