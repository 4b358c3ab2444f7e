import { deliverySubject, type HeraldEvent, type Integration, newId, publishEvent } from '@herald/core';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { HeraldConfig } from './config/config.js';
import { HttpSender } from './delivery/http-sender.js';
import type { ControlJob, DeliveryJob } from './delivery/job.js';
import { type PreviewInput, previewTemplate, type TemplatePreview } from './delivery/template-preview.js';
import {
  sendTestNotification,
  type TestNotificationDeps,
  type TestNotificationResult,
} from './delivery/test-notification.js';
import { inject, injectable } from './injection.js';
import { Metrics } from './metrics.js';
import { ProviderRegistry } from './providers/registry.js';
import type { DeliveryLog, DeliveryRecord } from './store/delivery-records.js';
import { TOKENS } from './tokens.js';

/**
 * What a user (through the API) or an operator asks of the deliveries: publish an event,
 * tell an integration's actor to change, queue a delivery again, send a test now. The
 * first three are messages on NATS, so they apply wherever the partition is owned.
 */
@injectable()
export class Commands {
  readonly #js: Pick<JetStreamClient, 'publish'>;
  readonly #partitions: number;
  readonly #test: TestNotificationDeps;

  constructor(
    @inject(TOKENS.js) js: Pick<JetStreamClient, 'publish'>,
    @inject(TOKENS.config) config: HeraldConfig,
    providers: ProviderRegistry,
    sender: HttpSender,
    @inject(TOKENS.deliveryLog) deliveryLog: DeliveryLog,
    metrics: Metrics,
  ) {
    this.#js = js;
    this.#partitions = config.partitions;
    this.#test = {
      providers,
      sender,
      deliveryLog,
      headerPrefix: config.headerPrefix,
      runnerId: config.runnerId,
      metrics,
      publicUrl: config.publicUrl ?? null,
    };
  }

  /** What the integration would send for a catalogue example with a template (nothing sent); throws TemplateError. */
  previewTemplate(
    input: Pick<PreviewInput, 'provider' | 'integration' | 'template' | 'eventType' | 'withRequest'>,
  ): TemplatePreview {
    return previewTemplate({
      ...input,
      headerPrefix: this.#test.headerPrefix,
      runnerId: this.#test.runnerId,
    });
  }

  /** Publishes an event on the events stream (validated again; a repeated id is a duplicate). */
  async publishEvent(event: HeraldEvent, traceparent?: string): Promise<{ duplicate: boolean }> {
    const ack = await publishEvent(this.#js as JetStreamClient, event, { traceparent });
    return { duplicate: ack.duplicate };
  }

  /**
   * Tells an integration's actor (wherever its partition is owned) to enable, disable
   * or forget it; the message goes through the partition so it applies in order.
   */
  async control(integrationId: string, action: ControlJob['action'], reason?: string): Promise<void> {
    const job: ControlJob = { kind: 'control', integrationId, action, at: new Date().toISOString(), reason };
    await this.#js.publish(deliverySubject(integrationId, this.#partitions), JSON.stringify(job), {
      msgID: `control:${integrationId}:${newId('ctl')}`,
    });
  }

  /** Queues a new attempt of an existing delivery: `manual` (resend, one attempt) or `replay` (a fresh retry schedule). */
  async requeue(record: DeliveryRecord, trigger: 'manual' | 'replay'): Promise<void> {
    const job: DeliveryJob = {
      kind: 'delivery',
      integrationId: record.integrationId,
      teamId: record.teamId,
      event: record.event,
      trigger,
      routedAt: new Date().toISOString(),
      publishedAt: Date.now(),
    };
    await this.#js.publish(deliverySubject(record.integrationId, this.#partitions), JSON.stringify(job), {
      msgID: `${trigger}:${record.id}:${newId('rq')}`,
    });
  }

  /**
   * Sends a test notification to an integration now, outside the queue, and records it
   * in the delivery log (trigger `test`). Returns the attempt as the log keeps it.
   */
  sendTest(integration: Integration): Promise<TestNotificationResult> {
    return sendTestNotification(this.#test, integration, 'test');
  }

  /**
   * Sends a new integration its confirmation (`integration:connected`: what it will receive
   * and where to change that), recorded like a test.
   */
  sendConfirmation(integration: Integration): Promise<TestNotificationResult> {
    return sendTestNotification(this.#test, integration, 'confirmation');
  }
}
