import { type AnyProvider, type HttpRequestSpec, maskSecretUrl } from '@herald/core';

function secretValues(provider: AnyProvider, config: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const field of provider.secretFields) {
    const value = config[field];
    if (typeof value === 'string' && value) out.push([field, value]);
    if (Array.isArray(value)) for (const v of value) if (typeof v === 'string' && v) out.push([field, v]);
  }
  return out;
}

function maskOne(provider: AnyProvider, field: string, value: string): string {
  return provider.maskSecret ? provider.maskSecret(field, value) : maskSecretUrl(value);
}

/** A config as API reads show it: secret fields masked. */
export function maskConfig(provider: AnyProvider, config: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = { ...config };
  for (const field of provider.secretFields) {
    const value = config[field];
    if (typeof value === 'string') masked[field] = maskOne(provider, field, value);
    else if (Array.isArray(value))
      masked[field] = value.map((v) => (typeof v === 'string' ? maskOne(provider, field, v) : v));
  }
  return masked;
}

/** Secret values, longest first, so a secret that contains another is replaced whole. */
function secretsLongestFirst(
  provider: AnyProvider,
  config: Record<string, unknown>,
): Array<[string, string]> {
  return secretValues(provider, config).sort((a, b) => b[1].length - a[1].length);
}

function redactWith(provider: AnyProvider, secrets: Array<[string, string]>, text: string): string {
  let out = text;
  for (const [field, value] of secrets) {
    if (out.includes(value)) out = out.split(value).join(maskOne(provider, field, value));
  }
  return out;
}

/** Replaces every secret config value found in `text`. */
export function redactText(provider: AnyProvider, config: Record<string, unknown>, text: string): string {
  return redactWith(provider, secretsLongestFirst(provider, config), text);
}

/** A request as the delivery log keeps it: secrets in URL, headers and body masked. */
export function maskRequest(
  provider: AnyProvider,
  config: Record<string, unknown>,
  spec: HttpRequestSpec,
): HttpRequestSpec {
  const secrets = secretsLongestFirst(provider, config);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers)) headers[k] = redactWith(provider, secrets, v);
  return {
    method: spec.method,
    url: redactWith(provider, secrets, spec.url),
    headers,
    body: redactWith(provider, secrets, spec.body),
  };
}
