import { join } from 'node:path';
import { EVENT_TYPES, exampleEvent } from '@herald/core';
import { GOLDEN_EVENT_TYPES, inflateEvent, runProviderConformance } from '@herald/core/testing';
import { describe, expect, it } from 'vitest';
import teams, { checkTeamsLimits } from '../src/index.js';
import {
  LEGACY_TOKEN,
  LEGACY_URL,
  render,
  WORKFLOWS_SIG,
  WORKFLOWS_URL,
  workflowsConfig,
} from './fixtures.js';

const goldenDir = join(import.meta.dirname, 'golden');

// Workflows answer 202 with an empty body. One row differs from the kit's table: a
// deleted workflow answers 404 to every later post, so 404 disables the integration.
// The legacy connector's quirks (200 with the error in the text) live in interpret.test.ts.
runProviderConformance({
  provider: teams,
  config: workflowsConfig,
  secrets: [WORKFLOWS_URL, WORKFLOWS_SIG],
  secretPlaces: ['url'],
  checkLimits: checkTeamsLimits,
  statusTable: { 202: 'success', 404: 'disable' },
  responseBody: () => '',
  goldenDir,
});

describe('teams provider — legacy connector URL', () => {
  const config = { url: LEGACY_URL };

  it.each(EVENT_TYPES)('%s renders a MessageCard within limits, the secret only in the URL', (type) => {
    for (const event of [exampleEvent(type), inflateEvent(exampleEvent(type))]) {
      const request = render(event, config);
      expect(checkTeamsLimits(request)).toEqual([]);
      expect(JSON.parse(request.body)['@type']).toBe('MessageCard');
      expect(request.url).toBe(LEGACY_URL);
      expect(request.body).not.toContain(LEGACY_TOKEN);
      expect(JSON.stringify(request.headers)).not.toContain(LEGACY_TOKEN);
    }
  });

  it.each(GOLDEN_EVENT_TYPES)('%s matches its legacy golden file', async (type) => {
    const request = render(exampleEvent(type), config);
    const shown = { ...request, url: '<legacy connector URL>', body: JSON.parse(request.body) };
    await expect(`${JSON.stringify(shown, null, 2)}\n`).toMatchFileSnapshot(
      join(goldenDir, 'legacy', `${type.replace(':', '.')}.json`),
    );
  });
});
