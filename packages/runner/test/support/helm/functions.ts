import { type TemplateFunction, truthy } from './go-template.js';

// The Helm (Sprig) functions the chart uses, with Sprig's argument order (the piped value
// comes last). Types that Go would refuse or print as garbage are errors here.
// https://helm.sh/docs/chart_template_guide/function_list/

function text(fn: string, value: unknown): string {
  if (typeof value !== 'string') throw new Error(`${fn}: wants a string, got ${JSON.stringify(value)}`);
  return value;
}

function scalar(fn: string, value: unknown): string {
  if (typeof value === 'object' && value !== null) throw new Error(`${fn}: got ${JSON.stringify(value)}`);
  return value === null || value === undefined ? '' : String(value);
}

function number(fn: string, value: unknown): number {
  if (typeof value !== 'number') throw new Error(`${fn}: wants a number, got ${JSON.stringify(value)}`);
  return value;
}

/** The one comparison Go allows: values of the same basic kind. */
function equal(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b || (typeof a === 'object' && a !== null))
    throw new Error(`eq: incompatible types for comparison: ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  return a === b;
}

function indent(spaces: number, value: string): string {
  const pad = ' '.repeat(spaces);
  return pad + value.replaceAll('\n', `\n${pad}`);
}

/** Sprig's functions, by name; `toYaml` is the caller's (it needs a YAML writer). */
export function helmFunctions(toYaml: (value: unknown) => string): Record<string, TemplateFunction> {
  return {
    default: (fallback, value) => (truthy(value) ? value : fallback),
    empty: (value) => !truthy(value),
    not: (value) => !truthy(value),
    eq: (a, ...others) => others.some((b) => equal(a, b)),
    ne: (a, b) => !equal(a, b),
    gt: (a, b) => number('gt', a) > number('gt', b),
    int: (value) => {
      const n = typeof value === 'string' ? Number.parseInt(value, 10) : Number(value ?? 0);
      if (Number.isNaN(n)) throw new Error(`int: cannot convert ${JSON.stringify(value)}`);
      return Math.trunc(n);
    },
    quote: (...values) =>
      values
        .filter((v) => v !== null && v !== undefined)
        .map((v) => JSON.stringify(scalar('quote', v)))
        .join(' '),
    printf: (format, ...args) => {
      let i = 0;
      return text('printf', format).replace(/%([sdv%])/g, (_, verb: string) => {
        if (verb === '%') return '%';
        const arg = args[i++];
        if (verb === 'd') return String(Math.trunc(number('printf %d', arg)));
        return verb === 's' ? text('printf %s', arg) : scalar('printf %v', arg);
      });
    },
    contains: (substring, value) => text('contains', value).includes(text('contains', substring)),
    hasKey: (map, key) => {
      if (typeof map !== 'object' || map === null || Array.isArray(map))
        throw new Error('hasKey: wants a map');
      return Object.hasOwn(map, text('hasKey', key));
    },
    replace: (old, replacement, value) =>
      text('replace', value).replaceAll(text('replace', old), text('replace', replacement)),
    trunc: (length, value) => {
      // Sprig keeps the last -n characters for a negative n; the chart needs no such thing.
      if (number('trunc', length) < 0) throw new Error('trunc: a negative length is not supported');
      return text('trunc', value).slice(0, length as number);
    },
    trimSuffix: (suffix, value) => {
      const s = text('trimSuffix', value);
      const end = text('trimSuffix', suffix);
      return end && s.endsWith(end) ? s.slice(0, -end.length) : s;
    },
    indent: (spaces, value) => indent(number('indent', spaces), text('indent', value)),
    nindent: (spaces, value) => `\n${indent(number('nindent', spaces), text('nindent', value))}`,
    toYaml: (value) => toYaml(value),
    fail: (message) => {
      throw new Error(`execution error: ${text('fail', message)}`);
    },
  };
}
