import { ApiError, unwrap } from '../api.js';
import type { Context } from '../context.js';
import { fill, h, ICONS } from '../dom.js';
import { links } from '../router.js';
import { DELIVERY_STATUSES, type DeliveryStatus, type DeliverySummary, type Page } from '../types.js';
import {
  busy,
  button,
  card,
  codeBadge,
  empty,
  errorCallout,
  kindBadge,
  loading,
  statusBadge,
  time,
} from '../ui.js';

const PAGE_SIZE = 20;
const DAY_MS = 86_400_000;
/** Redrawn at least this often, so relative times move on. */
const MINUTE_MS = 60_000;

export interface DeliveriesPanel {
  el: HTMLElement;
  /** Reloads the page being shown (polling calls it). */
  refresh(): Promise<void>;
}

/** A `datetime-local` value (local time, minutes) for a moment. */
function localInputValue(ms: number): string {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function row(ctx: Context, integrationId: string, d: DeliverySummary): HTMLElement {
  const href = links.delivery(integrationId, d.id);
  return h(
    'tr',
    {
      class: 'clickable',
      'data-delivery': d.id,
      'data-status': d.status,
      'data-kind': d.kind,
      // The whole row opens the delivery; the link inside keeps it keyboard- and middle-click-friendly.
      onclick: (e: Event) => {
        if (!(e.target as Element).closest('a')) ctx.navigate(href);
      },
    },
    h('td', { 'data-label': 'Status' }, statusBadge(d.status)),
    h(
      'td',
      { 'data-label': 'Event' },
      h('a', { href, class: 'event-type' }, d.eventType),
      ' ',
      kindBadge(d.kind),
    ),
    h('td', { 'data-label': 'Event id', class: 'cell-id mono small', title: d.eventId }, d.eventId),
    h('td', { 'data-label': 'Attempts', class: 'num' }, String(d.attemptCount)),
    h(
      'td',
      { 'data-label': 'Response' },
      d.attemptCount === 0 ? h('span', { class: 'muted' }, '—') : codeBadge(d.lastStatusCode),
    ),
    h('td', { 'data-label': 'Time' }, time(d.createdAt)),
  );
}

/** Recent deliveries of one integration: filter by status, page with `nextCursor`, replay failed ones. */
export function deliveriesPanel(ctx: Context, integrationId: string): DeliveriesPanel {
  let status: DeliveryStatus | '' = '';
  /** Cursors of the pages before the one shown; the shown page's own cursor is last. */
  const cursors: Array<string | null> = [null];
  let nextCursor: string | null = null;
  let shown = '';

  const list = h('div', { class: 'table-wrap' }, loading('Loading deliveries…'));
  const newer = button('Newer', () => go(-1), { icon: ICONS.back, id: 'page-newer' });
  const older = button('Older', () => go(1), { id: 'page-older' });
  older.appendChild(h('span', { class: 'icon-after' }, '→'));
  const pager = h('div', { class: 'pager' }, newer, older);

  const filter = h(
    'select',
    {
      class: 'input input-sm',
      id: 'status-filter',
      'aria-label': 'Filter by status',
      onchange: () => {
        status = filter.value as DeliveryStatus | '';
        cursors.splice(0, cursors.length, null);
        void refresh();
      },
    },
    h('option', { value: '' }, 'All statuses'),
    DELIVERY_STATUSES.map((s) => h('option', { value: s }, `${s[0]!.toUpperCase()}${s.slice(1)}`)),
  );

  const since = h('input', {
    type: 'datetime-local',
    class: 'input input-sm',
    id: 'replay-since',
    value: localInputValue(Date.now() - DAY_MS),
    required: true,
  });
  const which = h(
    'select',
    { class: 'input input-sm', id: 'replay-status', 'aria-label': 'Which deliveries' },
    h('option', { value: 'failed' }, 'Failed'),
    h('option', { value: 'skipped' }, 'Skipped'),
    h('option', { value: '' }, 'Failed and skipped'),
  );
  const replaySubmit = button('Replay', null, { kind: 'primary', type: 'submit', id: 'replay-submit' });
  const replayForm = h(
    'form',
    {
      class: 'replay',
      id: 'replay-form',
      hidden: true,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const at = new Date(since.value);
        if (Number.isNaN(at.getTime())) return ctx.toast('Pick a date and time', 'error');
        try {
          const res = await busy(replaySubmit, () =>
            unwrap(
              ctx.api.POST('/v1/integrations/{id}/replay', {
                params: { path: { id: integrationId } },
                body: {
                  since: at.toISOString(),
                  ...(which.value ? { status: which.value as 'failed' | 'skipped' } : {}),
                },
              }),
            ),
          );
          ctx.toast(
            res.count === 0
              ? 'Nothing to replay since then'
              : `${res.count} ${res.count === 1 ? 'delivery' : 'deliveries'} queued again`,
            res.count ? 'success' : 'info',
          );
          replayForm.hidden = true;
          await refresh();
        } catch (err) {
          ctx.toast(err instanceof ApiError ? err.message : 'Replay failed', 'error');
        }
      },
    },
    h('span', { class: 'label-inline' }, 'Replay'),
    which,
    h('label', { class: 'label-inline', for: 'replay-since' }, 'deliveries since'),
    since,
    replaySubmit,
  );
  const replayToggle = button(
    'Replay failed…',
    () => {
      replayForm.hidden = !replayForm.hidden;
      if (!replayForm.hidden) since.focus();
    },
    { icon: ICONS.replay, id: 'replay-open' },
  );

  const live = h(
    'span',
    { class: 'live', title: 'Refreshes every 2 seconds while open' },
    h('span', { class: 'live-dot', 'aria-hidden': 'true' }),
    'Live',
  );
  const el = card(
    h('span', null, 'Recent deliveries ', live),
    [filter, replayToggle],
    replayForm,
    list,
    pager,
  );
  el.id = 'deliveries';
  el.classList.add('card-flush');

  async function go(step: 1 | -1): Promise<void> {
    if (step === 1 && nextCursor) cursors.push(nextCursor);
    if (step === -1 && cursors.length > 1) cursors.pop();
    shown = '';
    await refresh();
  }

  async function refresh(): Promise<void> {
    const cursor = cursors[cursors.length - 1];
    const query = { limit: PAGE_SIZE, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) };
    let page: Page<DeliverySummary>;
    try {
      page = await unwrap(
        ctx.api.GET('/v1/integrations/{id}/deliveries', { params: { path: { id: integrationId }, query } }),
      );
    } catch (err) {
      fill(list, errorCallout(err, 'Could not load deliveries'));
      shown = '';
      return;
    }
    nextCursor = page.nextCursor;
    newer.disabled = cursors.length <= 1;
    older.disabled = nextCursor === null;
    pager.hidden = newer.disabled && older.disabled;
    const snapshot = JSON.stringify([status, cursors, page.items, Math.floor(Date.now() / MINUTE_MS)]);
    if (snapshot === shown) return;
    shown = snapshot;
    if (page.items.length === 0) {
      fill(
        list,
        empty(
          status ? `No ${status} deliveries` : 'No deliveries yet',
          status
            ? 'Try another status.'
            : 'Events this integration takes show up here as they are delivered.',
        ),
      );
      return;
    }
    fill(
      list,
      h(
        'table',
        { class: 'table deliveries-table', id: 'deliveries-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Status', 'Event', 'Event id', 'Attempts', 'Response', 'Time'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          page.items.map((d) => row(ctx, integrationId, d)),
        ),
      ),
    );
  }

  return { el, refresh };
}
