import type { FastifyReply } from 'fastify';
import { DASHBOARD_HEADERS } from '../dashboard.js';

// The page a browser lands on when an install does not end on the integration's page:
// consent denied, a bad, expired or replayed link, Slack refusing the code. Served
// with the dashboard's headers (strict CSP: the dashboard's own stylesheets, no
// script at all); every text is escaped.

/** Why an install ended here: a stable word, also on the page as `data-outcome`. */
export type InstallOutcome =
  | 'not_configured'
  | 'bad_state'
  | 'expired_state'
  | 'replayed_state'
  | 'other_browser'
  | 'denied'
  | 'slack_error'
  | 'bad_request'
  | 'integration_gone'
  | 'exchange_failed'
  | 'conflict'
  | 'internal';

export interface InstallPage {
  status: number;
  outcome: InstallOutcome;
  title: string;
  /** Paragraphs. */
  message: string[];
  /** Where "try again" leads (a dashboard route). */
  back: { href: string; label: string };
}

const STYLESHEETS = ['base.css', 'controls.css', 'forms.css', 'panels.css'];

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** The page's HTML. */
export function installPageHtml(page: InstallPage): string {
  const tone = page.outcome === 'denied' ? 'info' : 'bad';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light">
    <title>${escapeHtml(page.title)} · Herald</title>
    <link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
${STYLESHEETS.map((s) => `    <link rel="stylesheet" href="/assets/${s}">`).join('\n')}
  </head>
  <body>
    <main class="signin">
      <div class="signin-card" id="slack-install-result" data-outcome="${page.outcome}">
        <img class="signin-logo" src="/assets/icon.svg" alt="Herald" width="32" height="32">
        <div class="callout callout-${tone}"${tone === 'bad' ? ' role="alert"' : ''}>
          <div class="callout-body">
            <h1><strong>${escapeHtml(page.title)}</strong></h1>
${page.message.map((p) => `            <p>${escapeHtml(p)}</p>`).join('\n')}
          </div>
        </div>
        <p><a class="btn btn-primary" id="slack-install-back" href="${escapeHtml(page.back.href)}">${escapeHtml(page.back.label)}</a></p>
      </div>
    </main>
  </body>
</html>
`;
}

/** Answers with the page. */
export function sendInstallPage(reply: FastifyReply, page: InstallPage): FastifyReply {
  return reply
    .code(page.status)
    .headers({ ...DASHBOARD_HEADERS, 'cache-control': 'no-store' })
    .type('text/html; charset=utf-8')
    .send(installPageHtml(page));
}

/** Slack's exchange errors that mean the operator's app settings are wrong, not the user's click. */
const APP_SETTING_ERRORS = new Set([
  'invalid_client_id',
  'bad_client_secret',
  'bad_redirect_uri',
  'oauth_authorization_url_mismatch',
  'invalid_grant_type',
]);

/** An install page before its way back is known. */
export type Page = Omit<InstallPage, 'back'>;

/** A page without its way back (the callback knows where back is). */
export function page(status: number, outcome: InstallOutcome, title: string, ...message: string[]): Page {
  return { status, outcome, title, message };
}

/** The page for a failed code exchange: the user's to retry, or the operator's to fix. */
export function exchangeFailure(error: string, reinstall: boolean): Page {
  const title = reinstall ? 'Slack was not reinstalled' : 'Slack was not connected';
  if (error === 'invalid_code')
    return page(
      400,
      'exchange_failed',
      title,
      'Slack did not accept the authorization (invalid_code): it expired or was already used.',
      'Start again from Herald.',
    );
  if (APP_SETTING_ERRORS.has(error))
    return page(
      502,
      'exchange_failed',
      title,
      `Slack refused Herald's Slack app settings (${error}).`,
      'Ask the operator of this Herald to check the Slack app: its client id and secret, and the redirect URL <HERALD_PUBLIC_URL>/v1/integrations/slack/callback.',
    );
  if (error === 'no_incoming_webhook')
    return page(
      502,
      'exchange_failed',
      title,
      'Slack did not return an incoming webhook: the Slack app must ask for the incoming-webhook scope.',
    );
  if (error === 'slack_unreachable' || error === 'slack_unavailable' || error === 'unexpected_answer')
    return page(502, 'exchange_failed', title, 'Slack could not be reached just now. Try again in a minute.');
  return page(502, 'exchange_failed', title, `Slack answered with an error (${error}).`, 'Try again.');
}
