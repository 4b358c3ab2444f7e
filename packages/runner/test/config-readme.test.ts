import { readFileSync } from 'node:fs';
import type { AnyProvider } from '@herald/core';
import discord from '@herald/provider-discord';
import slack from '@herald/provider-slack';
import teams from '@herald/provider-teams';
import webhook from '@herald/provider-webhook';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { BUILTIN_PROVIDERS, ENV_SCHEMA } from '../src/config/config.js';

// The root README's "Configuration" table is written by hand; this keeps it equal to the
// schemas: one row per variable the runner (ENV_SCHEMA) or a built-in provider's connect
// flow reads, in the README's order or not, and each row's default the schema's.

const README = new URL('../../../README.md', import.meta.url);

/**
 * Defaults the schema cannot state, and what the README says instead. Anything else must
 * show the schema's default as the cell's first `code`, or start with "none" when it has none.
 */
const COMPUTED_DEFAULTS: Record<string, string> = {
  // The prefault is BUILTIN_PROVIDERS joined; the table names them instead of listing them.
  HERALD_PROVIDERS: 'the four built-in packages',
  // Optional: start-up makes a new `rnr_…` id when it is not set.
  HERALD_RUNNER_ID: '`rnr_…`',
};

interface Row {
  name: string;
  defaultCell: string;
}

/** The rows of the README's configuration table, by variable name. */
function readmeRows(): Map<string, Row> {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('\n## Configuration\n');
  expect(start, 'the README has a "## Configuration" section').toBeGreaterThan(0);
  const section = text.slice(start + 1, text.indexOf('\n## ', start + 1));
  const rows = new Map<string, Row>();
  for (const line of section.split('\n')) {
    const cells = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|/.exec(line);
    if (!cells) continue;
    const name = cells[1] as string;
    expect(rows.has(name), `${name} has one row`).toBe(false);
    rows.set(name, { name, defaultCell: (cells[2] as string).trim() });
  }
  return rows;
}

/** The default a variable's schema gives when it is unset: a string, a number, or undefined (none). */
function defaultOf(schema: z.ZodType): unknown {
  const def = (schema as unknown as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
  return def.type === 'default' || def.type === 'prefault' ? def.defaultValue : undefined;
}

/** Every variable the built-in providers' connect flows declare, with its schema where it has one. */
function providerVariables(): Map<string, z.ZodType | undefined> {
  const out = new Map<string, z.ZodType | undefined>();
  for (const provider of [slack, discord, teams, webhook] as AnyProvider[]) {
    const settings = provider.connect?.settings;
    if (!settings) continue;
    const schema = settings.schema as unknown as { _zod: { def: { type: string; in?: unknown } } };
    // A settings schema is an object, or an object piped into a transform.
    const object = (schema._zod.def.type === 'pipe' ? schema._zod.def.in : schema) as {
      shape?: Record<string, z.ZodType>;
    };
    for (const name of Object.keys(settings.env)) out.set(name, object.shape?.[name]);
  }
  return out;
}

/** Every variable Herald reads, with its schema. */
function schemaVariables(): Map<string, z.ZodType | undefined> {
  return new Map<string, z.ZodType | undefined>([
    ...Object.entries(ENV_SCHEMA.shape as Record<string, z.ZodType>),
    ...providerVariables(),
  ]);
}

describe('README configuration table — equal to the schemas', () => {
  it('has one row for every variable the runner and the built-in providers read, and no other', () => {
    const documented = new Set(readmeRows().keys());
    const read = new Set(schemaVariables().keys());
    expect({
      missingFromReadme: [...read].filter((name) => !documented.has(name)),
      notReadByHerald: [...documented].filter((name) => !read.has(name)),
    }).toEqual({ missingFromReadme: [], notReadByHerald: [] });
  });

  it("shows each variable's default as its schema gives it", () => {
    const rows = readmeRows();
    const wrong: string[] = [];
    for (const [name, schema] of schemaVariables()) {
      const cell = rows.get(name)?.defaultCell;
      if (cell === undefined) continue; // the first test names it
      const value = schema === undefined ? undefined : defaultOf(schema);
      const computed = COMPUTED_DEFAULTS[name];
      const ok =
        computed !== undefined
          ? cell.startsWith(computed)
          : value === undefined || value === ''
            ? cell.startsWith('none')
            : cell.startsWith(`\`${String(value)}\``);
      if (!ok)
        wrong.push(`${name}: README says ${JSON.stringify(cell)}, the schema ${JSON.stringify(value)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the computed defaults still say what the schema does', () => {
    expect(BUILTIN_PROVIDERS).toHaveLength(4);
    expect(defaultOf(ENV_SCHEMA.shape.HERALD_PROVIDERS)).toBe(BUILTIN_PROVIDERS.join(','));
    expect(defaultOf(ENV_SCHEMA.shape.HERALD_RUNNER_ID)).toBeUndefined();
  });
});
