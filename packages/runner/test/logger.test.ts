import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

// pino's redaction is configured by path: a secret field missing from the list would be
// logged as-is whenever a config is logged, so each one is checked here.

const PRIVATE_KEY = `whsk_${Buffer.from('herald-logger-test-ed25519-seed!').toString('base64')}`;
const SIGNING_SECRET = `whsec_${Buffer.from('herald-logger-test-signing-secret').toString('base64')}`;

/** The lines a logger writes for `entry`, parsed. */
function logged(entry: Record<string, unknown>): Record<string, unknown> {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  createLogger('info', out).info(entry, 'config changed');
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('logger — secret fields are redacted', () => {
  it('blanks a webhook config’s token, signing secrets and private signing keys, also one level down', () => {
    const config = {
      url: 'https://example.com/h',
      secret: 'tok',
      signingSecrets: [SIGNING_SECRET],
      signingKeys: [PRIVATE_KEY],
    };
    for (const entry of [{ config }, { integration: { config } }]) {
      const line = JSON.stringify(logged(entry));
      expect(line).not.toContain(PRIVATE_KEY.slice(5));
      expect(line).not.toContain(SIGNING_SECRET.slice(6));
      expect(line).toContain('"signingKeys":"[redacted]"');
    }
  });
});
