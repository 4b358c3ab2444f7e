import { h } from '../dom.js';
import { actionLabel, categoryLabel } from '../format.js';
import type { EventTypeInfo } from '../types.js';

// Which events an integration takes: every event (`*`), a whole category (`build:*`,
// which also takes types added later) or single types.

export interface EventPicker {
  el: HTMLElement;
  /** The patterns to store; empty when nothing is picked. */
  value(): string[];
}

function checkbox(
  id: string,
  value: string,
  checked: boolean,
  label: HTMLElement | string,
  onChange: () => void,
) {
  const box = h('input', { type: 'checkbox', id, value, checked, onchange: onChange });
  return { box, el: h('label', { class: 'check', for: id }, box, label) };
}

const idOf = (pattern: string) => `ev-${pattern.replace(/[^a-z0-9-]/gi, '_')}`;

/** The event picker, grouped by category, starting from `selected` patterns. */
export function eventPicker(catalogue: EventTypeInfo[], selected: string[]): EventPicker {
  const chosen = new Set(selected);
  const categories = new Map<string, EventTypeInfo[]>();
  for (const t of catalogue.filter((t) => !t.direct))
    categories.set(t.category, [...(categories.get(t.category) ?? []), t]);

  const all = checkbox(
    'ev-all',
    '*',
    chosen.has('*'),
    h(
      'span',
      null,
      h('strong', null, 'All events'),
      h('span', { class: 'sub' }, ' — every type, including ones added later'),
    ),
    () => sync(),
  );
  const groups = [...categories].map(([category, types]) => {
    const whole = checkbox(
      idOf(`${category}:*`),
      `${category}:*`,
      chosen.has(`${category}:*`),
      h('strong', null, `All of ${category}:*`),
      () => sync(),
    );
    const singles = types.map((t) =>
      checkbox(
        idOf(t.type),
        t.type,
        chosen.has(t.type),
        h('span', null, actionLabel(t.type), ' ', h('code', { class: 'event-code' }, t.type)),
        () => sync(),
      ),
    );
    const el = h(
      'fieldset',
      { class: 'event-group' },
      h('legend', null, categoryLabel(category)),
      whole.el,
      h(
        'div',
        { class: 'event-types' },
        singles.map((s) => s.el),
      ),
    );
    return { category, whole, singles, el };
  });

  // A broader choice covers the narrower ones: shown checked and locked.
  function sync(): void {
    const everything = all.box.checked;
    for (const g of groups) {
      if (everything && g.whole.box.dataset.was === undefined) {
        g.whole.box.dataset.was = String(g.whole.box.checked);
        g.whole.box.checked = true;
      } else if (!everything && g.whole.box.dataset.was !== undefined) {
        g.whole.box.checked = g.whole.box.dataset.was === 'true';
        delete g.whole.box.dataset.was;
      }
      g.whole.box.disabled = everything;
      const covered = everything || g.whole.box.checked;
      for (const s of g.singles) {
        // Covered boxes show checked; the user's own picks come back when uncovered.
        if (covered && s.box.dataset.was === undefined) {
          s.box.dataset.was = String(s.box.checked);
          s.box.checked = true;
        } else if (!covered && s.box.dataset.was !== undefined) {
          s.box.checked = s.box.dataset.was === 'true';
          delete s.box.dataset.was;
        }
        s.box.disabled = covered;
      }
    }
  }
  sync();

  const el = h(
    'div',
    { class: 'event-picker', id: 'events' },
    h('div', { class: 'event-all' }, all.el),
    h(
      'div',
      { class: 'event-groups' },
      groups.map((g) => g.el),
    ),
  );
  return {
    el,
    value: () => {
      if (all.box.checked) return ['*'];
      const out: string[] = [];
      for (const g of groups) {
        if (g.whole.box.checked) out.push(g.whole.box.value);
        else for (const s of g.singles) if (s.box.checked) out.push(s.box.value);
      }
      // Patterns the catalogue no longer lists are kept rather than silently dropped.
      const known = new Set([...catalogue.map((t) => t.type), ...groups.map((g) => `${g.category}:*`), '*']);
      for (const p of selected) if (!known.has(p)) out.push(p);
      return out;
    },
  };
}
