{{/*
Helpers. The templates keep to the subset of Go templates and Helm functions listed in the
chart's README, which packages/runner/test/support/helm/ renders without helm.
*/}}

{{/* The chart's name. */}}
{{- define "herald.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's name for its objects, at most 63 characters. Dots become dashes: the pods'
names are the runners' ids (HERALD_RUNNER_ID), which allow letters, digits, "_" and "-".
*/}}
{{- define "herald.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | replace "." "-" | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | replace "." "-" | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | replace "." "-" | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "herald.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "herald.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "herald.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herald.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: runner
{{- end }}

{{/*
The bundled NATS's name, as the NATS chart makes it (its "nats.fullname"): its client
Service has this name.
*/}}
{{- define "herald.natsFullname" -}}
{{- if .Values.nats.fullnameOverride }}
{{- .Values.nats.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default "nats" .Values.nats.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
NATS_URL, when the chart knows it: the external URL, or the bundled NATS's Service. Empty when
it comes from the Secret.
*/}}
{{- define "herald.natsUrl" -}}
{{- if and .Values.nats.enabled .Values.nats.url }}
{{- fail "nats.url is for a NATS you run: set nats.enabled=false with it" }}
{{- else if .Values.nats.url }}
{{- .Values.nats.url }}
{{- else if .Values.nats.enabled }}
{{- printf "nats://%s:4222" (include "herald.natsFullname" .) }}
{{- else if not (or .Values.secrets.existingSecret (hasKey .Values.secrets.env "NATS_URL")) }}
{{- fail "no NATS: set nats.enabled=true, or nats.url, or NATS_URL in the Secret (secrets.env or secrets.existingSecret)" }}
{{- end }}
{{- end }}

{{/* The Secret the runners read their secret variables from; empty when there is none. */}}
{{- define "herald.secretName" -}}
{{- if and .Values.secrets.existingSecret .Values.secrets.env }}
{{- fail "secrets.existingSecret and secrets.env are exclusive: put the variables in your Secret" }}
{{- else if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else if .Values.secrets.env }}
{{- include "herald.fullname" . }}
{{- end }}
{{- end }}
