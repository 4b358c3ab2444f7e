import type { HeraldConfig } from '../config/config.js';
import type { Metrics } from '../metrics.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { RecordExistsError } from '../store/delivery-log.js';
import type { AttemptRecord, DeliveryLog, DeliveryRecord } from '../store/delivery-records.js';
import type { IntegrationStore } from '../store/integrations.js';
import { endWithError, type Span, SpanKind, SpanStatusCode, type Tracing } from '../tracing.js';
import type { ActorRegistry } from './actors.js';
import { type AttemptResult, attempt } from './attempt.js';
import type { AttemptAbort, HttpSender } from './http-sender.js';
import type { Item, Settlement, StepResult } from './item.js';
import type { DeliveryJob } from './job.js';
import { decide } from './outcome-policy.js';
import { recordRecovered, unrecordedBefore } from './recovered-attempt.js';

/** Records of unfinished deliveries kept to spare a read when their retry comes (bounded: memory). */
const RECORD_CACHE_SIZE = 5_000;

export interface StepDeps {
  config: Pick<HeraldConfig, 'delivery' | 'headerPrefix' | 'runnerId'>;
  integrations: IntegrationStore;
  providers: ProviderRegistry;
  actors: ActorRegistry;
  deliveryLog: DeliveryLog;
  sender: HttpSender;
  metrics: Metrics;
  tracing?: Tracing;
}

const ACK: Settlement = { kind: 'ack' };

