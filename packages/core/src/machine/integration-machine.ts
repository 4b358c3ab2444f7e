import { assertEvent, assign, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import type { IntegrationState } from '../integration.js';

const HOUR_MS = 3_600_000;

/** When a failing integration is disabled: both limits must be reached. */
export interface HealthPolicy {
  /** Consecutive deliveries that used up all their retries. */
  disableAfterFailedDeliveries: number;
  /** How long the integration has been failing, in ms. */
  disableAfterFailingMs: number;
}

/** Defaults: five lost deliveries and three days of failing (Svix disables after five days). */
export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  disableAfterFailedDeliveries: 5,
  disableAfterFailingMs: 72 * HOUR_MS,
};

/** Recent transitions kept on the snapshot, for the API and dashboard. */
export const MAX_HISTORY_ENTRIES = 20;

/**
 * Why an integration was disabled: its destination said it is gone (410, a removed
 * webhook), it kept failing past the policy's window, or a user turned it off.
 */
export type DisableCause = 'gone' | 'kept_failing' | 'user';

export interface HealthTransition {
  from: IntegrationState;
  to: IntegrationState;
  at: string;
  reason: string;
  /** On a transition to `disabled` (absent in history recorded before it was kept). */
  cause?: DisableCause;
}

export interface IntegrationMachineContext {
  integrationId: string;
  /** Attempts allowed in flight while healthy. */
  concurrency: number;
  policy: HealthPolicy;
  since: string;
  failingSince: string | null;
  failedDeliveries: number;
  lastError: string | null;
  history: HealthTransition[];
}

export interface IntegrationMachineInput {
  integrationId: string;
  concurrency?: number;
  policy?: HealthPolicy;
  now?: string;
}

/** Events the machine receives. `at` is the time of the fact, so transitions stay pure. */
export type IntegrationMachineEvent =
  | { type: 'attempt.succeeded'; at: string }
  | { type: 'attempt.failed'; at: string; reason: string; exhausted: boolean; disable?: boolean }
  | { type: 'integration.enable'; at: string; reason?: string }
  | { type: 'integration.disable'; at: string; reason?: string };

/** What the machine emits on every change of state; the runner persists and publishes it. */
export type IntegrationMachineEmitted = { type: 'integration.transition' } & HealthTransition;

/** The params of `changeTo`: the states it moves between, and the reason when the event names none. */
type Change = { from: IntegrationState; to: IntegrationState; fallback: string; cause?: DisableCause };

/** The `changeTo` action of one transition, as the config names it. */
function changeTo(from: IntegrationState, to: IntegrationState, fallback: string, cause?: DisableCause) {
  return { type: 'changeTo', params: { from, to, fallback, ...(cause ? { cause } : {}) } } as const;
}

function reasonOf(event: IntegrationMachineEvent, fallback: string): string {
  return ('reason' in event && event.reason) || fallback;
}

export const integrationMachine = setup({
  types: {
    context: {} as IntegrationMachineContext,
    events: {} as IntegrationMachineEvent,
    input: {} as IntegrationMachineInput,
    emitted: {} as IntegrationMachineEmitted,
  },
  guards: {
    isDisablingFailure: ({ event }) => {
      assertEvent(event, 'attempt.failed');
      return event.disable === true;
    },
    isFailureWindowExceeded: ({ context, event }) => {
      assertEvent(event, 'attempt.failed');
      const failed = context.failedDeliveries + (event.exhausted ? 1 : 0);
      const failingMs = Date.parse(event.at) - Date.parse(context.failingSince ?? event.at);
      return (
        failed >= context.policy.disableAfterFailedDeliveries &&
        failingMs >= context.policy.disableAfterFailingMs
      );
    },
  },
  actions: {
    recordFailure: assign(({ context, event }) => {
      assertEvent(event, 'attempt.failed');
      return {
        failingSince: context.failingSince ?? event.at,
        failedDeliveries: context.failedDeliveries + (event.exhausted ? 1 : 0),
        lastError: event.reason,
      };
    }),
    forgetFailures: assign({ failingSince: null, failedDeliveries: 0 }),
    forgetLastError: assign({ lastError: null }),
    // One action for every change of state, so the history and the announcement cannot disagree.
    changeTo: enqueueActions(({ context, event, enqueue }, { from, to, fallback, cause }: Change) => {
      const transition: HealthTransition = {
        from,
        to,
        at: event.at,
        reason: reasonOf(event, fallback),
        ...(cause ? { cause } : {}),
      };
      enqueue.assign({
        since: event.at,
        history: [transition, ...context.history].slice(0, MAX_HISTORY_ENTRIES),
      });
      enqueue.emit({ type: 'integration.transition', ...transition });
    }),
  },
}).createMachine({
  id: 'integration',
  initial: 'healthy',
  context: ({ input }) => ({
    integrationId: input.integrationId,
    concurrency: input.concurrency ?? 4,
    policy: input.policy ?? DEFAULT_HEALTH_POLICY,
    since: input.now ?? new Date(0).toISOString(),
    failingSince: null,
    failedDeliveries: 0,
    lastError: null,
    history: [],
  }),
  states: {
    healthy: {
      on: {
        'attempt.failed': [
          {
            guard: 'isDisablingFailure',
            target: 'disabled',
            actions: ['recordFailure', changeTo('healthy', 'disabled', 'the destination is gone', 'gone')],
          },
          {
            target: 'failing',
            actions: ['recordFailure', changeTo('healthy', 'failing', 'an attempt failed')],
          },
        ],
        'integration.disable': {
          target: 'disabled',
          actions: changeTo('healthy', 'disabled', 'disabled by a user', 'user'),
        },
      },
    },
    failing: {
      on: {
        'attempt.succeeded': {
          target: 'healthy',
          actions: ['forgetFailures', changeTo('failing', 'healthy', 'a delivery succeeded')],
        },
        'attempt.failed': [
          {
            guard: 'isDisablingFailure',
            target: 'disabled',
            actions: ['recordFailure', changeTo('failing', 'disabled', 'the destination is gone', 'gone')],
          },
          {
            guard: 'isFailureWindowExceeded',
            target: 'disabled',
            actions: ['recordFailure', changeTo('failing', 'disabled', 'kept failing', 'kept_failing')],
          },
          { actions: 'recordFailure' },
        ],
        'integration.disable': {
          target: 'disabled',
          actions: changeTo('failing', 'disabled', 'disabled by a user', 'user'),
        },
      },
    },
    disabled: {
      on: {
        'integration.enable': {
          target: 'healthy',
          actions: [
            'forgetFailures',
            'forgetLastError',
            changeTo('disabled', 'healthy', 'enabled by a user'),
          ],
        },
      },
    },
  },
});

export type IntegrationMachineSnapshot = SnapshotFrom<typeof integrationMachine>;

/** How many attempts may be in flight: the configured concurrency, one probe while failing, none when disabled. */
export function allowedInFlight(snapshot: IntegrationMachineSnapshot): number {
  // The machine is flat, so its value is the state's name (`matches` builds a state path per call).
  const state = stateOf(snapshot);
  if (state === 'disabled') return 0;
  if (state === 'failing') return 1;
  return snapshot.context.concurrency;
}

/** The state name of a snapshot. */
export function stateOf(snapshot: IntegrationMachineSnapshot): IntegrationState {
  return snapshot.value as IntegrationState;
}
