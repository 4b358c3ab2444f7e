import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AnyProvider, assertProvider, HeraldError } from '@herald/core';

/** A provider module that cannot be used; start-up stops with this message. */
export class ProviderLoadError extends HeraldError {
  constructor(message: string, cause?: unknown) {
    super('provider_load', message, { cause });
    this.name = 'ProviderLoadError';
  }
}

/** The loaded providers by type. */
export class ProviderRegistry {
  readonly #byType = new Map<string, AnyProvider>();

  constructor(providers: Iterable<AnyProvider> = []) {
    for (const p of providers) this.add(p, p.type);
  }

  /** Adds a provider; two providers may not claim one type. */
  add(provider: AnyProvider, source: string): void {
    const existing = this.#byType.get(provider.type);
    if (existing) {
      throw new ProviderLoadError(
        `${source} claims provider type "${provider.type}", already taken by ${existing.displayName}`,
      );
    }
    this.#byType.set(provider.type, provider);
  }

  get(type: string): AnyProvider | undefined {
    return this.#byType.get(type);
  }

  types(): string[] {
    return [...this.#byType.keys()];
  }

  all(): AnyProvider[] {
    return [...this.#byType.values()];
  }
}

function toImportable(specifier: string, cwd: string): string {
  // File paths load as files (a third party's provider need not be a package).
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(cwd, specifier)).href;
  return specifier;
}

/**
 * Loads each module specifier (package name or file path) with dynamic `import()` and
 * validates its default export against the provider contract.
 */
export async function loadProviders(
  specifiers: string[],
  cwd: string = process.cwd(),
): Promise<ProviderRegistry> {
  const registry = new ProviderRegistry();
  for (const specifier of specifiers) {
    let mod: { default?: unknown };
    try {
      mod = await import(toImportable(specifier, cwd));
    } catch (err) {
      throw new ProviderLoadError(
        `cannot load provider module "${specifier}": ${(err as Error).message}`,
        err,
      );
    }
    if (mod.default === undefined)
      throw new ProviderLoadError(`provider module "${specifier}" has no default export`);
    let provider: AnyProvider;
    try {
      provider = assertProvider(mod.default, `provider module "${specifier}"`);
    } catch (err) {
      throw new ProviderLoadError((err as Error).message, err);
    }
    registry.add(provider, `provider module "${specifier}"`);
  }
  return registry;
}
