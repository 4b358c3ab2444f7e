import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_SCHEMA } from '../src/config/config.js';
import { type Manifest, renderChart } from './support/helm/chart.js';
import { kubernetesProblems } from './support/helm/kubernetes-schemas.js';

// deploy/helm/herald rendered without helm (support/helm/: the Go-template subset the chart
// keeps to), each manifest checked against the Kubernetes schemas, then read for what a
// runner in a pod needs: probes on its port, 0.0.0.0, its pod's name as runner id, NATS, secrets
// from a Secret, not root.

const CHART = fileURLToPath(new URL('../../../deploy/helm/herald', import.meta.url));
const RUNNER = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// biome-ignore lint/suspicious/noExplicitAny: tests read into the rendered manifests freely
type Json = Record<string, any>;

function render(values: Json = {}, releaseName = 'prod'): Manifest[] {
  const { manifests } = renderChart(CHART, { releaseName, namespace: 'herald', values });
  for (const { file, object } of manifests) expect(kubernetesProblems(object), file).toEqual([]);
  return manifests;
}

function only(manifests: Manifest[], kind: string): Json {
  const found = manifests.filter((m) => m.object.kind === kind);
  expect(
    found.map((m) => m.file),
    `one ${kind}`,
  ).toHaveLength(1);
  return (found[0] as Manifest).object;
}

function runnerContainer(manifests: Manifest[]): Json {
  const containers = only(manifests, 'Deployment').spec.template.spec.containers as Json[];
  expect(containers.map((c) => c.name)).toEqual(['runner']);
  return containers[0] as Json;
}

function envOf(container: Json): Map<string, Json> {
  const env = container.env as Json[];
  const names = env.map((e) => e.name as string);
  expect(new Set(names).size, `no variable twice: ${names}`).toBe(names.length);
  return new Map(env.map((e) => [e.name as string, e]));
}

const OPTIONS = {
  replicaCount: 3,
  secrets: { existingSecret: 'herald-credentials' },
  nats: { enabled: false, url: 'nats://nats-0.nats:4222,nats://nats-1.nats:4222' },
  metrics: { serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } } },
  env: { HERALD_REPLICAS: '1', HERALD_PUBLIC_URL: 'https://herald.example.com' },
  containerPort: 9090,
};

describe('Helm chart — Chart.yaml and values', () => {
  it('helm chart — appVersion is the runner package version, NATS is the official chart when enabled', () => {
    const chart = parse(readFileSync(`${CHART}/Chart.yaml`, 'utf8'));
    expect(chart.apiVersion).toBe('v2');
    expect(chart.appVersion).toBe(RUNNER.version);
    expect(chart.dependencies).toEqual([
      expect.objectContaining({
        name: 'nats',
        repository: 'https://nats-io.github.io/k8s/helm/charts/',
        condition: 'nats.enabled',
      }),
    ]);
    const values = parse(readFileSync(`${CHART}/values.yaml`, 'utf8'));
    expect(values.nats.enabled).toBe(true);
    expect(values.nats.config.jetstream.enabled).toBe(true);
    // Streams with 3 replicas need a NATS cluster of 3.
    expect(values.nats.config.cluster.replicas).toBeGreaterThanOrEqual(Number(values.env.HERALD_REPLICAS));
  });
});

