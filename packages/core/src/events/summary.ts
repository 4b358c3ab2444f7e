import { categoryOf, type EventData, type EventType } from './catalogue.js';
import type { HeraldEvent } from './envelope.js';

/** How an event should look to a person: chat providers map it to colours or emoji. */
export type Severity = 'success' | 'failure' | 'progress' | 'alert' | 'info';

export interface SummaryField {
  label: string;
  value: string;
}

/**
 * The provider-neutral, human reading of an event: what Slack, Discord and Teams all
 * render, each in its own format. One place decides the wording, so the three agree.
 */
export interface EventSummary {
  title: string;
  text: string;
  severity: Severity;
  fields: SummaryField[];
  url: string | null;
  /** Project name, or the team for team-wide events. */
  scope: string;
  occurredAt: string;
}

function severityOf(type: EventType): Severity {
  const action = type.slice(type.indexOf(':') + 1);
  if (categoryOf(type) === 'alert') return 'alert';
  if (type === 'integration:recovered' || type === 'integration:connected') return 'success';
  if (type === 'integration:test') return 'info';
  if (type === 'integration:failing' || type === 'integration:disabled') return 'failure';
  if (['success', 'payment-succeeded'].includes(action)) return 'success';
  if (['failure', 'abort', 'payment-failed'].includes(action)) return 'failure';
  if (action === 'start') return 'progress';
  return 'info';
}

const ACTION_WORDS: Record<string, string> = {
  start: 'started',
  success: 'succeeded',
  failure: 'failed',
  abort: 'was aborted',
};

