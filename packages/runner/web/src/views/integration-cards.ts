import { h, ICONS } from '../dom.js';
import { dateTime, fieldLabel } from '../format.js';
import { links } from '../router.js';
import type { Disabled, Integration } from '../types.js';
import { callout, card, linkButton, stateBadge, time } from '../ui.js';
import { orderedInWords } from './ordered-option.js';

// The integration page's panels: why it is not healthy, its settings, its state history.

/** The title of each disabling cause: a 410 is not "failing too long", a user is not a failure. */
const DISABLED_TITLES: Record<Disabled['cause'], string> = {
  user: 'Disabled by a user',
  gone: 'Disabled: the destination is gone',
  cut_off: 'Disabled: the destination cut this integration off',
  kept_failing: 'Disabled after failing too long',
  other: 'Disabled',
};

/** What to do about each cause, pointing at the one action that turns it on again. */
const DISABLED_FIXES: Record<Disabled['cause'], string> = {
  user: 'It receives nothing until you enable it again.',
  gone: 'Give it a destination that exists (Edit), then Enable again.',
  cut_off: 'Connect it again or give it a new URL (Edit), then Enable again.',
  kept_failing: 'Fix the destination, then Enable again: it receives events from then on.',
  other: 'Enable it again to receive events.',
};

/** Why the integration is not healthy, in a sentence, with the last error. */
export function healthNotice(i: Integration): HTMLElement | null {
  const hl = i.health;
  if (i.disabled) {
    const d = i.disabled;
    const el = callout(
      d.by === 'user' ? 'info' : 'bad',
      DISABLED_TITLES[d.cause],
      h('p', null, d.by === 'user' ? null : `${d.message} `, DISABLED_FIXES[d.cause]),
      d.lastError ? h('p', { class: 'mono small last-error-full' }, d.lastError) : null,
    );
    el.id = 'disabled-notice';
    el.setAttribute('data-cause', d.cause);
    return el;
  }
  if (i.state === 'failing')
    return callout(
      'warn',
      h('span', null, 'Failing since ', hl.failingSince ? time(hl.failingSince) : 'recently'),
      h(
        'p',
        null,
        `${hl.failedDeliveries} failed ${hl.failedDeliveries === 1 ? 'delivery' : 'deliveries'} in a row; it is disabled if this goes on.`,
      ),
      hl.lastError ? h('p', { class: 'mono small last-error-full' }, hl.lastError) : null,
    );
  return null;
}

/** Every state change, newest first, with its reason. */
export function historyCard(i: Integration): HTMLElement {
  // The API keeps them newest first already.
  const transitions = i.health.transitions;
  return card(
    'State history',
    null,
    transitions.length === 0
      ? h('p', { class: 'muted' }, 'Healthy since it was created.')
      : h(
          'ol',
          { class: 'timeline', id: 'history' },
          transitions.map((t) =>
            h(
              'li',
              { class: `timeline-item to-${t.to}` },
              h(
                'div',
                { class: 'timeline-head' },
                stateBadge(t.from),
                h('span', { class: 'arrow', 'aria-label': 'to' }, '→'),
                stateBadge(t.to),
              ),
              h('p', { class: 'timeline-reason' }, t.reason),
              h('time', { datetime: t.at, class: 'muted small' }, dateTime(t.at)),
            ),
          ),
        ),
  );
}

/** What the integration is set to (secrets as the API masks them). */
export function settingsCard(i: Integration): HTMLElement {
  const rows: Array<[string, Node | string]> = [
    [
      'Events',
      h(
        'span',
        { class: 'chips' },
        i.events.map((e) => h('code', { class: 'chip' }, e)),
      ),
    ],
    [
      'Projects',
      i.projects
        ? h(
            'span',
            { class: 'chips' },
            i.projects.map((p) => h('code', { class: 'chip' }, p)),
          )
        : 'All projects',
    ],
    [
      'Only when',
      i.filterInWords
        ? h('span', { id: 'filter-in-words' }, i.filterInWords)
        : 'No content filter: every event of these types and projects',
    ],
    [
      'Message',
      h(
        'span',
        { id: 'template-in-settings' },
        i.template ? `Template: ${Object.keys(i.template).join(', ')}` : 'Herald’s wording',
      ),
    ],
    ...Object.entries(i.config).map(([k, v]): [string, Node | string] => [
      fieldLabel(k),
      typeof v === 'boolean'
        ? v
          ? 'On'
          : 'Off'
        : h('span', { class: 'mono small break' }, typeof v === 'string' ? v : JSON.stringify(v)),
    ]),
    ...connectionRows(i),
    ['Order', h('span', { id: 'ordered-in-words' }, orderedInWords(i))],
    ['Pace', i.rateLimitPerSecond ? `${i.rateLimitPerSecond} / s` : 'Provider default'],
    ['Created', h('time', { datetime: i.createdAt }, dateTime(i.createdAt))],
    ['Id', h('span', { class: 'mono small' }, i.id)],
  ];
  return card(
    'Settings',
    linkButton(links.edit(i.id), 'Edit', 'ghost', ICONS.edit),
    h(
      'dl',
      { class: 'kv' },
      rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
    ),
  );
}

/** What a connect flow ("Add to Slack") brought, as its provider words it: where it posts, a link to manage it. */
function connectionRows(i: Integration): Array<[string, Node | string]> {
  if (!i.connection) return [];
  const { type, rows } = i.connection;
  return rows.map((row) => [
    row.label,
    row.href
      ? h(
          'a',
          { id: `${type}-${row.id}`, href: row.href, target: '_blank', rel: 'noopener noreferrer' },
          row.text,
        )
      : h('span', { id: `${type}-${row.id}` }, row.text),
  ]);
}
