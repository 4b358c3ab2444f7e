import type { WebhookConfig } from '../src/index.js';

// Fixed test secrets, never real ones: base64 of 32 and of 24 ASCII bytes.
export const SIGNING_SECRET_CURRENT = 'whsec_aGVyYWxkLXRlc3Qtc2lnbmluZy1rZXktY3VycmVudCE=';
export const SIGNING_SECRET_OLD = 'whsec_aGVyYWxkLXRlc3Qtb2xkLWtleS0yNGIh';
export const TOKEN = 'tok_conformance_9f8e7d6c5b4a';
// ed25519 private keys: whsk_ + base64 of a 32-byte ASCII seed; and their public keys.
export const SIGNING_KEY_CURRENT = 'whsk_aGVyYWxkLXRlc3QtZWQyNTUxOS1rZXktY3VycmVudCE=';
export const SIGNING_KEY_OLD = 'whsk_aGVyYWxkLXRlc3QtZWQyNTUxOS1rZXktb2xkLW9uZSE=';

/** A config using every feature: token, two signing secrets and two signing keys mid-rotation, GitHub's header. */
export const FULL_CONFIG: WebhookConfig = {
  url: 'https://hooks.example.com/herald?source=herald',
  secret: TOKEN,
  signingSecrets: [SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD],
  signingKeys: [SIGNING_KEY_CURRENT, SIGNING_KEY_OLD],
  githubSignature: true,
};

/** The base64 part of a `whsec_` secret or `whsk_` key: it must not leak either. */
export const base64Of = (secret: string): string => secret.slice(secret.indexOf('_') + 1);

/** Every secret string of FULL_CONFIG, in every form it could leak in. */
export const ALL_SECRETS = [
  TOKEN,
  SIGNING_SECRET_CURRENT,
  SIGNING_SECRET_OLD,
  base64Of(SIGNING_SECRET_CURRENT),
  base64Of(SIGNING_SECRET_OLD),
  SIGNING_KEY_CURRENT,
  SIGNING_KEY_OLD,
  base64Of(SIGNING_KEY_CURRENT),
  base64Of(SIGNING_KEY_OLD),
];