describe('Helm chart — default values', () => {
  const manifests = render();
  const container = runnerContainer(manifests);
  const env = envOf(container);

  it('helm chart — renders a Deployment, a Service and a PodDisruptionBudget, no Secret or ServiceMonitor', () => {
    expect(manifests.map((m) => m.object.kind).sort()).toEqual([
      'Deployment',
      'PodDisruptionBudget',
      'Service',
    ]);
  });

  it('helm chart — probes /healthz and /readyz on the port the runner listens on, on every address', () => {
    const port = container.ports.find((p: Json) => p.name === container.readinessProbe.httpGet.port);
    expect(port.containerPort).toBe(Number(env.get('HERALD_PORT')?.value));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: port.name });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: port.name });
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    expect(env.get('HERALD_HOST')?.value).toBe('0.0.0.0');
    expect(container.args).toEqual(['start']);
  });

  it("helm chart — each runner's id is its pod's name", () => {
    expect(env.get('HERALD_RUNNER_ID')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(only(manifests, 'Deployment').spec.replicas).toBe(2);
  });

  it('helm chart — pod names are valid runner ids, also for a dotted or a long release name', () => {
    for (const release of ['prod', 'eu.prod', `r${'x'.repeat(52)}`]) {
      const name = only(render({}, release), 'Deployment').metadata.name as string;
      // A pod is named <deployment>-<template hash>-<5 random>, its base cut to 58 characters.
      const podName = `${`${name}-6f9c8d7b54-`.slice(0, 58)}x2k9q`;
      expect(ENV_SCHEMA.shape.HERALD_RUNNER_ID.safeParse(podName).success, podName).toBe(true);
    }
  });

  it("helm chart — NATS_URL is the bundled NATS chart's client Service", () => {
    // The NATS chart names its Service "<release>-nats" (or the release's name when it contains "nats").
    expect(env.get('NATS_URL')?.value).toBe('nats://prod-nats:4222');
    const inNatsRelease = envOf(runnerContainer(render({}, 'nats-herald')));
    expect(inNatsRelease.get('NATS_URL')?.value).toBe('nats://nats-herald:4222');
  });

  it('helm chart — runs as a non-root user on a read-only root filesystem', () => {
    const pod = only(manifests, 'Deployment').spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.limits.memory).toBeTruthy();
  });

  it('helm chart — the image is the runner at the chart appVersion, and the Service reaches its port', () => {
    expect(container.image).toBe(`herald-runner:${RUNNER.version}`);
    const deployment = only(manifests, 'Deployment');
    const service = only(manifests, 'Service');
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(container.ports.map((p: Json) => p.name)).toContain(service.spec.ports[0].targetPort);
    expect(container.envFrom).toBeUndefined();
  });
});

describe('Helm chart — an existing Secret, an external NATS, a ServiceMonitor', () => {
  const manifests = render(OPTIONS);
  const container = runnerContainer(manifests);
  const env = envOf(container);

  it('helm chart — reads the secret variables from the existing Secret and makes none', () => {
    expect(manifests.some((m) => m.object.kind === 'Secret')).toBe(false);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'herald-credentials' } }]);
  });

  it('helm chart — connects to the external NATS URLs and renders no NATS of its own', () => {
    expect(env.get('NATS_URL')?.value).toBe(OPTIONS.nats.url);
    expect(env.get('HERALD_REPLICAS')?.value).toBe('1');
    expect(env.get('HERALD_PUBLIC_URL')?.value).toBe('https://herald.example.com');
    expect(only(manifests, 'Deployment').spec.replicas).toBe(3);
  });

  it('helm chart — the probes and the Service follow containerPort', () => {
    expect(env.get('HERALD_PORT')?.value).toBe('9090');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet.port).toBe('http');
  });

  it('helm chart — the ServiceMonitor scrapes /metrics on the Service port, with the labels given', () => {
    const monitor = only(manifests, 'ServiceMonitor');
    const service = only(manifests, 'Service');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: service.spec.ports[0].name, path: '/metrics' }),
    ]);
  });
});

describe('Helm chart — secrets given as values', () => {
  const secretValue = `xoxe-${Math.random().toString(36).slice(2)}`;
  const manifests = render({ secrets: { env: { HERALD_SLACK_CLIENT_SECRET: secretValue } } });

  it('helm chart — puts them in a Secret the runners read, never in the Deployment', () => {
    const secret = only(manifests, 'Secret');
    expect(secret.stringData).toEqual({ HERALD_SLACK_CLIENT_SECRET: secretValue });
    expect(runnerContainer(manifests).envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
    expect(JSON.stringify(only(manifests, 'Deployment'))).not.toContain(secretValue);
  });

  it('helm chart — a NATS_URL with credentials may come from the Secret alone', () => {
    const url = 'nats://herald:pw@nats.example:4222';
    const env = envOf(
      runnerContainer(render({ nats: { enabled: false }, secrets: { env: { NATS_URL: url } } })),
    );
    expect(env.has('NATS_URL')).toBe(false);
  });
});

describe('Helm chart — refuses what cannot work', () => {
  it.each([
    [{ env: { HERALD_SLACK_CLIENT_SECRET: 'x' } }, /env.HERALD_SLACK_CLIENT_SECRET looks like a secret/],
    [{ env: { HERALD_RUNNER_ID: 'one' } }, /env.HERALD_RUNNER_ID is set by the chart/],
    [{ nats: { enabled: false } }, /no NATS/],
    [{ nats: { url: 'nats://elsewhere:4222' } }, /set nats.enabled=false/],
    [{ secrets: { existingSecret: 'mine', env: { HERALD_SLACK_CLIENT_SECRET: 'x' } } }, /exclusive/],
  ])('helm chart — %j fails the render', (values, message) => {
    expect(() => renderChart(CHART, { values })).toThrow(message);
  });
});
