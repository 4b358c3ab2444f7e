import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../src/index.js';

// Any secret Herald accepts, any body bytes: what Herald signs, Herald's verifier
// accepts, and no single changed byte survives.

const NOW_S = 1_795_770_300;
const secretArb = fc
  .uint8Array({ minLength: 24, maxLength: 64 })
  .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`);
const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

function signed(id: string, secret: string, body: Uint8Array) {
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(NOW_S),
    'webhook-signature': signWebhook({ id, timestamp: NOW_S, body }, [secret]),
  };
  return headers;
}

/** verifyWebhook's error code for this request, or 'ok' (a JSON body is needed past the signature). */
function codeOf(headers: Record<string, string>, body: Uint8Array, secret: string): string {
  try {
    verifyWebhook({ headers, body }, { secrets: secret, now: NOW_S * 1000 });
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('webhook signatures — properties', () => {
  it('any {event, data} body signed with any secret verifies', () => {
    fc.assert(
      fc.property(idArb, secretArb, fc.string(), fc.jsonValue(), (id, secret, event, value) => {
        const body = Buffer.from(JSON.stringify({ event, data: { value } }));
        const result = verifyWebhook(
          { headers: signed(id, secret, body), body },
          { secrets: secret, now: NOW_S * 1000 },
        );
        expect(result.event).toBe(event);
        expect(result.id).toBe(id);
      }),
    );
  });

  it('any body bytes pass the signature check; changing any one byte fails it', () => {
    fc.assert(
      fc.property(
        idArb,
        secretArb,
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (id, secret, body, at, delta) => {
          const headers = signed(id, secret, body);
          // Arbitrary bytes are rarely JSON: passing the signature shows as bad_payload.
          expect(['ok', 'bad_payload']).toContain(codeOf(headers, body, secret));
          const changed = Uint8Array.from(body);
          const index = at % changed.length;
          changed[index] = (changed[index]! + delta) % 256;
          expect(codeOf(headers, changed, secret)).toBe('bad_signature');
        },
      ),
    );
  });
});
