import type { AnyProvider, ConnectFlow } from '@herald/core';
import { ConfigError } from '../config/config.js';
import { ProviderLoadError, type ProviderRegistry } from '../providers/registry.js';
import { type FlowSettings, settingsOf } from './settings.js';
import { stateKeyFrom } from './state.js';

// The connect flows of the loaded providers, as this runner hosts them: each with its
// settings (parsed from the environment at start-up), its routes and whether it can run.

/** Fields of an integration read: a connected one carries its details under its type, which must not be one of these. */
const READ_FIELDS = new Set([
  'id',
  'name',
  'type',
  'config',
  'events',
  'projects',
  'enabled',
  'state',
  'health',
  'connection',
  'confirmation',
]);

/** A configured flow's settings and what is derived from them. */
export interface FlowSetup {
  settings: unknown;
  /** The HMAC key of install links, from the flow's state secret. */
  stateKey: Buffer;
  redirectUri: string;
}

/** One provider's flow on this runner. */
export interface HostedFlow {
  type: string;
  provider: AnyProvider;
  flow: ConnectFlow;
  /** What the flow runs with; null when the operator has not set its variables (then it is unavailable). */
  setup: FlowSetup | null;
  paths: { app: string; install: string; callback: string };
  /** Where the destination sends the browser back; null without HERALD_PUBLIC_URL. */
  redirectUri: string | null;
  /** What the operator sets to offer it: "HERALD_SLACK_CLIENT_ID, HERALD_SLACK_CLIENT_SECRET and HERALD_PUBLIC_URL". */
  variables: string;
  /** Why it is unavailable, or null. */
  unavailableReason: string | null;
}

/** The hosted flows by provider type. */
export class ConnectFlows {
  readonly #byType: Map<string, HostedFlow>;

  constructor(flows: HostedFlow[] = []) {
    this.#byType = new Map(flows.map((f) => [f.type, f]));
  }

  get(type: string): HostedFlow | undefined {
    return this.#byType.get(type);
  }

  all(): HostedFlow[] {
    return [...this.#byType.values()];
  }
}

/** "a, b and c". */
export function listOf(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function hosted(
  provider: AnyProvider,
  flow: ConnectFlow,
  settings: Exclude<FlowSettings, { state: 'invalid' }>,
  publicUrl: string | null,
): HostedFlow {
  const base = `/v1/integrations/${provider.type}`;
  const variables = listOf([...flow.settings.required, 'HERALD_PUBLIC_URL']);
  const redirectUri = publicUrl ? `${publicUrl}${base}/callback` : null;
  // A configured flow always has its public URL: settingsOf refuses one without.
  const setup =
    settings.state === 'configured' && redirectUri
      ? {
          settings: settings.settings,
          stateKey: stateKeyFrom(provider.type, flow.stateSecret(settings.settings)),
          redirectUri,
        }
      : null;
  return {
    type: provider.type,
    provider,
    flow,
    setup,
    paths: { app: `${base}/app`, install: `${base}/install`, callback: `${base}/callback` },
    redirectUri,
    variables,
    unavailableReason: setup ? null : `${flow.presentation.notConfigured} (${variables} are not set).`,
  };
}

/**
 * The flows of every loaded provider that has one. Settings that cannot work stop
 * start-up with one `ConfigError` listing every problem of every flow.
 */
export function hostConnectFlows(
  providers: ProviderRegistry,
  config: { env?: Readonly<Record<string, string>>; publicUrl?: string | null },
): ConnectFlows {
  const problems: string[] = [];
  const flows: HostedFlow[] = [];
  const publicUrl = config.publicUrl ?? null;
  for (const provider of providers.all()) {
    const flow = provider.connect;
    if (!flow) continue;
    if (READ_FIELDS.has(provider.type))
      throw new ProviderLoadError(
        `provider "${provider.type}" cannot offer a connect flow: reads show a connection's details under the provider type, and "${provider.type}" is a field of every integration`,
      );
    const settings = settingsOf(flow, config.env ?? {}, publicUrl);
    if (settings.state === 'invalid') problems.push(...settings.problems);
    else flows.push(hosted(provider, flow, settings, publicUrl));
  }
  if (problems.length) throw new ConfigError(problems);
  return new ConnectFlows(flows);
}
