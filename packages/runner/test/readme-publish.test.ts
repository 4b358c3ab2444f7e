import { readFileSync } from 'node:fs';
import { eventMsgId, eventSubject, parseEvent } from '@herald/core';
import { describe, expect, it } from 'vitest';

// The root README's NATS publishing example must run as written: its payload passes the
// catalogue, and its subject and Nats-Msg-Id are the ones Herald derives from it.

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

function example(): { subject: string; msgId: string; payload: string } {
  const block = /<!-- publish-example:start -->\s*```sh\n([\s\S]*?)```\s*<!-- publish-example:end -->/.exec(
    README,
  );
  expect(block, 'README.md has the publish example between its markers').not.toBeNull();
  const m = /^nats pub (\S+) -H 'Nats-Msg-Id:([^']+)' '([\s\S]*)'\s*$/.exec(block![1]!.trim());
  expect(m, 'the example is one `nats pub <subject> -H … <payload>`').not.toBeNull();
  return { subject: m![1]!, msgId: m![2]!, payload: m![3]! };
}

describe('README — publishing an event over NATS', () => {
  it('has a complete payload that passes validation', () => {
    const event = parseEvent(JSON.parse(example().payload));
    expect(event).toMatchObject({ event: 'build:start', teamId: 'acme', projectId: 'personal-blog' });
  });

  it('publishes it on the subject, with the Nats-Msg-Id, that Herald derives from it', () => {
    const { subject, msgId, payload } = example();
    const event = parseEvent(JSON.parse(payload));
    expect(subject).toBe(eventSubject(event.teamId, event.projectId, event.event));
    expect(msgId).toBe(eventMsgId(event));
  });
});
