{{/* Names, labels and the small pieces shared by the bridge and the agent pools. */}}

{{- define "attune-temporal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped base name, at most 63 characters (DNS label). */}}
{{- define "attune-temporal.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "attune-temporal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "attune-temporal.labels" -}}
helm.sh/chart: {{ include "attune-temporal.chart" . }}
{{ include "attune-temporal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: attune
{{- end }}

{{- define "attune-temporal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "attune-temporal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* image: repository:tag, the tag defaulting to the chart's appVersion. Call with (dict "image" X "root" $). */}}
{{- define "attune-temporal.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}

{{- define "attune-temporal.secretName" -}}
{{- required "secrets.existingSecret must name the Secret holding the bridge's credentials and the codec keys" .Values.secrets.existingSecret }}
{{- end }}

{{- define "attune-temporal.agentSecretName" -}}
{{- default (include "attune-temporal.secretName" .) .Values.secrets.agentExistingSecret }}
{{- end }}

{{- define "attune-temporal.artifactsClaim" -}}
{{- default (printf "%s-artifacts" (include "attune-temporal.fullname" .)) .Values.artifacts.existingClaim }}
{{- end }}

{{/* Temporal connection settings, identical for the bridge and the agents. */}}
{{- define "attune-temporal.temporalEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address is required (host:port of the Temporal frontend)" .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
{{- with .Values.temporal.bridgeQueue }}
- name: ATTUNE_TEMPORAL_BRIDGE_QUEUE
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/* An env entry read from a Secret key. Call with (list name secret key optional). */}}
{{- define "attune-temporal.secretEnv" -}}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ index . 1 }}
      key: {{ index . 2 }}
      {{- if index . 3 }}
      optional: true
      {{- end }}
{{- end }}

{{/* A labels map as ATTUNE__WORKER__LABELS wants it: k=v,k2=v2 (sorted, so the rendering is stable). */}}
{{- define "attune-temporal.labelList" -}}
{{- $pairs := list }}
{{- range $k, $v := . }}
{{- $pairs = append $pairs (printf "%s=%v" $k $v) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{/*
A map with an overlay's top-level keys replacing the base's, as YAML. Call with (list base overlay). Unlike sprig's
merge, a false or 0 in the overlay wins (runAsNonRoot: false, runAsUser: 0 must be expressible per pool).
*/}}
{{- define "attune-temporal.overlay" -}}
{{- $out := deepCopy (index . 0 | default dict) }}
{{- range $k, $v := (index . 1 | default dict) }}
{{- $_ := set $out $k $v }}
{{- end }}
{{- toYaml $out }}
{{- end }}
