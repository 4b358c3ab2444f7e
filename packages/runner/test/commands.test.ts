import { deliverySubject, exampleEvent } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { Commands } from '../src/commands.js';
import { testConfig } from './support/herald.js';

// The domain commands with a fake JetStream client: which message each one publishes.

function recordingJs() {
  const published: Array<{ subject: string; job: Record<string, unknown>; msgID: string | undefined }> = [];
  return {
    published,
    publish: async (subject: string, payload: string, options?: { msgID?: string }) => {
      published.push({ subject, job: JSON.parse(payload), msgID: options?.msgID });
      return { seq: published.length, duplicate: false, stream: 'X' };
    },
  };
}

function commandsWith(js: ReturnType<typeof recordingJs>) {
  const config = testConfig('nats://127.0.0.1:1', { HERALD_PARTITIONS: '8' });
  return new Commands(js as never, config, {} as never, {} as never, {} as never, {} as never);
}

describe('commands — what each publishes', () => {
  it("control goes through the integration's partition, with a fresh message id each time", async () => {
    const js = recordingJs();
    const commands = commandsWith(js);
    await commands.control('int_a', 'disable', 'failing for too long');
    await commands.control('int_a', 'disable', 'failing for too long');
    expect(js.published.map((p) => p.subject)).toEqual([
      deliverySubject('int_a', 8),
      deliverySubject('int_a', 8),
    ]);
    expect(js.published[0]!.job).toMatchObject({
      kind: 'control',
      integrationId: 'int_a',
      action: 'disable',
      reason: 'failing for too long',
    });
    expect(js.published[0]!.msgID).toMatch(/^control:int_a:ctl_/);
    // A second disable is a second command, not a duplicate JetStream drops.
    expect(js.published[1]!.msgID).not.toBe(js.published[0]!.msgID);
  });

  it("requeue sends the record's event again to its integration with the trigger", async () => {
    const js = recordingJs();
    const event = exampleEvent('build:failure', { id: 'evt_1', teamId: 'acme' });
    const record = { id: 'dlv_1', integrationId: 'int_b', teamId: 'acme', event };
    await commandsWith(js).requeue(record as never, 'replay');
    const [sent] = js.published;
    expect(sent!.subject).toBe(deliverySubject('int_b', 8));
    expect(sent!.job).toMatchObject({
      kind: 'delivery',
      integrationId: 'int_b',
      teamId: 'acme',
      trigger: 'replay',
    });
    expect(sent!.job.event).toEqual(event);
    expect(sent!.msgID).toMatch(/^replay:dlv_1:rq_/);
  });

  it('publishEvent publishes on the events stream and reports a duplicate', async () => {
    const js = recordingJs();
    js.publish = async (subject, payload, options) => {
      js.published.push({ subject, job: JSON.parse(payload), msgID: options?.msgID });
      return { seq: 1, duplicate: true, stream: 'HERALD_EVENTS' };
    };
    const event = exampleEvent('build:success', { id: 'evt_2', teamId: 'acme' });
    expect(await commandsWith(js).publishEvent(event)).toEqual({ duplicate: true });
    expect(js.published[0]!.subject).toMatch(/^herald\.events\.acme\./);
  });
});
