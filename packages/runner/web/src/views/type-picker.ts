import { h } from '../dom.js';
import type { ProviderInfo } from '../types.js';
import { typeMark } from '../ui.js';

/** The create form's choice of provider: one radio tile per loaded provider. */
export function typePicker(
  providers: ProviderInfo[],
  selected: string,
  onPick: (type: string) => void,
): HTMLElement {
  return h(
    'div',
    { class: 'type-picker', role: 'radiogroup', 'aria-label': 'Integration type' },
    providers.map((p) =>
      h(
        'label',
        { class: 'type-option', for: `type-${p.type}` },
        h('input', {
          type: 'radio',
          name: 'type',
          id: `type-${p.type}`,
          value: p.type,
          checked: p.type === selected,
          onchange: () => onPick(p.type),
        }),
        typeMark(p.type, p.displayName),
      ),
    ),
  );
}
