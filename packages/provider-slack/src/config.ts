import { z } from 'zod';

// Any http(s) URL is accepted, not only hooks.slack.com: a local imitation of Slack
// (tests, staging) must be usable, and the runner's SSRF guard is what protects egress.
// Messages never quote the input: the URL is the secret.
const webhookUrl = z
  .string()
  .trim()
  .pipe(
    z
      .url({
        protocol: /^https?$/,
        error: 'must be an http(s) URL, like https://hooks.slack.com/services/…',
      })
      // `new URL()` accepts inner spaces; a pasted URL with one is always a mistake.
      .refine((url) => !/\s/.test(url), 'must not contain spaces'),
  );

/** Config of a Slack integration: the incoming webhook URL, which is a secret. */
export const slackConfigSchema = z.object({ url: webhookUrl });

export type SlackConfig = z.infer<typeof slackConfigSchema>;

/** Config fields that are write-only and masked in reads. */
export const SLACK_SECRET_FIELDS = ['url'] as const;

const MASK = '****';

/** Masks a secret for reads: `https://hooks.slack.com/…/****` keeps the host, hides the token path. */
export function maskSlackSecret(field: string, value: string): string {
  if (field !== 'url') return MASK;
  try {
    const { protocol, host } = new URL(value);
    return `${protocol}//${host}/…/${MASK}`;
  } catch {
    return MASK;
  }
}
