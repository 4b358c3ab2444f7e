import { describe, expect, it } from 'vitest';
import {
  type ContentFilter,
  contentFilterSchema,
  exampleEvent,
  filterInWords,
  type Integration,
  matches,
  passesFilter,
} from '../src/index.js';

const build = (branch: string) => {
  const e = exampleEvent('build:success');
  return { ...e, data: { ...e.data, build: { ...(e.data.build as object), branch } } };
};
const cpu = (severity: string, value: number) => {
  const e = exampleEvent('alert:cpu-high');
  const data = e.data as { alert: object; metric: object };
  return { ...e, data: { ...e.data, alert: { ...data.alert, severity }, metric: { ...data.metric, value } } };
};

describe('content filters', () => {
  it('each operator holds or not on the event data', () => {
    const e = cpu('critical', 97.5);
    const one = (path: string, op: string, value: unknown) =>
      passesFilter(contentFilterSchema.parse({ all: [{ path, op, value }] }) as ContentFilter, e);
    expect(one('data.alert.severity', 'eq', 'critical')).toBe(true);
    expect(one('data.alert.severity', 'eq', 'warning')).toBe(false);
    expect(one('data.alert.severity', 'neq', 'warning')).toBe(true);
    expect(one('data.alert.severity', 'in', ['high', 'critical'])).toBe(true);
    expect(one('data.alert.severity', 'nin', ['high', 'critical'])).toBe(false);
    expect(one('data.alert.message', 'contains', 'website')).toBe(true);
    expect(one('data.alert.message', 'contains', 'database')).toBe(false);
    expect(one('data.metric.value', 'gt', 97)).toBe(true);
    expect(one('data.metric.value', 'gte', 97.5)).toBe(true);
    expect(one('data.metric.value', 'lt', 97.5)).toBe(false);
    expect(one('data.metric.value', 'lte', 97.5)).toBe(true);
    // A comparison with something that is not a number does not hold.
    expect(one('data.alert.severity', 'gt', 1)).toBe(false);
    expect(one('data.metric.missing', 'exists', false)).toBe(true);
    expect(one('data.metric.name', 'exists', true)).toBe(true);
    expect(one('data.nothing.deeper.still', 'eq', null)).toBe(false);
    expect(one('projectId', 'eq', e.projectId)).toBe(true);
  });

  it('all conditions must hold, and one of any when any is given', () => {
    const filter = contentFilterSchema.parse({
      all: [{ path: 'data.metric.value', op: 'gte', value: 90 }],
      any: [
        { path: 'data.alert.severity', op: 'eq', value: 'critical' },
        { path: 'data.resource.name', op: 'eq', value: 'database' },
      ],
    }) as ContentFilter;
    expect(passesFilter(filter, cpu('critical', 95))).toBe(true);
    expect(passesFilter(filter, cpu('warning', 95))).toBe(false);
    expect(passesFilter(filter, cpu('critical', 50))).toBe(false);
    expect(filterInWords(filter)).toBe(
      'data.metric.value is at least 90 and (data.alert.severity is "critical" or data.resource.name is "database")',
    );
  });

  it('an integration with a filter matches only the events that pass it; without one nothing changes', () => {
    const base: Integration = {
      id: 'int_1',
      teamId: exampleEvent('build:success').teamId,
      name: 'x',
      type: 'webhook',
      config: {},
      events: ['build:*'],
      projects: null,
      enabled: true,
      filter: null,
      rateLimitPerSecond: null,
      createdAt: new Date().toISOString(),
    };
    const onMain = {
      ...base,
      filter: { all: [{ path: 'data.build.branch', op: 'eq' as const, value: 'main' }] },
    };
    expect(matches(onMain, build('main'))).toBe(true);
    expect(matches(onMain, build('feature/x'))).toBe(false);
    expect(matches(base, build('feature/x'))).toBe(true);
    expect(filterInWords(onMain.filter)).toBe('data.build.branch is "main"');
  });

  it('refuses, naming the field, what it could not evaluate', () => {
    const problems = (filter: unknown) => {
      const r = contentFilterSchema.safeParse(filter);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({})).toEqual([': give at least one condition in all or any']);
    expect(problems({ all: [{ path: 'data.x', op: 'matches', value: '.*' }] })[0]).toMatch(/^all\.0\.op: /);
    expect(problems({ all: [{ path: 'data.x', op: 'gt', value: 'ten' }] })).toEqual([
      'all.0.value: must be a number',
    ]);
    expect(problems({ any: [{ path: 'data.x', op: 'in', value: [] }] })[0]).toMatch(
      /^any\.0\.value: must be a list/,
    );
    expect(problems({ all: [{ path: 'teamId', op: 'eq', value: 'a' }] })[0]).toMatch(
      /^all\.0\.path: must be projectId or data/,
    );
    expect(problems({ all: [{ path: 'data.__proto__.x', op: 'exists', value: true }] })).toEqual([]);
    expect(problems({ all: [{ path: 'data.x', op: 'eq', value: 1, extra: 1 }] })[0]).toMatch(/^all\.0: /);
    const many = Array.from({ length: 21 }, () => ({ path: 'data.x', op: 'exists', value: true }));
    expect(problems({ all: many })).toEqual([': at most 20 conditions']);
  });

  it('a path through __proto__ reads nothing inherited', () => {
    const filter = contentFilterSchema.parse({
      all: [{ path: 'data.__proto__.constructor', op: 'exists', value: true }],
    }) as ContentFilter;
    expect(passesFilter(filter, build('main'))).toBe(false);
  });
});
