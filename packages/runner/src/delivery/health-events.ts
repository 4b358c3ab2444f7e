import { createHash } from 'node:crypto';
import type { Integration } from '@herald/core';
import {
  type EventData,
  type HeraldEvent,
  type IntegrationMachineEmitted,
  type IntegrationState,
  publishEvent,
  TEAM_SCOPE,
} from '@herald/core';
import type { JetStreamClient } from '@nats-io/jetstream';

const TYPE_OF_STATE: Record<
  IntegrationState,
  'integration:failing' | 'integration:disabled' | 'integration:recovered'
> = {
  failing: 'integration:failing',
  disabled: 'integration:disabled',
  healthy: 'integration:recovered',
};

/** The `integration:*` event for one health transition; its id is stable, so a retried publish dedups. */
export function healthEvent(integration: Integration, transition: IntegrationMachineEmitted): HeraldEvent {
  const digest = createHash('sha256')
    .update(`${integration.id}|${transition.at}|${transition.from}|${transition.to}`)
    .digest('hex');
  const data: EventData<'integration:failing'> = {
    integration: { id: integration.id, name: integration.name, type: integration.type },
    state: transition.to,
    previousState: transition.from,
    reason: transition.reason,
    since: transition.at,
  };
  return {
    id: `evt_health_${digest.slice(0, 32)}`,
    event: TYPE_OF_STATE[transition.to],
    occurredAt: transition.at,
    teamId: integration.teamId,
    projectId: TEAM_SCOPE,
    data,
  };
}

/** Publishes a health transition on the events stream, so other integrations can be told. */
export async function publishHealthEvent(
  js: JetStreamClient,
  integration: Integration,
  transition: IntegrationMachineEmitted,
): Promise<void> {
  await publishEvent(js, healthEvent(integration, transition));
}
