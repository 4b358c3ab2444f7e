import { ApiError, unwrap } from '../api.js';
import type { Context } from '../context.js';
import { fill, h, ICONS } from '../dom.js';
import type { ApiIssue, EventTypeInfo, Integration, ProviderInfo } from '../types.js';
import { busy, button, callout, card, codeBlock } from '../ui.js';
import { clearIssuesOnInput, errorSlot, showIssues } from './field-errors.js';

// An integration's message template (LiquidJS): edit each field its provider renders, try
// it against any catalogue type's example (POST …/template-preview: nothing is sent), save
// it (PATCH; checked against every example the integration receives) or remove it.

type Field = ProviderInfo['templateFields'][number];
type Template = Partial<Record<Field, string>>;

const FIELD_LABELS: Record<Field, string> = {
  title: 'Title',
  text: 'Text',
  body: 'Body (JSON)',
};
const FIELD_ROWS: Record<Field, number> = { title: 2, text: 5, body: 8 };
const FIELD_HINTS: Record<Field, string> = {
  title: 'The message’s headline.',
  text: 'The message’s text, under the headline; Herald’s fields and link stay.',
  body: 'Sent as the request body instead of {"event", "data"}; use | json for every value.',
};

/** True when the provider takes a template. */
export function templates(provider: ProviderInfo | undefined): provider is ProviderInfo {
  return (provider?.templateFields.length ?? 0) > 0;
}

/**
 * Where the integration page shows the panel. It is built once (and again after a save),
 * not on the page's every redraw, so it keeps what is being typed.
 */
export function templatePane(ctx: Context): {
  el: HTMLElement;
  show(
    i: Integration,
    provider: ProviderInfo | undefined,
    changed: (next: Integration) => void,
  ): Promise<void>;
} {
  const el = h('div');
  let shown = false;
  const build = async (i: Integration, provider: ProviderInfo, changed: (next: Integration) => void) => {
    const types = await ctx.eventTypes();
    fill(
      el,
      templateCard(ctx, i, provider, types, (next) => {
        changed(next);
        void build(next, provider, changed);
      }),
    );
  };
  return {
    el,
    async show(i, provider, changed) {
      if (shown || !templates(provider)) return;
      shown = true;
      await build(i, provider, changed);
    },
  };
}

/** The first catalogue type the integration receives: what a preview starts with. */
function firstType(i: Integration, types: EventTypeInfo[]): string {
  const takes = (t: string) =>
    i.events.some((p) => p === '*' || p === t || (p.endsWith(':*') && t.startsWith(p.slice(0, -1))));
  return (types.find((t) => !t.direct && takes(t.type)) ?? types[0])?.type ?? 'build:start';
}

/** The "Message template" panel; `changed` shows the saved integration. */
export function templateCard(
  ctx: Context,
  i: Integration,
  provider: ProviderInfo,
  types: EventTypeInfo[],
  changed: (next: Integration) => void,
): HTMLElement {
  const saved = (i.template ?? {}) as Template;
  const areas = new Map<Field, HTMLTextAreaElement>();
  const fields = provider.templateFields.map((field) => {
    const area = h('textarea', {
      class: 'input mono',
      id: `template-${field}`,
      rows: FIELD_ROWS[field],
      spellcheck: 'false',
      placeholder: field === 'body' ? '{ "text": {{ summary.title | json }} }' : '{{ summary.title }}',
    });
    area.value = saved[field] ?? '';
    areas.set(field, area);
    return h(
      'div',
      { class: 'field' },
      h('label', { class: 'label', for: area.id }, FIELD_LABELS[field]),
      area,
      h('p', { class: 'hint' }, FIELD_HINTS[field]),
      errorSlot(`template.${field}`),
    );
  });
  const eventType = h(
    'select',
    { class: 'input input-sm', id: 'template-event-type', 'aria-label': 'Example event' },
    types.map((t) => h('option', { value: t.type }, t.type)),
  );
  eventType.value = firstType(i, types);
  const out = h('div', { id: 'template-preview-out', 'aria-live': 'polite' });

  /** The template in the editor; null when every field is empty (Herald's own wording). */
  const edited = (): Template | null => {
    const t: Template = {};
    for (const [field, area] of areas) if (area.value.trim() !== '') t[field] = area.value;
    return Object.keys(t).length > 0 ? t : null;
  };
  const failed = (err: unknown, title: string) => {
    if (err instanceof ApiError && err.status === 400) showIssues(el, err.issues as ApiIssue[]);
    fill(
      out,
      callout(
        'bad',
        title,
        h('p', { class: 'mono small' }, err instanceof ApiError ? err.message : 'Try again.'),
      ),
    );
  };

  const preview = async (e: Event) => {
    try {
      const answer = await busy(e.currentTarget as HTMLButtonElement, () =>
        unwrap(
          ctx.api.POST('/v1/integrations/{id}/template-preview', {
            params: { path: { id: i.id } },
            body: { eventType: eventType.value, template: edited() },
          }),
        ),
      );
      showIssues(el, []);
      fill(
        out,
        h('h3', { class: 'small-head' }, `What ${i.name} would send for ${answer.eventType}`),
        answer.message?.title !== undefined
          ? h('p', { id: 'template-rendered-title' }, h('strong', null, answer.message.title))
          : null,
        answer.message?.text !== undefined
          ? h('p', { id: 'template-rendered-text', class: 'pre-wrap' }, answer.message.text)
          : null,
        answer.request
          ? h(
              'div',
              { id: 'template-request' },
              h('p', { class: 'muted small' }, `${answer.request.method} ${answer.request.url}`),
              codeBlock(answer.request.body, 'Request body'),
            )
          : h('p', { class: 'muted' }, 'This provider does not send HTTP requests.'),
      );
    } catch (err) {
      failed(err, 'The template does not render');
    }
  };

  const save = async (e: Event, template: Template | null) => {
    try {
      const next = await busy(e.currentTarget as HTMLButtonElement, () =>
        unwrap(
          ctx.api.PATCH('/v1/integrations/{id}', { params: { path: { id: i.id } }, body: { template } }),
        ),
      );
      ctx.toast(template ? 'Template saved' : 'Template removed', 'success');
      changed(next);
    } catch (err) {
      failed(err, 'Not saved');
    }
  };

  const el = card(
    'Message template',
    null,
    h(
      'p',
      { class: 'muted small' },
      'LiquidJS: {{ event.data.… }}, {{ summary.title }}, {{ integration.name }}. Empty fields keep Herald’s wording; limits still apply.',
    ),
    fields,
    h(
      'div',
      { class: 'card-actions template-actions' },
      eventType,
      button('Preview', preview, { icon: ICONS.send, id: 'template-preview' }),
      button('Save template', (e: Event) => save(e, edited()), { kind: 'primary', id: 'template-save' }),
      i.template
        ? button('Remove', (e: Event) => save(e, null), {
            kind: 'ghost',
            icon: ICONS.trash,
            id: 'template-remove',
          })
        : null,
    ),
    out,
  );
  el.id = 'message-template';
  clearIssuesOnInput(el);
  return el;
}
