import type { ConnectFlow } from '@herald/core';

// A connect flow's settings come from the environment variables its provider declares.
// Half a configuration stops start-up rather than leaving an "Add to Slack" button that
// cannot work; none leaves the flow off, and the dashboard says which variables would
// turn it on.

/** The outcome of reading one flow's variables. */
export type FlowSettings =
  | { state: 'configured'; settings: unknown }
  | { state: 'unset' }
  | { state: 'invalid'; problems: string[] };

function isOrAre(names: string[]): string {
  return `${names.join(' and ')} ${names.length === 1 ? 'is' : 'are'}`;
}

/** Reads a flow's declared variables from `env` (the HERALD_* variables that are set). */
export function settingsOf(
  flow: ConnectFlow,
  env: Readonly<Record<string, string>>,
  publicUrl: string | null,
): FlowSettings {
  const { required, schema } = flow.settings;
  const given = required.filter((name) => env[name] !== undefined);
  if (given.length === 0) return { state: 'unset' };
  const problems = required
    .filter((name) => env[name] === undefined)
    .map((name) => `${name}: required when ${isOrAre(given)} set`);
  if (publicUrl === null)
    problems.push(
      `HERALD_PUBLIC_URL: required for "${flow.presentation.installLabel}" (the OAuth redirect URL is built from it)`,
    );
  if (problems.length) return { state: 'invalid', problems };
  const values = Object.fromEntries(Object.keys(flow.settings.env).map((name) => [name, env[name]]));
  const parsed = schema.safeParse(values);
  if (!parsed.success)
    return {
      state: 'invalid',
      problems: parsed.error.issues.map(
        (i) => `${String(i.path[0] ?? `the settings of "${flow.presentation.installLabel}"`)}: ${i.message}`,
      ),
    };
  return { state: 'configured', settings: parsed.data };
}
