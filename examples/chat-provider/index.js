// A third-party Herald provider, as someone outside this repository would write it:
// one file whose default export is a provider object. It posts `{ "text": … }`, which
// Mattermost, Rocket.Chat and Zulip's Slack-compatible incoming webhooks accept.
// Load it next to the four built-in providers with
// HERALD_EXTRA_PROVIDERS=./examples/chat-provider/index.js (HERALD_PROVIDERS would replace them).
// It also offers a connect flow (connect.js), as Slack's "Add to Slack" does: set
// HERALD_CHAT_SERVER_URL, HERALD_CHAT_CLIENT_ID and HERALD_CHAT_CLIENT_SECRET to turn it on.
import { defineProvider, interpretHttp } from '@herald/core';
import { z } from 'zod';
import { chatConnect } from './connect.js';

const ICONS = {
  success: ':white_check_mark:',
  failure: ':x:',
  progress: ':hourglass:',
  alert: ':rotating_light:',
  info: ':information_source:',
};
const MAX_TEXT_CHARS = 4000;

export default defineProvider({
  type: 'chat',
  displayName: 'Generic chat (Mattermost / Rocket.Chat)',
  configSchema: z.object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    channel: z.string().optional(),
  }),
  secretFields: ['url'],
  rateLimit: { count: 10, perMs: 1000 },
  setupHelp: 'Create an incoming webhook in your chat server and paste its URL.',
  // Message templates: a template's title and text arrive in notification.summary.
  templateFields: ['title', 'text'],
  render(notification, config) {
    const { summary } = notification;
    const lines = [
      `${ICONS[summary.severity]} **${summary.title}**`,
      summary.text,
      ...summary.fields.map((f) => `${f.label}: ${f.value}`),
    ];
    if (summary.url) lines.push(summary.url);
    const text = lines.join('\n').slice(0, MAX_TEXT_CHARS);
    return {
      method: 'POST',
      url: config.url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(config.channel ? { text, channel: config.channel } : { text }),
    };
  },
  interpret: (response) => interpretHttp(response),
  connect: chatConnect,
});
