import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type AnyProvider, issuesFromZod } from '@herald/core';
import type { ProviderRegistry } from '../providers/registry.js';
import { maskConfig } from '../secrets.js';
import { invalidRequest } from './errors.js';

/** `"secret": "generate"` asks the server for a random token, returned once. */
export const GENERATE_SECRET = 'generate';
/** Random bytes of a generated token (256 bits). */
const GENERATED_TOKEN_BYTES = 32;
/** Random bytes of a generated Standard Webhooks signing secret (within its 24–64). */
const GENERATED_SIGNING_SECRET_BYTES = 32;

/** A random token: base64url, visible ASCII, fit for a header. */
export function newToken(): string {
  return randomBytes(GENERATED_TOKEN_BYTES).toString('base64url');
}

/** A random Standard Webhooks secret, `whsec_` + standard padded base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(GENERATED_SIGNING_SECRET_BYTES).toString('base64')}`;
}

/** PKCS#8 DER header of an ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_ED25519_HEADER_BYTES = 16;

/**
 * A random ed25519 private key as Standard Webhooks serialises it: `whsk_` + the base64
 * 32-byte seed. Its `whpk_` public key is what reads show (the provider masks it so).
 */
export function newSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_HEADER_BYTES);
  return `whsk_${seed.toString('base64')}`;
}

/** The provider of `type`, or a 400 on `type` that lists the known types. */
export function providerOf(providers: Pick<ProviderRegistry, 'get' | 'types'>, type: string): AnyProvider {
  const provider = providers.get(type);
  if (provider) return provider;
  const known = providers.types().join(', ');
  throw invalidRequest('invalid request body', [
    { path: 'type', message: `unknown type ${JSON.stringify(type)}; known types: ${known}`, in: 'body' },
  ]);
}

/** The secrets a create or PATCH asked the server to make, each shown once in its answer. */
export interface Generated {
  generatedSecret?: string;
  generatedSigningSecret?: string;
}

/**
 * Replaces `secret: "generate"` by a new token and `signingSecrets: "generate"` by one new
 * signing secret (for a provider with those secret fields); returns what was made.
 */
export function generateRequested(provider: AnyProvider, config: Record<string, unknown>): Generated {
  const made: Generated = {};
  if (provider.secretFields.includes('secret') && config.secret === GENERATE_SECRET) {
    made.generatedSecret = newToken();
    config.secret = made.generatedSecret;
  }
  if (provider.secretFields.includes('signingSecrets') && config.signingSecrets === GENERATE_SECRET) {
    made.generatedSigningSecret = newSigningSecret();
    config.signingSecrets = [made.generatedSigningSecret];
  }
  return made;
}

/** Validates a config with the provider's schema; a 400 names each field as `config.<field>`. */
export function validateConfig(
  provider: AnyProvider,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const result = provider.configSchema.safeParse(config);
  if (result.success) return result.data as Record<string, unknown>;
  throw invalidRequest(
    'invalid request body',
    issuesFromZod(result.error.issues).map((i) => ({
      path: i.path ? `config.${i.path}` : 'config',
      message: i.message,
      in: 'body' as const,
    })),
  );
}

/**
 * Applies a PATCH to a config: fields merge, `null` removes one. Secrets are write-only:
 * an omitted one keeps its value, and a masked value sent back (a form that posts what
 * it read) stands for the value it masks — also inside a list of secrets, which is how
 * a rotated-out signing secret is dropped, and for a URL whose password or credential
 * query values were masked.
 */
export function mergeConfig(
  provider: AnyProvider,
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const masked = maskConfig(provider, current);
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) {
      delete next[field];
      continue;
    }
    if (!provider.secretFields.includes(field)) {
      // A URL read back with its credentials masked keeps the credentials it had.
      const readBack =
        typeof value === 'string' && value === masked[field] && masked[field] !== current[field];
      next[field] = readBack ? current[field] : value;
      continue;
    }
    if (typeof value === 'string') {
      next[field] = value === masked[field] ? current[field] : value;
    } else if (Array.isArray(value) && Array.isArray(current[field]) && Array.isArray(masked[field])) {
      const was = current[field] as unknown[];
      const shown = masked[field] as unknown[];
      next[field] = value.map((v) => {
        const i = shown.indexOf(v);
        return i >= 0 && shown.indexOf(v, i + 1) < 0 ? was[i] : v;
      });
    } else {
      next[field] = value;
    }
  }
  return next;
}
