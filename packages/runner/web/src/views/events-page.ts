import { unwrap } from '../api.js';
import type { Context, View } from '../context.js';
import { fill, h, ICONS } from '../dom.js';
import { links } from '../router.js';
import { EVENT_OUTCOMES, type EventLogEntry, type EventOutcome, type Page } from '../types.js';
import { button, empty, errorCallout, flushCard, loading, pageHead, time } from '../ui.js';

const PAGE_SIZE = 25;
/** Skipped integrations a row names before "and n more". */
const SKIPS_SHOWN = 3;

const OUTCOME: Record<EventOutcome, { label: string; tone: string; title: string }> = {
  delivered: { label: 'Delivered', tone: 'good', title: 'At least one integration got a delivery' },
  skipped: {
    label: 'Skipped',
    tone: 'warn',
    title: 'Integrations would take it, but are switched off or the alert frequency held it back',
  },
  unmatched: { label: 'No match', tone: 'muted', title: 'No integration listens to this event' },
  rejected: { label: 'Rejected', tone: 'bad', title: 'Invalid: sent to the dead-letter stream' },
};

function outcomeBadge(outcome: EventOutcome): HTMLElement {
  const o = OUTCOME[outcome];
  return h('span', { class: `badge badge-${o.tone}`, 'data-outcome': outcome, title: o.title }, o.label);
}

/** What became of the event, in a sentence or two, with a link to each delivery. */
function fate(e: EventLogEntry): HTMLElement {
  const parts: HTMLElement[] = [];
  if (e.rejection)
    parts.push(
      h(
        'div',
        { class: 'fate-rejected' },
        h('strong', null, `Rejected (${e.rejection.reason}): `),
        h('span', { class: 'mono small' }, e.rejection.error),
      ),
    );
  if (e.deliveries.length > 0)
    parts.push(
      h(
        'div',
        { class: 'fate-delivered' },
        'Delivered to ',
        e.deliveries.map((d, i) => [
          i > 0 ? ', ' : null,
          h(
            'a',
            { href: links.delivery(d.integrationId, d.deliveryId), 'data-delivery': d.deliveryId },
            d.integrationName ?? `${d.integrationId} (deleted)`,
          ),
        ]),
      ),
    );
  if (e.throttle)
    parts.push(
      h(
        'div',
        { class: 'fate-throttled' },
        `Held back by the alert frequency (the same alert at most once every ${e.throttle.minIntervalSeconds} s)`,
      ),
    );
  const name = (s: EventLogEntry['skipped'][number]) => s.integrationName ?? s.integrationId;
  // Those that would have taken it are named up front; the filters' skips wait behind "why".
  const off = e.skipped.filter((s) => s.reason === 'disabled');
  if (off.length > 0)
    parts.push(h('div', { class: 'fate-off' }, `Not sent to ${off.map(name).join(', ')}: switched off`));
  if (e.outcome === 'unmatched') parts.push(h('div', { class: 'muted' }, 'No integration listens to it'));
  const skips = e.skipped.filter((s) => s.reason !== 'throttled');
  if (skips.length > 0) {
    const more = e.skippedCount - Math.min(skips.length, SKIPS_SHOWN);
    parts.push(
      h(
        'details',
        { class: 'fate-skipped' },
        h(
          'summary',
          null,
          `Skipped ${e.skippedCount} integration${e.skippedCount === 1 ? '' : 's'}: `,
          skips.slice(0, SKIPS_SHOWN).map(name).join(', '),
          more > 0 ? ` and ${more} more` : '',
        ),
        h(
          'ul',
          { class: 'skip-list' },
          skips.map((s) =>
            h('li', { 'data-skip': s.reason }, h('span', { class: 'skip-name' }, name(s)), ` — ${s.message}`),
          ),
        ),
      ),
    );
  }
  if (parts.length === 0) parts.push(h('div', { class: 'muted' }, 'No integration listens to it'));
  return h('div', { class: 'fate' }, parts);
}

