import {
  DEFAULT_DELIVERY_POLICY,
  DEFAULT_HEADER_PREFIX,
  DEFAULT_HEALTH_POLICY,
  type DeliveryPolicy,
  type HealthPolicy,
  HeraldError,
  newId,
  parseDuration,
  parseRetrySchedule,
} from '@herald/core';
import { z } from 'zod';
import { DEFAULT_HEAP_GROWTH_PERCENT } from '../heap.js';
import { MIN_PORTAL_SECRET_CHARS } from '../store/portal-links.js';
import { parseCidr } from './cidr.js';

/** The built-in providers, loaded when `HERALD_PROVIDERS` is not set. */
export const BUILTIN_PROVIDERS = [
  '@herald/provider-slack',
  '@herald/provider-discord',
  '@herald/provider-teams',
  '@herald/provider-webhook',
];

const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
/** Comma-separated CIDRs; every bad entry is named (the guard would otherwise throw a bare RangeError). */
const cidrList = list.superRefine((entries, ctx) => {
  for (const entry of entries) {
    const parsed = parseCidr(entry);
    if (!parsed.ok)
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(entry)} is not a CIDR like 127.0.0.0/8 or ::1/128: ${parsed.problem}`,
      });
  }
});
/** One source of CSP `frame-ancestors`: 'self', 'none', a scheme (`https:`) or a host (`https://*.example.com:443`). */
const FRAME_SOURCE =
  /^(?:'self'|'none'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[A-Za-z0-9.-]+(?::(?:\d{1,5}|\*))?)$/;
/** Space-separated frame-ancestors sources; each bad one named (a `;` would inject a directive). */
const frameAncestors = z
  .string()
  .transform((s) => s.trim().split(/\s+/).filter(Boolean))
  .superRefine((sources, ctx) => {
    for (const source of sources)
      if (!FRAME_SOURCE.test(source))
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(source)} is not a frame-ancestors source like 'self' or https://app.example.com`,
        });
    if (sources.includes("'none'") && sources.length > 1)
      ctx.addIssue({ code: 'custom', message: "'none' must stand alone" });
  })
  .transform((sources) => sources.join(' '));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Every environment variable Herald reads, with its default. The README's table is written
 * by hand; test/config-readme.test.ts fails when a variable here has no row there, or another default.
 */
export const ENV_SCHEMA = z.object({
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  HERALD_PORT: int(0, 65_535).default(8080),
  HERALD_HOST: z.string().default('0.0.0.0'),
  HERALD_PROVIDERS: list.prefault(BUILTIN_PROVIDERS.join(',')),
  // Added to HERALD_PROVIDERS, so loading one plugin does not mean listing the built-ins again.
  HERALD_EXTRA_PROVIDERS: list.prefault(''),
  HERALD_EGRESS_ALLOW_CIDRS: cidrList.prefault(''),
  HERALD_HEADER_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/, 'must be a header-name prefix like X-Herald')
    .default(DEFAULT_HEADER_PREFIX),
  HERALD_RETRY_SCHEDULE: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseRetrySchedule(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .prefault('5s,5m,30m,2h,5h,10h,10h'),
  HERALD_DISABLE_AFTER_FAILURES: int(1, 1_000_000).default(
    DEFAULT_HEALTH_POLICY.disableAfterFailedDeliveries,
  ),
  HERALD_DISABLE_AFTER: duration.prefault('72h'),
  HERALD_CONCURRENCY_PER_INTEGRATION: int(1, 1000).default(4),
  HERALD_MAX_IN_FLIGHT: int(1, 100_000).default(256),
  HERALD_MAX_QUEUED: int(100, 1_000_000).default(20_000),
  HERALD_RESTRICTED_SHARE: z.coerce.number().gt(0).max(1).default(0.25),
  HERALD_SLOW_ATTEMPT: duration.prefault('1s'),
  HERALD_MAX_RETRY_AFTER: duration.prefault('24h'),
  HERALD_HTTP_TIMEOUT: duration.prefault('15s'),
  HERALD_ACK_WAIT: duration.prefault('30s'),
  HERALD_PARTITIONS: int(1, 1024).default(16),
  HERALD_REPLICAS: int(1, 5).default(1),
  HERALD_EVENTS_MAX_AGE: duration.prefault('7d'),
  HERALD_LOG_MAX_AGE: duration.prefault('30d'),
  HERALD_DLQ_MAX_AGE: duration.prefault('30d'),
  HERALD_IDLE_ACTOR_TTL: duration.prefault('5m'),
  HERALD_LEASE_TTL: duration.prefault('10s'),
  HERALD_RUNNER_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-" (it names NATS keys)')
    .optional(),
  HERALD_SHUTDOWN_GRACE: duration.prefault('10s'),
  HERALD_HEAP_GROWTH: int(0, 1_000).default(DEFAULT_HEAP_GROWTH_PERCENT),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HERALD_PUBLIC_URL: z
    .url({
      protocol: /^https?$/,
      error: 'must be the http(s) URL users reach Herald at, like https://herald.example.com',
    })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  // Unset: portal links are disabled (POST /v1/portal-links answers 403 saying to set it).
  HERALD_PORTAL_SECRET: z
    .string()
    .min(
      MIN_PORTAL_SECRET_CHARS,
      `must be at least ${MIN_PORTAL_SECRET_CHARS} characters (e.g. openssl rand -hex 32)`,
    )
    .optional(),
  HERALD_FRAME_ANCESTORS: frameAncestors.prefault("'none'"),
});

