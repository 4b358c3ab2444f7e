import { ApiError, unwrap } from '../api.js';
import { type Context, poll, type View } from '../context.js';
import { fill, h, ICONS } from '../dom.js';
import { eventsSummary, projectsSummary } from '../format.js';
import { links } from '../router.js';
import type { DeliverySummary, Integration, ProviderInfo } from '../types.js';
import {
  empty,
  errorCallout,
  flushCard,
  linkButton,
  loading,
  pageHead,
  stateBadge,
  statusBadge,
  time,
  toggle,
  typeMark,
} from '../ui.js';

/** The list refreshes itself, less often than an open integration page. */
const LIST_POLL_MS = 5_000;
const MINUTE_MS = 60_000;

interface Row {
  integration: Integration;
  last: DeliverySummary | null;
}

/** The state cell: badge, and for a failing or health-disabled integration since when and why. */
function stateCell(i: Integration): HTMLElement {
  const h0 = i.health;
  const detail: Array<HTMLElement | string> = [];
  if (i.state === 'failing' && h0.failingSince) detail.push('Failing since ', time(h0.failingSince));
  else if (i.disabled?.by === 'user') detail.push('Turned off');
  else if (i.state === 'disabled' && h0.since) detail.push('Disabled ', time(h0.since));
  return h(
    'div',
    { class: 'state-cell' },
    stateBadge(i.state),
    detail.length ? h('span', { class: `state-detail state-detail-${i.state}` }, detail) : null,
    i.state !== 'healthy' && h0.lastError
      ? h('span', { class: 'last-error', title: h0.lastError }, h0.lastError)
      : null,
  );
}

function rowOf(
  ctx: Context,
  row: Row,
  providers: Map<string, ProviderInfo>,
  refresh: () => Promise<void>,
): HTMLElement {
  const i = row.integration;
  const onToggle = async (next: boolean, el: HTMLButtonElement) => {
    el.disabled = true;
    try {
      await unwrap(
        ctx.api.POST(next ? '/v1/integrations/{id}/enable' : '/v1/integrations/{id}/disable', {
          params: { path: { id: i.id } },
        }),
      );
      ctx.toast(`${i.name} ${next ? 'enabled' : 'disabled'}`, 'success');
      await refresh();
    } catch (err) {
      ctx.toast(err instanceof ApiError ? err.message : 'Could not change it', 'error');
      el.disabled = false;
    }
  };
  return h(
    'tr',
    { 'data-integration': i.id },
    h(
      'td',
      { class: 'cell-name' },
      h(
        'a',
        { href: links.integration(i.id), class: 'row-link' },
        typeMark(i.type, providers.get(i.type)?.displayName, false),
        h(
          'span',
          null,
          h('span', { class: 'name' }, i.name),
          h(
            'span',
            { class: 'sub' },
            providers.get(i.type)?.displayName ?? i.type,
            i.ordered ? [' ', h('span', { class: 'chip', 'data-ordered': 'true' }, 'in order')] : null,
          ),
        ),
      ),
    ),
    h('td', { 'data-label': 'State' }, stateCell(i)),
    h(
      'td',
      { 'data-label': 'Events' },
      h('span', { class: 'events-summary' }, eventsSummary(i.events)),
      h('span', { class: 'sub' }, projectsSummary(i.projects)),
    ),
    h(
      'td',
      { 'data-label': 'Last delivery' },
      row.last
        ? h('span', { class: 'last-delivery' }, statusBadge(row.last.status), time(row.last.createdAt))
        : h('span', { class: 'muted' }, 'None yet'),
    ),
    h(
      'td',
      { 'data-label': 'Enabled', class: 'cell-toggle' },
      toggle(i.enabled, `${i.name} enabled`, onToggle),
    ),
  );
}

/** `#/integrations`: every integration of the team with its state and last delivery. */
export function integrationsView(ctx: Context): View {
  ctx.setTitle('Integrations');
  const body = h('div', null, loading());
  const el = h(
    'div',
    { class: 'page' },
    pageHead('Integrations', {
      subtitle: 'Where your team’s events go: Slack, Discord, Teams and your own endpoints.',
      actions: linkButton(links.newIntegration(), 'New integration', 'primary', ICONS.plus),
    }),
    body,
  );
  let shown = '';

  const refresh = async () => {
    const [page, providers] = await Promise.all([unwrap(ctx.api.GET('/v1/integrations')), ctx.providers()]);
    const rows: Row[] = await Promise.all(
      page.items.map(async (integration) => {
        const last = await unwrap(
          ctx.api.GET('/v1/integrations/{id}/deliveries', {
            params: { path: { id: integration.id }, query: { limit: 1 } },
          }),
        );
        return { integration, last: last.items[0] ?? null };
      }),
    );
    // Redraw only on change, so focus and hover survive the refresh.
    // The minute is part of it so that relative times (“5 min ago”) move on.
    const snapshot = JSON.stringify([rows, Math.floor(Date.now() / MINUTE_MS)]);
    if (snapshot === shown) return;
    shown = snapshot;
    const byType = new Map(providers.map((p) => [p.type, p]));
    if (rows.length === 0) {
      fill(
        body,
        empty(
          'No integrations yet',
          'Create one to send build, deployment, job, backup, billing and alert events to Slack, Discord, Teams or a webhook.',
          linkButton(links.newIntegration(), 'Create an integration', 'primary', ICONS.plus),
        ),
      );
      return;
    }
    fill(
      body,
      flushCard(
        h(
          'table',
          { class: 'table integrations', id: 'integrations' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, 'Integration'),
              h('th', { scope: 'col' }, 'State'),
              h('th', { scope: 'col' }, 'Events'),
              h('th', { scope: 'col' }, 'Last delivery'),
              h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Enabled')),
            ),
          ),
          h(
            'tbody',
            null,
            rows.map((r) => rowOf(ctx, r, byType, refresh)),
          ),
        ),
      ),
    );
  };

  refresh().catch((err: unknown) => fill(body, errorCallout(err, 'Could not load integrations')));
  const poller = poll(refresh, LIST_POLL_MS);
  return { el, dispose: () => poller.stop() };
}