const METRIC_LABELS: Record<string, string> = { cpu: 'CPU', memory: 'Memory', disk: 'Disk' };

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function money(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

type Parts = Pick<EventSummary, 'title' | 'text' | 'fields' | 'url'>;

/** `['*']` → "every event"; else the patterns as the user wrote them. */
export function describeEventPatterns(events: readonly string[]): string {
  if (events.includes('*')) return 'every event';
  return events.map((e) => (e.endsWith(':*') ? `every ${e.slice(0, -2)} event` : e)).join(', ');
}

/** `null` → "all projects"; else the project ids. */
export function describeProjects(projects: readonly string[] | null): string {
  if (projects === null) return 'all projects';
  return `${projects.length === 1 ? 'project' : 'projects'} ${projects.join(', ')}`;
}

function describeTest(d: EventData<'integration:test'>): Parts {
  return {
    title: `Test notification from Herald for ${d.integration.name}`,
    text: `This is a test, not a real event: Herald can reach ${d.integration.name} (${d.integration.type}).`,
    fields: [
      { label: 'Integration', value: d.integration.id },
      { label: 'Requested', value: d.requestedAt },
    ],
    url: null,
  };
}

function describeConnected(d: EventData<'integration:connected'>): Parts {
  const events = describeEventPatterns(d.events);
  const projects = describeProjects(d.projects);
  const where =
    d.settingsUrl ??
    `integration ${d.integration.id} in Herald's dashboard (or PATCH /v1/integrations/${d.integration.id})`;
  return {
    title: `Herald is connected: ${d.integration.name}`,
    text: `${d.integration.name} is connected to Herald. It will receive ${events} from ${projects}. To change that, edit ${where}.`,
    fields: [
      { label: 'Events', value: events },
      { label: 'Projects', value: projects },
      { label: 'Change at', value: where },
    ],
    url: d.settingsUrl,
  };
}

function describe(event: HeraldEvent): Parts {
  const type = event.event;
  const action = type.slice(type.indexOf(':') + 1);
  const words = ACTION_WORDS[action] ?? action.replaceAll('-', ' ');
  switch (categoryOf(type)) {
    case 'build': {
      const d = event.data as EventData<'build:start'>;
      return {
        title: `Build ${words}: ${d.service.name}`,
        text: `Build ${d.build.id} of ${d.service.name} on ${d.build.branch} ${words}.`,
        fields: [
          { label: 'Branch', value: d.build.branch },
          { label: 'Commit', value: d.build.sha.slice(0, 7) },
          { label: 'Status', value: d.build.status },
          ...(d.build.pullRequestId === null
            ? []
            : [{ label: 'Pull request', value: `#${d.build.pullRequestId}` }]),
          ...(d.user ? [{ label: 'By', value: d.user.name ?? d.user.id }] : []),
        ],
        url: d.build.url ?? null,
      };
    }
    case 'deployment': {
      const d = event.data as EventData<'deployment:start'>;
      return {
        title: `Deployment ${words}: ${d.service.name}`,
        text: `Deployment ${d.deployment.id} of ${d.service.name} ${words}.`,
        fields: [
          { label: 'Image', value: d.deployment.image },
          { label: 'Status', value: d.deployment.status },
          ...(d.user ? [{ label: 'By', value: d.user.name ?? d.user.id }] : []),
        ],
        url: d.deployment.url ?? null,
      };
    }
    case 'job-run': {
      const d = event.data as EventData<'job-run:start'>;
      return {
        title: `Job run ${words}: ${d.job.name}`,
        text: `Run ${d.run.id} of job ${d.job.name} ${words}.`,
        fields: [
          { label: 'Status', value: d.run.status },
          { label: 'Exit code', value: d.run.exitCode === null ? '—' : String(d.run.exitCode) },
        ],
        url: d.run.url ?? null,
      };
    }
    case 'backup': {
      const d = event.data as EventData<'backup:start'>;
      return {
        title: `Backup ${words}: ${d.addon.name}`,
        text: `Backup ${d.backup.id} of ${d.addon.name} ${words}.`,
        fields: [
          { label: 'Status', value: d.backup.status },
          { label: 'Size', value: formatBytes(d.backup.sizeBytes) },
        ],
        url: d.backup.url ?? null,
      };
    }
    case 'billing': {
      const d = event.data as EventData<'billing:invoice-created'>;
      const title = {
        'invoice-created': 'Invoice created',
        'payment-succeeded': 'Payment succeeded',
        'payment-failed': 'Payment failed',
      }[action];
      return {
        title: `${title ?? action}: ${money(d.invoice.amountCents, d.invoice.currency)}`,
        text: `${title ?? action} for invoice ${d.invoice.id} of ${d.team.name} (${money(d.invoice.amountCents, d.invoice.currency)}).`,
        fields: [
          { label: 'Invoice', value: d.invoice.id },
          { label: 'Amount', value: money(d.invoice.amountCents, d.invoice.currency) },
          { label: 'Status', value: d.invoice.status },
          ...(d.invoice.dueAt ? [{ label: 'Due', value: d.invoice.dueAt.slice(0, 10) }] : []),
        ],
        url: d.invoice.url ?? null,
      };
    }
    case 'alert': {
      if (type === 'alert:container-crashed') {
        const d = event.data as EventData<'alert:container-crashed'>;
        return {
          title: `Container crashed: ${d.resource.name}`,
          text: d.alert.message,
          fields: [
            { label: 'Severity', value: d.alert.severity },
            { label: 'Container', value: d.resource.id },
            { label: 'Reason', value: d.container.reason },
            { label: 'Exit code', value: d.container.exitCode === null ? '—' : String(d.container.exitCode) },
            { label: 'Restarts', value: String(d.container.restarts) },
          ],
          url: d.alert.url ?? null,
        };
      }
      const d = event.data as EventData<'alert:cpu-high'>;
      return {
        title: `${{ 'cpu-high': 'CPU high', 'memory-high': 'Memory high', 'volume-space-low': 'Volume space low' }[action] ?? action}: ${d.resource.name}`,
        text: d.alert.message,
        fields: [
          { label: 'Severity', value: d.alert.severity },
          {
            label: METRIC_LABELS[d.metric.name] ?? d.metric.name,
            value: `${d.metric.value} ${d.metric.unit}`,
          },
          { label: 'Threshold', value: `${d.metric.threshold} ${d.metric.unit}` },
          { label: capitalize(d.resource.kind), value: d.resource.id },
        ],
        url: d.alert.url ?? null,
      };
    }
    default: {
      if (type === 'integration:test') return describeTest(event.data as EventData<'integration:test'>);
      if (type === 'integration:connected')
        return describeConnected(event.data as EventData<'integration:connected'>);
      const d = event.data as EventData<'integration:failing'>;
      return {
        title: `Integration ${d.state === 'healthy' ? 'recovered' : d.state}: ${d.integration.name}`,
        text: `Integration ${d.integration.name} (${d.integration.type}) went from ${d.previousState} to ${d.state}: ${d.reason}.`,
        fields: [
          { label: 'Integration', value: d.integration.id },
          { label: 'State', value: d.state },
          { label: 'Reason', value: d.reason },
        ],
        url: null,
      };
    }
  }
}

/** The human reading of one event (title, one-line text, key facts, link, severity). */
export function summarize(event: HeraldEvent): EventSummary {
  const data = event.data as { project?: { name: string }; team?: { name: string } };
  return {
    ...describe(event),
    severity: severityOf(event.event),
    scope: data.project?.name ?? data.team?.name ?? event.teamId,
    occurredAt: event.occurredAt,
  };
}
