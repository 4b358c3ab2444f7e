import {
  type EventSummary,
  type Notification,
  type Severity,
  type SummaryField,
  truncate,
} from '@herald/core';
import type { RESTPostAPIWebhookWithTokenJSONBody } from 'discord-api-types/v10';
import { fitEmbedTotal } from './fit.js';
import {
  MAX_EMBED_DESCRIPTION_CHARS,
  MAX_EMBED_FIELD_NAME_CHARS,
  MAX_EMBED_FIELD_VALUE_CHARS,
  MAX_EMBED_FIELDS,
  MAX_EMBED_FOOTER_TEXT_CHARS,
  MAX_EMBED_TITLE_CHARS,
} from './limits.js';
import type { DiscordEmbed, DiscordEmbedField, DiscordMessage } from './message.js';

// Embed side-bar colours, as the 24-bit RGB integers Discord's `color` takes.
export const COLOR_SUCCESS_GREEN = 0x2ecc71;
export const COLOR_FAILURE_RED = 0xe74c3c;
export const COLOR_PROGRESS_BLUE = 0x3498db;
export const COLOR_ALERT_ORANGE = 0xe67e22;
export const COLOR_INFO_GREY = 0x95a5a6;

/** The side-bar colour of each severity. */
export const SEVERITY_COLORS: Readonly<Record<Severity, number>> = {
  success: COLOR_SUCCESS_GREEN,
  failure: COLOR_FAILURE_RED,
  progress: COLOR_PROGRESS_BLUE,
  alert: COLOR_ALERT_ORANGE,
  info: COLOR_INFO_GREY,
};

/** Fields this short sit side by side (Discord puts up to three inline fields on a row). */
export const INLINE_FIELD_MAX_CHARS = 40;

/**
 * The scope (a project or team name) is cut well below the footer's 2048: the footer is
 * one small grey line, and characters spent there would come out of the description.
 */
export const FOOTER_SCOPE_MAX_CHARS = 100;

const FOOTER_PREFIX = 'Herald · ';
// Discord refuses a field whose name or value is empty or blank.
const BLANK_PLACEHOLDER = '—';

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function nonBlank(text: string): string {
  const trimmed = text.trim();
  return trimmed === '' ? BLANK_PLACEHOLDER : trimmed;
}

/** Only http(s) links: Discord rejects an embed `url` with any other scheme. */
function linkOf(url: string | null): string | undefined {
  if (url === null) return undefined;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function fieldOf({ label, value }: SummaryField): DiscordEmbedField {
  const name = truncate(nonBlank(oneLine(label)), MAX_EMBED_FIELD_NAME_CHARS);
  const text = truncate(nonBlank(value), MAX_EMBED_FIELD_VALUE_CHARS);
  const inline = name.length <= INLINE_FIELD_MAX_CHARS && text.length <= INLINE_FIELD_MAX_CHARS;
  return { name, value: text, inline };
}

/** The one embed of an event: each text cut to its own limit, then all of it to the 6000 total. */
export function buildEmbed(summary: EventSummary): DiscordEmbed {
  const url = linkOf(summary.url);
  const description = summary.text.trim();
  const embed: DiscordEmbed = {
    title: truncate(nonBlank(oneLine(summary.title)), MAX_EMBED_TITLE_CHARS),
    ...(url === undefined ? {} : { url }),
    ...(description === '' ? {} : { description: truncate(description, MAX_EMBED_DESCRIPTION_CHARS) }),
    color: SEVERITY_COLORS[summary.severity],
    // Summaries carry a handful of facts; the cap only guards against a future long list.
    fields: summary.fields.slice(0, MAX_EMBED_FIELDS).map(fieldOf),
    footer: {
      text: truncate(
        `${FOOTER_PREFIX}${truncate(oneLine(summary.scope), FOOTER_SCOPE_MAX_CHARS)}`,
        MAX_EMBED_FOOTER_TEXT_CHARS,
      ),
    },
    timestamp: summary.occurredAt,
  };
  return fitEmbedTotal(embed);
}

/**
 * The Execute Webhook body for a notification: one embed, pinging nobody. No `content`:
 * Discord shows it above the embed, so a copy of the title there showed the title twice.
 */
export function buildMessage(notification: Notification): DiscordMessage {
  const { summary } = notification;
  const message: DiscordMessage = {
    embeds: [buildEmbed(summary)],
    // Event text is not ours: an "@everyone" or "<@&role>" in it must stay plain text.
    allowed_mentions: { parse: [] },
  };
  return message satisfies RESTPostAPIWebhookWithTokenJSONBody;
}
