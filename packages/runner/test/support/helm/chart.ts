import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { helmFunctions } from './functions.js';
import { parseTemplate, TemplateRunner, type Templates } from './go-template.js';

// `helm template` for one chart, without helm: Chart.yaml and values.yaml read as helm does,
// the values given merged over the defaults, every template under templates/ rendered, and the
// output split into YAML documents. Subcharts (charts/) are not rendered: `helm dependency build`
// needs the network, and the NATS chart is tested by its own project.

/** One rendered manifest: the template file it came from and the parsed object. */
export interface Manifest {
  file: string;
  object: Record<string, unknown>;
}

export interface Rendered {
  manifests: Manifest[];
  notes: string;
}

export interface RenderOptions {
  releaseName?: string;
  namespace?: string;
  /** Merged over values.yaml as `-f` does: maps merge, anything else replaces, null deletes. */
  values?: Record<string, unknown>;
}

/** Deep-merges `over` onto `base` as helm coalesces user values onto a chart's defaults. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = mergeValues(base[key], value);
  }
  return out;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Chart.yaml's fields as templates see them: `.Chart.Name`, `.Chart.AppVersion`, … */
function chartObject(chartYaml: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(chartYaml).map(([k, v]) => [k[0]?.toUpperCase() + k.slice(1), v]));
}

/** Renders the chart in `dir` with `options`, like `helm template <release> <dir> -f values`. */
export function renderChart(dir: string, options: RenderOptions = {}): Rendered {
  const chartYaml = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8'));
  const defaults = parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) ?? {};
  const context = {
    Values: mergeValues(defaults, options.values ?? {}),
    Chart: chartObject(chartYaml),
    Release: {
      Name: options.releaseName ?? 'herald',
      Namespace: options.namespace ?? 'default',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
  };
  const files = readdirSync(join(dir, 'templates')).sort();
  const templates: Templates = new Map();
  for (const file of files)
    parseTemplate(readFileSync(join(dir, 'templates', file), 'utf8'), file, templates);
  const runner = new TemplateRunner(templates, helmFunctions(toYaml));
  const manifests: Manifest[] = [];
  for (const file of files.filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('_'))) {
    const text = runner.execute(file, context);
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}\n${text}`);
      const object = document.toJS();
      if (object === null || object === undefined) continue;
      if (!isMap(object)) throw new Error(`${file}: a document that is not a map:\n${text}`);
      manifests.push({ file, object });
    }
  }
  const notes = files.includes('NOTES.txt') ? runner.execute('NOTES.txt', context) : '';
  return { manifests, notes };
}

/** Helm's toYaml: keys sorted (as Go's JSON marshalling orders them), no trailing newline. */
function toYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}
