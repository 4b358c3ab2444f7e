import { z } from 'zod';
import { HeraldError } from '../errors.js';
import type { HeraldEvent } from '../events/envelope.js';
import type { EventSummary } from '../events/summary.js';
import { type RenderedMessage, TEMPLATE_FIELDS, type TemplateField } from '../template/message-template.js';
import { type ConnectFlow, connectFlowShape } from './connect.js';

/** What a provider renders from: the event, who it is for, and which attempt this is. */
export interface Notification {
  event: HeraldEvent;
  summary: EventSummary;
  integration: { id: string; name: string };
  deliveryId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** When this attempt is made (ISO); signatures are timestamped with it. */
  attemptAt: string;
  /** Prefix of Herald's identity headers, `X-Herald` by default. */
  headerPrefix: string;
  /**
   * What the integration's message template rendered, when it has one (fields the
   * provider declared in `templateFields`). Its title and text are already in `summary`;
   * a webhook sends `body` as its request body.
   */
  message?: RenderedMessage;
}

/** The HTTP request a provider wants sent; the runner sends it. */
export interface HttpRequestSpec {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came back: status, lower-cased headers, and the body (capped by the runner). */
export interface HttpResponseInfo {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The typed outcome of one attempt.
 * - `success`: delivered.
 * - `retry`: failed; try again on the retry schedule (`afterMs` may lengthen the wait).
 * - `rateLimited`: not a failure; wait exactly `afterMs`, without using up a retry.
 * - `fail`: failed for good (retrying would not help); `disable` turns the integration off.
 */
export type Outcome =
  | { kind: 'success' }
  | { kind: 'retry'; reason: string; afterMs?: number }
  | { kind: 'rateLimited'; reason: string; afterMs: number }
  | { kind: 'fail'; reason: string; disable: boolean };

/** Pacing: at most `count` attempts per `perMs` for one integration. */
export interface RateLimit {
  count: number;
  perMs: number;
}

/** For providers that do not speak HTTP: deliver yourself, return the outcome. */
export interface DeliverContext<C> {
  notification: Notification;
  config: C;
  signal: AbortSignal;
}

export interface ProviderBase<C> {
  /** Stable type id, e.g. `slack`; stored on integrations. */
  type: string;
  displayName: string;
  configSchema: z.ZodType<C>;
  /** Top-level config fields that are secret: write-only, masked in reads and logs. */
  secretFields: readonly string[];
  /** Default pacing for integrations of this type; absent means unpaced. */
  rateLimit?: RateLimit;
  /** Short setup steps shown next to the create form. */
  setupHelp?: string;
  /** Masks a secret field's value for reads; by default, all but a recognisable prefix. */
  maskSecret?: (field: string, value: string) => string;
  /**
   * The message-template fields this provider renders (`title`, `text` for chat, `body`
   * for a JSON body); absent: its integrations take no template.
   */
  templateFields?: readonly TemplateField[];
  /** An OAuth-style install that ends with a config ("Add to Slack"), hosted by the runner. */
  connect?: ConnectFlow<unknown, C>;
}

export interface HttpProvider<C> extends ProviderBase<C> {
  render(notification: Notification, config: C): HttpRequestSpec;
  interpret(response: HttpResponseInfo): Outcome;
}

export interface DeliveringProvider<C> extends ProviderBase<C> {
  deliver(ctx: DeliverContext<C>): Promise<Outcome>;
}

/** A destination kind; the default export of a provider package. */
export type Provider<C = unknown> = HttpProvider<C> | DeliveringProvider<C>;

// biome-ignore lint/suspicious/noExplicitAny: a registry holds providers of every config type
export type AnyProvider = Provider<any>;

/** A module that is not a valid provider. */
export class ProviderContractError extends HeraldError {
  constructor(message: string, details?: unknown) {
    super('provider_contract', message, { details });
    this.name = 'ProviderContractError';
  }
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');
const providerShape = z.object({
  type: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes'),
  displayName: z.string().min(1),
  configSchema: z.custom<z.ZodType>(
    (v) => v instanceof z.ZodType || typeof (v as z.ZodType)?.safeParse === 'function',
    'must be a zod schema',
  ),
  secretFields: z.array(z.string()),
  rateLimit: z.object({ count: z.number().int().positive(), perMs: z.number().int().positive() }).optional(),
  render: fn.optional(),
  interpret: fn.optional(),
  deliver: fn.optional(),
  connect: connectFlowShape.optional(),
  templateFields: z.array(z.enum(TEMPLATE_FIELDS)).optional(),
});

function hasBehaviour(value: unknown): boolean {
  const p = (value ?? {}) as Record<string, unknown>;
  const isFn = (k: string) => typeof p[k] === 'function';
  return (isFn('render') && isFn('interpret')) || isFn('deliver');
}

/** Checks a value against the provider contract; throws `ProviderContractError` naming what is wrong. */
export function assertProvider(value: unknown, source = 'provider'): AnyProvider {
  const result = providerShape.safeParse(value);
  const problems = result.success
    ? []
    : result.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`);
  if (!hasBehaviour(value)) problems.push('needs render() and interpret(), or deliver()');
  if (problems.length > 0) {
    throw new ProviderContractError(
      `${source} is not a valid Herald provider: ${problems.join('; ')}`,
      problems,
    );
  }
  return value as AnyProvider;
}

/** Declares a provider; checks it at once so a bad plugin fails at import, not at first send. */
export function defineProvider<C>(provider: Provider<C>): Provider<C> {
  assertProvider(provider, `provider ${JSON.stringify((provider as { type?: unknown }).type)}`);
  return provider;
}

/** True when the provider renders HTTP requests for the runner to send. */
export function isHttpProvider<C>(provider: Provider<C>): provider is HttpProvider<C> {
  return 'render' in provider && typeof provider.render === 'function';
}
