import { z } from 'zod';

/**
 * A webhook URL that is itself the secret (Slack, Discord, Teams): http(s), trimmed, no
 * inner spaces (`new URL()` accepts them; a pasted URL with one is always a mistake).
 * Any host is accepted so a local imitation can be used in tests and staging; the
 * runner's egress guard decides where requests may go. Messages never quote the
 * input, because the input is the secret.
 */
export function secretWebhookUrl(hint: string) {
  return z
    .string()
    .trim()
    .pipe(
      z
        .url({ protocol: /^https?$/, error: `must be an http(s) URL, like ${hint}` })
        .refine((url) => !/\s/.test(url), 'must not contain spaces'),
    );
}
