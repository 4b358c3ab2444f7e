import type { Api } from './api.js';
import type { EventTypeInfo, ProviderInfo } from './types.js';

export type ToastKind = 'success' | 'error' | 'info';

/** What every view gets from the shell. */
export interface Context {
  api: Api;
  /** The loaded providers (fetched once per sign-in). */
  providers(): Promise<ProviderInfo[]>;
  /** The event catalogue (fetched once per sign-in). */
  eventTypes(): Promise<EventTypeInfo[]>;
  navigate(hash: string): void;
  toast(message: string, kind?: ToastKind): void;
  /** One-time data a view hands to the next one (a secret shown once). */
  flash: Map<string, unknown>;
  setTitle(title: string): void;
}

/** A mounted view: its element, and what to stop when it is left. */
export interface View {
  el: HTMLElement;
  dispose?(): void;
}

/** Calls `tick` every `everyMs` after the previous call settled, while the tab is visible. */
export function poll(tick: () => Promise<void>, everyMs: number): { stop(): void; now(): Promise<void> } {
  let timer: number | undefined;
  let stopped = false;
  let running: Promise<void> | null = null;
  const run = (): Promise<void> => {
    running ??= tick()
      .catch(() => undefined)
      .finally(() => {
        running = null;
      });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = window.setTimeout(async () => {
      if (!document.hidden) await run();
      schedule();
    }, everyMs);
  };
  schedule();
  return {
    stop: () => {
      stopped = true;
      window.clearTimeout(timer);
    },
    now: run,
  };
}
