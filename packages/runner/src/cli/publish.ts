import { readFileSync } from 'node:fs';
import {
  eventSubject,
  exampleEvent,
  type HeraldEvent,
  InvalidEventError,
  isEventType,
  isTeamWideType,
  newId,
  parseEvent,
  publishEvent,
  TEAM_SCOPE,
} from '@herald/core';
import { loadConfig } from '../config/config.js';
import { noExtra, parse, tokenArg, UsageError } from './args.js';
import { connectCli } from './nats.js';

export const PUBLISH_USAGE = `usage:
  herald publish <type> --team <id> --project <id> --data <json|@file|@->   publish one event; prints its id
  herald publish <type> --team <id> --project <id> --example              … with the catalogue's example data

options:
  --id <evt_…>             the event id (default: a new one); a repeated id is dropped as a duplicate
  --occurred-at <iso>      when it happened (default: now)
  --project                optional for team-wide types (billing:*, integration:*)

The event is validated like one published on NATS; a field error is printed and nothing is sent.
`;

function readData(spec: string): unknown {
  let text = spec;
  if (spec.startsWith('@')) {
    const path = spec.slice(1);
    try {
      text = readFileSync(path === '-' ? 0 : path, 'utf8');
    } catch (err) {
      throw new UsageError(
        `--data: cannot read ${path === '-' ? 'stdin' : path}: ${(err as Error).message}`,
        PUBLISH_USAGE,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--data is not JSON: ${(err as Error).message}`, PUBLISH_USAGE);
  }
}

/** Builds and validates the event from the command line (no I/O but reading --data). */
export function eventFromArgs(argv: string[]): HeraldEvent {
  const { values, positionals } = parse(
    argv,
    {
      team: { type: 'string' },
      project: { type: 'string' },
      data: { type: 'string' },
      example: { type: 'boolean' },
      id: { type: 'string' },
      'occurred-at': { type: 'string' },
    },
    PUBLISH_USAGE,
  );
  const [type, ...extra] = positionals;
  noExtra(extra, PUBLISH_USAGE);
  if (!type) throw new UsageError('missing the event type, e.g. build:start', PUBLISH_USAGE);
  if (!isEventType(type))
    throw new UsageError(
      `unknown event type ${JSON.stringify(type)} (GET /v1/event-types lists them)`,
      PUBLISH_USAGE,
    );
  const teamId = tokenArg(values.team, '--team', PUBLISH_USAGE);
  const projectId =
    values.project === undefined && isTeamWideType(type)
      ? TEAM_SCOPE
      : tokenArg(values.project, '--project', PUBLISH_USAGE);
  if ((values.data === undefined) === !values.example)
    throw new UsageError('give either --data <json|@file> or --example', PUBLISH_USAGE);
  const data = values.example ? exampleEvent(type).data : readData(values.data!);
  try {
    return parseEvent({
      id: values.id ?? newId('evt'),
      event: type,
      occurredAt: values['occurred-at'] ?? new Date().toISOString(),
      teamId,
      projectId,
      data,
    });
  } catch (err) {
    if (!(err instanceof InvalidEventError)) throw err;
    const lines = err.issues.map((i) => `  ${i.path || '(event)'}: ${i.message}`).join('\n');
    throw new UsageError(`invalid event:\n${lines}`, PUBLISH_USAGE);
  }
}

/** `herald publish …`: validates with core and publishes with `publishEvent`; prints the event id. */
export async function publishCommand(argv: string[]): Promise<number> {
  const event = eventFromArgs(argv);
  const nats = await connectCli(loadConfig());
  try {
    const ack = await publishEvent(nats.js, event);
    process.stdout.write(`${event.id}\n`);
    const subject = eventSubject(event.teamId, event.projectId, event.event);
    process.stderr.write(
      ack.duplicate
        ? `herald: ${event.id} was already published (dropped as a duplicate)\n`
        : `herald: published ${event.event} to ${subject} (stream sequence ${ack.seq})\n`,
    );
    return 0;
  } finally {
    await nats.close();
  }
}
