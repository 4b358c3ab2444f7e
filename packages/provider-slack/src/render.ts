import { categoryOf, type HttpRequestSpec, type Notification, type Severity } from '@herald/core';
import type { ActionsBlock, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { SlackConfig } from './config.js';
import {
  MAX_BUTTON_URL_CHARS,
  MAX_FIELD_LABEL_CHARS,
  MAX_HEADER_TEXT_CHARS,
  MAX_SCOPE_CHARS,
  MAX_SECTION_FIELD_CHARS,
  MAX_SECTION_FIELDS,
  MAX_SECTION_TEXT_CHARS,
  MAX_TEXT_OBJECT_CHARS,
  MAX_TOTAL_BLOCK_TEXT_CHARS,
  RECOMMENDED_MESSAGE_TEXT_CHARS,
} from './limits.js';
import { cut, escapeMrkdwn, fitMrkdwn } from './text.js';

/** The JSON body of an incoming-webhook message. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Block Kit has no colour, so severity is shown as an emoji in front of the title. */
export const SEVERITY_EMOJI: Record<Severity, string> = {
  success: '✅',
  failure: '❌',
  progress: '⏳',
  alert: '🚨',
  info: 'ℹ️',
};

// What the link button says, by event category; "Open" when the category has no noun.
const BUTTON_TEXT: Record<string, string> = {
  build: 'View build',
  deployment: 'View deployment',
  'job-run': 'View job run',
  backup: 'View backup',
  billing: 'View invoice',
  alert: 'View alert',
};

/**
 * `<!date^unix^format|fallback>` shows the time in each reader's own time zone; the
 * fallback is for clients that cannot. https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${fallback}>`;
}

// "*Personal Blog* · `build:failure` · Nov 27 at 9:04 AM": where, what, when.
function contextLine(notification: Notification): string {
  const { summary, event } = notification;
  const tail = ` · \`${event.event}\` · ${slackDate(summary.occurredAt)}`;
  const scope = fitMrkdwn(summary.scope, Math.min(MAX_SCOPE_CHARS, MAX_TEXT_OBJECT_CHARS - tail.length));
  return `*${scope}*${tail}`;
}

function sectionBlock(text: string, fields: Notification['summary']['fields'], budget: number): SectionBlock {
  const shown = fields.slice(0, MAX_SECTION_FIELDS);
  // Fields share what is left of the message budget, each within Slack's own limit.
  const perField = Math.min(MAX_SECTION_FIELD_CHARS, Math.floor(budget / Math.max(shown.length, 1)));
  const section: SectionBlock = { type: 'section', text: { type: 'mrkdwn', text, verbatim: true } };
  if (shown.length > 0) {
    section.fields = shown.map(({ label, value }) => {
      const head = `*${fitMrkdwn(label, MAX_FIELD_LABEL_CHARS)}*\n`;
      return {
        type: 'mrkdwn',
        text: `${head}${fitMrkdwn(value || '—', perField - head.length)}`,
        verbatim: true,
      };
    });
  }
  return section;
}

function linkButton(notification: Notification): ActionsBlock | null {
  const { url } = notification.summary;
  // A cut URL would lead somewhere wrong, so a URL Slack cannot take loses its button.
  if (!url || !/^https?:\/\//i.test(url) || url.length > MAX_BUTTON_URL_CHARS) return null;
  const text = BUTTON_TEXT[categoryOf(notification.event.event)] ?? 'Open';
  return {
    type: 'actions',
    elements: [{ type: 'button', text: { type: 'plain_text', text, emoji: true }, url }],
  };
}

/** Builds the Block Kit message for a notification: header, section with fields, context, link button. */
export function buildSlackMessage(notification: Notification): SlackMessage {
  const { summary } = notification;
  const emoji = SEVERITY_EMOJI[summary.severity];
  const headline = `${emoji} ${summary.title}`;
  const header: HeaderBlock = {
    type: 'header',
    text: { type: 'plain_text', text: cut(headline, MAX_HEADER_TEXT_CHARS), emoji: true },
  };
  const line = contextLine(notification);
  const context: ContextBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: line }] };
  const text = fitMrkdwn(summary.text || summary.title, MAX_SECTION_TEXT_CHARS);
  const used = header.text.text.length + text.length + line.length;
  const section = sectionBlock(text, summary.fields, MAX_TOTAL_BLOCK_TEXT_CHARS - used);
  const button = linkButton(notification);
  const fallback = summary.text ? `${headline} — ${summary.text}` : headline;
  return {
    // Top-level text is what notifications and screen readers show when blocks are present.
    text: fitMrkdwn(fallback, RECOMMENDED_MESSAGE_TEXT_CHARS),
    blocks: button ? [header, section, context, button] : [header, section, context],
  };
}

/** Renders the POST to the incoming webhook; pure, the runner sends it. */
export function renderSlack(notification: Notification, config: SlackConfig): HttpRequestSpec {
  return {
    method: 'POST',
    url: config.url,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(buildSlackMessage(notification)),
  };
}
