import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_HEADER_PREFIX as CORE_DEFAULT_HEADER_PREFIX } from '@herald/core';
import { afterAll, describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as receiver from '../src/receiver.js';

const run = promisify(execFile);
const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILT_ENTRY = join(PACKAGE_DIR, 'dist/receiver.js');
const BUILTINS = new Set(builtinModules);

const isBuiltin = (specifier: string) => specifier.startsWith('node:') || BUILTINS.has(specifier);

// A resolve hook that prints every module the child loads; the child imports one
// specifier and exits, so what it prints is that specifier's whole module graph.
const tmp = mkdtempSync(join(tmpdir(), 'herald-verify-graph-'));
const HOOKS = join(tmp, 'hooks.mjs');
writeFileSync(
  HOOKS,
  `import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  writeSync(1, JSON.stringify(result.url) + '\\n');
  return result;
}
`,
);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every URL Node resolves while importing `specifier` (by its package name, from this package). */
async function loadedBy(specifier: string): Promise<string[]> {
  const script = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(HOOKS).href)}); await import(${JSON.stringify(specifier)});`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PACKAGE_DIR,
    maxBuffer: 16 * 1024 * 1024,
  });
  return [
    ...new Set(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as string),
    ),
  ];
}

/** Static imports and re-exports of a TypeScript source, type-only ones included. */
function importsOf(source: string): string[] {
  const found = source.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*'([^']+)'|\bimport\s*\(\s*'([^']+)'/g,
  );
  return [...found].map((match) => (match[1] ?? match[2]) as string);
}

describe('@herald/provider-webhook/verify — a receiver loads node:crypto alone', () => {
  it('the source graph from src/receiver.ts imports sibling files and node built-ins only', () => {
    const seen = new Set<string>();
    const outside: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('./')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else if (!isBuiltin(specifier)) outside.push(`${file.slice(PACKAGE_DIR.length + 1)} → ${specifier}`);
      }
    };
    visit(join(PACKAGE_DIR, 'src/receiver.ts'));
    expect(outside).toEqual([]);
    expect(seen.size).toBeGreaterThan(3); // the walk did follow the entry's imports
  });

  it('the built subpath, loaded by its package name in a fresh Node, resolves only node built-ins and its own files', async () => {
    expect(existsSync(BUILT_ENTRY), 'dist/receiver.js is missing: run `pnpm build`').toBe(true);
    const loaded = await loadedBy('@herald/provider-webhook/verify');
    const ownDist = pathToFileURL(join(PACKAGE_DIR, 'dist')).href;
    const foreign = loaded.filter((url) => !url.startsWith('node:') && !url.startsWith(`${ownDist}/`));
    expect(foreign).toEqual([]);
    expect(loaded.filter((url) => url.startsWith('node:'))).toEqual(['node:crypto']);
    expect(loaded).toContain(pathToFileURL(BUILT_ENTRY).href);
  });

  it('the check sees baggage: the package root, by contrast, loads @herald/core, zod and the NATS client', async () => {
    const loaded = await loadedBy('@herald/provider-webhook');
    expect(loaded.some((url) => url.includes('/packages/core/dist/'))).toBe(true);
    expect(loaded.some((url) => url.includes('/zod/'))).toBe(true);
    expect(loaded.some((url) => url.includes('/@nats-io/'))).toBe(true);
  });

  it('repeats core values it does not import, and exports the same functions as the package root', () => {
    expect(receiver.DEFAULT_HEADER_PREFIX).toBe(CORE_DEFAULT_HEADER_PREFIX);
    expect(receiver.verifyWebhook).toBe(main.verifyWebhook);
    expect(receiver.WebhookVerificationError).toBe(main.WebhookVerificationError);
    expect(receiver.decodeSigningSecret).toBe(main.decodeSigningSecret);
    expect(receiver.signWebhook).toBe(main.signWebhook);
  });
});
