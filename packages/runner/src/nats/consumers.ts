import type { ConsumerConfig, JetStreamManager } from '@nats-io/jetstream';

/**
 * Creates a durable consumer, or brings an existing one's mutable settings (ack wait,
 * max ack pending) up to date. Safe when several runners start at once.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  const existing = await jsm.consumers.info(stream, config.durable_name).catch(() => null);
  if (!existing) {
    try {
      await jsm.consumers.add(stream, config);
      return;
    } catch (err) {
      // Another runner created it first.
      if (!/already in use|exists/i.test(String(err))) throw err;
      return;
    }
  }
  if (
    existing.config.ack_wait !== config.ack_wait ||
    existing.config.max_ack_pending !== config.max_ack_pending
  ) {
    await jsm.consumers.update(stream, config.durable_name, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
  }
}
