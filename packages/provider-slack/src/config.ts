import { maskSecretUrl, SECRET_MASK, secretWebhookUrl } from '@herald/core';
import { z } from 'zod';

const webhookUrl = secretWebhookUrl('https://hooks.slack.com/services/…');

/** Config of a Slack integration: the incoming webhook URL, which is a secret. */
export const slackConfigSchema = z.object({ url: webhookUrl });

export type SlackConfig = z.infer<typeof slackConfigSchema>;

/** Config fields that are write-only and masked in reads. */
export const SLACK_SECRET_FIELDS = ['url'] as const;

/** Masks a secret for reads: `https://hooks.slack.com/…/****` keeps the host, hides the token path. */
export function maskSlackSecret(field: string, value: string): string {
  return field === 'url' ? maskSecretUrl(value) : SECRET_MASK;
}
