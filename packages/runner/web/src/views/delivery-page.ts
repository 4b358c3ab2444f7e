import { ApiError, unwrap } from '../api.js';
import { type Context, poll, type View } from '../context.js';
import { fill, h, ICONS } from '../dom.js';
import { dateTime, duration, maskUrl } from '../format.js';
import { links } from '../router.js';
import type { Attempt, Delivery, Integration } from '../types.js';
import {
  busy,
  button,
  card,
  codeBadge,
  codeBlock,
  errorCallout,
  headerList,
  kindBadge,
  loading,
  pageHead,
  statusBadge,
  time,
} from '../ui.js';
import { PAGE_POLL_MS } from './integration-page.js';

const OUTCOME: Record<Attempt['outcome'], [string, string]> = {
  success: ['Succeeded', 'good'],
  // `retry` means "worth retrying"; whether a retry follows is read from the delivery (retryLabel).
  retry: ['Failed', 'warn'],
  rateLimited: ['Rate limited', 'warn'],
  fail: ['Failed', 'bad'],
  disable: ['Failed, integration disabled', 'bad'],
  unknown: ['May have reached the destination', 'warn'],
};

const TRIGGER: Record<Attempt['trigger'], string> = {
  scheduled: 'Scheduled',
  manual: 'Resend',
  test: 'Test',
  replay: 'Replay',
  recovered: 'Recovered',
};

/** What a `recovered` attempt says: no request of this runner's, an earlier one that may have arrived. */
function recoveredBody(a: Attempt): HTMLElement {
  return h(
    'div',
    { class: 'attempt-body' },
    h(
      'p',
      null,
      'The runner making this attempt stopped before it recorded the outcome: the destination may ' +
        'have received it. It carried the same event id and webhook-id as the next attempt, so a ' +
        'receiver that deduplicates on them sees it once.',
    ),
    a.reason ? h('p', { class: 'muted small' }, a.reason) : null,
  );
}

/**
 * A retryable failure's words from what followed it: the schedule's next attempt, one still
 * to come, or none (the last scheduled attempt, or a resend, which is a single shot).
 */
function retryLabel(a: Attempt, d: Pick<Delivery, 'attempts' | 'nextAttemptAt'>): [string, string] {
  const after = d.attempts.find((x) => x.number === a.number + 1);
  if (after && (after.trigger === 'scheduled' || after.trigger === 'recovered'))
    return ['Failed, retried', 'warn'];
  const newest = d.attempts.every((x) => x.number <= a.number);
  if (newest && d.nextAttemptAt) return ['Failed, retry scheduled', 'warn'];
  if (a.trigger === 'manual' || a.trigger === 'test') return ['Failed', 'bad'];
  return ['Failed, no retry left', 'bad'];
}

function attemptRow(a: Attempt, d: Delivery, open: boolean, onToggle: (open: boolean) => void): HTMLElement {
  const [outcome, tone] = a.outcome === 'retry' ? retryLabel(a, d) : OUTCOME[a.outcome];
  const details = h(
    'details',
    { class: 'attempt', 'data-attempt': a.number, open, ontoggle: () => onToggle(details.open) },
    h(
      'summary',
      null,
      h('span', { class: 'attempt-no' }, `#${a.number}`),
      h('span', { class: 'chip' }, TRIGGER[a.trigger]),
      codeBadge(a.response?.status ?? null),
      h('span', { class: `outcome outcome-${tone}` }, outcome),
      h(
        'span',
        { class: 'attempt-time' },
        h('time', { datetime: a.at, title: dateTime(a.at) }, dateTime(a.at)),
      ),
      h('span', { class: 'attempt-duration' }, duration(a.durationMs)),
    ),
    a.trigger === 'recovered'
      ? recoveredBody(a)
      : h(
          'div',
          { class: 'attempt-body' },
          h(
            'p',
            { class: 'request-line' },
            h('span', { class: 'method' }, a.request.method),
            h('span', { class: 'mono break' }, maskUrl(a.request.url)),
          ),
          a.error || a.reason
            ? h(
                'div',
                { class: 'attempt-error' },
                h('strong', null, a.response ? 'Reason' : 'Error'),
                h('p', { class: 'mono small' }, a.error ?? a.reason),
              )
            : null,
          a.response
            ? [
                h('h4', null, 'Response headers'),
                headerList(a.response.headers),
                h(
                  'h4',
                  null,
                  'Response body',
                  a.response.truncated ? h('span', { class: 'pill' }, 'truncated') : null,
                ),
                codeBlock(a.response.body, `Response body of attempt ${a.number}`),
              ]
            : h('p', { class: 'muted' }, 'No response was received.'),
        ),
  );
  return details;
}

