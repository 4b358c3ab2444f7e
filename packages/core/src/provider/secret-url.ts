import { z } from 'zod';
import { controlCharacterProblem } from '../text.js';

/**
 * A webhook URL that is itself the secret (Slack, Discord, Teams): http(s), trimmed, no
 * inner spaces or control characters (`new URL()` accepts spaces and drops tabs and line
 * breaks; a pasted URL with one is always a mistake).
 * Any host is accepted so a local imitation can be used in tests and staging; the
 * runner's egress guard decides where requests may go. Messages never quote the
 * input, because the input is the secret.
 */
export function secretWebhookUrl(hint: string) {
  return (
    z
      .string()
      .trim()
      // Before URL parsing, which drops inner tabs and line breaks (zod's too) and encodes
      // spaces: what was stored would not be what is sent.
      .superRefine((url, ctx) => {
        const problem =
          controlCharacterProblem(url) ?? (/\s/.test(url) ? 'must not contain spaces' : undefined);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .pipe(z.url({ protocol: /^https?$/, error: `must be an http(s) URL, like ${hint}` }))
  );
}

/** What reads show of a secret. */
export const SECRET_MASK = '****';

/**
 * Masks a secret for reads: an http(s) URL keeps its scheme and host
 * (`https://hooks.slack.com/…/****`), anything else is hidden whole.
 */
export function maskSecretUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:')
      return `${url.protocol}//${url.host}/…/${SECRET_MASK}`;
  } catch {
    // not a URL
  }
  return SECRET_MASK;
}
