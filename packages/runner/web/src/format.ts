// How times, durations, bodies and filters read on screen.

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** `12 Mar 2026, 09:04:40` in the reader's locale. */
export function dateTime(iso: string): string {
  return absolute.format(new Date(iso));
}

/** `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`, then a date; `in 5 min` for the future. */
export function timeAgo(iso: string, now = Date.now()): string {
  const diff = now - new Date(iso).getTime();
  const ahead = diff < 0;
  const ms = Math.abs(diff);
  let text: string;
  if (ms < 5 * SECOND_MS) return ahead ? 'now' : 'just now';
  if (ms < MINUTE_MS) text = `${Math.round(ms / SECOND_MS)} s`;
  else if (ms < HOUR_MS) text = `${Math.round(ms / MINUTE_MS)} min`;
  else if (ms < DAY_MS) text = `${Math.round(ms / HOUR_MS)} h`;
  else if (ms < 7 * DAY_MS) text = `${Math.round(ms / DAY_MS)} d`;
  else return shortDate.format(new Date(iso));
  return ahead ? `in ${text}` : `${text} ago`;
}

/** `85 ms`, `1.4 s`. */
export function duration(ms: number): string {
  if (ms < SECOND_MS) return `${Math.round(ms)} ms`;
  return `${(ms / SECOND_MS).toFixed(ms < 10 * SECOND_MS ? 1 : 0)} s`;
}

/** A body for reading: indented when it is JSON, as received otherwise. */
export function prettyBody(text: string): { text: string; json: boolean } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
    } catch {
      // not JSON after all
    }
  }
  return { text, json: false };
}

/**
 * A URL as the delivery page shows it: scheme, host and path; credentials and query
 * values hidden (the API already masks a provider's secret URL; a token a user put in
 * a query string should not sit on screen either).
 */
export function maskUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  const auth = url.username || url.password ? '•••@' : '';
  const query = [...url.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=•••`).join('&');
  return `${url.protocol}//${auth}${url.host}${url.pathname}${query ? `?${query}` : ''}`;
}

const CATEGORY_LABELS: Record<string, string> = {
  build: 'Builds',
  deployment: 'Deployments',
  'job-run': 'Job runs',
  backup: 'Backups',
  billing: 'Billing',
  alert: 'Infrastructure alerts',
  integration: 'Integration health',
};

/** `job-run` → `Job runs`; an unknown category is capitalised. */
export function categoryLabel(category: string): string {
  return (
    CATEGORY_LABELS[category] ?? `${category[0]?.toUpperCase() ?? ''}${category.slice(1).replace(/-/g, ' ')}`
  );
}

/** `build:invoice-created` → `Invoice created`. */
export function actionLabel(type: string): string {
  const action = type
    .slice(type.indexOf(':') + 1)
    .replace(/-/g, ' ')
    .replace(/\bcpu\b/, 'CPU');
  return `${action[0]?.toUpperCase() ?? ''}${action.slice(1)}`;
}

/** One line for an integration's event filter: `All events`, `All builds · deployment:failure +2 more`. */
export function eventsSummary(patterns: string[]): string {
  if (patterns.includes('*')) return 'All events';
  const parts = patterns.map((p) =>
    p.endsWith(':*') ? `All ${categoryLabel(p.slice(0, -2)).toLowerCase()}` : p,
  );
  const SHOWN = 2;
  return parts.length <= SHOWN + 1
    ? parts.join(' · ')
    : `${parts.slice(0, SHOWN).join(' · ')} +${parts.length - SHOWN} more`;
}

/** `All projects`, `personal-blog`, `3 projects`. */
export function projectsSummary(projects: string[] | null): string {
  if (projects === null) return 'All projects';
  return projects.length === 1 ? projects[0]! : `${projects.length} projects`;
}

/** `signingSecrets` → `Signing secrets`, `url` → `URL`. */
export function fieldLabel(name: string): string {
  if (name.toLowerCase() === 'url') return 'URL';
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return `${words[0]?.toUpperCase() ?? ''}${words.slice(1)}`
    .replace(/\burl\b/g, 'URL')
    .replace(/\bgithub\b/gi, 'GitHub');
}
