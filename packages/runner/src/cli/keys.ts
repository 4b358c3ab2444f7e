import { controlCharacterProblem } from '@herald/core';
import { loadConfig } from '../config/config.js';
import { ApiKeyNotFoundError, ApiKeyStore, keyIdOf } from '../store/api-keys.js';
import { noExtra, parse, tokenArg, UsageError } from './args.js';
import { connectCli } from './nats.js';

export const KEYS_USAGE = `usage:
  herald keys create --team <id> [--name <label>]   create a key; prints it alone on stdout (shown only once)
  herald keys revoke <keyId|key>                    revoke a key (every runner refuses it within seconds)
  herald keys list --team <id> [--json]             the team's keys (ids and dates, never the keys)
`;

/** `herald keys …`: team API keys, straight in NATS (NATS_URL). */
export async function keysCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create' && sub !== 'revoke' && sub !== 'list')
    throw new UsageError(
      sub ? `unknown keys command ${JSON.stringify(sub)}` : 'missing keys command',
      KEYS_USAGE,
    );
  const { values, positionals } = parse(
    rest,
    { team: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } },
    KEYS_USAGE,
  );
  // Check the whole command line before connecting anywhere.
  let run: (store: ApiKeyStore) => Promise<number>;
  if (sub === 'create') {
    noExtra(positionals, KEYS_USAGE);
    const team = tokenArg(values.team, '--team', KEYS_USAGE);
    const nameProblem = values.name === undefined ? undefined : controlCharacterProblem(values.name);
    if (nameProblem) throw new UsageError(`--name ${nameProblem}`, KEYS_USAGE);
    run = async (store) => {
      const { key, info } = await store.create(team, values.name ?? null);
      process.stdout.write(`${key}\n`);
      process.stderr.write(
        `herald: created API key ${info.keyId} for team ${team}; it is shown only this once\n`,
      );
      return 0;
    };
  } else if (sub === 'revoke') {
    const [target, ...extra] = positionals;
    noExtra(extra, KEYS_USAGE);
    if (!target || !keyIdOf(target))
      throw new UsageError('revoke takes a key id (16 hex characters) or the key itself', KEYS_USAGE);
    run = async (store) => {
      try {
        const info = await store.revoke(target);
        process.stdout.write(`revoked ${info.keyId} (team ${info.teamId}) at ${info.revokedAt}\n`);
        return 0;
      } catch (err) {
        if (!(err instanceof ApiKeyNotFoundError)) throw err;
        process.stderr.write(`herald keys revoke: ${err.message}\n`);
        return 1;
      }
    };
  } else {
    noExtra(positionals, KEYS_USAGE);
    const team = tokenArg(values.team, '--team', KEYS_USAGE);
    run = async (store) => {
      const keys = await store.list(team);
      if (values.json) process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
      else if (keys.length === 0) process.stderr.write(`herald: team ${team} has no API keys\n`);
      else
        for (const k of keys)
          process.stdout.write(
            `${k.keyId}  created ${k.createdAt}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}${k.name ? `  ${k.name}` : ''}\n`,
          );
      return 0;
    };
  }
  const nats = await connectCli(loadConfig());
  try {
    return await run(new ApiKeyStore(nats.buckets.teams));
  } finally {
    await nats.close();
  }
}
