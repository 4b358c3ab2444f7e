import { h } from '../dom.js';
import type { Integration } from '../types.js';
import { card } from '../ui.js';

/** How long a change of the switch takes to apply (core's ORDERED_SWITCH_GRACE_MS). */
const SWITCH_GRACE_SECONDS = 10;

/** The form's "Delivery order" card: the `ordered` switch and what it means. */
export function orderedOption(existing: Integration | null): { el: HTMLElement; value(): boolean } {
  const box = h('input', { type: 'checkbox', id: 'ordered', checked: existing?.ordered ?? false });
  const label = h('label', { class: 'check', for: 'ordered' }, box, 'Deliver in order, one at a time');
  const hint = h(
    'p',
    { class: 'hint', id: 'ordered-hint' },
    'Each event is sent only after the one published before it has succeeded or failed for good; ' +
      'a delivery that is retrying holds the ones behind it. For receivers that apply changes in ' +
      'sequence. A resend goes at once, out of turn.',
  );
  const change = existing
    ? h(
        'p',
        { class: 'hint', id: 'ordered-change-hint' },
        `A change applies to events published ${SWITCH_GRACE_SECONDS} s after you save.`,
      )
    : null;
  return { el: card('Delivery order', null, label, hint, change), value: () => box.checked };
}

/** The settings card's row: how deliveries are ordered. */
export function orderedInWords(i: Integration): string {
  if (i.ordered) return 'In order, one at a time (a retrying delivery holds the ones behind it)';
  if (i.orderedUntil && Date.parse(i.orderedUntil) > Date.now())
    return 'Any order once the events published until the switch are delivered';
  return 'Any order, several at a time';
}
