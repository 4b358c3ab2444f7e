import { type ConnectionRow, type ConnectionView, defineConnectFlow } from '@herald/core';
import { z } from 'zod';
import type { SlackConfig } from './config.js';
import { exchangeSlackCode, safeHttpUrl, slackAuthorizeUrl } from './install-oauth.js';
import { type SlackAppSettings, slackAppSettings } from './install-settings.js';

// "Add to Slack": the user picks Slack, clicks the button, chooses a channel on Slack's
// consent page, clicks Allow and comes back to a working integration whose config is
// the incoming webhook Slack issued. The runner hosts the flow (routes, signed state,
// browser binding, pages); this file says what is Slack's about it.

/**
 * Slack's webhook answers (see SLACK_WEBHOOK_ERRORS in interpret.ts) that a new webhook
 * fixes: the webhook, its channel or its token is gone. A workspace-level refusal
 * (`team_disabled`, `action_prohibited`) would refuse the new webhook too.
 */
export const SLACK_REINSTALL_FIXES = [
  'no_service',
  'channel_not_found',
  'channel_is_archived',
  'invalid_token',
];

/** What reads of a Slack integration show of its install, under `slack` (the runner adds `installedAt`). */
export const slackInstallViewSchema = z.object({
  channel: z.string(),
  channelId: z.string().nullable(),
  configurationUrl: z.string().nullable(),
  workspace: z.string().nullable().meta({ description: "the Slack workspace's name" }),
});

// Stored details: what exchangeSlackCode returned (the same fields as the install
// records this Herald wrote before connect flows were generic).
const storedSchema = z.object({
  channel: z.string().min(1),
  channelId: z.string().nullable().catch(null),
  configurationUrl: z.string().nullable().catch(null),
  workspace: z.object({ id: z.string(), name: z.string().nullable() }).nullable().catch(null),
});

/** The install's details for reads and the dashboard's settings card; undefined when unreadable. */
export function describeSlackInstall(stored: unknown): ConnectionView | undefined {
  const parsed = storedSchema.safeParse(stored);
  if (!parsed.success) return undefined;
  const { channel, channelId, workspace } = parsed.data;
  const configurationUrl = safeHttpUrl(parsed.data.configurationUrl);
  const rows: ConnectionRow[] = [
    { id: 'channel', label: 'Channel', text: workspace?.name ? `${channel} in ${workspace.name}` : channel },
  ];
  if (configurationUrl)
    rows.push({ id: 'configuration', label: 'In Slack', text: 'Manage the webhook', href: configurationUrl });
  return {
    details: { channel, channelId, configurationUrl, workspace: workspace?.name ?? null },
    rows,
  };
}

/**
 * Slack's connect flow. On delete nothing is revoked: Herald keeps no Slack token (the
 * exchange's access token is dropped), and the webhook itself is removed on Slack's
 * configuration page, which the integration's page links to.
 */
export const slackInstall = defineConnectFlow<SlackAppSettings, SlackConfig>({
  settings: slackAppSettings,
  presentation: {
    installLabel: 'Add to Slack',
    reinstallLabel: 'Reinstall to Slack',
    changeLabel: 'Change channel in Slack',
    steps: [
      'When you click “Add to Slack”, Herald takes you to Slack: pick the workspace and the channel, click Allow, and you come back to the new integration. Herald posts a test message to confirm it.',
      'You may need to be allowed to install apps in the workspace.',
    ],
    manualLabel: 'Paste a webhook URL instead',
    notConfigured: 'The operator has not registered a Slack app with this Herald',
    cutOff: {
      fixes: SLACK_REINSTALL_FIXES,
      title: 'Slack no longer accepts this integration’s messages',
      cause: 'The app was removed from the channel, or the channel was archived or deleted.',
      reinstallFix:
        'Reinstall it to pick a channel again; the integration is enabled as soon as Slack allows it.',
      manualFix:
        'Create a new incoming webhook in Slack, paste its URL with Edit, then enable the integration.',
    },
  },
  stateSecret: (settings) => settings.clientSecret,
  clientId: (settings) => settings.clientId,
  authorizeUrl: slackAuthorizeUrl,
  exchange: exchangeSlackCode,
  detailsSchema: slackInstallViewSchema,
  describe: describeSlackInstall,
});
