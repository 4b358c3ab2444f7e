import { ApiError } from './api.js';
import { type Child, h, ICONS, icon } from './dom.js';
import { dateTime, prettyBody, timeAgo } from './format.js';
import type { DeliveryKind, DeliveryStatus, IntegrationState } from './types.js';

// Shared pieces of the product's look: badges, buttons, cards, code blocks.

const STATE_LABEL: Record<IntegrationState, string> = {
  healthy: 'Healthy',
  failing: 'Failing',
  disabled: 'Disabled',
};

/** healthy / failing / disabled, colour-coded. */
export function stateBadge(state: IntegrationState): HTMLElement {
  return h('span', { class: `badge badge-${state}`, 'data-state': state }, STATE_LABEL[state]);
}

const STATUS_TONE: Record<DeliveryStatus, string> = {
  succeeded: 'good',
  failed: 'bad',
  retrying: 'warn',
  pending: 'info',
  skipped: 'muted',
};

/** A delivery's status, colour-coded. */
export function statusBadge(status: DeliveryStatus): HTMLElement {
  const label = `${status[0]!.toUpperCase()}${status.slice(1)}`;
  return h('span', { class: `badge badge-${STATUS_TONE[status]}`, 'data-status': status }, label);
}

/** "Test" or "Confirmation" beside a delivery that carried no real event; nothing for a real one. */
export function kindBadge(kind: DeliveryKind | undefined): HTMLElement | null {
  if (kind === 'test')
    return h(
      'span',
      {
        class: 'badge badge-info kind-badge',
        'data-kind': kind,
        title: 'A test notification, not a real event',
      },
      'Test',
    );
  if (kind === 'confirmation')
    return h(
      'span',
      {
        class: 'badge badge-info kind-badge',
        'data-kind': kind,
        title: 'Sent when the integration was created',
      },
      'Confirmation',
    );
  return null;
}

/** An HTTP status code (2xx green, 4xx amber, 5xx red), or `No response`. */
export function codeBadge(code: number | null): HTMLElement {
  if (code === null) return h('span', { class: 'code code-none' }, 'No response');
  const tone = code < 300 ? 'good' : code < 500 ? 'warn' : 'bad';
  return h('span', { class: `code code-${tone}` }, String(code));
}

const BRANDS = new Set(['slack', 'discord', 'teams', 'webhook']);

/** A provider's mark: a coloured tile with its initial, and its name. */
export function typeMark(type: string, displayName?: string, withLabel = true): HTMLElement {
  const brand = BRANDS.has(type) ? type : 'other';
  const name = displayName ?? type;
  return h(
    'span',
    { class: 'type' },
    h('span', { class: `type-tile type-${brand}`, 'aria-hidden': 'true' }, name[0]?.toUpperCase() ?? '?'),
    withLabel ? h('span', { class: 'type-name' }, name) : null,
  );
}

/** A time that reads relative (`3 min ago`) with the exact time on hover and for screen readers. */
export function time(iso: string): HTMLElement {
  return h('time', { datetime: iso, title: dateTime(iso) }, timeAgo(iso));
}

type ButtonKind = 'primary' | 'secondary' | 'danger' | 'ghost';

/** A real button. */
export function button(
  label: Child,
  onClick: ((event: Event) => void) | null,
  opts: { kind?: ButtonKind; icon?: string[]; type?: 'button' | 'submit'; id?: string; title?: string } = {},
): HTMLButtonElement {
  return h(
    'button',
    {
      type: opts.type ?? 'button',
      class: `btn btn-${opts.kind ?? 'secondary'}`,
      id: opts.id,
      title: opts.title,
      onclick: onClick ?? undefined,
    },
    opts.icon ? icon(opts.icon) : null,
    label,
  );
}

/** A link that looks like a button. */
export function linkButton(
  href: string,
  label: Child,
  kind: ButtonKind = 'secondary',
  ic?: string[],
): HTMLElement {
  return h('a', { href, class: `btn btn-${kind}` }, ic ? icon(ic) : null, label);
}

/** Runs `action` with the button busy (disabled, spinner) so a double click sends once. */
export async function busy<T>(btn: HTMLButtonElement, action: () => Promise<T>): Promise<T> {
  btn.disabled = true;
  btn.classList.add('is-busy');
  btn.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    btn.disabled = false;
    btn.classList.remove('is-busy');
    btn.removeAttribute('aria-busy');
  }
}

/** An on/off switch (a button with role=switch). */
export function toggle(
  checked: boolean,
  label: string,
  onChange: (next: boolean, el: HTMLButtonElement) => void,
): HTMLButtonElement {
  const el: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      role: 'switch',
      class: 'switch',
      'aria-checked': String(checked),
      'aria-label': label,
      title: label,
      onclick: () => onChange(el.getAttribute('aria-checked') !== 'true', el),
    },
    h('span', { class: 'switch-thumb' }),
  );
  return el;
}

