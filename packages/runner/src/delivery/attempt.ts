import {
  type AnyProvider,
  buildNotification,
  type HeraldEvent,
  type HttpRequestSpec,
  type Integration,
  isHttpProvider,
  type Outcome,
} from '@herald/core';
import { redactAttempt } from '../secrets.js';
import type { AttemptRecord, AttemptTrigger } from '../store/delivery-records.js';
import type { AttemptAbort, HttpSender, SendErrorKind } from './http-sender.js';
import { messageOf } from './message-template.js';

/** A plugin provider's `deliver` takes an `AbortSignal`: one that follows the attempt's abort. */
function signalOf(abort: AttemptAbort | undefined): AbortSignal {
  const controller = new AbortController();
  if (abort?.reason) controller.abort(abort.reason);
  else abort?.listen((reason) => controller.abort(reason));
  return controller.signal;
}

export interface AttemptInput {
  provider: AnyProvider;
  integration: Integration;
  event: HeraldEvent;
  deliveryId: string;
  number: number;
  trigger: AttemptTrigger;
  headerPrefix: string;
  /** Sent as `<prefix>-Runner-Id`: which runner made the attempt (receivers and the log can tell). */
  runnerId: string;
  /** Aborts the attempt (its partition was fenced); a plugin provider's `deliver` sees it as its signal. */
  abort?: AttemptAbort;
}

export interface AttemptResult {
  outcome: Outcome;
  record: AttemptRecord;
}

/** What a failure to get any answer means: retry on the schedule, except a refused destination. */
function outcomeOfError(kind: SendErrorKind, message: string): Outcome {
  if (kind === 'egress_blocked') return { kind: 'fail', reason: message, disable: false };
  return { kind: 'retry', reason: message };
}

function outcomeKind(outcome: Outcome): AttemptRecord['outcome'] {
  return outcome.kind === 'fail' && outcome.disable ? 'disable' : outcome.kind;
}

/** An attempt that failed before anything was sent: nothing to retry, the reason recorded. */
function notSent(base: Pick<AttemptRecord, 'number' | 'trigger' | 'at'>, reason: string): AttemptResult {
  return {
    outcome: { kind: 'fail', reason, disable: false },
    record: {
      ...base,
      durationMs: 0,
      request: { method: 'POST', url: '', headers: {}, body: '' },
      response: null,
      error: reason,
      outcome: 'fail',
      reason,
    },
  };
}

/** Makes one attempt: render → send → interpret, and the log's record of it (every secret redacted). */
export async function attempt(sender: HttpSender, input: AttemptInput): Promise<AttemptResult> {
  // One redaction over the whole result, before anything keeps or shows it.
  return redactAttempt(input.provider, input.integration.config, await attemptUnredacted(sender, input));
}

async function attemptUnredacted(sender: HttpSender, input: AttemptInput): Promise<AttemptResult> {
  const { provider, integration, event } = input;
  const config = integration.config;
  const at = new Date().toISOString();
  const base = { number: input.number, trigger: input.trigger, at };
  const templated = messageOf(integration, event);
  // A template that fails for this event fails the same way on every retry: like a render
  // failure, the attempt fails for good (the delivery is `failed`, the integration failing).
  if (!templated.ok) return notSent(base, templated.reason);
  const notification = buildNotification({
    event,
    integration: { id: integration.id, name: integration.name },
    deliveryId: input.deliveryId,
    attempt: input.number,
    attemptAt: at,
    headerPrefix: input.headerPrefix,
    message: templated.message,
  });

  if (!isHttpProvider(provider)) {
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await provider.deliver({
        notification,
        config,
        signal: signalOf(input.abort),
      });
    } catch (err) {
      outcome = { kind: 'retry', reason: (err as Error).message };
    }
    const request: HttpRequestSpec = { method: 'POST', url: `${provider.type}:`, headers: {}, body: '' };
    return {
      outcome,
      record: {
        ...base,
        durationMs: Math.round(performance.now() - started),
        request,
        response: null,
        error: outcome.kind === 'success' ? null : outcome.reason,
        outcome: outcomeKind(outcome),
        reason: outcome.kind === 'success' ? null : outcome.reason,
      },
    };
  }

  let spec: HttpRequestSpec;
  try {
    spec = provider.render(notification, config);
  } catch (err) {
    // A render bug is ours, and retrying the same input would fail the same way.
    return notSent(base, `render failed: ${(err as Error).message}`);
  }
  const request: HttpRequestSpec = {
    ...spec,
    headers: { ...spec.headers, [`${input.headerPrefix}-Runner-Id`]: input.runnerId },
  };
  const result = await sender.send(request, input.abort);
  if (!result.ok) {
    const outcome = outcomeOfError(result.error.kind, result.error.message);
    return {
      outcome,
      record: {
        ...base,
        durationMs: result.durationMs,
        request,
        response: null,
        error: result.error.message,
        outcome: outcomeKind(outcome),
        reason: outcome.kind === 'success' ? null : outcome.reason,
      },
    };
  }
  const outcome = provider.interpret(result.response);
  return {
    outcome,
    record: {
      ...base,
      durationMs: result.durationMs,
      request,
      response: {
        ...result.response,
        truncated: result.truncated,
      },
      error: null,
      outcome: outcomeKind(outcome),
      reason: outcome.kind === 'success' ? null : outcome.reason,
    },
  };
}
