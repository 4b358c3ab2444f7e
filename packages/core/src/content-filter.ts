import { z } from 'zod';
import type { HeraldEvent } from './events/envelope.js';

// Content filters: besides event types and projects, an integration may take only the
// events whose data say so ("build:* on branch main", "alert:cpu-high when critical").
// A filter is data, never code: conditions of a path, an operator and a value, all of
// which (`all`) and at least one of which (`any`) must hold. Checked when saved, shown in
// words, evaluated by the router only for integrations that have one.

export const FILTER_OPERATORS = [
  'eq',
  'neq',
  'in',
  'nin',
  'contains',
  'exists',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** The most conditions one filter may hold (all and any together). */
export const MAX_FILTER_CONDITIONS = 20;
const MAX_LIST = 50;

/** `data.<key>[.<key>…]` (an array element by its index), or `projectId`. */
const PATH = /^(projectId|data(\.[A-Za-z0-9_-]{1,64}){1,8})$/;

const scalar = z.union([z.string().max(500), z.number(), z.boolean(), z.null()]);

const conditionSchema = z
  .object({
    path: z
      .string()
      .regex(PATH, 'must be projectId or data.<key>… (letters, digits, _ and -; at most 8 keys)'),
    op: z.enum(FILTER_OPERATORS),
    value: z.unknown().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const problem = valueProblem(c.op, c.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });

export type FilterCondition = { path: string; op: FilterOperator; value?: unknown };

export const contentFilterSchema = z
  .object({
    all: z.array(conditionSchema).optional(),
    any: z.array(conditionSchema).optional(),
  })
  .strict()
  .refine((f) => (f.all?.length ?? 0) + (f.any?.length ?? 0) > 0, {
    message: 'give at least one condition in all or any',
  })
  .refine((f) => (f.all?.length ?? 0) + (f.any?.length ?? 0) <= MAX_FILTER_CONDITIONS, {
    message: `at most ${MAX_FILTER_CONDITIONS} conditions`,
  });

export type ContentFilter = { all?: FilterCondition[]; any?: FilterCondition[] };

function valueProblem(op: FilterOperator, value: unknown): string | null {
  switch (op) {
    case 'eq':
    case 'neq':
      return scalar.safeParse(value).success ? null : 'must be a string, number, boolean or null';
    case 'in':
    case 'nin':
      return Array.isArray(value) &&
        value.length > 0 &&
        value.length <= MAX_LIST &&
        value.every((v) => scalar.safeParse(v).success)
        ? null
        : `must be a list of 1 to ${MAX_LIST} strings, numbers, booleans or nulls`;
    case 'contains':
      return typeof value === 'string' || typeof value === 'number' ? null : 'must be a string or a number';
    case 'exists':
      return typeof value === 'boolean' ? null : 'must be true or false';
    default:
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
  }
}

/** The value at `path` in the event (undefined when any step is missing). */
function valueAt(event: HeraldEvent, path: string): unknown {
  if (path === 'projectId') return event.projectId;
  let at: unknown = event.data;
  const keys = path.split('.');
  for (let i = 1; i < keys.length; i++) {
    // Own keys only: `data.__proto__…` reads nothing inherited.
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, keys[i]!)) return undefined;
    at = (at as Record<string, unknown>)[keys[i]!];
  }
  return at;
}

function holds(c: FilterCondition, event: HeraldEvent): boolean {
  const v = valueAt(event, c.path);
  switch (c.op) {
    case 'eq':
      return v === c.value;
    case 'neq':
      return v !== c.value;
    case 'in':
      return (c.value as unknown[]).includes(v);
    case 'nin':
      return !(c.value as unknown[]).includes(v);
    case 'contains':
      if (typeof v === 'string') return v.includes(String(c.value));
      return Array.isArray(v) && v.includes(c.value);
    case 'exists':
      return (v !== undefined && v !== null) === c.value;
    case 'gt':
      return typeof v === 'number' && v > (c.value as number);
    case 'gte':
      return typeof v === 'number' && v >= (c.value as number);
    case 'lt':
      return typeof v === 'number' && v < (c.value as number);
    default:
      return typeof v === 'number' && v <= (c.value as number);
  }
}

/** Whether the event passes the filter: every `all` condition and, if any are given, one `any`. */
export function passesFilter(filter: ContentFilter, event: HeraldEvent): boolean {
  if (filter.all && !filter.all.every((c) => holds(c, event))) return false;
  return !filter.any || filter.any.length === 0 || filter.any.some((c) => holds(c, event));
}

const WORDS: Record<FilterOperator, string> = {
  eq: 'is',
  neq: 'is not',
  in: 'is one of',
  nin: 'is none of',
  contains: 'contains',
  exists: 'is set',
  gt: 'is more than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
};

function conditionInWords(c: FilterCondition): string {
  if (c.op === 'exists') return `${c.path} ${c.value ? 'is set' : 'is not set'}`;
  const value = Array.isArray(c.value)
    ? c.value.map((v) => JSON.stringify(v)).join(', ')
    : JSON.stringify(c.value);
  return `${c.path} ${WORDS[c.op]} ${value}`;
}

/** The filter as a sentence: `data.branch is "main" and (data.severity is "critical" or …)`. */
export function filterInWords(filter: ContentFilter): string {
  const parts = (filter.all ?? []).map(conditionInWords);
  const any = (filter.any ?? []).map(conditionInWords);
  if (any.length === 1) parts.push(any[0]!);
  else if (any.length > 1) parts.push(`(${any.join(' or ')})`);
  return parts.join(' and ');
}
