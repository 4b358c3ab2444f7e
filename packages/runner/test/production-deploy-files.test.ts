import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderChart } from './support/helm/chart.js';

// The Dockerfile, the compose file and the Helm chart build and start what .ci/deploy-smoke
// proves works: the production deploy (`pnpm --filter @herald/runner deploy --prod` after the
// build), started with `dist/cli.js start`, ready when /readyz answers 200. Docker does not run
// here, so this reads the files; the deploy itself is started by .ci/deploy-smoke.

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const DEPLOY_COMMAND = 'pnpm --filter @herald/runner deploy --prod';

/** The Dockerfile's instructions of the last (runtime) stage, and all of its RUN lines. */
function dockerfile(): { runs: string; final: Map<string, string> } {
  const lines = read('packages/runner/Dockerfile')
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  const lastFrom = lines.findLastIndex((l) => l.startsWith('FROM '));
  const final = new Map<string, string>();
  for (const line of lines.slice(lastFrom)) {
    const [word, ...rest] = line.split(' ');
    final.set(word as string, rest.join(' '));
  }
  return { runs: lines.filter((l) => l.startsWith('RUN ')).join('\n'), final };
}

describe('production deploy files — in step with .ci/deploy-smoke', () => {
  const smoke = read('.ci/deploy-smoke');
  const { runs, final } = dockerfile();

  it('production deploy files — the image is built with the deploy command CI checks, by the pinned pnpm', () => {
    expect(smoke).toContain(DEPLOY_COMMAND);
    expect(runs).toContain(`pnpm build && ${DEPLOY_COMMAND} /app`);
    const pin = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager;
    expect(runs).toContain(`npm install -g ${pin}`);
  });

  it('production deploy files — the image starts the deploy as CI does, and is healthy on /readyz', () => {
    expect(smoke).toMatch(/node app\/dist\/cli\.js start/);
    expect(smoke).toContain('/readyz');
    expect(final.get('WORKDIR')).toBe('/app');
    expect(JSON.parse(final.get('ENTRYPOINT') as string)).toEqual(['node', 'dist/cli.js']);
    expect(JSON.parse(final.get('CMD') as string)).toEqual(['start']);
    expect(final.get('HEALTHCHECK')).toContain('/readyz');
  });

  it('production deploy files — the image runs as a numeric non-root user, the one the chart names', () => {
    const [user] = (final.get('USER') as string).split(':');
    expect(Number(user)).toBeGreaterThan(0);
    const values = parse(read('deploy/helm/herald/values.yaml'));
    expect(values.podSecurityContext.runAsUser).toBe(Number(user));
  });

  it("production deploy files — the chart keeps the image's entrypoint, starts it, and listens where it says", () => {
    const deployment = renderChart(new URL('deploy/helm/herald', root).pathname).manifests.find(
      (m) => m.object.kind === 'Deployment',
    )?.object as { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } };
    const [container] = deployment.spec.template.spec.containers;
    expect(container?.command).toBeUndefined();
    expect(container?.args).toEqual(JSON.parse(final.get('CMD') as string));
    expect(final.get('EXPOSE')).toBe(String(parse(read('deploy/helm/herald/values.yaml')).containerPort));
    expect(final.get('ENV')).toContain(`HERALD_PORT=${final.get('EXPOSE')}`);
  });

  it('production deploy files — compose builds that image next to a NATS with JetStream', () => {
    const compose = parse(read('packages/runner/docker-compose.yml'));
    expect(compose.services.runner.build).toEqual({
      context: '../..',
      dockerfile: 'packages/runner/Dockerfile',
    });
    expect(compose.services.nats.command).toContain('-js');
    expect(compose.services.runner.environment.NATS_URL).toBe('nats://nats:4222');
  });

  it('production deploy files — the build context leaves out what the host built and herald dev keeps', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.herald']) expect(ignored).toContain(entry);
  });
});
