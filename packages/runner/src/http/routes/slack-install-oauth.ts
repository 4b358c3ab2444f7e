import { z } from 'zod';
import type { SlackAppConfig } from '../../config/config.js';

// Slack's side of "Add to Slack": the authorize URL the browser is sent to, and the
// exchange of the code it comes back with for an incoming webhook.
// https://docs.slack.dev/authentication/installing-with-oauth
// https://docs.slack.dev/reference/methods/oauth.v2.access

/** The only scope Herald asks for: one incoming webhook, in the channel the user picks. */
export const SLACK_SCOPE = 'incoming-webhook';
/** The callback path; the redirect URL registered with the Slack app is `<HERALD_PUBLIC_URL>` + this. */
export const SLACK_CALLBACK_PATH = '/v1/integrations/slack/callback';
/** The exchange is a single quick call; past this the user sees an error page and can retry. */
const EXCHANGE_TIMEOUT_MS = 10_000;
/** Slack's answers are small; a larger one is not Slack. */
const MAX_EXCHANGE_ANSWER_BYTES = 64 * 1024;

/** The redirect URL Slack sends the browser back to (must be registered with the app). */
export function redirectUri(publicUrl: string): string {
  return `${publicUrl}${SLACK_CALLBACK_PATH}`;
}

/** Slack's OAuth v2 authorize page for one install. */
export function authorizeUrl(app: SlackAppConfig, publicUrl: string, state: string): string {
  const url = new URL(`${app.apiUrl}/oauth/v2/authorize`);
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('scope', SLACK_SCOPE);
  url.searchParams.set('redirect_uri', redirectUri(publicUrl));
  url.searchParams.set('state', state);
  return url.toString();
}

const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

const successSchema = z.object({
  ok: z.literal(true),
  team: z.object({ id: z.string(), name: z.string().optional() }).nullish(),
  incoming_webhook: z
    .object({
      url: z.string().min(1),
      channel: z.string().min(1),
      channel_id: z.string().optional(),
      configuration_url: z.string().optional(),
    })
    .optional(),
});

/** What an install brought back: the webhook and where it posts. */
export interface SlackWebhookGrant {
  url: string;
  channel: string;
  channelId: string | null;
  configurationUrl: string | null;
  workspace: { id: string; name: string | null } | null;
}

/** The exchange's outcome; `error` is Slack's code (or Herald's, for transport problems). */
export type ExchangeResult = { ok: true; grant: SlackWebhookGrant } | { ok: false; error: string };

/**
 * Exchanges an authorization code at `oauth.v2.access` (form-encoded client_id,
 * client_secret, code, redirect_uri). The answer's access token is not kept: Herald
 * only posts to the incoming webhook. Neither the secret nor the answer is logged.
 */
export async function exchangeCode(
  app: SlackAppConfig,
  publicUrl: string,
  code: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ExchangeResult> {
  let res: Response;
  try {
    res = await fetchImpl(`${app.apiUrl}/api/oauth.v2.access`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        client_id: app.clientId,
        client_secret: app.clientSecret,
        code,
        redirect_uri: redirectUri(publicUrl),
      }).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
    });
  } catch {
    return { ok: false, error: 'slack_unreachable' };
  }
  const text = await res.text().catch(() => '');
  if (text.length > MAX_EXCHANGE_ANSWER_BYTES) return { ok: false, error: 'unexpected_answer' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: res.ok ? 'unexpected_answer' : 'slack_unavailable' };
  }
  const failure = json as { ok?: unknown; error?: unknown };
  if (failure.ok === false) {
    // Quoted on a page: only a code-shaped word, never free text from the answer.
    const error =
      typeof failure.error === 'string' && ERROR_CODE.test(failure.error) ? failure.error : 'unknown';
    return { ok: false, error };
  }
  const parsed = successSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: 'unexpected_answer' };
  const hook = parsed.data.incoming_webhook;
  if (!hook) return { ok: false, error: 'no_incoming_webhook' };
  const team = parsed.data.team;
  return {
    ok: true,
    grant: {
      url: hook.url,
      channel: hook.channel,
      channelId: hook.channel_id ?? null,
      configurationUrl: safeHttpUrl(hook.configuration_url),
      workspace: team ? { id: team.id, name: team.name ?? null } : null,
    },
  };
}

/** A link shown to users must be http(s); anything else (javascript:, data:) is dropped. */
function safeHttpUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}
