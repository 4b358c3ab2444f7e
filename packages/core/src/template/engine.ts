import { createRequire } from 'node:module';
import type { FS, Liquid, Template } from 'liquidjs';
import { HeraldError } from '../errors.js';

// Message templates are LiquidJS (https://liquidjs.com): logic-light, no code execution.
// One engine, configured once, with everything that could reach outside the template
// turned off: no file system (include, render and layout are not tags at all), filters
// must exist (a typo is a save-time error), only own properties are read (no
// `constructor`, no prototype), and parse, time and memory limits on every template.
// https://liquidjs.com/tutorials/options.html

/** Longest template source of one field, in characters (LiquidJS `parseLimit`). */
export const MAX_TEMPLATE_CHARS = 20_000;
/** Most time one field's render may take, in milliseconds (LiquidJS `renderLimit`). */
export const TEMPLATE_RENDER_LIMIT_MS = 20;
/**
 * Most memory one field's render may allocate, in LiquidJS's units (about a character of
 * string or an array element each; `memoryLimit`): loops and `append` cannot grow past it.
 */
export const TEMPLATE_MEMORY_LIMIT_UNITS = 1_000_000;

/** Tags that read other templates from files; removed, so they are unknown tags. */
const FILE_TAGS = ['include', 'render', 'layout', 'block'] as const;

// A file system that has no files: even a tag added later could not read one.
const NO_FILES: FS = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async () => {
    throw new Error('templates cannot read files');
  },
  readFileSync: () => {
    throw new Error('templates cannot read files');
  },
  resolve: (_root, file) => file,
  contains: async () => false,
  containsSync: () => false,
  sep: '/',
};

function newEngine(): Liquid {
  // Loaded on the first template, not with @herald/core: a runner, provider or test
  // whose integrations have no template never loads LiquidJS (~30 ms and its heap).
  const { Liquid: LiquidEngine } = createRequire(import.meta.url)('liquidjs') as typeof import('liquidjs');
  const engine = new LiquidEngine({
    fs: NO_FILES,
    root: [],
    partials: [],
    layouts: [],
    dynamicPartials: false,
    relativeReference: false,
    strictFilters: true,
    ownPropertyOnly: true,
    parseLimit: MAX_TEMPLATE_CHARS,
    renderLimit: TEMPLATE_RENDER_LIMIT_MS,
    memoryLimit: TEMPLATE_MEMORY_LIMIT_UNITS,
    // Templates are compiled once and kept by TemplateCache; the engine keeps nothing.
    cache: false,
  });
  for (const tag of FILE_TAGS) delete engine.tags[tag];
  return engine;
}

let shared: Liquid | undefined;
const engineOf = (): Liquid => {
  shared ??= newEngine();
  return shared;
};

/** Where in a template a problem is (1-based), when LiquidJS knows. */
export interface TemplatePosition {
  line: number | null;
  column: number | null;
}

/** When a template failed: parsing its source, or rendering it with some data. */
export type TemplateStage = 'parse' | 'render';

/** A template that does not parse, does not render, or renders something its field cannot take. */
export class TemplateError extends HeraldError {
  readonly field: string;
  readonly stage: TemplateStage;
  readonly line: number | null;
  readonly column: number | null;
  readonly problem: string;

  constructor(
    field: string,
    problem: string,
    position: TemplatePosition = { line: null, column: null },
    stage: TemplateStage = 'render',
  ) {
    const where = position.line === null ? '' : ` line ${position.line}, column ${position.column ?? 1}:`;
    super('template_error', `template ${field}:${where} ${problem}`, {
      details: { field, line: position.line, column: position.column, problem, stage },
    });
    this.name = 'TemplateError';
    this.field = field;
    this.stage = stage;
    this.line = position.line;
    this.column = position.column;
    this.problem = problem;
  }
}

/** LiquidJS's error as a TemplateError: its message without the position, which becomes fields. */
function fromLiquid(field: string, err: unknown, stage: TemplateStage): TemplateError {
  const e = err as { message?: string; token?: { getPosition?: () => [number, number] } };
  const position = e.token?.getPosition?.();
  const message = String(e.message ?? err)
    .replace(/, line:\d+, col:\d+$/, '')
    .replace(/^parse length limit exceeded$/, `longer than ${MAX_TEMPLATE_CHARS} characters`);
  return new TemplateError(
    field,
    message,
    position ? { line: position[0], column: position[1] } : { line: null, column: null },
    stage,
  );
}

/** A parsed template of one field, ready to render many times. */
export interface CompiledTemplate {
  field: string;
  render(data: object): string;
}

/** Parses one field's template; throws TemplateError naming the line and problem. */
export function compileTemplate(field: string, source: string): CompiledTemplate {
  const engine = engineOf();
  let parsed: Template[];
  try {
    parsed = engine.parse(source);
  } catch (err) {
    throw fromLiquid(field, err, 'parse');
  }
  return {
    field,
    render(data) {
      try {
        return engine.renderSync(parsed, data) as string;
      } catch (err) {
        throw fromLiquid(field, err, 'render');
      }
    },
  };
}
