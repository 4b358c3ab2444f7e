import { h } from '../dom.js';

// A pasted webhook URL checked against the shape its service gives out: a Discord URL
// pasted as Teams (or a channel's page URL instead of its webhook) is caught before the
// test notification fails. Only a warning: providers accept any http(s) URL, so a
// stand-in (a test server, a proxy) can still be saved.

const DISCORD_HOSTS = new Set([
  'discord.com',
  'discordapp.com',
  'ptb.discord.com',
  'canary.discord.com',
  'ptb.discordapp.com',
  'canary.discordapp.com',
]);
/** https://discord.com/developers/docs/resources/webhook#execute-webhook: /api[/v10]/webhooks/<id>/<token> */
const DISCORD_PATH = /^\/api(?:\/v\d+)?\/webhooks\/\d+\/[A-Za-z0-9_-]+\/?$/;

function isTeams(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  // Workflows (Power Automate): *.logic.azure.com, *.environment.api.powerplatform.com, *.powerautomate.com.
  if (host.endsWith('.logic.azure.com') || host.endsWith('.powerplatform.com')) return true;
  if (host === 'powerautomate.com' || host.endsWith('.powerautomate.com')) return true;
  // Legacy Office 365 connectors.
  if (host.endsWith('.webhook.office.com')) return true;
  return (
    (host === 'outlook.office.com' || host === 'outlook.office365.com') && /^\/webhook/i.test(url.pathname)
  );
}

const CHECKS: Record<string, { fits(url: URL): boolean; expected: string }> = {
  discord: {
    fits: (url) => DISCORD_HOSTS.has(url.hostname.toLowerCase()) && DISCORD_PATH.test(url.pathname),
    expected:
      'a Discord webhook URL looks like https://discord.com/api/webhooks/<id>/<token> (channel settings → Integrations → Webhooks → Copy Webhook URL)',
  },
  teams: {
    fits: isTeams,
    expected:
      'a Teams Workflows URL is on …logic.azure.com or …environment.api.powerplatform.com; an older connector URL is on ….webhook.office.com',
  },
  slack: {
    fits: (url) =>
      url.hostname.toLowerCase() === 'hooks.slack.com' &&
      /^\/(services|triggers|workflows)\//.test(url.pathname),
    expected: 'a Slack incoming webhook URL looks like https://hooks.slack.com/services/T…/B…/…',
  },
};

/** What is odd about `value` as a webhook URL of `type`, or null (fine, empty, not a URL, or a type without a known shape). */
export function urlShapeProblem(type: string, value: string): string | null {
  const check = CHECKS[type];
  const text = value.trim();
  if (!check || text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (check.fits(url) && url.protocol === 'https:') return null;
  return `This does not look like the URL we expect: ${check.expected}. You can still save it; the test notification will tell whether it works.`;
}

/** Shows a warning under the config form's URL field while its value does not fit `type`. */
export function watchUrlShape(container: HTMLElement, type: string): void {
  const input = container.querySelector<HTMLInputElement>('#config-url');
  if (!input || !CHECKS[type]) return;
  const warning = h('p', { class: 'field-warning', id: 'url-shape-warning', role: 'status', hidden: true });
  input.setAttribute('aria-describedby', 'url-shape-warning');
  input.closest('.field')?.appendChild(warning);
  const update = () => {
    const problem = urlShapeProblem(type, input.value);
    warning.hidden = problem === null;
    warning.textContent = problem ?? '';
  };
  input.addEventListener('input', update);
  input.addEventListener('change', update);
  update();
}
