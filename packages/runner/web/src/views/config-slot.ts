import type { Context } from '../context.js';
import { fill, h } from '../dom.js';
import type { ApiIssue, ConnectAppInfo, Integration, ProviderInfo } from '../types.js';
import { type Connectable, connectApp, connectable, installPanel, manualNote } from './connect.js';
import { type ConfigForm, configForm } from './schema-form.js';
import { watchUrlShape } from './url-shape.js';

// The form's config part. A new integration of a provider with a connect flow ("Add to
// Slack") is added through the flow when this Herald offers it — the panel says what
// will happen — unless the user would rather paste a config; otherwise the provider's
// config form, built from its schema.

export interface ConfigSlot {
  el: HTMLElement;
  /** Shows the part for a provider type. */
  show(type: string): void;
  /** The flow a submit starts, or null when the config is filled in. */
  installing(): Connectable | null;
  read(): { config: Record<string, unknown>; problems: ApiIssue[] };
}

/** An integration whose provider is not loaded any more: its config can still be edited as JSON. */
function fallbackProvider(type: string): ProviderInfo {
  return {
    type,
    displayName: type,
    setupHelp: null,
    secretFields: [],
    configSchema: {},
    connect: null,
    templateFields: [],
  };
}

/** The config part of the create or edit form; `onMode` hears whether a submit installs (and through which flow). */
export async function configSlot(
  ctx: Context,
  opts: {
    providers: ProviderInfo[];
    existing: Integration | null;
    onMode: (flow: Connectable | null) => void;
  },
): Promise<ConfigSlot> {
  const { providers, existing, onMode } = opts;
  const providerOf = (t: string) => providers.find((p) => p.type === t);
  // Whether each connect flow works here (a new integration only: an edit keeps its config).
  const apps = new Map<string, ConnectAppInfo>(
    existing
      ? []
      : await Promise.all(
          providers.filter(connectable).map(async (p) => [p.type, await connectApp(ctx, p)] as const),
        ),
  );
  const el = h('div');
  let type = '';
  let manual = false;
  let config: ConfigForm | null = null;
  const flowOf = (t: string): Connectable | null => {
    const p = providerOf(t);
    return connectable(p) && apps.has(t) ? p : null;
  };
  const installing = () => {
    const p = flowOf(type);
    return p && apps.get(type)?.installAvailable === true && !manual ? p : null;
  };
  const draw = () => {
    const flow = installing();
    if (flow) {
      config = null;
      fill(
        el,
        installPanel(flow, () => {
          manual = true;
          draw();
        }),
      );
    } else {
      config = configForm(providerOf(type) ?? fallbackProvider(type), existing?.config ?? null);
      const p = flowOf(type);
      const note = p
        ? manualNote(p, apps.get(type)!, () => {
            manual = false;
            draw();
          })
        : null;
      fill(el, note, config.el);
      watchUrlShape(el, type);
    }
    onMode(flow);
  };
  return {
    el,
    show: (t) => {
      type = t;
      draw();
    },
    installing,
    read: () => config?.read() ?? { config: {}, problems: [] },
  };
}
