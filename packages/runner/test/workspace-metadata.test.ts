import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every workspace package (pnpm-workspace.yaml: packages/*, examples/*) carries what a
// registry and its readers need. Private ones (the examples) are never published, so they
// need no `publishConfig`; everything else applies to them too.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

interface Manifest {
  name: string;
  private?: boolean;
  description?: unknown;
  license?: unknown;
  repository?: { type?: unknown; url?: unknown; directory?: unknown };
  engines?: { node?: unknown };
  files?: unknown;
  publishConfig?: { access?: unknown };
}

function workspacePackages(): Array<{ dir: string; manifest: Manifest }> {
  return ['packages', 'examples'].flatMap((parent) =>
    readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`)
      .filter((dir) => {
        try {
          readFileSync(join(ROOT, dir, 'package.json'));
          return true;
        } catch {
          return false;
        }
      })
      .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) })),
  );
}

/** What is missing or wrong in one package's metadata, in words. */
function problems(dir: string, m: Manifest): string[] {
  const out: string[] = [];
  if (typeof m.description !== 'string' || m.description.length < 20) out.push('description');
  if (m.license !== 'Apache-2.0') out.push('license Apache-2.0 (LICENSE)');
  if (m.repository?.type !== 'git' || m.repository.url !== root.repository?.url)
    out.push("repository: git, the root package.json's url");
  if (m.repository?.directory !== dir) out.push(`repository.directory ${dir}`);
  if (m.engines?.node !== root.engines?.node) out.push(`engines.node ${root.engines?.node} (as the root)`);
  if (!Array.isArray(m.files) || m.files.length === 0) out.push('files');
  if (!m.private && m.publishConfig?.access !== 'public')
    out.push('publishConfig.access public (a scoped name)');
  return out;
}

describe('workspace package metadata', () => {
  const packages = workspacePackages();

  it('finds every workspace package', () => {
    expect(packages.map((p) => p.dir)).toEqual(
      expect.arrayContaining(['packages/core', 'packages/runner', 'examples/webhook-receiver']),
    );
    expect(packages.length).toBeGreaterThanOrEqual(8);
  });

  it('the root names the license, the repository and the Node.js versions', () => {
    expect(root.license).toBe('Apache-2.0');
    expect(root.repository?.url).toMatch(/^git\+https:\/\//);
    expect(root.engines?.node).toMatch(/^>=\d+/);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain(
      'Apache License\n                           Version 2.0, January 2004',
    );
  });

  it('every package has description, license, repository, engines, files, and publishConfig unless private', () => {
    const wrong = Object.fromEntries(
      packages
        .map(({ dir, manifest }) => [dir, problems(dir, manifest)] as const)
        .filter(([, p]) => p.length > 0),
    );
    expect(wrong).toEqual({});
  });

  it('every file a published package lists exists after a build', () => {
    const missing: string[] = [];
    for (const { dir, manifest } of packages) {
      if (manifest.private) continue;
      for (const entry of manifest.files as string[]) {
        try {
          readdirSync(join(ROOT, dir, entry));
        } catch {
          missing.push(`${dir}/${entry}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
