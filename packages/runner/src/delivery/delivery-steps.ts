import type { JsMsg } from '@nats-io/jetstream';
import type { DeliveryRecord } from '../store/delivery-records.js';
import { attempt } from './attempt.js';
import type { DeliveryJob } from './job.js';
import { decide } from './outcome-policy.js';
import type { WorkerDeps } from './worker.js';

const RECORD_CACHE_SIZE = 20_000;

/** One delivery message held by the worker. */
export interface Item {
  msg: JsMsg;
  job: DeliveryJob;
  deliveryId: string;
}

/** A new record for a delivery that has had no attempt yet. */
export function newDeliveryRecord(
  job: Pick<DeliveryJob, 'integrationId' | 'teamId' | 'event'>,
  deliveryId: string,
  now: string,
): DeliveryRecord {
  return {
    id: deliveryId,
    integrationId: job.integrationId,
    teamId: job.teamId,
    eventId: job.event.id,
    eventType: job.event.event,
    event: job.event,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
    attemptCount: 0,
    failures: 0,
    rateLimitWaits: 0,
    nextAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
  };
}

/**
 * What happens to one delivery once the worker lets it go: skip it (integration
 * disabled) or make an attempt, record it, then ack or nak it per the policy and tell
 * the integration's machine. The worker decides when; this decides what.
 */
export class DeliverySteps {
  readonly #deps: WorkerDeps & { pause: (integrationId: string, ms: number) => void };
  readonly #records = new Map<string, DeliveryRecord>();

  constructor(deps: WorkerDeps & { pause: (integrationId: string, ms: number) => void }) {
    this.#deps = deps;
  }

  async #record(item: Item): Promise<DeliveryRecord | null> {
    const cached = this.#records.get(item.deliveryId);
    if (cached) return cached;
    // Read even on a first delivery: a NATS crash can forget an ack, and the record is
    // what tells a completed delivery from a new one.
    return this.#deps.deliveryLog.getRecord(item.job.integrationId, item.deliveryId);
  }

  #remember(record: DeliveryRecord): void {
    this.#records.delete(record.id);
    this.#records.set(record.id, record);
    if (this.#records.size > RECORD_CACHE_SIZE) this.#records.delete(this.#records.keys().next().value!);
  }

  /** Records a delivery for a disabled integration as `skipped` (replayable) and acks it. */
  async skip(item: Item): Promise<void> {
    const now = new Date().toISOString();
    const existing = await this.#record(item);
    if (existing && existing.status !== 'pending' && existing.status !== 'retrying') {
      item.msg.ack();
      return;
    }
    const record: DeliveryRecord = {
      ...(existing ?? newDeliveryRecord(item.job, item.deliveryId, now)),
      status: 'skipped',
      updatedAt: now,
      nextAttemptAt: null,
      lastError: 'integration is disabled',
    };
    await this.#deps.deliveryLog.saveRecord(record, { isNew: !existing, enteredStatus: 'skipped' });
    this.#remember(record);
    this.#deps.metrics.deliveries.inc({
      provider: this.#deps.integrations.byId(item.job.integrationId)?.type ?? 'unknown',
      status: 'skipped',
    });
    item.msg.ack();
  }

  /** Makes one attempt of a delivery and settles its message. */
  async deliver(item: Item): Promise<void> {
    const id = item.job.integrationId;
    const { integrations, providers, deliveryLog, metrics, config, actors } = this.#deps;
    const integration = integrations.byId(id);
    if (!integration) {
      // Deleted since it was routed: nothing to deliver to.
      item.msg.ack();
      return;
    }
    const provider = providers.get(integration.type);
    const now = new Date().toISOString();
    const existing = await this.#record(item);
    const { trigger } = item.job;
    if (
      trigger === 'scheduled' &&
      existing &&
      (existing.status === 'succeeded' || existing.status === 'failed' || existing.status === 'skipped')
    ) {
      // Already done before a crash or a redelivery: at least once, not twice.
      item.msg.ack();
      return;
    }
    let record = existing ?? newDeliveryRecord(item.job, item.deliveryId, now);
    // A replay starts the retry schedule afresh (once, not on its own retries).
    if (trigger === 'replay' && item.msg.info.deliveryCount === 1)
      record = { ...record, failures: 0, rateLimitWaits: 0 };
    if (!provider) {
      const failed = {
        ...record,
        status: 'failed' as const,
        updatedAt: now,
        lastError: `no provider for type "${integration.type}"`,
      };
      await deliveryLog.saveRecord(failed, { isNew: !existing, enteredStatus: 'failed' });
      item.msg.ack();
      return;
    }
    const number = record.attemptCount + 1;
    const result = await attempt(this.#deps.sender, {
      provider,
      integration,
      event: item.job.event,
      deliveryId: item.deliveryId,
      number,
      trigger,
      headerPrefix: config.headerPrefix,
    });
    const decision = decide(config.delivery, record, result.outcome, result.record.at, trigger === 'manual');
    const next: DeliveryRecord = {
      ...record,
      status: decision.status,
      updatedAt: new Date().toISOString(),
      attemptCount: number,
      failures: decision.failures,
      rateLimitWaits: decision.rateLimitWaits,
      nextAttemptAt:
        decision.retryInMs === null ? null : new Date(Date.now() + decision.retryInMs).toISOString(),
      lastStatusCode: result.record.response?.status ?? null,
      lastError: result.record.reason,
    };
    // The attempt before the record: a record must never claim an attempt the log lacks.
    await deliveryLog.saveAttempt(next, result.record);
    await deliveryLog.saveRecord(next, {
      isNew: !existing,
      enteredStatus: next.status !== record.status || !existing ? next.status : null,
    });
    this.#remember(next);
    if (decision.pauseMs > 0) this.#deps.pause(id, decision.pauseMs);
    if (decision.retryInMs === null) item.msg.ack();
    else item.msg.nak(decision.retryInMs);

    metrics.attempts.inc({ provider: provider.type, outcome: result.record.outcome });
    metrics.attemptSeconds.observe({ provider: provider.type }, result.record.durationMs / 1_000);
    if (next.status !== 'retrying') metrics.deliveries.inc({ provider: provider.type, status: next.status });
    if (next.status === 'succeeded')
      metrics.deliveredSeconds.observe(
        { provider: provider.type },
        (Date.now() - item.job.publishedAt) / 1_000,
      );
    if (decision.machineEvent) await actors.send(id, decision.machineEvent);
  }
}
