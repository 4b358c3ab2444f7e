import { z } from 'zod';
import type { HttpRequestSpec, HttpResponseInfo } from './contract.js';

// The optional part of the provider contract for a connect flow: an OAuth-style
// install ("Add to Slack") that ends with an integration's config, so nobody pastes a
// webhook URL. The provider says what is particular to its destination — where the
// consent page is, how a code becomes a config, what the dashboard says — and the
// runner hosts the rest once for every provider: the routes
// (`/v1/integrations/<type>/app|install|callback`), the signed single-use state, the
// cookie that binds an install to one browser, the HTML end pages, saving the
// integration and its install details, reinstall and delete.
// https://datatracker.ietf.org/doc/html/rfc6749#section-4.1

/**
 * Where a flow's settings come from: environment variables the provider declares,
 * parsed at start-up. Setting some of `required` but not all stops start-up naming the
 * missing ones; setting none leaves the flow unavailable (the dashboard says why).
 */
export interface ConnectSettings<S> {
  /** Every variable the flow reads (`HERALD_<TYPE>_…`), with what it is for. */
  env: Readonly<Record<string, string>>;
  /** The variables an operator sets to offer the flow: all of them, or none. */
  required: readonly string[];
  /** Parses the variables (absent ones undefined) into settings; an issue's path names its variable. */
  schema: z.ZodType<S>;
}

/** What the dashboard and the API say about the flow; `<type>` ids in the page come from the provider type. */
export interface ConnectPresentation {
  /** The button that starts a connect: "Add to Slack". */
  installLabel: string;
  /** Offered when the destination cut an integration off (see `cutOff`): "Reinstall to Slack". */
  reinstallLabel: string;
  /** Offered on a connected, enabled integration to connect it again elsewhere; absent: not offered. */
  changeLabel?: string;
  /** The create form's explanation of what happens after the click, in paragraphs. */
  steps: readonly string[];
  /** The other way, without the flow: "Paste a webhook URL instead". */
  manualLabel: string;
  /** Why the flow is unavailable when its settings are not set: "The operator has not registered a Slack app". */
  notConfigured: string;
  /** The notice on an integration that a reinstall would fix; absent: none is suggested. */
  cutOff?: {
    /** Words in a disabling failure that a reinstall fixes (the destination's error codes, a status). */
    fixes: readonly string[];
    title: string;
    /** What probably happened. */
    cause: string;
    /** What the reinstall does. */
    reinstallFix: string;
    /** What to do when the flow is unavailable. */
    manualFix: string;
  };
}

/** The runner's answer to a setup call: a response (body capped), or why there was none. */
export type SetupHttpResult =
  | { ok: true; response: HttpResponseInfo; truncated: boolean }
  | { ok: false; error: string };

/**
 * The HTTP client a connect flow gets for its setup calls (the token exchange). Never
 * throws. The runner sends with the same guard rails as deliveries — SSRF guard,
 * timeout, body cap, no redirects — so the provider keeps no HTTP client of its own and
 * a test can pass a plain function. OAuth token requests are POSTs (RFC 6749 §4.1.3).
 */
export type SetupHttp = (request: HttpRequestSpec) => Promise<SetupHttpResult>;

/** Where the browser is sent to start: the destination's consent page for one install. */
export interface AuthorizeInput<S> {
  settings: S;
  /** `<HERALD_PUBLIC_URL>/v1/integrations/<type>/callback`, registered with the destination. */
  redirectUri: string;
  /** The signed state the destination must send back untouched. */
  state: string;
}

/** The callback's code, to exchange for a config. */
export interface ExchangeInput<S> {
  settings: S;
  redirectUri: string;
  /** The authorization code from the callback. */
  code: string;
  /** The callback's other single-valued query parameters (some destinations add their own). */
  params: Readonly<Record<string, string>>;
  http: SetupHttp;
}

