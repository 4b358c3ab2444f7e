import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deliverySubject,
  dlqSubject,
  EVENT_TYPES,
  eventSubject,
  parseEventSubject,
  partitionOf,
  SubjectError,
} from '../src/index.js';

const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

describe('subjects', () => {
  it('builds the documented subject', () => {
    expect(eventSubject('acme', 'personal-blog', 'build:start')).toBe(
      'herald.events.acme.personal-blog.build.start',
    );
    expect(eventSubject('acme', 'blog', 'job-run:failure')).toBe('herald.events.acme.blog.job-run.failure');
  });

  it('round-trips build and parse for any safe ids and catalogue type', () => {
    fc.assert(
      fc.property(token, token, fc.constantFrom(...EVENT_TYPES), (teamId, projectId, type) => {
        expect(parseEventSubject(eventSubject(teamId, projectId, type))).toEqual({ teamId, projectId, type });
      }),
    );
  });

  it('rejects any id with a character outside the safe set', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 70 }).filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s)),
        (bad) => {
          expect(() => eventSubject(bad, 'p', 'build:start')).toThrow(SubjectError);
          expect(() => eventSubject('t', bad, 'build:start')).toThrow(SubjectError);
        },
      ),
    );
  });

  it('rejects unsafe tokens and malformed subjects by name', () => {
    expect(() => eventSubject('ac.me', 'p', 'build:start')).toThrow(/teamId "ac.me"/);
    expect(() => eventSubject('acme', '*', 'build:start')).toThrow(/projectId/);
    expect(() => eventSubject('acme', 'p', 'build')).toThrow(/malformed/);
    expect(() => parseEventSubject('herald.events.acme.p.build')).toThrow(SubjectError);
    expect(() => parseEventSubject('other.events.acme.p.build.start')).toThrow(SubjectError);
    expect(() => dlqSubject('bad reason')).toThrow(SubjectError);
  });

  it('puts an integration in a stable partition', () => {
    expect(partitionOf('int_abc', 16)).toBe(partitionOf('int_abc', 16));
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 1600; i++) counts[partitionOf(`int_${i}`, 16)]++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(deliverySubject('int_abc', 16)).toBe(`herald.deliveries.${partitionOf('int_abc', 16)}.int_abc`);
  });
});
