import { defineProvider } from '@herald/core';
import {
  DISCORD_SECRET_FIELDS,
  DISCORD_SETUP_HELP,
  type DiscordConfig,
  discordConfigSchema,
  maskDiscordUrl,
} from './config.js';
import { interpretDiscord } from './interpret.js';
import { renderDiscord } from './render.js';

/** The bucket Discord's headers commonly report for a webhook (5 per 2 s); pacing to it avoids most 429s. */
export const DISCORD_RATE_LIMIT = { count: 5, perMs: 2_000 } as const;

/** Discord channel webhooks: one colour-coded embed per event, within Discord's limits. */
const discord = defineProvider<DiscordConfig>({
  type: 'discord',
  displayName: 'Discord',
  configSchema: discordConfigSchema,
  secretFields: DISCORD_SECRET_FIELDS,
  rateLimit: DISCORD_RATE_LIMIT,
  setupHelp: DISCORD_SETUP_HELP,
  maskSecret: (_field, value) => maskDiscordUrl(value),
  // A template's title and text stand in for the summary's (core's buildNotification).
  templateFields: ['title', 'text'],
  render: renderDiscord,
  interpret: interpretDiscord,
});

export default discord;

export type { DiscordConfig } from './config.js';
export { DISCORD_SECRET_FIELDS, DISCORD_SETUP_HELP, discordConfigSchema, maskDiscordUrl } from './config.js';
export {
  buildEmbed,
  buildMessage,
  COLOR_ALERT_ORANGE,
  COLOR_FAILURE_RED,
  COLOR_INFO_GREY,
  COLOR_PROGRESS_BLUE,
  COLOR_SUCCESS_GREEN,
  FOOTER_SCOPE_MAX_CHARS,
  INLINE_FIELD_MAX_CHARS,
  SEVERITY_COLORS,
} from './embed.js';
export { fitEmbedTotal, levelFor } from './fit.js';
export {
  DEFAULT_RATE_LIMIT_WAIT_MS,
  DISCORD_INVALID_WEBHOOK_TOKEN_CODE,
  DISCORD_UNKNOWN_WEBHOOK_CODE,
  interpretDiscord,
  MAX_DETAIL_CHARS,
  rateLimitWaitMs,
} from './interpret.js';
export {
  checkDiscordLimits,
  embedTextLength,
  MAX_CONTENT_CHARS,
  MAX_EMBED_AUTHOR_NAME_CHARS,
  MAX_EMBED_DESCRIPTION_CHARS,
  MAX_EMBED_FIELD_NAME_CHARS,
  MAX_EMBED_FIELD_VALUE_CHARS,
  MAX_EMBED_FIELDS,
  MAX_EMBED_FOOTER_TEXT_CHARS,
  MAX_EMBED_TITLE_CHARS,
  MAX_EMBED_TOTAL_CHARS,
  MAX_EMBEDS_PER_MESSAGE,
} from './limits.js';
export type { DiscordEmbed, DiscordEmbedField, DiscordMessage } from './message.js';
export { executeUrl, renderDiscord } from './render.js';
