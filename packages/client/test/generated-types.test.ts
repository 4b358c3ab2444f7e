import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
// The runner's own builder: the document it serves at /openapi.json, without NATS.
import { openApiDocument } from '../../runner/src/http/openapi-document.js';
import { generateTypes, TYPES_FILE } from '../scripts/generate.mjs';

describe('@herald/client — generated types', () => {
  it('match the runner’s current OpenAPI document (else run `pnpm --filter @herald/client generate`)', async () => {
    const document = await openApiDocument();
    const committed = await readFile(TYPES_FILE, 'utf8');
    expect(committed).toBe(await generateTypes(document));
  });

  it('change when the document changes (the comparison can fail)', async () => {
    const document = await openApiDocument();
    const paths = document.paths as Record<string, unknown>;
    const drifted = { ...document, paths: { ...paths, '/v1/not-in-the-client': paths['/healthz'] } };
    const regenerated = await generateTypes(drifted);
    expect(regenerated).toContain('"/v1/not-in-the-client"');
    expect(regenerated).not.toBe(await readFile(TYPES_FILE, 'utf8'));
  });
});
