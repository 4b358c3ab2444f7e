// Types for receiver.js, so TypeScript callers (the test) are checked too.
import type { Server } from 'node:http';
import type { VerifiedWebhook } from '@herald/provider-webhook/verify';

export declare const WEBHOOK_PATH: string;
export declare const MAX_BODY_BYTES: number;
export declare const MAX_REMEMBERED_IDS: number;

export type Log = (line: string) => void;

export interface ReceiverOptions {
  token?: string;
  secrets?: string[];
  /** The integration's signing keys' public keys (`whpk_…`), for v1a signatures. */
  publicKeys?: string[];
  toleranceSeconds?: number;
  headerPrefix?: string;
  path?: string;
  log?: Log;
  onEvent?: (webhook: VerifiedWebhook, log: Log) => void | Promise<void>;
}

export interface Receiver {
  server: Server;
  /** Starts listening; resolves with the base URL (port 0 picks a free port). */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting connections and closes idle ones. */
  close(): Promise<void>;
}

/** Logs a line for build:start, job-run:failure and backup:success; others are "unhandled". */
export declare function handleEvent(webhook: VerifiedWebhook, log: Log): void;
/** Creates a receiver; throws when given no token, signing secret or public key. */
export declare function createReceiver(options?: ReceiverOptions): Receiver;
