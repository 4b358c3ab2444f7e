// A careless third-party provider, as the secrets tests need one: its interpret() quotes
// the destination's answer in the outcome's reason (which the delivery log and the
// integration's health show). The runner must redact what it quotes.
import { defineProvider } from '@herald/core';
import { z } from 'zod';

export default defineProvider({
  type: 'quoting',
  displayName: 'Quoting chat (test)',
  configSchema: z.object({ url: z.url() }),
  secretFields: ['url'],
  render: (notification, config) => ({
    method: 'POST',
    url: config.url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: notification.summary.title }),
  }),
  interpret: (response) =>
    response.status < 300
      ? { kind: 'success' }
      : { kind: 'fail', reason: `HTTP ${response.status}: ${response.body.slice(0, 300)}`, disable: false },
});
