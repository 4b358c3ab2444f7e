import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  describeEventTypes,
  EVENT_TYPES,
  exampleEvent,
  InvalidEventError,
  MAX_EVENT_BYTES,
  parseEvent,
  summarize,
} from '../src/index.js';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return (err as InvalidEventError).reason;
  }
  throw new Error('expected an InvalidEventError');
}

describe('catalogue', () => {
  it('has every type DESIGN.md names', () => {
    for (const type of [
      'build:start',
      'build:success',
      'build:failure',
      'build:abort',
      'deployment:start',
      'deployment:success',
      'deployment:failure',
      'job-run:start',
      'job-run:success',
      'job-run:failure',
      'backup:start',
      'backup:success',
      'backup:failure',
      'billing:invoice-created',
      'billing:payment-succeeded',
      'billing:payment-failed',
      'alert:container-crashed',
      'alert:cpu-high',
      'alert:memory-high',
      'alert:volume-space-low',
      'integration:failing',
      'integration:disabled',
      'integration:recovered',
      'integration:test',
      'integration:connected',
    ]) {
      expect(EVENT_TYPES).toContain(type);
    }
  });

  it.each(EVENT_TYPES)('%s — parses its realistic example', (type) => {
    const event = exampleEvent(type);
    expect(parseEvent(event)).toEqual(event);
    expect(summarize(event).title.length).toBeGreaterThan(0);
  });

  it.each(EVENT_TYPES)('%s — rejects data with a required field removed, naming it', (type) => {
    const event = exampleEvent(type) as { data: Record<string, unknown> };
    const firstKey = Object.keys(event.data)[0]!;
    delete event.data[firstKey];
    try {
      parseEvent(event);
      expect.unreachable();
    } catch (err) {
      expect((err as InvalidEventError).reason).toBe('schema');
      expect((err as InvalidEventError).issues.map((i) => i.path)).toContain(`data.${firstKey}`);
    }
  });

  it('parses the seed documentation build:start payload', () => {
    const event = {
      id: 'evt_seed',
      event: 'build:start',
      occurredAt: '2022-01-19T09:04:40.916Z',
      teamId: 'thomas',
      projectId: 'personal-blog',
      data: {
        build: {
          id: 'social-hour-1312',
          branch: 'master',
          pullRequestId: null,
          status: 'STARTING',
          sha: 'ca624abed0d5ba0ad6e6fe28c396196b81f0200d',
          concluded: false,
          createdAt: '2022-01-19T09:04:40.916Z',
        },
        service: { id: 'website', name: 'Website' },
        project: { id: 'personal-blog', name: 'Personal Blog' },
        user: { id: 'thomas' },
      },
    };
    expect(parseEvent(event).data).toEqual(event.data);
  });

  it('classifies invalid input by reason', () => {
    const bytes = (v: string) => new TextEncoder().encode(v);
    expect(reasonOf(() => decodeEvent(bytes('{nope')))).toBe('bad_json');
    expect(reasonOf(() => decodeEvent(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe('bad_json');
    // A cut multi-byte sequence is refused, and the shared decoder keeps nothing of it for the next event.
    expect(reasonOf(() => decodeEvent(new Uint8Array([0x7b, 0xe2, 0x82])))).toBe('bad_json');
    expect(decodeEvent(bytes(JSON.stringify(exampleEvent('build:start')))).event).toBe('build:start');
    expect(reasonOf(() => decodeEvent(new Uint8Array(MAX_EVENT_BYTES + 1)))).toBe('too_large');
    expect(reasonOf(() => parseEvent({ ...exampleEvent('build:start'), event: 'build:exploded' }))).toBe(
      'unknown_type',
    );
    expect(reasonOf(() => parseEvent({ ...exampleEvent('build:start'), teamId: 'a.b' }))).toBe('schema');
    expect(reasonOf(() => parseEvent('a string'))).toBe('schema');
  });

  it('describes every type as a JSON Schema', () => {
    const types = describeEventTypes();
    expect(types).toHaveLength(EVENT_TYPES.length);
    const build = types.find((t) => t.type === 'build:start')!;
    expect(build.category).toBe('build');
    expect(build.schema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['build', 'service', 'project']),
    });
  });
});

describe('summary — tests and confirmations say what they are', () => {
  it('integration:test is titled as a test for the named integration', () => {
    const summary = summarize(exampleEvent('integration:test'));
    expect(summary.title).toBe('Test notification from Herald for Ops webhook');
    expect(summary.text).toContain('not a real event');
    expect(summary.severity).toBe('info');
  });

  it('integration:connected says it is connected, what it receives and where to change it', () => {
    const summary = summarize(exampleEvent('integration:connected'));
    expect(summary.title).toBe('Herald is connected: Ops webhook');
    expect(summary.text).toBe(
      'Ops webhook is connected to Herald. It will receive build:failure, every deployment event from ' +
        'project personal-blog. To change that, edit https://herald.example.com/#/integrations/int_01JD2Z5S8K4M3XQ7/edit.',
    );
    expect(summary.url).toBe('https://herald.example.com/#/integrations/int_01JD2Z5S8K4M3XQ7/edit');
  });

  it('integration:connected for every event of all projects, without a public URL, points at the API', () => {
    const event = exampleEvent('integration:connected');
    event.data = { ...event.data, events: ['*'], projects: null, settingsUrl: null };
    const summary = summarize(event);
    expect(summary.text).toContain('It will receive every event from all projects.');
    expect(summary.text).toContain('PATCH /v1/integrations/int_01JD2Z5S8K4M3XQ7');
    expect(summary.url).toBeNull();
  });

  it('lists tests and confirmations as direct types, not to subscribe to', () => {
    const direct = describeEventTypes()
      .filter((t) => t.direct)
      .map((t) => t.type);
    expect(direct).toEqual(['integration:test', 'integration:connected']);
  });
});
