import {
  type Attributes,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The W3C header that carries a trace from a publisher to each attempt. */
export const TRACEPARENT = 'traceparent';

type Carrier = Record<string, string>;
const propagator = new W3CTraceContextPropagator();
const getter: TextMapGetter<Carrier> = { get: (c, k) => c[k], keys: (c) => Object.keys(c) };
const setter: TextMapSetter<Carrier> = {
  set: (c, k, v) => {
    c[k] = v;
  },
};

export type { Span };
export { SpanKind, SpanStatusCode };

/**
 * Herald's spans — routing an event, each attempt, the log write — continuing the trace a
 * publisher started (`traceparent` on the event's NATS message or on `POST /v1/events`).
 * Exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is
 * set. Off, `enabled` is false and callers test it before making anything, so tracing
 * costs one branch per event and per attempt.
 */
export class Tracing {
  readonly enabled: boolean;
  readonly #tracer: Tracer | null;
  readonly #shutdown: () => Promise<void>;

  constructor(provider: TracerProvider | null, shutdown: () => Promise<void> = async () => undefined) {
    this.enabled = provider !== null;
    this.#tracer = provider?.getTracer('herald') ?? null;
    this.#shutdown = shutdown;
  }

  static readonly off = new Tracing(null);

  /**
   * Tracing as the standard OTEL_* variables ask: on with an OTLP endpoint, else off. The
   * SDK and the exporter (protobuf encoders and all: ~20 MB of heap at start) are loaded
   * only when it is on.
   */
  static async fromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Tracing> {
    if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return Tracing.off;
    const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BasicTracerProvider, BatchSpanProcessor }] =
      await Promise.all([
        import('@opentelemetry/exporter-trace-otlp-http'),
        import('@opentelemetry/resources'),
        import('@opentelemetry/sdk-trace-base'),
      ]);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'herald' }),
      // The exporter reads the endpoint, headers and timeout from the same variables.
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    });
    return new Tracing(provider, () => provider.shutdown());
  }

  /**
   * Starts a span under the trace `parent` names (a W3C traceparent), or a new trace.
   * Only call it when `enabled`.
   */
  start(name: string, parent: string | undefined, attributes: Attributes, kind = SpanKind.INTERNAL): Span {
    const ctx = parent ? propagator.extract(ROOT_CONTEXT, { [TRACEPARENT]: parent }, getter) : ROOT_CONTEXT;
    return this.#tracer!.startSpan(name, { kind, attributes }, ctx);
  }

  /** Starts a span under `parent`. Only call it when `enabled`. */
  child(name: string, parent: Span, attributes: Attributes, kind = SpanKind.INTERNAL): Span {
    return this.#tracer!.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
  }

  /** The traceparent that makes later spans children of `span`. */
  traceparentOf(span: Span): string | undefined {
    const carrier: Carrier = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, setter);
    return carrier[TRACEPARENT];
  }

  /** Sends what is buffered; called once when the runner stops. */
  shutdown(): Promise<void> {
    return this.#shutdown();
  }
}

/** Ends `span` with an error status naming `err`. */
export function endWithError(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
  span.end();
}
