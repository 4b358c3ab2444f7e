import type { ExchangeInput, ExchangeResult, SetupHttpResult } from '@herald/core';
import { z } from 'zod';
import { type SlackConfig, slackConfigSchema } from './config.js';
import type { SlackAppSettings } from './install-settings.js';

// Slack's side of "Add to Slack": the authorize URL the browser is sent to, and the
// exchange of the code it comes back with for an incoming webhook.
// https://docs.slack.dev/authentication/installing-with-oauth
// https://docs.slack.dev/reference/methods/oauth.v2.access

/** The only scope Herald asks for: one incoming webhook, in the channel the user picks. */
export const SLACK_SCOPE = 'incoming-webhook';

/** Slack's error codes are short snake_case words; anything else is not quoted on a page. */
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** Slack's OAuth v2 authorize page for one install. */
export function slackAuthorizeUrl(input: { settings: SlackAppSettings; redirectUri: string; state: string }) {
  const url = new URL(`${input.settings.apiUrl}/oauth/v2/authorize`);
  url.searchParams.set('client_id', input.settings.clientId);
  url.searchParams.set('scope', SLACK_SCOPE);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', input.state);
  return url.toString();
}

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

/** What an install keeps besides the webhook URL (the URL is the config): where it posts. */
export interface SlackInstallDetails {
  channel: string;
  channelId: string | null;
  configurationUrl: string | null;
  workspace: { id: string; name: string | null } | null;
}

/** Slack's exchange errors that mean the operator's app settings are wrong, not the user's click. */
const APP_SETTING_ERRORS = new Set([
  'invalid_client_id',
  'bad_client_secret',
  'bad_redirect_uri',
  'oauth_authorization_url_mismatch',
  'invalid_grant_type',
]);

type Failure = Extract<ExchangeResult<SlackConfig>, { ok: false }>;

/** The page for a failed code exchange: the user's to retry, or the operator's to fix. */
export function exchangeFailure(error: string): Failure {
  const fail = (status: number, ...message: string[]): Failure => ({ ok: false, error, status, message });
  if (error === 'invalid_code')
    return fail(
      400,
      'Slack did not accept the authorization (invalid_code): it expired or was already used.',
      'Start again from Herald.',
    );
  if (APP_SETTING_ERRORS.has(error))
    return fail(
      502,
      `Slack refused Herald's Slack app settings (${error}).`,
      'Ask the operator of this Herald to check the Slack app: its client id and secret, and the redirect URL <HERALD_PUBLIC_URL>/v1/integrations/slack/callback.',
    );
  if (error === 'no_incoming_webhook')
    return fail(
      502,
      'Slack did not return an incoming webhook: the Slack app must ask for the incoming-webhook scope.',
    );
  if (error === 'slack_unreachable' || error === 'slack_unavailable' || error === 'unexpected_answer')
    return fail(502, 'Slack could not be reached just now. Try again in a minute.');
  return fail(502, `Slack answered with an error (${error}).`, 'Try again.');
}

/** Slack's answer as JSON, or the failure it amounts to. */
function answerOf(result: SetupHttpResult): { json: unknown } | { failure: Failure } {
  if (!result.ok) return { failure: exchangeFailure('slack_unreachable') };
  const { response, truncated } = result;
  // Slack's answers are small: one cut at the runner's cap is not Slack.
  if (truncated) return { failure: exchangeFailure('unexpected_answer') };
  try {
    return { json: JSON.parse(response.body) };
  } catch {
    const ok = response.status >= 200 && response.status < 300;
    return { failure: exchangeFailure(ok ? 'unexpected_answer' : 'slack_unavailable') };
  }
}

/**
 * Exchanges an authorization code at `oauth.v2.access` (form-encoded client_id,
 * client_secret, code, redirect_uri) through the runner's setup client. The answer's
 * access token is not kept: Herald only posts to the incoming webhook. Neither the
 * secret nor the answer is quoted in a failure.
 */
export async function exchangeSlackCode(
  input: ExchangeInput<SlackAppSettings>,
): Promise<ExchangeResult<SlackConfig>> {
  const { settings, redirectUri, code, http } = input;
  const answer = answerOf(
    await http({
      method: 'POST',
      url: `${settings.apiUrl}/api/oauth.v2.access`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        code,
        redirect_uri: redirectUri,
      }).toString(),
    }),
  );
  if ('failure' in answer) return answer.failure;
  const { json } = answer;
  const refusal = json as { ok?: unknown; error?: unknown };
  if (refusal.ok === false)
    // Quoted on a page: only a code-shaped word, never free text from the answer.
    return exchangeFailure(
      typeof refusal.error === 'string' && ERROR_CODE.test(refusal.error) ? refusal.error : 'unknown',
    );
  const parsed = successSchema.safeParse(json);
  if (!parsed.success) return exchangeFailure('unexpected_answer');
  const hook = parsed.data.incoming_webhook;
  if (!hook) return exchangeFailure('no_incoming_webhook');
  const config = slackConfigSchema.safeParse({ url: hook.url });
  if (!config.success) return exchangeFailure('unexpected_answer');
  const team = parsed.data.team;
  const details: SlackInstallDetails = {
    channel: hook.channel,
    channelId: hook.channel_id ?? null,
    configurationUrl: safeHttpUrl(hook.configuration_url),
    workspace: team ? { id: team.id, name: team.name ?? null } : null,
  };
  return { ok: true, config: config.data, details: { ...details }, summary: hook.channel };
}

/** A link shown to users must be http(s); anything else (javascript:, data:) is dropped. */
export function safeHttpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}
