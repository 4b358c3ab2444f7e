import type { ConnectSettings } from '@herald/core';
import { z } from 'zod';

// The operator's Slack app, for "Add to Slack": one per Herald installation, registered
// at https://api.slack.com/apps (the root README's "Slack app" section walks through it).
// https://docs.slack.dev/authentication/installing-with-oauth

/** Where Slack's OAuth pages and Web API live; tests point HERALD_SLACK_API_URL at an imitation. */
export const DEFAULT_SLACK_API_URL = 'https://slack.com';

/** The Slack app's credentials and where Slack is. */
export interface SlackAppSettings {
  clientId: string;
  /** Never logged, never answered by the API; install links are signed with a key derived from it. */
  clientSecret: string;
  /** `https://slack.com`: the authorize page is `<apiUrl>/oauth/v2/authorize`, the exchange `<apiUrl>/api/oauth.v2.access`. */
  apiUrl: string;
}

const schema = z
  .object({
    HERALD_SLACK_CLIENT_ID: z.string().trim().min(1),
    HERALD_SLACK_CLIENT_SECRET: z.string().min(1),
    HERALD_SLACK_API_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL like https://slack.com' })
      .transform((url) => url.replace(/\/+$/, ''))
      .default(DEFAULT_SLACK_API_URL),
  })
  .transform(
    (e): SlackAppSettings => ({
      clientId: e.HERALD_SLACK_CLIENT_ID,
      clientSecret: e.HERALD_SLACK_CLIENT_SECRET,
      apiUrl: e.HERALD_SLACK_API_URL,
    }),
  );

/** The variables "Add to Slack" reads: the app's id and secret turn it on, together. */
export const slackAppSettings: ConnectSettings<SlackAppSettings> = {
  env: {
    HERALD_SLACK_CLIENT_ID: 'the Slack app for "Add to Slack" (see the README\'s Slack app section)',
    HERALD_SLACK_CLIENT_SECRET: 'its client secret: never logged or shown; signs install links',
    HERALD_SLACK_API_URL: `where Slack's OAuth pages live (default ${DEFAULT_SLACK_API_URL}; tests: a local imitation)`,
  },
  required: ['HERALD_SLACK_CLIENT_ID', 'HERALD_SLACK_CLIENT_SECRET'],
  schema,
};