/** A titled panel. */
export function card(title: Child, actions: Child, ...body: Child[]): HTMLElement {
  return h(
    'section',
    { class: 'card' },
    title || actions
      ? h(
          'header',
          { class: 'card-head' },
          h('h2', null, title),
          h('div', { class: 'card-actions' }, actions),
        )
      : null,
    h('div', { class: 'card-body' }, body),
  );
}

/** A panel whose content (a table) runs edge to edge, scrolling sideways if it must. */
export function flushCard(...body: Child[]): HTMLElement {
  return h(
    'section',
    { class: 'card card-flush' },
    h('div', { class: 'card-body' }, h('div', { class: 'table-wrap' }, body)),
  );
}

/** A page title with breadcrumbs, a subtitle and actions. */
export function pageHead(
  title: Child,
  opts: { crumbs?: Array<[string, string]>; here?: string; subtitle?: Child; actions?: Child } = {},
): HTMLElement {
  const trail: Child[] = (opts.crumbs ?? []).map(([label, href]) => h('a', { href }, label));
  if (opts.here) trail.push(h('span', { 'aria-current': 'page', class: 'crumb-here' }, opts.here));
  return h(
    'div',
    { class: 'page-head' },
    trail.length
      ? h(
          'nav',
          { class: 'crumbs', 'aria-label': 'Breadcrumb' },
          trail.map((c, i) => [
            i > 0 ? h('span', { 'aria-hidden': 'true', class: 'crumb-sep' }, '/') : null,
            c,
          ]),
        )
      : null,
    h(
      'div',
      { class: 'page-head-row' },
      h(
        'div',
        { class: 'page-title' },
        h('h1', null, title),
        opts.subtitle ? h('p', { class: 'subtitle' }, opts.subtitle) : null,
      ),
      opts.actions ? h('div', { class: 'page-actions' }, opts.actions) : null,
    ),
  );
}

/** A body (pretty JSON when it is JSON) in a scrollable block. */
export function codeBlock(text: string, label?: string): HTMLElement {
  const body = prettyBody(text);
  return h(
    'pre',
    { class: `code-block${body.json ? ' is-json' : ''}`, tabindex: 0, 'aria-label': label ?? null },
    h('code', null, body.text === '' ? h('span', { class: 'muted' }, '(empty)') : body.text),
  );
}

/** Headers as a two-column list. */
export function headerList(headers: Record<string, string>): HTMLElement {
  const entries = Object.entries(headers).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return h('p', { class: 'muted' }, 'No headers');
  return h(
    'dl',
    { class: 'headers' },
    entries.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

/** A value with a copy button (for a secret shown once). */
export function copyable(value: string, label: string): HTMLElement {
  const input = h('input', {
    class: 'input mono',
    readonly: true,
    value,
    'aria-label': label,
    spellcheck: 'false',
  });
  const status = h('span', { class: 'copy-status', role: 'status' });
  const copy = button(
    'Copy',
    async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(value);
        status.textContent = 'Copied';
      } catch {
        // Clipboard refused (permissions, insecure origin): the text is selected for Ctrl+C.
        status.textContent = 'Selected — press Ctrl+C';
      }
    },
    { icon: ICONS.copy },
  );
  return h('div', { class: 'copyable' }, input, copy, status);
}

/** A callout: info, success, warning or danger. */
export function callout(tone: 'info' | 'good' | 'warn' | 'bad', title: Child, ...body: Child[]): HTMLElement {
  const ic = tone === 'good' ? ICONS.check : tone === 'info' ? ICONS.key : ICONS.alert;
  return h(
    'div',
    { class: `callout callout-${tone}`, role: tone === 'bad' ? 'alert' : null },
    icon(ic),
    h('div', { class: 'callout-body' }, h('strong', null, title), body),
  );
}

/** An error for a panel: the API's message, or a generic one. */
export function errorCallout(err: unknown, title = 'Something went wrong'): HTMLElement {
  const message = err instanceof ApiError ? err.message : 'Unexpected error; try again.';
  return callout('bad', title, h('p', null, message));
}

/** A placeholder while a panel loads. */
export function loading(label = 'Loading…'): HTMLElement {
  return h(
    'div',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    label,
  );
}

/** A friendly empty panel. */
export function empty(title: string, text: Child, action?: Child): HTMLElement {
  return h(
    'div',
    { class: 'empty' },
    h('p', { class: 'empty-title' }, title),
    h('p', { class: 'muted' }, text),
    action ?? null,
  );
}
