import { describe, expect, it } from 'vitest';
import { eventPatternSchema, exampleEvent, type Integration, matches, TEAM_SCOPE } from '../src/index.js';

const base: Pick<Integration, 'id' | 'teamId' | 'enabled' | 'events' | 'projects'> = {
  id: 'int_1',
  teamId: 'acme',
  enabled: true,
  events: ['*'],
  projects: null,
};

const buildStart = exampleEvent('build:start'); // project personal-blog
const jobFailure = exampleEvent('job-run:failure');
const invoice = exampleEvent('billing:payment-failed'); // team-wide
const otherTeam = exampleEvent('build:start', { teamId: 'globex' });
const ownHealth = exampleEvent('integration:failing', {
  data: {
    ...exampleEvent('integration:failing').data,
    integration: { id: 'int_1', name: 'x', type: 'webhook' },
  },
});

describe('matches', () => {
  it.each([
    ['* takes everything of the team', {}, buildStart, true],
    ['exact type', { events: ['build:start'] }, buildStart, true],
    ['exact type, other type', { events: ['build:start'] }, jobFailure, false],
    ['category wildcard', { events: ['build:*'] }, buildStart, true],
    ['category wildcard, other category', { events: ['build:*'] }, jobFailure, false],
    ['category that is a prefix of another is not a match', { events: ['job:*'] }, jobFailure, false],
    ['any of several patterns', { events: ['backup:*', 'job-run:failure'] }, jobFailure, true],
    ['project in the list', { projects: ['personal-blog', 'shop'] }, buildStart, true],
    ['project not in the list', { projects: ['shop'] }, buildStart, false],
    ['team-wide events pass a project list', { projects: ['shop'] }, invoice, true],
    ['other team never matches', {}, otherTeam, false],
    [
      'other team never matches, even with its project listed',
      { projects: ['personal-blog'] },
      otherTeam,
      false,
    ],
    ['disabled integration takes nothing', { enabled: false }, buildStart, false],
    ['never told about its own health', {}, ownHealth, false],
    ['told about another integration’s health', { id: 'int_2' }, ownHealth, true],
  ] as const)('%s', (_title, patch, event, expected) => {
    expect(matches({ ...base, ...patch } as typeof base, event)).toBe(expected);
  });

  it('team-wide events carry the team scope', () => {
    expect(invoice.projectId).toBe(TEAM_SCOPE);
  });

  it('validates patterns', () => {
    for (const ok of ['*', 'build:*', 'build:start', 'job-run:*', 'alert:cpu-high']) {
      expect(eventPatternSchema.safeParse(ok).success).toBe(true);
    }
    for (const bad of ['build', 'nope:*', 'build:exploded', '**', 'build:start*', '']) {
      expect(eventPatternSchema.safeParse(bad).success).toBe(false);
    }
  });
});
