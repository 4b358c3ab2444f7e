// The parser of the Go-template subset that Herald's Helm chart uses (go-template.ts runs
// what it parses). What it knows is listed in deploy/helm/herald/README.md ("Tested without
// helm"); anything else is a parse error, not a guess. https://pkg.go.dev/text/template

export type Operand =
  | { kind: 'field'; base: string | null; path: string[] } // base null: dot; else a variable
  | { kind: 'literal'; value: unknown }
  | { kind: 'function'; name: string }
  | { kind: 'pipeline'; pipeline: Pipeline };
export interface Pipeline {
  declare: string[];
  commands: Operand[][];
}
export type Node =
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

/** A whole action's pipeline: nothing may be left over (a stray `)`, say). */
function actionPipeline(tokens: string[], action: string): Pipeline {
  const pipeline = parsePipeline(tokens, action);
  if (tokens.length > 0) throw new Error(`unexpected "${tokens[0]}" in {{ ${action} }}`);
  return pipeline;
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
        pipeline: actionPipeline(tokens.slice(1), part.action),
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
          pipeline: actionPipeline(tokens.slice(2), part.action),
          body: [],
          otherwise: [],
        };
        frame.block.otherwise.push(inner);
        frame.nodes = inner.body;
        frame.block = inner;
      } else if (tokens.length === 1 && frame.nodes !== frame.block.otherwise)
        frame.nodes = frame.block.otherwise;
      else throw new Error(`${file}: unsupported {{ ${part.action} }}`);
    } else if (word === 'end') {
      if (tokens.length !== 1) throw new Error(`${file}: unsupported {{ ${part.action} }}`);
      const frame = stack.pop();
      if (!frame || stack.length === 0) throw new Error(`${file}: unexpected {{ end }}`);
      if (frame.define) templates.set(frame.define, frame.nodes);
    } else if (word === 'define') {
      if (stack.length !== 1) throw new Error(`${file}: define inside a block`);
      if (tokens.length !== 2 || !tokens[1]?.startsWith('"'))
        throw new Error(`${file}: bad {{ ${part.action} }}`);
      stack.push({ nodes: [], define: JSON.parse(tokens[1]) });
    } else top().nodes.push({ kind: 'output', pipeline: actionPipeline(tokens, part.action) });
  }
  if (stack.length !== 1) throw new Error(`${file}: missing {{ end }}`);
  templates.set(file, top().nodes);
}
