import { parseArgs } from 'node:util';
import { HeraldError, isSafeToken } from '@herald/core';

/** A bad command line: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends HeraldError {
  readonly usage: string;

  constructor(message: string, usage: string) {
    super('usage', message);
    this.name = 'UsageError';
    this.usage = usage;
  }
}

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Parses `argv` strictly (unknown options and missing values are usage errors). */
export function parse<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
): { values: { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean }; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as never, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!, usage);
  }
}

/** A required option's value, or a usage error naming it. */
export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${flag}`, usage);
  return value;
}

/** A team or project id: a usage error unless it is subject-safe. */
export function tokenArg(value: string | undefined, flag: string, usage: string): string {
  const v = required(value, flag, usage);
  if (!isSafeToken(v))
    throw new UsageError(`${flag} must match [A-Za-z0-9_-]{1,64}, got ${JSON.stringify(v)}`, usage);
  return v;
}

/** No positionals beyond those expected. */
export function noExtra(positionals: string[], usage: string): void {
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, usage);
}
