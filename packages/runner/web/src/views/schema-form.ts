import { type Child, h } from '../dom.js';
import { fieldLabel } from '../format.js';
import type { ApiIssue, JsonSchema, ProviderInfo } from '../types.js';
import { button } from '../ui.js';
import { errorSlot } from './field-errors.js';
import { setupHelp } from './setup-help.js';

// A provider's config form, built from the JSON Schema of its config (GET /v1/providers):
// a third party's provider gets a form without the dashboard knowing it.

/** The field name the API fills with a random token when sent `"generate"`. */
const GENERATED_FIELD = 'secret';
const GENERATE = 'generate';
/** The list field the API fills with one new signing secret when sent `"generate"`. */
const GENERATED_LIST_FIELD = 'signingSecrets';

export interface ConfigForm {
  el: HTMLElement;
  /** The config to send (create: full; edit: a PATCH) and the problems found before sending. */
  read(): { config: Record<string, unknown>; problems: ApiIssue[] };
}

type Kind = 'string' | 'lines' | 'boolean' | 'number' | 'json';

/** The schema of a property, seen through `anyOf: [X, null]` and friends. */
function plain(schema: JsonSchema): JsonSchema {
  if (schema.anyOf) return schema.anyOf.find((s) => s.type !== 'null') ?? schema;
  return schema;
}

function kindOf(schema: JsonSchema): Kind {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'string') return 'string';
  if (type === 'boolean') return 'boolean';
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'array' && plain(schema.items ?? {}).type === 'string') return 'lines';
  return 'json';
}