export interface HeraldConfig {
  natsUrl: string;
  port: number;
  host: string;
  providers: string[];
  egressAllowCidrs: string[];
  headerPrefix: string;
  delivery: DeliveryPolicy;
  health: HealthPolicy;
  concurrencyPerIntegration: number;
  maxInFlight: number;
  /** Deliveries a runner holds in memory, all integrations together; the rest waits in JetStream. */
  maxQueued: number;
  /** Share of `maxInFlight` that failing and slow integrations hold at most, together. */
  restrictedShare: number;
  /** An attempt running this long makes its integration slow (restricted) until one is fast again. */
  slowAttemptMs: number;
  httpTimeoutMs: number;
  /** How long JetStream waits for an ack before redelivering (after a crash, the time to recover). */
  ackWaitMs: number;
  partitions: number;
  replicas: number;
  eventsMaxAgeMs: number;
  logMaxAgeMs: number;
  dlqMaxAgeMs: number;
  idleActorTtlMs: number;
  /** A dead runner's partitions are taken over within about this long. */
  leaseTtlMs: number;
  /** This runner's name in the partition leases and on every attempt it makes (`<prefix>-Runner-Id`). */
  runnerId: string;
  /** How far V8 grows the heap past what is live before a full GC, in percent (0: V8's choice; see heap.ts). */
  heapGrowthPercent: number;
  /** On SIGTERM, attempts in flight get this long to finish; the whole stop takes at most this plus `STOP_MARGIN_MS`. */
  shutdownGraceMs: number;
  logLevel: z.infer<typeof ENV_SCHEMA>['LOG_LEVEL'];
  /** Where users reach Herald (`HERALD_PUBLIC_URL`, no trailing slash); OAuth redirects come back here. */
  publicUrl?: string | null;
  /** Signs portal links (`HERALD_PORTAL_SECRET`); null: portal links are disabled. */
  portalSecret?: string | null;
  /** The dashboard's CSP `frame-ancestors` sources (`HERALD_FRAME_ANCESTORS`), `'none'` by default. */
  frameAncestors?: string;
  /**
   * The `HERALD_*` variables as set, for those that providers declare (a connect flow's
   * settings, such as HERALD_SLACK_CLIENT_ID), parsed when the providers are loaded.
   */
  env?: Readonly<Record<string, string>>;
}

/** A configuration that cannot start; `problems` lists every bad variable. */
export class ConfigError extends HeraldError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super('invalid_config', `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the configuration from environment variables; throws `ConfigError` listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): HeraldConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ENV_SCHEMA.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.HERALD_ACK_WAIT <= e.HERALD_HTTP_TIMEOUT) {
    throw new ConfigError([
      'HERALD_ACK_WAIT: must be longer than HERALD_HTTP_TIMEOUT, or attempts in flight would be redelivered',
    ]);
  }
  return {
    natsUrl: e.NATS_URL,
    port: e.HERALD_PORT,
    host: e.HERALD_HOST,
    providers: [...new Set([...e.HERALD_PROVIDERS, ...e.HERALD_EXTRA_PROVIDERS])],
    egressAllowCidrs: e.HERALD_EGRESS_ALLOW_CIDRS,
    headerPrefix: e.HERALD_HEADER_PREFIX,
    delivery: {
      ...DEFAULT_DELIVERY_POLICY,
      retryScheduleMs: e.HERALD_RETRY_SCHEDULE,
      maxRateLimitWaitMs: e.HERALD_MAX_RETRY_AFTER,
    },
    health: {
      disableAfterFailedDeliveries: e.HERALD_DISABLE_AFTER_FAILURES,
      disableAfterFailingMs: e.HERALD_DISABLE_AFTER,
    },
    concurrencyPerIntegration: e.HERALD_CONCURRENCY_PER_INTEGRATION,
    maxInFlight: e.HERALD_MAX_IN_FLIGHT,
    maxQueued: e.HERALD_MAX_QUEUED,
    restrictedShare: e.HERALD_RESTRICTED_SHARE,
    slowAttemptMs: e.HERALD_SLOW_ATTEMPT,
    httpTimeoutMs: e.HERALD_HTTP_TIMEOUT,
    ackWaitMs: e.HERALD_ACK_WAIT,
    partitions: e.HERALD_PARTITIONS,
    replicas: e.HERALD_REPLICAS,
    eventsMaxAgeMs: e.HERALD_EVENTS_MAX_AGE,
    logMaxAgeMs: e.HERALD_LOG_MAX_AGE,
    dlqMaxAgeMs: e.HERALD_DLQ_MAX_AGE,
    idleActorTtlMs: e.HERALD_IDLE_ACTOR_TTL,
    leaseTtlMs: e.HERALD_LEASE_TTL,
    runnerId: e.HERALD_RUNNER_ID ?? newId('rnr'),
    shutdownGraceMs: e.HERALD_SHUTDOWN_GRACE,
    heapGrowthPercent: e.HERALD_HEAP_GROWTH,
    logLevel: e.LOG_LEVEL,
    publicUrl: e.HERALD_PUBLIC_URL ?? null,
    portalSecret: e.HERALD_PORTAL_SECRET ?? null,
    frameAncestors: e.HERALD_FRAME_ANCESTORS,
    env: heraldVariables(env),
  };
}

/** The `HERALD_*` variables that are set (an empty one counts as unset, as above). */
function heraldVariables(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (name.startsWith('HERALD_') && value) out[name] = value;
  return out;
}
