import type { FastifyReply } from 'fastify';
import { DASHBOARD_HEADERS } from './dashboard.js';

// The page a browser lands on when a connect flow's install does not end on the
// integration's page: consent denied, a bad, expired or replayed link, the destination
// refusing the code. Served with the dashboard's headers (strict CSP: the dashboard's
// own stylesheets, no script at all); every text is escaped, the provider's too.

/** Why an install ended here: a stable word, also on the page as `data-outcome`. */
export type InstallOutcome =
  | 'not_configured'
  | 'bad_state'
  | 'expired_state'
  | 'replayed_state'
  | 'other_browser'
  | 'denied'
  | 'destination_error'
  | 'bad_request'
  | 'integration_gone'
  | 'exchange_failed'
  | 'conflict'
  | 'internal';

export interface InstallPage {
  /** The provider type: the page's ids are `<type>-install-result` and `<type>-install-back`. */
  type: string;
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
      <div class="signin-card" id="${escapeHtml(page.type)}-install-result" data-outcome="${page.outcome}">
        <img class="signin-logo" src="/assets/icon.svg" alt="Herald" width="32" height="32">
        <div class="callout callout-${tone}"${tone === 'bad' ? ' role="alert"' : ''}>
          <div class="callout-body">
            <h1><strong>${escapeHtml(page.title)}</strong></h1>
${page.message.map((p) => `            <p>${escapeHtml(p)}</p>`).join('\n')}
          </div>
        </div>
        <p><a class="btn btn-primary" id="${escapeHtml(page.type)}-install-back" href="${escapeHtml(page.back.href)}">${escapeHtml(page.back.label)}</a></p>
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

/** An install page before its way back is known. */
export type Page = Omit<InstallPage, 'back' | 'type'>;

/** A page without its way back (the callback knows where back is). */
export function page(status: number, outcome: InstallOutcome, title: string, ...message: string[]): Page {
  return { status, outcome, title, message };
}
