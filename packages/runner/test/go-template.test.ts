import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { helmFunctions } from './support/helm/functions.js';
import { parseTemplate, TemplateRunner, type Templates } from './support/helm/go-template.js';

// The Go-template subset that renders the Helm chart in helm-chart.test.ts: each case is what
// Go's text/template (with Helm's functions) gives for the same template and data.

function run(source: string, data: unknown = {}, defines = ''): string {
  const templates: Templates = new Map();
  parseTemplate(defines, '_helpers.tpl', templates);
  parseTemplate(source, 't.yaml', templates);
  const toYaml = (v: unknown) => stringify(v, { sortMapEntries: true }).replace(/\n$/, '');
  return new TemplateRunner(templates, helmFunctions(toYaml)).execute('t.yaml', data);
}

describe('go-template — as Go renders it', () => {
  it.each([
    ['a  {{- "b" -}}  \n c', {}, 'abc'],
    ['{{/* a comment */}}x{{- /* another */}}', {}, 'x'],
    ['{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}', { b: 1 }, 'B'],
    ['{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}', { a: [], b: '' }, 'C'],
    ['{{ with .user }}{{ .name }}{{ else }}nobody{{ end }}', { user: { name: 'ada' } }, 'ada'],
    ['{{ with .user }}{{ .name }}{{ else }}nobody{{ end }}', { user: {} }, 'nobody'],
    ['{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } }, 'a=1;b=2;'],
    ['{{ range .l }}{{ . }}{{ $.sep }}{{ else }}none{{ end }}', { l: ['x', 'y'], sep: ',' }, 'x,y,'],
    ['{{ range .l }}{{ . }}{{ else }}none{{ end }}', { l: [] }, 'none'],
    [
      '{{ or .missing "fallback" }}|{{ and 1 0 }}|{{ and false (fail "not evaluated") }}',
      {},
      'fallback|0|false',
    ],
    [
      '{{ $n := default "nats" .name }}{{ printf "%s-%s" .release $n | trunc 7 }}',
      { release: 'prod' },
      'prod-na',
    ],
    ['{{ .missing }}|{{ .count }}|{{ eq .name "a" "b" }}', { count: 3, name: 'b' }, '|3|true'],
    ['x:{{ toYaml .m | nindent 2 }}', { m: { b: [1], a: 'v' } }, 'x:\n  a: v\n  b:\n    - 1'],
    ['{{ include "greet" . | quote }}', { who: 'ada' }, '"hi ada"'],
  ])('go-template — %j with %j gives %j', (source, data, expected) => {
    expect(run(source, data, '{{- define "greet" -}}hi {{ .who }}{{- end }}')).toBe(expected);
  });

  it.each([
    ['{{ .a.b }}', 'nil pointer evaluating interface {}.b'],
    ['{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}', 'undefined variable "$x"'],
    ['{{ nosuch 1 }}', 'function "nosuch" not defined'],
    ['{{ eq 1 "1" }}', 'incompatible types for comparison'],
    ['{{ if true }}open', 'missing {{ end }}'],
    ['{{ .m }}', 'use toYaml'],
    ['{{ fail "stop here" }}', 'execution error: stop here'],
    ['{{ .a ) }}', 'unexpected ")"'],
    ['{{ if .a }}a{{ else with .b }}b{{ end }}', 'unsupported {{ else with .b }}'],
    ['{{ template "greet" . }}', 'function "template" not defined'],
  ])('go-template — %j is an error (%s)', (source, message) => {
    expect(() => run(source, { m: { a: 1 } })).toThrow(message);
  });
});