/** The config part of the create/edit form for one provider. */
export function configForm(provider: ProviderInfo, current: Record<string, unknown> | null): ConfigForm {
  const editing = current !== null;
  const schema = provider.configSchema;
  const props = schema.properties;
  const help = provider.setupHelp ? setupHelp(provider.setupHelp) : null;

  // A schema zod could not express: the whole config as JSON.
  if (!props || Object.keys(props).length === 0) {
    const area = h('textarea', {
      class: 'input mono',
      id: 'config-json',
      name: 'config',
      rows: 6,
      spellcheck: 'false',
    });
    area.value = JSON.stringify(current ?? {}, null, 2);
    const el = h(
      'div',
      { class: 'field-grid' },
      h(
        'div',
        { class: 'field' },
        h('label', { class: 'label', for: 'config-json' }, 'Configuration (JSON)'),
        area,
        errorSlot('config'),
      ),
      help,
    );
    return {
      el,
      read: () => {
        try {
          const config = JSON.parse(area.value || '{}') as unknown;
          if (config && typeof config === 'object' && !Array.isArray(config))
            return { config: config as Record<string, unknown>, problems: [] };
        } catch {
          // reported below
        }
        return { config: {}, problems: [{ path: 'config', message: 'must be a JSON object' }] };
      },
    };
  }

  const required = new Set(schema.required ?? []);
  const readers: Array<(out: Record<string, unknown>, problems: ApiIssue[]) => void> = [];
  const fields: HTMLElement[] = [];
  let urlField: HTMLElement | null = null;

  for (const [name, raw] of Object.entries(props)) {
    const prop = plain(raw);
    const kind = kindOf(prop);
    const id = `config-${name}`;
    const secret = provider.secretFields.includes(name);
    const had = current?.[name];
    const label = prop.title ?? fieldLabel(name);
    const hints: Child[] = [];
    if (prop.description) hints.push(prop.description);
    let control: HTMLElement;
    let read: () => unknown;

    if (kind === 'boolean') {
      const box = h('input', {
        type: 'checkbox',
        id,
        name,
        checked: had === true || (!editing && prop.default === true),
      });
      control = h('label', { class: 'check' }, box, label);
      read = () => box.checked;
    } else if (kind === 'string' && prop.enum) {
      const select = h(
        'select',
        { class: 'input', id, name },
        h('option', { value: '' }, '—'),
        prop.enum.map((v) => h('option', { value: String(v) }, String(v))),
      );
      select.value = typeof had === 'string' ? had : '';
      control = select;
      read = () => select.value || undefined;
    } else if (kind === 'lines') {
      const area = h('textarea', { class: 'input mono', id, name, rows: 3, spellcheck: 'false' });
      area.value = Array.isArray(had) ? had.join('\n') : '';
      hints.push('One per line.');
      if (secret && editing && Array.isArray(had) && had.length > 0)
        hints.push(
          ' Masked lines stand for the current values: delete a line to drop that one, add a line for a new one.',
        );
      control = area;
      const lines = () =>
        area.value
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
      read = lines;
      if (secret && !editing && name === GENERATED_LIST_FIELD) {
        // A new webhook signs by default with a secret Herald makes: nobody should have to
        // produce 32 random bytes in base64 by hand. Pasting one stays possible.
        const sign = h('input', { type: 'checkbox', id: `${id}-generate`, checked: true });
        // The wrapper is what hides: `.input` sets its own display.
        const pasted = h('div', { hidden: true }, area);
        sign.addEventListener('change', () => {
          pasted.hidden = sign.checked;
          if (!pasted.hidden) area.focus();
        });
        control = h(
          'div',
          null,
          h(
            'div',
            null,
            h('label', { class: 'check' }, sign, 'Generate a signing secret (shown once after you save)'),
          ),
          pasted,
        );
        read = () => (sign.checked ? GENERATE : lines());
        hints.splice(
          0,
          hints.length,
          'Every request is signed (Standard Webhooks) so your endpoint can verify it. Uncheck to paste your own (whsec_…, one per line) or to send unsigned requests.',
        );
      }
    } else if (kind === 'string' || kind === 'number') {
      const isUrl = prop.format === 'uri' || name.toLowerCase().endsWith('url');
      const input = h('input', {
        class: `input${secret || isUrl ? ' mono' : ''}`,
        id,
        name,
        type: kind === 'number' ? 'number' : secret && !isUrl ? 'password' : isUrl ? 'url' : 'text',
        autocomplete: 'off',
        spellcheck: 'false',
        maxlength: prop.maxLength ?? null,
        placeholder: isUrl ? 'https://' : null,
      });
      if (secret && editing && typeof had === 'string') input.placeholder = `Unchanged (${had})`;
      else if (had !== undefined && had !== null) input.value = String(had);
      control = input;
      read = () => (kind === 'number' && input.value !== '' ? Number(input.value) : input.value.trim());
      if (secret && name === GENERATED_FIELD && kind === 'string') {
        let generate = false;
        const before = input.placeholder;
        const gen = button(
          'Generate',
          () => {
            generate = !generate;
            input.disabled = generate;
            input.value = '';
            input.placeholder = generate ? 'A random secret is generated when you save' : before;
            gen.textContent = generate ? 'Enter my own' : 'Generate';
            gen.setAttribute('aria-pressed', String(generate));
          },
          { id: `${id}-generate` },
        );
        gen.setAttribute('aria-pressed', 'false');
        control = h('div', { class: 'input-row' }, input, gen);
        read = () => (generate ? GENERATE : input.value.trim());
        hints.push(
          'Sent with every request so your endpoint can check it came from Herald. Shown once, then masked.',
        );
      }
      if (secret && editing && typeof had === 'string') hints.push(' Leave empty to keep the current value.');
    } else {
      const area = h('textarea', { class: 'input mono', id, name, rows: 4, spellcheck: 'false' });
      area.value = had === undefined ? '' : JSON.stringify(had, null, 2);
      hints.push('JSON.');
      control = area;
      read = () => {
        if (area.value.trim() === '') return '';
        try {
          return JSON.parse(area.value) as unknown;
        } catch {
          return Symbol.for('invalid');
        }
      };
    }

    readers.push((out, problems) => {
      const value = read();
      if (value === Symbol.for('invalid')) {
        problems.push({ path: `config.${name}`, message: 'must be valid JSON' });
        return;
      }
      const isEmpty = value === '' || (Array.isArray(value) && value.length === 0);
      if (!isEmpty) {
        out[name] = value;
        return;
      }
      // Empty: a write-only secret that exists is kept (omitted); anything else that was set is removed.
      if (editing && secret && typeof had === 'string') return;
      if (required.has(name) && !(editing && secret))
        problems.push({ path: `config.${name}`, message: `${label} is required` });
      else if (editing && had !== undefined) out[name] = null;
    });

    const field = h(
      'div',
      { class: 'field', 'data-field': `config.${name}` },
      kind === 'boolean'
        ? null
        : h(
            'label',
            { class: 'label', for: id },
            label,
            required.has(name) ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
            secret ? h('span', { class: 'pill', title: 'Masked in every read' }, 'write-only') : null,
          ),
      control,
      hints.length ? h('p', { class: 'hint' }, hints) : null,
      errorSlot(`config.${name}`),
    );
    if (name === 'url' && !urlField) urlField = field;
    else fields.push(field);
  }

  // The setup help sits beside the fields, level with the URL the user pastes from it.
  const el = h(
    'div',
    { class: help ? 'field-grid' : 'config-fields' },
    h('div', { class: 'config-fields' }, urlField, fields),
    help,
  );
  return {
    el,
    read: () => {
      const config: Record<string, unknown> = {};
      const problems: ApiIssue[] = [];
      for (const r of readers) r(config, problems);
      return { config, problems };
    },
  };
}
