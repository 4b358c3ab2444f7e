import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

// Rendered manifests checked against the Kubernetes API's schemas: kubernetes-models'
// validators are compiled (ajv) from the Kubernetes OpenAPI document (and the Prometheus
// Operator's CRDs for ServiceMonitor). They check types, required fields, enums and formats;
// like the OpenAPI document they allow unknown fields, so the chart's test reads the fields it
// relies on by name. Names and labels are checked here as the API server does, which the
// schemas leave to it.

interface Model {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Model> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 Secret': Secret,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor,
};

/** A DNS-1035 label, what a Service's name must be (and so the stricter rule for the others). */
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** A label value: 63 characters at most, alphanumeric at both ends. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The problems of one manifest (empty when it is valid). */
export function kubernetesProblems(object: Record<string, unknown>): string[] {
  const key = `${object.apiVersion} ${object.kind}`;
  const Model = MODELS[key];
  if (!Model) return [`no schema for ${key}`];
  const problems: string[] = [];
  try {
    new Model(object as never).validate();
  } catch (err) {
    problems.push(`${key}: ${(err as Error).message}`);
  }
  const metadata = (object.metadata ?? {}) as { name?: unknown; labels?: Record<string, unknown> };
  const name = String(metadata.name);
  if (!DNS_LABEL.test(name) || name.length > 63)
    problems.push(`${key}: name ${JSON.stringify(name)} is not a DNS label`);
  for (const [label, value] of Object.entries(metadata.labels ?? {})) {
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value))
      problems.push(`${key}: label ${label}=${JSON.stringify(value)} is not a label value`);
  }
  return problems;
}
