// A small interpreter for the part of Go's text/template that Herald's Helm chart uses, so the
// chart can be rendered in a test on a machine without helm. What it knows, and where it is
// stricter than Go, is listed in deploy/helm/herald/README.md ("Rendering without helm").
// https://pkg.go.dev/text/template

/** A template function; `and`/`or` are special forms (lazy), handled by the interpreter. */
export type TemplateFunction = (...args: unknown[]) => unknown;

type Operand =
  | { kind: 'field'; base: string | null; path: string[] } // base null: dot; else a variable
  | { kind: 'literal'; value: unknown }
  | { kind: 'function'; name: string }
  | { kind: 'pipeline'; pipeline: Pipeline };
interface Pipeline {
  declare: string[];
  commands: Operand[][];
}
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; pipeline: Pipeline }
  | { kind: 'if' | 'with' | 'range'; pipeline: Pipeline; body: Node[]; otherwise: Node[] };

/** Parsed templates by name: every `define`, and each file's own body under the file's name. */
export type Templates = Map<string, Node[]>;

const KEYWORDS = new Set(['if', 'else', 'end', 'with', 'range', 'define']);
const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?)|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(\.(?:[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?)|([A-Za-z_][A-Za-z0-9_]*)|(:=|[()|,]))/y;

/** Splits a template into text and actions, applying the `{{-` and `-}}` trim markers. */
function lex(source: string, file: string): Array<{ text: string } | { action: string }> {
  const parts: Array<{ text: string } | { action: string }> = [];
  let at = 0;
  let trimNext = false;
  while (at <= source.length) {
    const open = source.indexOf('{{', at);
    let text = source.slice(at, open === -1 ? undefined : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      parts.push({ text });
      break;
    }
    const trimBefore = /^\{\{- /.test(source.slice(open));
    if (trimBefore) text = text.replace(/\s+$/, '');
    parts.push({ text });
    const start = open + (trimBefore ? 4 : 2);
    const close = closingBraces(source, start, file);
    const trimAfter = source.slice(close - 2, close) === ' -';
    const inner = source.slice(start, trimAfter ? close - 2 : close).trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) parts.push({ action: inner });
    trimNext = trimAfter;
    at = close + 2;
  }
  return parts;
}

/** Where the `}}` closing the action that starts at `from` is, skipping strings and comments. */
function closingBraces(source: string, from: number, file: string): number {
  let i = from;
  const comment = /^\s*\/\*/.exec(source.slice(i));
  if (comment) i = source.indexOf('*/', i) + 2;
  for (; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === '`') {
      for (i++; i < source.length && source[i] !== c; i++) if (c === '"' && source[i] === '\\') i++;
    } else if (c === '}' && source[i + 1] === '}') return i;
  }
  throw new Error(`${file}: unclosed action`);
}

function tokenize(action: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < action.length && !/^\s*$/.test(action.slice(TOKEN.lastIndex))) {
    const m = TOKEN.exec(action);
    if (!m) throw new Error(`unsupported syntax at "${action.slice(TOKEN.lastIndex)}" in {{ ${action} }}`);
    tokens.push(m.slice(1).find((g) => g !== undefined) as string);
  }
  return tokens;
}

function parsePipeline(tokens: string[], action: string): Pipeline {
  const declare: string[] = [];
  const assign = tokens.indexOf(':=');
  if (assign !== -1) {
    for (const t of tokens.splice(0, assign + 1).slice(0, -1)) if (t !== ',') declare.push(t);
    if (!declare.every((v) => /^\$[A-Za-z0-9_]+$/.test(v)))
      throw new Error(`bad declaration in {{ ${action} }}`);
  }
  const pipeline = { declare, commands: [[]] as Operand[][] };
  while (tokens.length > 0 && tokens[0] !== ')') {
    const t = tokens.shift() as string;
    if (t === '|') pipeline.commands.push([]);
    else (pipeline.commands.at(-1) as Operand[]).push(operand(t, tokens, action));
  }
  if (pipeline.commands.some((c) => c.length === 0)) throw new Error(`empty command in {{ ${action} }}`);
  return pipeline;
}

function operand(t: string, tokens: string[], action: string): Operand {
  if (t === '(') {
    const pipeline = parsePipeline(tokens, action);
    if (tokens.shift() !== ')') throw new Error(`unclosed ( in {{ ${action} }}`);
    return { kind: 'pipeline', pipeline };
  }
  if (t.startsWith('"')) return { kind: 'literal', value: JSON.parse(t) };
  if (t.startsWith('`')) return { kind: 'literal', value: t.slice(1, -1) };
  if (/^-?\d/.test(t)) return { kind: 'literal', value: Number(t) };
  if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
  if (t === 'nil') return { kind: 'literal', value: null };
  if (t.startsWith('.')) return { kind: 'field', base: null, path: t.split('.').slice(1).filter(Boolean) };
  if (t.startsWith('$')) {
    const [base, ...path] = t.split('.');
    return { kind: 'field', base: base as string, path };
  }
  if (/^[A-Za-z_]/.test(t) && !KEYWORDS.has(t)) return { kind: 'function', name: t };
  throw new Error(`unexpected "${t}" in {{ ${action} }}`);
}

/** Parses one file into `templates`: its `define`s, and its body under `file`. */
export function parseTemplate(source: string, file: string, templates: Templates): void {
  const stack: Array<{ nodes: Node[]; block?: Extract<Node, { body: Node[] }>; define?: string }> = [
    { nodes: [] },
  ];
  const top = () => stack.at(-1) as (typeof stack)[number];
  for (const part of lex(source, file)) {
    if ('text' in part) {
      if (part.text) top().nodes.push({ kind: 'text', text: part.text });
      continue;
    }
    const tokens = tokenize(part.action);
    const [word] = tokens;
    if (word === 'if' || word === 'with' || word === 'range') {
      const block = {
        kind: word,
        pipeline: parsePipeline(tokens.slice(1), part.action),
        body: [],
        otherwise: [],
      };
      top().nodes.push(block);
      stack.push({ nodes: block.body, block });
    } else if (word === 'else') {
      const frame = top();
      if (!frame.block) throw new Error(`${file}: {{ else }} outside a block`);
      if (tokens[1] === 'if') {
        // `else if` is an `if` inside the else branch that the same `end` closes.
        const inner = {
          kind: 'if' as const,
          pipeline: parsePipeline(tokens.slice(2), part.action),
          body: [],
          otherwise: [],
        };
        frame.block.otherwise.push(inner);
        frame.nodes = inner.body;
        frame.block = inner;
      } else frame.nodes = frame.block.otherwise;
    } else if (word === 'end') {
      const frame = stack.pop();
      if (!frame || stack.length === 0) throw new Error(`${file}: unexpected {{ end }}`);
      if (frame.define) templates.set(frame.define, frame.nodes);
    } else if (word === 'define') {
      if (stack.length !== 1) throw new Error(`${file}: define inside a block`);
      stack.push({ nodes: [], define: JSON.parse(tokens[1] as string) });
    } else top().nodes.push({ kind: 'output', pipeline: parsePipeline(tokens, part.action) });
  }
  if (stack.length !== 1) throw new Error(`${file}: missing {{ end }}`);
  templates.set(file, top().nodes);
}

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