function settled(
  settlement: Settlement,
  listed: Promise<void>,
  durationMs: number | null = null,
): StepResult {
  return { settlement, listed, pauseUntil: null, durationMs };
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
 * What happens to one delivery once the lanes let it go: skip it (integration disabled)
 * or make an attempt, record it, and tell the integration's machine. It returns what is to
 * become of the delivery (a settlement) and does not touch where the delivery came from:
 * the lanes decide when, this decides what, the source applies it.
 */
export class DeliverySteps {
  readonly #deps: StepDeps;
  readonly #records = new Map<string, DeliveryRecord>();

  constructor(deps: StepDeps) {
    this.#deps = deps;
  }

  /**
   * The delivery's record as far as it matters: the cached one, else null for a first
   * delivery that cannot have been done before (no read), else the stored one. A message
   * redelivered, resent or replayed, or one nats-server may have forgotten an ack of, is
   * looked up: the record tells a finished delivery from a new one.
   */
  async #record(item: Item): Promise<{ existing: DeliveryRecord | null; known: boolean }> {
    const cached = this.#records.get(item.deliveryId);
    if (cached) return { existing: cached, known: true };
    if (item.job.trigger === 'scheduled' && item.deliveryCount === 1 && !item.mayRepeat)
      return { existing: null, known: false };
    const existing = await this.#deps.deliveryLog.currentRecord(item.job.integrationId, item.deliveryId);
    return { existing, known: true };
  }

  /** Keeps a record that is going to be needed again (its delivery is not finished). */
  #remember(record: DeliveryRecord): void {
    this.#records.delete(record.id);
    if (record.status !== 'pending' && record.status !== 'retrying') return;
    this.#records.set(record.id, record);
    if (this.#records.size > RECORD_CACHE_SIZE) this.#records.delete(this.#records.keys().next().value!);
  }

  /** Records a delivery for a disabled integration as `skipped` (replayable). */
  async skip(item: Item): Promise<StepResult> {
    const now = new Date().toISOString();
    // Rare (a disabled integration): always look the record up.
    const existing =
      this.#records.get(item.deliveryId) ??
      (await this.#deps.deliveryLog.currentRecord(item.job.integrationId, item.deliveryId));
    if (existing && existing.status !== 'pending' && existing.status !== 'retrying')
      return settled(ACK, this.#deps.deliveryLog.reindex(existing));
    const record: DeliveryRecord = {
      ...(existing ?? newDeliveryRecord(item.job, item.deliveryId, now)),
      status: 'skipped',
      updatedAt: now,
      nextAttemptAt: null,
      lastError: 'integration is disabled',
    };
    const saved = await this.#deps.deliveryLog.save(record, {
      isNew: !existing,
      enteredStatus: 'skipped',
      create: !existing,
    });
    this.#remember(record);
    this.#deps.metrics.deliveries.inc({
      provider: this.#deps.integrations.byId(item.job.integrationId)?.type ?? 'unknown',
      status: 'skipped',
    });
    return settled(ACK, saved.indexed);
  }

  /**
   * One attempt of the item and what follows from it. An attempt aborted through `abort`
   * (its partition was fenced: another runner may own it by now) is not recorded and the
   * item is abandoned, so its next owner makes it again, knowing it may have been sent.
   */
  async deliver(item: Item, abort?: AttemptAbort): Promise<StepResult> {
    const id = item.job.integrationId;
    const { integrations, providers, deliveryLog, config } = this.#deps;
    const integration = integrations.byId(id);
    if (!integration) {
      // Deleted since it was routed: nothing to deliver to.
      return settled(ACK, Promise.resolve());
    }
    const provider = providers.get(integration.type);
    const now = new Date().toISOString();
    const { existing, known } = await this.#record(item);
    if (existing && this.#finished(item, existing)) {
      // Already done before a crash or a redelivery: at least once, not twice. The crash
      // may have come between the record and its listing.
      return settled(ACK, deliveryLog.reindex(existing));
    }
    let record = existing ?? newDeliveryRecord(item.job, item.deliveryId, now);
    // A replay starts the retry schedule afresh (once, not on its own retries, which are parked as repeats).
    if (item.job.trigger === 'replay' && item.deliveryCount === 1 && !item.job.repeat)
      record = { ...record, failures: 0, rateLimitWaits: 0 };
    if (!provider) {
      const failed = {
        ...record,
        status: 'failed' as const,
        updatedAt: now,
        lastError: `no provider for type "${integration.type}"`,
      };
      const saved = await deliveryLog.save(failed, {
        isNew: !existing,
        enteredStatus: 'failed',
        create: !existing,
      });
      return settled(ACK, saved.indexed);
    }
    let isNew = !existing;
    let recovered: Promise<void> | null = null;
    if (known && (await unrecordedBefore(deliveryLog, item, existing))) {
      ({ record, indexed: recovered } = await recordRecovered(deliveryLog, record, isNew));
      isNew = false;
    }
    const span = this.#deps.tracing?.enabled
      ? this.#deps.tracing.start(
          'herald.attempt',
          item.job.traceparent,
          {
            'herald.provider': provider.type,
            'herald.integration.id': id,
            'herald.delivery.id': item.deliveryId,
            'herald.attempt.number': record.attemptCount + 1,
            'herald.attempt.trigger': item.job.trigger,
          },
          SpanKind.CLIENT,
        )
      : null;
    const result = await attempt(this.#deps.sender, {
      provider,
      integration,
      event: item.job.event,
      deliveryId: item.deliveryId,
      number: record.attemptCount + 1,
      trigger: item.job.trigger,
      headerPrefix: config.headerPrefix,
      runnerId: config.runnerId,
      abort,
    });
    if (span) endAttemptSpan(span, result);
    if (abort?.reason)
      return {
        settlement: { kind: 'abandon', error: abort.reason },
        listed: Promise.resolve(),
        pauseUntil: null,
        durationMs: null,
      };
    const write = span ? this.#deps.tracing!.child('herald.log.write', span, {}) : null;
    try {
      const step = await this.#settle(item, provider.type, record, isNew, result);
      write?.end();
      if (!recovered) return step;
      return { ...step, listed: Promise.all([recovered, step.listed]).then(() => undefined) };
    } catch (err) {
      if (write) endWithError(write, err);
      if (!(err instanceof RecordExistsError)) throw err;
      // Not new after all: done before nats-server forgot an ack, or the look-up read a
      // replica that had not caught up (after a node died). The request went out: this
      // attempt is recorded after those, rather than given up to be made once more.
      const stored = await deliveryLog.currentRecord(id, item.deliveryId);
      if (!stored) throw err;
      result.record = { ...result.record, number: stored.attemptCount + 1 };
      if (this.#finished(item, stored)) return await this.#settleExtra(stored, result.record);
      return await this.#settle(item, provider.type, stored, false, result);
    }
  }

  #finished(item: Item, record: DeliveryRecord): boolean {
    return (
      item.job.trigger === 'scheduled' &&
      (record.status === 'succeeded' || record.status === 'failed' || record.status === 'skipped')
    );
  }

  /** Records an attempt, moves the delivery on per the policy, tells its machine; returns what becomes of it. */
  async #settle(
    item: Item,
    providerType: string,
    record: DeliveryRecord,
    isNew: boolean,
    result: AttemptResult,
  ): Promise<StepResult> {
    const { config, deliveryLog, metrics, actors } = this.#deps;
    const id = item.job.integrationId;
    const decision = decide(
      config.delivery,
      record,
      result.outcome,
      result.record.at,
      item.job.trigger === 'manual',
    );
    // A resend of a delivery that reached its destination is an attempt of its own: its
    // outcome is logged (and its machine told, since the destination is failing now), but it
    // does not rewrite the success. The row keeps the delivering attempt's status code.
    const keepsSuccess =
      item.job.trigger === 'manual' && record.status === 'succeeded' && decision.status !== 'succeeded';
    const next: DeliveryRecord = keepsSuccess
      ? { ...record, updatedAt: new Date().toISOString(), attemptCount: result.record.number }
      : {
          ...record,
          status: decision.status,
          updatedAt: new Date().toISOString(),
          attemptCount: result.record.number,
          failures: decision.failures,
          rateLimitWaits: decision.rateLimitWaits,
          nextAttemptAt:
            decision.retryInMs === null ? null : new Date(Date.now() + decision.retryInMs).toISOString(),
          lastStatusCode: result.record.response?.status ?? null,
          lastError: result.record.reason,
        };
    const saved = await deliveryLog.save(next, {
      isNew,
      enteredStatus: next.status !== record.status || isNew ? next.status : null,
      attempt: result.record,
      create: isNew,
    });
    this.#remember(next);
    const now = Date.now();
    const notBefore = now + (decision.retryInMs ?? 0);
    const settlement: Settlement =
      decision.next.kind === 'retry'
        ? { kind: 'retry', level: decision.next.level, notBefore }
        : decision.next.kind === 'backlog'
          ? { kind: 'backlog', notBefore }
          : ACK;

    metrics.attempts.inc({ provider: providerType, outcome: result.record.outcome });
    metrics.attemptSeconds.observe({ provider: providerType }, result.record.durationMs / 1_000);
    if (next.status !== 'retrying' && !keepsSuccess)
      metrics.deliveries.inc({ provider: providerType, status: next.status });
    if (next.status === 'succeeded')
      metrics.deliveredSeconds.observe(
        { provider: providerType },
        (Date.now() - item.job.publishedAt) / 1_000,
      );
    if (decision.machineEvent) await actors.send(id, decision.machineEvent);
    return {
      settlement,
      listed: saved.indexed,
      pauseUntil: decision.pauseMs > 0 ? now + decision.pauseMs : null,
      durationMs: result.record.durationMs,
    };
  }

  /** A repeat attempt of a finished delivery: kept in its log, its status unchanged. */
  async #settleExtra(record: DeliveryRecord, extra: AttemptRecord): Promise<StepResult> {
    const next = { ...record, attemptCount: extra.number, updatedAt: new Date().toISOString() };
    const saved = await this.#deps.deliveryLog.save(next, {
      isNew: false,
      enteredStatus: null,
      attempt: extra,
    });
    return settled(ACK, saved.indexed, extra.durationMs);
  }
}

/**
 * Ends an attempt's span with what the destination answered. Only the host of the URL:
 * a chat provider's webhook URL is its secret (the log's copy is masked already).
 */
function endAttemptSpan(span: Span, result: AttemptResult): void {
  const { request, response, outcome, error } = result.record;
  let host = '';
  try {
    host = new URL(request.url).hostname;
  } catch {
    // A provider that is not HTTP names itself, not a URL.
  }
  span.setAttributes({
    'http.request.method': request.method,
    'server.address': host,
    'herald.outcome': outcome,
  });
  if (response) span.setAttribute('http.response.status_code', response.status);
  if (outcome === 'success') span.setStatus({ code: SpanStatusCode.OK });
  else span.setStatus({ code: SpanStatusCode.ERROR, message: error ?? outcome });
  span.end();
}
