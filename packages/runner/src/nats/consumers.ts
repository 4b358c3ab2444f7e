import {
  type ConsumerConfig,
  type ConsumerMessages,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';

/**
 * Creates a durable consumer, or brings an existing one's mutable settings (ack wait,
 * max ack pending) up to date. Safe when several runners start at once. Only a consumer
 * that the server says does not exist is created: any other failure to read it (its
 * leader being elected, a timeout) is thrown, since a create would wait on the cluster's
 * meta leader, which is often the one being elected too.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  const existing = await jsm.consumers.info(stream, config.durable_name).catch((err: unknown) => {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return null;
    throw err;
  });
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

/** A durable consumer being pulled until closed. */
export interface ResumingConsumer {
  /** Stops pulling and waits until the message handler has returned for the last time. */
  close(): Promise<void>;
}

export interface ConsumeOptions {
  maxMessages: number;
  onMessage: (msg: JsMsg) => void | Promise<void>;
  logger: Logger;
  /** Names the consumer in log lines. */
  label: Record<string, unknown>;
}

const RESUME_DELAY_MS = 500;

/**
 * Pulls a durable consumer until `close()`. The client's iterator can end on its own
 * (its consumer lost, NATS restarted): then it is consumed again, retrying until it
 * can be. A first failure to consume is thrown to the caller.
 */
export async function consumeResuming(
  js: JetStreamClient,
  stream: string,
  durable: string,
  options: ConsumeOptions,
): Promise<ResumingConsumer> {
  const { logger, label } = options;
  let closed = false;
  const open = async () =>
    (await js.consumers.get(stream, durable)).consume({ max_messages: options.maxMessages });
  let current = await open();
  const pull = async (messages: ConsumerMessages) => {
    try {
      for await (const msg of messages) await options.onMessage(msg);
    } catch (err) {
      logger.warn({ ...label, err: (err as Error).message }, 'consumer failed');
    }
  };
  const run = async () => {
    await pull(current);
    while (!closed) {
      logger.warn(label, 'consumer ended; resuming it');
      await new Promise((r) => setTimeout(r, RESUME_DELAY_MS));
      if (closed) return;
      let next: ConsumerMessages;
      try {
        next = await open();
      } catch (err) {
        logger.warn({ ...label, err: (err as Error).message }, 'cannot consume yet; retrying');
        continue;
      }
      // Closed while it reopened: close() closed the one before, so this one is ours to close
      // (pulled, nobody would end it, and close() would wait for it forever).
      if (closed) {
        await next.close();
        return;
      }
      current = next;
      await pull(current);
    }
  };
  const done = run();
  return {
    close: async () => {
      closed = true;
      await current.close();
      await done;
    },
  };
}
