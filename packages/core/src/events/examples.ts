import { EVENT_TYPES, type EventData, type EventType, isTeamWideType } from './catalogue.js';
import { type HeraldEvent, TEAM_SCOPE } from './envelope.js';

// Realistic example data for every catalogue type: used by tests, golden files, the
// API's test notifications and the documentation.
const at = '2026-11-27T09:04:40.916Z';
const project = { id: 'personal-blog', name: 'Personal Blog' };
const service = { id: 'website', name: 'Website' };
const user = { id: 'thomas', name: 'Thomas' };
const base = 'https://app.example.com/acme/personal-blog';

function build(status: string, concluded: boolean) {
  return {
    build: {
      id: 'social-hour-1312',
      branch: 'master',
      pullRequestId: null,
      status,
      sha: 'ca624abed0d5ba0ad6e6fe28c396196b81f0200d',
      concluded,
      createdAt: at,
      url: `${base}/services/website/builds/social-hour-1312`,
    },
    service,
    project,
    user,
  };
}

function deployment(status: string, concluded: boolean) {
  return {
    deployment: {
      id: 'deploy-7f3a',
      image: 'registry.example.com/acme/website:ca624ab',
      status,
      concluded,
      createdAt: at,
      url: `${base}/services/website/deployments/deploy-7f3a`,
    },
    service,
    project,
    user,
  };
}

function jobRun(status: string, exitCode: number | null, concluded: boolean) {
  return {
    job: { id: 'nightly-report', name: 'Nightly report' },
    run: {
      id: 'run-5521',
      status,
      exitCode,
      startedAt: at,
      concluded,
      url: `${base}/jobs/nightly-report/runs/run-5521`,
    },
    project,
    user,
  };
}

function backup(status: string, sizeBytes: number | null) {
  return {
    backup: {
      id: 'backup-2026-11-27',
      status,
      sizeBytes,
      createdAt: at,
      url: `${base}/addons/db/backups/backup-2026-11-27`,
    },
    addon: { id: 'db', name: 'Postgres' },
    project,
  };
}

function billing(status: string) {
  return {
    invoice: {
      id: 'in_1QxT7p',
      amountCents: 4900,
      currency: 'USD',
      status,
      dueAt: '2026-12-04T00:00:00.000Z',
      url: 'https://app.example.com/acme/billing/invoices/in_1QxT7p',
    },
    team: { id: 'acme', name: 'Acme Inc.' },
  };
}

function metricAlert(name: string, value: number, threshold: number, unit: string, message: string) {
  return {
    alert: { severity: 'warning' as const, message, url: `${base}/services/website/metrics` },
    resource: {
      kind: name === 'disk' ? ('volume' as const) : ('container' as const),
      id: 'website-6d9f7-x2x4q',
      name: 'website',
    },
    metric: { name, value, threshold, unit },
    project,
  };
}

function integration(
  state: 'healthy' | 'failing' | 'disabled',
  previousState: 'healthy' | 'failing' | 'disabled',
  reason: string,
) {
  return {
    integration: { id: 'int_01JD2Z5S8K4M3XQ7', name: 'Ops webhook', type: 'webhook' },
    state,
    previousState,
    reason,
    since: at,
  };
}

const EXAMPLES: { [T in EventType]: EventData<T> } = {
  'build:start': build('STARTING', false),
  'build:success': build('SUCCESS', true),
  'build:failure': build('FAILURE', true),
  'build:abort': build('ABORTED', true),
  'deployment:start': deployment('STARTING', false),
  'deployment:success': deployment('SUCCESS', true),
  'deployment:failure': deployment('FAILURE', true),
  'job-run:start': jobRun('RUNNING', null, false),
  'job-run:success': jobRun('SUCCESS', 0, true),
  'job-run:failure': jobRun('FAILURE', 1, true),
  'backup:start': backup('IN_PROGRESS', null),
  'backup:success': backup('COMPLETED', 734_003_200),
  'backup:failure': backup('FAILED', null),
  'billing:invoice-created': billing('open'),
  'billing:payment-succeeded': billing('paid'),
  'billing:payment-failed': billing('payment_failed'),
  'alert:container-crashed': {
    alert: {
      severity: 'critical',
      message: 'Container website-6d9f7-x2x4q exited with code 137 (OOMKilled)',
      url: `${base}/services/website/containers`,
    },
    resource: { kind: 'container', id: 'website-6d9f7-x2x4q', name: 'website' },
    container: { exitCode: 137, reason: 'OOMKilled', restarts: 3 },
    project,
  },
  'alert:cpu-high': metricAlert('cpu', 97.5, 90, '%', 'CPU usage of website is 97.5% (threshold 90%)'),
  'alert:memory-high': metricAlert(
    'memory',
    1890,
    1800,
    'MiB',
    'Memory usage of website is 1890 MiB (threshold 1800 MiB)',
  ),
  'alert:volume-space-low': metricAlert('disk', 93, 90, '%', 'Volume data is 93% full (threshold 90%)'),
  'integration:failing': integration('failing', 'healthy', 'HTTP 503 from the endpoint'),
  'integration:disabled': integration('disabled', 'failing', 'failing for 72h after 5 failed deliveries'),
  'integration:recovered': integration('healthy', 'failing', 'a delivery succeeded'),
  'integration:test': {
    integration: { id: 'int_01JD2Z5S8K4M3XQ7', name: 'Ops webhook', type: 'webhook' },
    requestedAt: at,
  },
  'integration:connected': {
    integration: { id: 'int_01JD2Z5S8K4M3XQ7', name: 'Ops webhook', type: 'webhook' },
    events: ['build:failure', 'deployment:*'],
    projects: ['personal-blog'],
    settingsUrl: 'https://herald.example.com/#/integrations/int_01JD2Z5S8K4M3XQ7/edit',
  },
};

/** A realistic example event of `type`, with optional envelope overrides. */
export function exampleEvent<T extends EventType>(
  type: T,
  overrides: Partial<Omit<HeraldEvent<T>, 'event'>> = {},
): HeraldEvent<T> {
  const teamWide = isTeamWideType(type);
  return {
    id: `evt_example_${type.replace(':', '_')}`,
    event: type,
    occurredAt: at,
    teamId: 'acme',
    projectId: teamWide ? TEAM_SCOPE : project.id,
    data: structuredClone(EXAMPLES[type]),
    ...overrides,
  };
}

/** One example event of every catalogue type. */
export function exampleEvents(): HeraldEvent[] {
  return EVENT_TYPES.map((type) => exampleEvent(type));
}
