// A small interpreter for the part of Go's text/template that Herald's Helm chart uses, so the
// chart can be rendered in a test on a machine without helm (template-parse.ts parses it). What
// it knows, and where it is stricter than Go, is listed in deploy/helm/herald/README.md
// ("Tested without helm"). https://pkg.go.dev/text/template

import type { Node, Operand, Pipeline, Templates } from './template-parse.js';

export { parseTemplate, type Templates } from './template-parse.js';

/** A template function; `and`/`or` are special forms (lazy), handled by the interpreter. */
export type TemplateFunction = (...args: unknown[]) => unknown;

/** Go's truth: false, 0, nil, and empty strings, lists and maps are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>;
}

/** Executes templates; `include` is provided here because it needs the other templates. */
export class TemplateRunner {
  readonly #templates: Templates;
  readonly #functions: Record<string, TemplateFunction>;

  constructor(templates: Templates, functions: Record<string, TemplateFunction>) {
    this.#templates = templates;
    this.#functions = { ...functions, include: (name, data) => this.execute(String(name), data) };
  }

  /** Runs the template `name` with `data` as both `.` and `$`. */
  execute(name: string, data: unknown): string {
    const nodes = this.#templates.get(name);
    if (!nodes) throw new Error(`no template "${name}"`);
    return this.#run(nodes, { dot: data, vars: new Map([['$', data]]) });
  }

  #run(nodes: Node[], outer: Scope): string {
    const scope = { dot: outer.dot, vars: new Map(outer.vars) };
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'output') {
        const value = this.#pipeline(node.pipeline, scope);
        if (node.pipeline.declare.length === 0) out += printed(value);
      } else if (node.kind === 'if') {
        out += this.#run(truthy(this.#pipeline(node.pipeline, scope)) ? node.body : node.otherwise, scope);
      } else if (node.kind === 'with') {
        const value = this.#pipeline(node.pipeline, scope);
        out += truthy(value)
          ? this.#run(node.body, { ...scope, dot: value })
          : this.#run(node.otherwise, scope);
      } else out += this.#range(node, scope);
    }
    return out;
  }

  #range(node: Extract<Node, { kind: 'range' }>, scope: Scope): string {
    const [keyVar, valueVar] =
      node.pipeline.declare.length === 2 ? node.pipeline.declare : [null, node.pipeline.declare[0]];
    const value = this.#pipeline({ ...node.pipeline, declare: [] }, scope);
    let entries: Array<[unknown, unknown]>;
    if (Array.isArray(value)) entries = value.map((v, i) => [i, v]);
    else if (value && typeof value === 'object')
      entries = Object.keys(value)
        .sort()
        .map((k) => [k, (value as Record<string, unknown>)[k]]);
    else if (value === null || value === undefined) entries = [];
    else throw new Error(`range can't iterate over ${JSON.stringify(value)}`);
    if (entries.length === 0) return this.#run(node.otherwise, scope);
    return entries
      .map(([k, v]) => {
        const vars = new Map(scope.vars);
        if (keyVar) vars.set(keyVar, k);
        if (valueVar) vars.set(valueVar, v);
        return this.#run(node.body, { dot: v, vars });
      })
      .join('');
  }

  #pipeline(pipeline: Pipeline, scope: Scope): unknown {
    let value: unknown;
    pipeline.commands.forEach((command, i) => {
      value = this.#command(command, scope, i === 0 ? [] : [value]);
    });
    for (const name of pipeline.declare) scope.vars.set(name, value);
    return value;
  }

  #command([head, ...args]: Operand[], scope: Scope, piped: unknown[]): unknown {
    if (head?.kind !== 'function') {
      if (args.length > 0 || piped.length > 0) throw new Error('a value cannot take arguments');
      return this.#operand(head as Operand, scope);
    }
    const lazy = args.map((a) => () => this.#operand(a, scope)).concat(piped.map((p) => () => p));
    // and/or stop at the first operand that decides, and return it (Go 1.18).
    if (head.name === 'and' || head.name === 'or') {
      let last: unknown;
      for (const next of lazy) {
        last = next();
        if (truthy(last) === (head.name === 'or')) return last;
      }
      return last;
    }
    const fn = this.#functions[head.name];
    if (!fn) throw new Error(`function "${head.name}" not defined`);
    return fn(...lazy.map((next) => next()));
  }

  #operand(op: Operand, scope: Scope): unknown {
    if (op.kind === 'literal') return op.value;
    if (op.kind === 'pipeline') return this.#pipeline(op.pipeline, scope);
    if (op.kind === 'function') return this.#command([op], scope, []);
    if (op.base !== null && !scope.vars.has(op.base)) throw new Error(`undefined variable "${op.base}"`);
    let value = op.base === null ? scope.dot : scope.vars.get(op.base);
    for (const key of op.path) {
      if (value === null || value === undefined)
        throw new Error(`nil pointer evaluating interface {}.${key}`);
      if (typeof value !== 'object' || Array.isArray(value))
        throw new Error(`can't evaluate field ${key} in ${JSON.stringify(value)}`);
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  }
}

/** What an action prints: nil prints nothing (helm blanks Go's "<no value>"); a map or list is refused. */
function printed(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') throw new Error(`printing ${JSON.stringify(value)}: use toYaml`);
  return String(value);
}
