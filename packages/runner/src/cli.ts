#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './cli/main.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    let text = `herald: ${err instanceof Error ? err.message : String(err)}\n`;
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) text += `${err.stack}\n`;
    // Exit now: a failed start must not linger on a handle something left open (a NATS
    // reconnect loop, a socket), still holding what it took.
    process.stderr.write(text, () => process.exit(1));
  },
);
