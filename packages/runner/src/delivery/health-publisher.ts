import type { IntegrationMachineEmitted } from '@herald/core';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { inject, injectable } from '../injection.js';
import { IntegrationStore } from '../store/integrations.js';
import { TOKENS } from '../tokens.js';
import { publishHealthEvent } from './health-events.js';

/**
 * Tells the world an integration's health changed: a log line, and an `integration:*`
 * event on the events stream so the team's other integrations can be told. The actors
 * call it after each persisted transition.
 */
@injectable()
export class HealthPublisher {
  readonly #integrations: Pick<IntegrationStore, 'byId'>;
  readonly #js: JetStreamClient;
  readonly #logger: Logger;

  constructor(
    integrations: IntegrationStore,
    @inject(TOKENS.js) js: JetStreamClient,
    @inject(TOKENS.logger) logger: Logger,
  ) {
    this.#integrations = integrations;
    this.#js = js;
    this.#logger = logger;
  }

  /** Logs the transition and publishes its event (not for an integration deleted meanwhile). */
  async transitioned(integrationId: string, transition: IntegrationMachineEmitted): Promise<void> {
    const integration = this.#integrations.byId(integrationId);
    this.#logger.info(
      { integrationId, from: transition.from, to: transition.to, reason: transition.reason },
      'integration health changed',
    );
    if (integration) await publishHealthEvent(this.#js, integration, transition);
  }
}
