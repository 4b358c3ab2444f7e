import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type EventType } from '../events/catalogue.js';
import type { HeraldEvent } from '../events/envelope.js';
import { exampleEvent } from '../events/examples.js';
import {
  type HttpRequestSpec,
  type HttpResponseInfo,
  isHttpProvider,
  type Outcome,
  type Provider,
} from '../provider/contract.js';
import { buildNotification } from '../provider/notification.js';
import { registerTemplateConformance } from './template-conformance.js';

/** The expected reading of a status code: an outcome kind, or `disable` for fail-and-disable. */
export type ExpectedOutcome = Outcome['kind'] | 'disable';

/** The conformance table every provider starts from; a provider overrides rows it reads differently. */
export const DEFAULT_STATUS_TABLE: Record<number, ExpectedOutcome> = {
  200: 'success',
  201: 'success',
  202: 'success',
  204: 'success',
  408: 'retry',
  429: 'rateLimited',
  500: 'retry',
  502: 'retry',
  503: 'retry',
  504: 'retry',
  400: 'fail',
  401: 'fail',
  403: 'fail',
  404: 'fail',
  410: 'disable',
};

/** The events every provider keeps golden files for. */
export const GOLDEN_EVENT_TYPES: EventType[] = [
  'build:start',
  'build:failure',
  'job-run:failure',
  'backup:success',
  'billing:payment-failed',
  'alert:container-crashed',
  'alert:cpu-high',
  'integration:disabled',
  'integration:test',
  'integration:connected',
];

export interface ConformanceOptions<C> {
  provider: Provider<C>;
  /** A valid config whose secret fields hold `secrets`. */
  config: C;
  /** Secret values that may appear only in `secretPlaces`. */
  secrets: string[];
  /** Where the secrets must go: `url`, or `header:<name>` (lower-case). */
  secretPlaces: string[];
  /** The provider's own limits; returns each violation as text (`templated`: a template made the message). */
  checkLimits: (request: HttpRequestSpec, context?: { templated: boolean }) => string[];
  /** Rows that differ from `DEFAULT_STATUS_TABLE`. */
  statusTable?: Record<number, ExpectedOutcome>;
  /** The body the destination sends with a status (e.g. Slack's `ok`). */
  responseBody?: (status: number) => string;
  /** Folder of golden files (one `<type>.json` per golden event). */
  goldenDir: string;
}

const FIXED = { deliveryId: 'dlv_GOLDEN0000000000000000000', attemptAt: '2026-11-27T09:05:00.000Z' };
const KEEP_SHAPE = new Set([
  'sha',
  'url',
  'createdAt',
  'startedAt',
  'dueAt',
  'since',
  'currency',
  'severity',
  'kind',
  'state',
  'previousState',
  'settingsUrl',
  'requestedAt',
]);

/** Makes every free-text string in `data` long, to prove that rendering cuts instead of failing. */
export function inflateEvent(event: HeraldEvent, length = 7_000): HeraldEvent {
  const grow = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') return KEEP_SHAPE.has(key) ? value : `${value} ${'x'.repeat(length)}`;
    if (Array.isArray(value)) return value.map((v) => grow(v, key));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, grow(v, k)]));
    }
    return value;
  };
  return { ...event, data: grow(event.data, '') as HeraldEvent['data'] };
}

/** The notification the kit renders for `event`, with fixed ids and times so goldens are stable. */
export function conformanceNotification(event: HeraldEvent) {
  return buildNotification({
    event,
    integration: { id: 'int_golden', name: 'Golden integration' },
    ...FIXED,
  });
}

function leaks(request: HttpRequestSpec, secrets: string[], places: string[]): string[] {
  const found: string[] = [];
  const check = (where: string, text: string) => {
    if (places.includes(where)) return;
    for (const s of secrets) if (text.includes(s)) found.push(where);
  };
  check('url', request.url);
  check('body', request.body);
  for (const [name, value] of Object.entries(request.headers)) check(`header:${name.toLowerCase()}`, value);
  return found;
}

function kindOf(outcome: Outcome): ExpectedOutcome {
  return outcome.kind === 'fail' && outcome.disable ? 'disable' : outcome.kind;
}

/** Registers the conformance tests every provider must pass. */
export function runProviderConformance<C>(options: ConformanceOptions<C>): void {
  const { provider, config } = options;
  if (!isHttpProvider(provider)) throw new Error('the conformance kit checks HTTP providers');
  const render = (event: HeraldEvent) => provider.render(conformanceNotification(event), config);

  describe(`${provider.type} provider — conformance`, () => {
    it('accepts its example config', () => {
      expect(provider.configSchema.safeParse(config).success).toBe(true);
    });

    it.each(EVENT_TYPES)('%s renders within limits, secrets only where they must go', (type) => {
      for (const event of [exampleEvent(type), inflateEvent(exampleEvent(type))]) {
        const request = render(event);
        expect(options.checkLimits(request)).toEqual([]);
        expect(leaks(request, options.secrets, options.secretPlaces)).toEqual([]);
      }
    });

    it('puts no secret in config validation errors', () => {
      const broken = Object.fromEntries(
        options.provider.secretFields.map((f) => [f, `${options.secrets[0]} not valid`]),
      );
      const result = provider.configSchema.safeParse({ ...(config as object), ...broken });
      const text = JSON.stringify(result.success ? [] : result.error.issues.map((i) => i.message));
      for (const s of options.secrets) expect(text).not.toContain(s);
    });

    const table = { ...DEFAULT_STATUS_TABLE, ...options.statusTable };
    it.each(Object.entries(table))('HTTP %s → %s', (status, expected) => {
      const response: HttpResponseInfo = {
        status: Number(status),
        headers: Number(status) === 429 ? { 'retry-after': '7' } : {},
        body: options.responseBody?.(Number(status)) ?? '',
      };
      const outcome = provider.interpret(response);
      expect(kindOf(outcome)).toBe(expected);
      if (outcome.kind === 'rateLimited') expect(outcome.afterMs).toBe(7_000);
      if (outcome.kind !== 'success') {
        for (const s of options.secrets) expect(JSON.stringify(outcome)).not.toContain(s);
      }
    });

    // Providers that take message templates: every catalogue type through a long template.
    if (provider.templateFields && provider.templateFields.length > 0) {
      registerTemplateConformance({
        ...options,
        provider,
        eventsOf: (type) => [exampleEvent(type), inflateEvent(exampleEvent(type))],
      });
    }

    it.each(GOLDEN_EVENT_TYPES)('%s matches its golden file', async (type) => {
      const request = render(exampleEvent(type));
      const shown = {
        ...request,
        body: request.headers['content-type']?.includes('json') ? JSON.parse(request.body) : request.body,
      };
      await expect(`${JSON.stringify(shown, null, 2)}\n`).toMatchFileSnapshot(
        join(options.goldenDir, `${type.replace(':', '.')}.json`),
      );
    });
  });
}
