import { defineProvider } from '@herald/core';
import { maskTeamsSecret, TEAMS_SECRET_FIELDS, type TeamsConfig, teamsConfigSchema } from './config.js';
import { interpretTeams } from './interpret.js';
import { MAX_REQUESTS_PER_SECOND } from './limits.js';
import { renderTeams } from './render.js';

export type { AdaptiveCard, WorkflowsMessage } from './adaptive-card.js';
export {
  ADAPTIVE_CARD_CONTENT_TYPE,
  ADAPTIVE_CARD_VERSION,
  adaptiveCardOf,
  workflowsMessageOf,
} from './adaptive-card.js';
export { checkTeamsLimits } from './check-limits.js';
export type { TeamsConfig, TeamsUrlKind } from './config.js';
export { maskTeamsSecret, TEAMS_SECRET_FIELDS, teamsConfigSchema, teamsUrlKind } from './config.js';
export type { CardContent } from './content.js';
export { contentOf, formatTime } from './content.js';
export { interpretTeams, wrappedStatusOf } from './interpret.js';
export {
  BODY_BUDGET_BYTES,
  DEFAULT_RATE_LIMIT_WAIT_MS,
  MAX_FACT_TITLE_CHARS,
  MAX_FACT_VALUE_CHARS,
  MAX_FACTS,
  MAX_LINK_URL_CHARS,
  MAX_MESSAGE_BYTES,
  MAX_REQUESTS_PER_SECOND,
  MAX_SCOPE_CHARS,
  MAX_TEXT_CHARS,
  MAX_TITLE_CHARS,
} from './limits.js';
export type { MessageCard } from './message-card.js';
export { messageCardOf } from './message-card.js';
export { renderTeams } from './render.js';

/** Microsoft Teams: Workflows webhooks get an Adaptive Card, legacy connectors a MessageCard. */
const teams = defineProvider<TeamsConfig>({
  type: 'teams',
  displayName: 'Microsoft Teams',
  configSchema: teamsConfigSchema,
  secretFields: TEAMS_SECRET_FIELDS,
  rateLimit: { count: MAX_REQUESTS_PER_SECOND, perMs: 1_000 },
  setupHelp:
    'In Teams, open the channel’s ••• menu → Workflows, pick the template “Post to a channel when a ' +
    'webhook request is received”, name it, choose the team and the channel, and copy the URL it shows ' +
    'into the URL field. An older Incoming Webhook (Office 365 connector) URL works too, while Microsoft ' +
    'still runs connectors.',
  maskSecret: maskTeamsSecret,
  // A template's title and text stand in for the summary's (core's buildNotification).
  templateFields: ['title', 'text'],
  render: renderTeams,
  interpret: interpretTeams,
});

export default teams;