function row(e: EventLogEntry): HTMLElement {
  return h(
    'tr',
    { 'data-event': e.id, 'data-event-id': e.eventId ?? '', 'data-outcome': e.outcome },
    h('td', { 'data-label': 'Outcome', class: 'cell-top' }, outcomeBadge(e.outcome)),
    h(
      'td',
      { 'data-label': 'Event', class: 'cell-top' },
      h('div', { class: 'event-type' }, e.type ?? h('span', { class: 'muted' }, 'unreadable')),
      h('div', { class: 'muted small' }, e.projectId ?? ''),
    ),
    h(
      'td',
      { 'data-label': 'Event id', class: 'cell-id cell-top mono small', title: e.eventId ?? '' },
      e.eventId ?? '—',
    ),
    h('td', { 'data-label': 'What became of it', class: 'cell-top' }, fate(e)),
    h('td', { 'data-label': 'Received', class: 'cell-top' }, time(e.receivedAt)),
  );
}

/** The team's events log: filters, newest first, paged with `nextCursor`. */
export function eventsView(ctx: Context): View {
  ctx.setTitle('Events');
  const cursors: Array<string | null> = [null];
  let nextCursor: string | null = null;

  const list = h('div', null, loading('Loading events…'));
  const newer = button('Newer', () => go(-1), { icon: ICONS.back, id: 'events-newer' });
  const older = button('Older', () => go(1), { id: 'events-older' });
  older.appendChild(h('span', { class: 'icon-after' }, '→'));
  const pager = h('div', { class: 'pager' }, newer, older);

  const restart = () => {
    cursors.splice(0, cursors.length, null);
    void refresh();
  };
  const typeFilter = h(
    'select',
    { class: 'input input-sm', id: 'events-type', 'aria-label': 'Filter by event type', onchange: restart },
    h('option', { value: '' }, 'All event types'),
  );
  void ctx
    .eventTypes()
    .then((types) => typeFilter.append(...types.map((t) => h('option', { value: t.type }, t.type))))
    .catch(() => undefined);
  const projectFilter = h('input', {
    class: 'input input-sm',
    id: 'events-project',
    placeholder: 'Project id',
    'aria-label': 'Filter by project',
    onchange: restart,
  });
  const outcomeFilter = h(
    'select',
    { class: 'input input-sm', id: 'events-outcome', 'aria-label': 'Filter by outcome', onchange: restart },
    h('option', { value: '' }, 'All outcomes'),
    EVENT_OUTCOMES.map((o) => h('option', { value: o }, OUTCOME[o].label)),
  );
  const filters = h(
    'div',
    { class: 'filters', id: 'events-filters' },
    typeFilter,
    projectFilter,
    outcomeFilter,
    button('Refresh', () => void refresh(), { icon: ICONS.replay, id: 'events-refresh' }),
  );

  async function go(step: 1 | -1): Promise<void> {
    if (step === 1 && nextCursor) cursors.push(nextCursor);
    if (step === -1 && cursors.length > 1) cursors.pop();
    await refresh();
  }

  async function refresh(): Promise<void> {
    const project = projectFilter.value.trim();
    const cursor = cursors[cursors.length - 1];
    const query = {
      limit: PAGE_SIZE,
      ...(typeFilter.value ? { type: typeFilter.value } : {}),
      ...(project ? { projectId: project } : {}),
      ...(outcomeFilter.value ? { outcome: outcomeFilter.value as EventOutcome } : {}),
      ...(cursor ? { cursor } : {}),
    };
    let page: Page<EventLogEntry>;
    try {
      page = (await unwrap(ctx.api.GET('/v1/events', { params: { query } }))) as Page<EventLogEntry>;
    } catch (err) {
      fill(list, errorCallout(err, 'Could not load events'));
      return;
    }
    nextCursor = page.nextCursor;
    newer.disabled = cursors.length <= 1;
    older.disabled = nextCursor === null;
    pager.hidden = newer.disabled && older.disabled;
    const filtered = 'type' in query || 'projectId' in query || 'outcome' in query;
    if (page.items.length === 0) {
      fill(
        list,
        empty(
          filtered ? 'No events here' : 'No events yet',
          filtered
            ? nextCursor
              ? 'None among the latest; older ones may match.'
              : 'Try other filters.'
            : 'Events your platform publishes show up here, with what became of each.',
        ),
      );
      return;
    }
    fill(
      list,
      h(
        'table',
        { class: 'table events-table', id: 'events-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Outcome', 'Event', 'Event id', 'What became of it', 'Received'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h('tbody', null, page.items.map(row)),
      ),
    );
  }

  void refresh();
  return {
    el: h(
      'div',
      { class: 'page events-page' },
      pageHead('Events', {
        subtitle: 'Every event your team published, newest first, and what became of it.',
      }),
      filters,
      flushCard(list, pager),
    ),
  };
}
