import { defineProvider } from '@herald/core';
import { maskSlackSecret, SLACK_SECRET_FIELDS, type SlackConfig, slackConfigSchema } from './config.js';
import { slackInstall } from './install.js';
import { interpretSlack } from './interpret.js';
import { renderSlack } from './render.js';

/** Slack asks for about one message per second per incoming webhook. https://docs.slack.dev/apis/web-api/rate-limits */
export const SLACK_RATE_LIMIT = { count: 1, perMs: 1000 } as const;

const SETUP_HELP = `1. Open https://api.slack.com/apps, create an app (From scratch) in your workspace, or pick one you have.
2. Under Features → Incoming Webhooks, switch "Activate Incoming Webhooks" on.
3. Click "Add New Webhook", choose the channel to post to and click Allow.
4. Copy the Webhook URL (https://hooks.slack.com/services/…) and paste it here.
Treat the URL like a password: anyone who has it can post to that channel.`;

const slackProvider = defineProvider<SlackConfig>({
  type: 'slack',
  displayName: 'Slack',
  configSchema: slackConfigSchema,
  secretFields: SLACK_SECRET_FIELDS,
  rateLimit: SLACK_RATE_LIMIT,
  setupHelp: SETUP_HELP,
  maskSecret: maskSlackSecret,
  // A template's title and text stand in for the summary's (core's buildNotification).
  templateFields: ['title', 'text'],
  render: renderSlack,
  interpret: interpretSlack,
  connect: slackInstall,
});

export default slackProvider;

export { checkSlackLimits } from './check-limits.js';
export type { SlackConfig } from './config.js';
export { maskSlackSecret, SLACK_SECRET_FIELDS, slackConfigSchema } from './config.js';
export { describeSlackInstall, SLACK_REINSTALL_FIXES, slackInstall } from './install.js';
export type { SlackInstallDetails } from './install-oauth.js';
export { exchangeSlackCode, SLACK_SCOPE, slackAuthorizeUrl } from './install-oauth.js';
export type { SlackAppSettings } from './install-settings.js';
export { DEFAULT_SLACK_API_URL, slackAppSettings } from './install-settings.js';
export type { SlackErrorReading } from './interpret.js';
export { interpretSlack, SLACK_WEBHOOK_ERRORS, slackErrorCode } from './interpret.js';
export {
  MAX_ACTIONS_ELEMENTS,
  MAX_BLOCKS_PER_MESSAGE,
  MAX_BUTTON_TEXT_CHARS,
  MAX_BUTTON_URL_CHARS,
  MAX_CONTEXT_ELEMENTS,
  MAX_FIELD_LABEL_CHARS,
  MAX_HEADER_TEXT_CHARS,
  MAX_MESSAGE_TEXT_CHARS,
  MAX_SCOPE_CHARS,
  MAX_SECTION_FIELD_CHARS,
  MAX_SECTION_FIELDS,
  MAX_SECTION_TEXT_CHARS,
  MAX_TEXT_OBJECT_CHARS,
  MAX_TOTAL_BLOCK_TEXT_CHARS,
  RECOMMENDED_MESSAGE_TEXT_CHARS,
} from './limits.js';
export { renderSlack, SEVERITY_EMOJI } from './render.js';
