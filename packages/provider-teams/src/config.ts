import { maskSecretUrl, SECRET_MASK, secretWebhookUrl } from '@herald/core';
import { z } from 'zod';

const webhookUrl = secretWebhookUrl('the webhook URL that Teams Workflows shows for the flow');

/** Config of a Teams integration: the webhook URL (Workflows or legacy connector), a secret. */
export const teamsConfigSchema = z.object({ url: webhookUrl });

export type TeamsConfig = z.infer<typeof teamsConfigSchema>;

/** Config fields that are write-only and masked in reads. */
export const TEAMS_SECRET_FIELDS = ['url'] as const;

/**
 * Which payload a URL takes: `workflows` (Power Automate, Adaptive Card in a message) or
 * `legacy` (Office 365 connector, MessageCard).
 */
export type TeamsUrlKind = 'workflows' | 'legacy';

/**
 * Tells a legacy Office 365 connector URL (`*.webhook.office.com`,
 * `outlook.office.com/webhook…`) from a Workflows one. Everything else counts as
 * Workflows: its hosts keep changing (`*.logic.azure.com`, `*.powerautomate.com`,
 * `*.environment.api.powerplatform.com`, …) while the legacy ones are frozen.
 */
export function teamsUrlKind(url: string): TeamsUrlKind {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'workflows';
  }
  const host = parsed.hostname.toLowerCase();
  if (host.endsWith('.webhook.office.com')) return 'legacy';
  const outlook = host === 'outlook.office.com' || host === 'outlook.office365.com';
  // `/webhook/…` and `/webhookb2/…` are both connector paths.
  if (outlook && /^\/webhook/i.test(parsed.pathname)) return 'legacy';
  return 'workflows';
}

/** Masks a secret for reads: `https://host/…/****` keeps the host, hides path and signature. */
export function maskTeamsSecret(field: string, value: string): string {
  return field === 'url' ? maskSecretUrl(value) : SECRET_MASK;
}
