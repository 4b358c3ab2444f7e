import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEvent, publishEvent } from '../src/index.js';
import { startNats, type TestNats } from '../src/testing/index.js';

describe('NATS test fixture', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startNats({ faults: true });
  });
  afterAll(async () => {
    await nats.cleanup();
  });

  it('starts, kills and restarts a server that keeps its data', async () => {
    let nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: 'FIXTURE',
      subjects: ['herald.events.>'],
      duplicate_window: 120_000_000_000,
    });
    const ack = await publishEvent(jetstream(nc), exampleEvent('build:start'));
    expect(ack.duplicate).toBe(false);
    await nc.close();

    await nats.kill();
    await expect(connect({ servers: nats.url, reconnect: false, timeout: 500 })).rejects.toThrow();
    await nats.restart();

    nc = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(nc)).streams.info('FIXTURE');
    expect(info.state.messages).toBe(1);
    // The dedup window survives the restart too.
    const again = await publishEvent(jetstream(nc), exampleEvent('build:start'));
    expect(again.duplicate).toBe(true);
    await nc.close();
  });
});