function summary(d: Delivery): HTMLElement {
  const last = d.attempts[d.attempts.length - 1];
  const rows: Array<[string, Node | string | null]> = [
    ['Event id', h('span', { class: 'mono' }, d.eventId)],
    ['Project', h('span', { class: 'mono' }, d.projectId)],
    ['Created', time(d.createdAt)],
    ['Attempts', String(d.attemptCount)],
    ['Last response', last ? codeBadge(last.response?.status ?? null) : 'Not sent yet'],
    ['Next attempt', d.nextAttemptAt ? time(d.nextAttemptAt) : null],
    ['Last error', d.lastError ? h('span', { class: 'mono small' }, d.lastError) : null],
  ];
  return h(
    'dl',
    { class: 'summary-grid' },
    rows.filter(([, v]) => v !== null).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))),
  );
}

/** `#/integrations/:id/deliveries/:deliveryId`: the event, the request, every attempt; resend. */
export function deliveryView(ctx: Context, integrationId: string, deliveryId: string): View {
  ctx.setTitle('Delivery');
  const el = h('div', { class: 'page' }, loading());
  const ids = { params: { path: { id: integrationId, deliveryId } } };
  /** Attempts the user opened or closed, kept across refreshes; the newest is open by default. */
  const opened = new Map<number, boolean>();
  let integration: Integration | null = null;
  let shown = '';

  const resend = async (e: Event) => {
    try {
      await busy(e.currentTarget as HTMLButtonElement, () =>
        unwrap(ctx.api.POST('/v1/integrations/{id}/deliveries/{deliveryId}/resend', ids)),
      );
      ctx.toast('Resend queued: a new attempt appears below in a moment', 'success');
      await poller.now();
    } catch (err) {
      ctx.toast(err instanceof ApiError ? err.message : 'Could not resend', 'error');
    }
  };

  function draw(d: Delivery): void {
    const snapshot = JSON.stringify(d);
    if (snapshot === shown) return;
    shown = snapshot;
    ctx.setTitle(`${d.eventType} delivery`);
    const newest = d.attempts[d.attempts.length - 1];
    const attempts = [...d.attempts].reverse();
    // A recovered attempt has no request of its own to show.
    const request = attempts.find((a) => a.trigger !== 'recovered')?.request;
    fill(
      el,
      pageHead(
        h('span', { class: 'title-with-mark' }, d.eventType, kindBadge(d.kind), statusBadge(d.status)),
        {
          crumbs: [
            ['Integrations', links.integrations()],
            [integration?.name ?? 'Integration', links.integration(integrationId)],
          ],
          here: 'Delivery',
          subtitle: h('span', { class: 'mono small' }, d.id),
          actions: button('Resend', resend, { kind: 'primary', icon: ICONS.refresh, id: 'resend' }),
        },
      ),
      card(null, null, summary(d)),
      card(
        `Attempts (${d.attempts.length})`,
        null,
        attempts.length === 0
          ? h('p', { class: 'muted' }, 'No attempt yet.')
          : h(
              'div',
              { class: 'attempts', id: 'attempts' },
              attempts.map((a) =>
                attemptRow(a, d, opened.get(a.number) ?? a === newest, (open) => opened.set(a.number, open)),
              ),
            ),
      ),
      h(
        'div',
        { class: 'layout layout-even' },
        card(
          'Request',
          null,
          request
            ? [
                h(
                  'p',
                  { class: 'request-line' },
                  h('span', { class: 'method' }, request.method),
                  h('span', { class: 'mono break', id: 'request-url' }, maskUrl(request.url)),
                ),
                h(
                  'details',
                  { class: 'sub-details', open: true },
                  h('summary', null, `Headers (${Object.keys(request.headers).length})`),
                  headerList(request.headers),
                ),
                h('h4', null, 'Body'),
                codeBlock(request.body, 'Request body'),
              ]
            : h('p', { class: 'muted' }, 'Not sent yet.'),
        ),
        Object.assign(card('Event', null, codeBlock(JSON.stringify(d.event), 'Event')), { id: 'event' }),
      ),
    );
  }

  const refresh = async () => {
    const [d, i] = await Promise.all([
      unwrap(ctx.api.GET('/v1/integrations/{id}/deliveries/{deliveryId}', ids)),
      integration
        ? Promise.resolve(integration)
        : unwrap(ctx.api.GET('/v1/integrations/{id}', { params: { path: { id: integrationId } } })),
    ]);
    integration = i;
    draw(d);
  };

  refresh().catch((err: unknown) => {
    poller.stop();
    fill(el, errorCallout(err, 'Could not load this delivery'));
  });
  const poller = poll(refresh, PAGE_POLL_MS);
  return { el, dispose: () => poller.stop() };
}
