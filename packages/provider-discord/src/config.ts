import { secretWebhookUrl } from '@herald/core';
import { z } from 'zod';

/**
 * A Discord channel webhook. `url` is the secret: whoever has it can post to the
 * channel. Production URLs look like `https://discord.com/api/webhooks/<id>/<token>`
 * (optionally `?thread_id=<id>` to post into a thread). Any http(s) URL is accepted so
 * a local stand-in can be used for testing; the runner's SSRF guard decides where
 * requests may actually go.
 */
export const discordConfigSchema = z.object({
  url: secretWebhookUrl('https://discord.com/api/webhooks/<id>/<token>').describe(
    'Webhook URL from the channel settings (Integrations → Webhooks → Copy Webhook URL)',
  ),
});

export type DiscordConfig = z.infer<typeof discordConfigSchema>;

/** Top-level config fields that are secret. */
export const DISCORD_SECRET_FIELDS = ['url'] as const;

const MASK = '****';

/**
 * Masks a webhook URL for reads: keeps the origin, the path up to the webhook id and
 * any `thread_id`, hides the token —
 * `https://discord.com/api/webhooks/123/****`. Anything else keeps only its origin.
 */
export function maskDiscordUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return MASK;
  }
  const segments = url.pathname.split('/');
  const at = segments.indexOf('webhooks');
  // …/webhooks/<id>/<token>[/github|/slack]: everything after the id is the token's.
  const path =
    at >= 0 && segments.length > at + 2 ? `${segments.slice(0, at + 2).join('/')}/${MASK}` : `/${MASK}`;
  // Only thread_id survives: it tells two integrations of one webhook apart, and a
  // stand-in's query may hold anything.
  const thread = url.searchParams.get('thread_id');
  const query = thread === null ? '' : `?${new URLSearchParams({ thread_id: thread })}`;
  return `${url.origin}${path}${query}`;
}

/** Short steps shown next to the create form. */
export const DISCORD_SETUP_HELP = [
  'In Discord, open the channel settings (the cog next to the channel name).',
  'Go to Integrations → Webhooks → New Webhook; name it and pick the channel.',
  'Click "Copy Webhook URL" and paste it here.',
  'To post into a thread, add ?thread_id=<thread id> to the URL.',
].join('\n');
