import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertProvider, defineConnectFlow, ProviderContractError } from '../src/index.js';

// The connect part of the provider contract is checked when a provider is loaded, like
// the rest: a plugin with a broken flow stops start-up naming what is wrong.

const flow = defineConnectFlow({
  settings: {
    env: { HERALD_X_CLIENT_ID: 'the app', HERALD_X_CLIENT_SECRET: 'its secret' },
    required: ['HERALD_X_CLIENT_ID', 'HERALD_X_CLIENT_SECRET'],
    schema: z.object({ HERALD_X_CLIENT_ID: z.string(), HERALD_X_CLIENT_SECRET: z.string() }),
  },
  presentation: {
    installLabel: 'Add to X',
    reinstallLabel: 'Reinstall to X',
    steps: ['Herald takes you to X.'],
    manualLabel: 'Paste a URL instead',
    notConfigured: 'No X app is registered',
  },
  stateSecret: (s) => s.HERALD_X_CLIENT_SECRET,
  authorizeUrl: ({ state }) => `https://x.example.com/authorize?state=${state}`,
  exchange: async () => ({ ok: false, error: 'nope', status: 502, message: ['No.'] }),
  detailsSchema: z.object({}),
  describe: () => undefined,
});

const provider = {
  type: 'x',
  displayName: 'X',
  configSchema: z.object({ url: z.string() }),
  secretFields: ['url'],
  render: () => ({ method: 'POST', url: 'https://x.example.com', headers: {}, body: '' }),
  interpret: () => ({ kind: 'success' }),
  connect: flow,
};

function problemsOf(value: unknown): string {
  try {
    assertProvider(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderContractError);
    return (err as Error).message;
  }
  return '';
}

describe('provider contract — connect flows', () => {
  it('accepts a provider with a complete flow, and one without any', () => {
    expect(assertProvider(provider).connect).toBe(flow);
    const { connect: _c, ...plain } = provider;
    expect(assertProvider(plain).connect).toBeUndefined();
  });

  it('refuses variables outside Herald’s namespace and required ones it does not declare', () => {
    const settings = { ...flow.settings, env: { ...flow.settings.env, AWS_SECRET_ACCESS_KEY: 'mine now' } };
    expect(problemsOf({ ...provider, connect: { ...flow, settings } })).toMatch(
      /connect\.settings\.env\.AWS_SECRET_ACCESS_KEY.*must be named HERALD_/,
    );
    const undeclared = { ...flow.settings, required: ['HERALD_X_TOKEN'] };
    expect(problemsOf({ ...provider, connect: { ...flow, settings: undeclared } })).toMatch(
      /settings\.required must name variables declared in settings\.env/,
    );
  });

  it('names a missing exchange, label or reinstall word', () => {
    const { exchange: _e, ...noExchange } = flow;
    expect(problemsOf({ ...provider, connect: noExchange })).toMatch(/connect\.exchange must be a function/);
    const presentation = { ...flow.presentation, installLabel: '' };
    expect(problemsOf({ ...provider, connect: { ...flow, presentation } })).toMatch(
      /connect\.presentation\.installLabel/,
    );
    const cutOff = { fixes: ['not a word'], title: 't', cause: 'c', reinstallFix: 'r', manualFix: 'm' };
    expect(
      problemsOf({ ...provider, connect: { ...flow, presentation: { ...flow.presentation, cutOff } } }),
    ).toMatch(/connect\.presentation\.cutOff\.fixes\.0 must be a word/);
  });
});