/**
 * What an exchange brought: the integration's config, the details reads show next to
 * it (not secret: stored as they are), and a short `summary` of where it posts
 * ("#ops") for transition reasons and logs. A failure is a page: `error` a code-shaped
 * word, `message` paragraphs for the user (never a secret, never free text from the
 * destination's answer).
 */
export type ExchangeResult<C> =
  | { ok: true; config: C; details: Record<string, unknown>; summary: string }
  | { ok: false; error: string; status: number; message: string[] };

/** One line of what the dashboard shows of a connected integration; `id` becomes `<type>-<id>` in the page. */
export interface ConnectionRow {
  id: string;
  label: string;
  text: string;
  /** An http(s) link for the text. */
  href?: string;
}

/** A connection's stored details as reads show them: for API clients, and as rows for the dashboard. */
export interface ConnectionView {
  details: Record<string, unknown>;
  rows: ConnectionRow[];
}

/** For the flow's goodbye when a connected integration is deleted. */
export interface DisconnectInput<S, C> {
  settings: S;
  config: C;
  /** The details stored at the install (as the exchange returned them, possibly from an older version). */
  details: unknown;
  http: SetupHttp;
}

/** A provider's connect flow: start → callback → config. */
export interface ConnectFlow<S = unknown, C = unknown> {
  settings: ConnectSettings<S>;
  presentation: ConnectPresentation;
  /** The secret install links are signed with: one every runner has and no user knows (the OAuth client secret). */
  stateSecret(settings: S): string;
  /** The OAuth client id, which is public (every authorize URL carries it): shown so an operator can check which app is set. */
  clientId?(settings: S): string;
  authorizeUrl(input: AuthorizeInput<S>): string;
  exchange(input: ExchangeInput<S>): Promise<ExchangeResult<C>>;
  /** The schema of `ConnectionView.details`, for the API document. */
  detailsSchema: z.ZodType;
  /** Reads stored details (parse them: they may be older or damaged); undefined shows nothing. */
  describe(stored: unknown): ConnectionView | undefined;
  /** Called once, best effort, after a connected integration is deleted (revoke what the install granted). */
  disconnect?(input: DisconnectInput<S, C>): Promise<void>;
}

/** Declares a connect flow with its settings type checked against its methods. */
export function defineConnectFlow<S, C>(flow: ConnectFlow<S, C>): ConnectFlow<S, C> {
  return flow;
}

/** Connect-flow variables live in Herald's namespace: a plugin reads no other environment. */
export const CONNECT_ENV_NAME = /^HERALD_[A-Z0-9_]+$/;

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');
const text = z.string().min(1);
const schemaLike = z.custom<z.ZodType>(
  (v) => typeof (v as z.ZodType | undefined)?.safeParse === 'function',
  'must be a zod schema',
);

/** The shape `assertProvider` checks a provider's `connect` against. */
export const connectFlowShape = z
  .object({
    settings: z.object({
      env: z.record(z.string(), z.string()).superRefine((env, ctx) => {
        for (const name of Object.keys(env))
          if (!CONNECT_ENV_NAME.test(name))
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'must be named HERALD_… (Herald’s namespace)',
            });
      }),
      required: z.array(z.string()).min(1),
      schema: schemaLike,
    }),
    presentation: z.object({
      installLabel: text,
      reinstallLabel: text,
      changeLabel: text.optional(),
      steps: z.array(text),
      manualLabel: text,
      notConfigured: text,
      cutOff: z
        .object({
          fixes: z.array(z.string().regex(/^\w{1,64}$/, 'must be a word: an error code or a status')).min(1),
          title: text,
          cause: text,
          reinstallFix: text,
          manualFix: text,
        })
        .optional(),
    }),
    stateSecret: fn,
    clientId: fn.optional(),
    authorizeUrl: fn,
    exchange: fn,
    detailsSchema: schemaLike,
    describe: fn,
    disconnect: fn.optional(),
  })
  .refine((f) => f.settings.required.every((v) => v in f.settings.env), {
    message: 'settings.required must name variables declared in settings.env',
  });
