import { EVENT_TYPES, exampleEvent, matches, TEAM_SCOPE } from '@herald/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchTeam, skipReason } from '../src/router/match.js';
import { MAX_SKIPS_RECORDED } from '../src/store/event-records.js';
import { integration } from './support/herald.js';

const patterns = fc.constantFrom('*', 'build:*', 'alert:*', 'integration:*', 'build:start', 'backup:failure');
const projects = fc.option(fc.uniqueArray(fc.constantFrom('blog', 'shop', 'docs'), { minLength: 1 }), {
  nil: null,
});

describe('router — why an integration takes an event or not', () => {
  it('takes exactly the events core’s matches() lets through, and names a reason for every other', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(patterns, { minLength: 1, maxLength: 3 }),
        projects,
        fc.boolean(),
        fc.constantFrom(...EVENT_TYPES),
        fc.constantFrom('blog', 'shop', TEAM_SCOPE),
        fc.boolean(),
        fc.option(fc.constantFrom('blog', 'shop'), { nil: null }),
        (events, projectList, enabled, type, projectId, aboutItself, onlyProject) => {
          const i = integration({
            id: 'int_a',
            type: 'webhook',
            config: {},
            events,
            projects: projectList,
            enabled,
            // A content filter on the event's projectId, when drawn.
            filter: onlyProject ? { all: [{ path: 'projectId', op: 'eq', value: onlyProject }] } : null,
          });
          const event = exampleEvent(type, { projectId });
          if (aboutItself && type.startsWith('integration:'))
            (event.data as { integration: { id: string } }).integration.id = 'int_a';
          const reason = skipReason(i, event);
          expect(reason === null).toBe(matches(i, event));
          if (reason === 'content') expect(event.projectId).not.toBe(onlyProject);
        },
      ),
    );
  });

  it('names the filter before the switch: a disabled integration that does not listen says so', () => {
    const build = exampleEvent('build:start', { projectId: 'shop' });
    const off = { type: 'webhook', config: {}, enabled: false };
    expect(skipReason(integration({ ...off, events: ['alert:*'] }), build)).toBe('event-type');
    expect(skipReason(integration({ ...off, projects: ['blog'] }), build)).toBe('project');
    expect(skipReason(integration({ ...off, events: ['build:*'] }), build)).toBe('disabled');
  });

  it('keeps at most MAX_SKIPS_RECORDED skips of a large team, and counts them all', () => {
    const team = Array.from({ length: MAX_SKIPS_RECORDED + 50 }, (_, n) =>
      integration({ id: `int_${n}`, type: 'webhook', config: {}, events: n === 7 ? ['*'] : ['alert:*'] }),
    );
    const matched = matchTeam(team, exampleEvent('build:start'));
    expect(matched.targets.map((t) => t.id)).toEqual(['int_7']);
    expect(Object.keys(matched.skipped)).toHaveLength(MAX_SKIPS_RECORDED);
    expect(matched.skippedCount).toBe(MAX_SKIPS_RECORDED + 49);
  });
});
