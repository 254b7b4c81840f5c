{{/* The chart's name, or nameOverride. */}}
{{- define "slokit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object names: the release's name, with the chart's unless it holds it. */}}
{{- define "slokit.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "slokit.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "slokit.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "slokit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slokit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "slokit.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "slokit.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: deploy-gate
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The ConfigMap the specs come from: the user's, or the chart's own. */}}
{{- define "slokit.specsConfigMap" -}}
{{- .Values.specsConfigMap | default (printf "%s-specs" (include "slokit.fullname" .)) }}
{{- end }}

{{/* The Secret holding the token, when there is one. */}}
{{- define "slokit.tokenSecret" -}}
{{- if .Values.token.existingSecret }}{{ .Values.token.existingSecret }}
{{- else if .Values.token.value }}{{ printf "%s-token" (include "slokit.fullname" .) }}
{{- end }}
{{- end }}

{{- define "slokit.tokenKey" -}}
{{- if .Values.token.existingSecret }}{{ .Values.token.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/* The Secret holding the backend's URL and credentials, when there is a backend. */}}
{{- define "slokit.backendSecret" -}}
{{- if .Values.backend.existingSecret }}{{ .Values.backend.existingSecret }}
{{- else if .Values.backend.url }}{{ printf "%s-backend" (include "slokit.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The chart's settings that would make a broken or unsafe install fail at
`helm install` with a message, not later in the pod.
*/}}
{{/* Replicas: as set, else two with a shared store and one without. */}}
{{- define "slokit.replicas" -}}
{{- if kindIs "invalid" .Values.replicaCount }}{{ if .Values.store.existingSecret }}2{{ else }}1{{ end }}
{{- else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}

{{- define "slokit.validate" -}}
{{- if and (gt (int (include "slokit.replicas" .)) 1) (not .Values.store.existingSecret) }}
{{- fail "replicaCount: without store.existingSecret, slokit serve keeps overrides and the audit log in its pod's data folder, so more than one replica would answer the same gate check differently; run one, or give the replicas a PostgreSQL store" }}
{{- end }}
{{- if and .Values.token.value (lt (len .Values.token.value) 16) }}
{{- fail "token.value: the token needs at least 16 characters" }}
{{- end }}
{{- if not (has .Values.backend.auth.type (list "none" "bearer" "basic")) }}
{{- fail (printf "backend.auth.type: %q is not none, bearer or basic" .Values.backend.auth.type) }}
{{- end }}
{{- if and (ne .Values.backend.auth.type "none") (not (include "slokit.backendSecret" .)) }}
{{- fail "backend.auth.type: auth needs a backend (backend.url or backend.existingSecret)" }}
{{- end }}
{{- if and (eq .Values.backend.auth.type "basic") (not .Values.backend.auth.username) }}
{{- fail "backend.auth.username: basic auth needs a user" }}
{{- end }}
{{- if and (ne .Values.backend.auth.type "none") (not .Values.backend.existingSecret) (not .Values.backend.credential) }}
{{- fail (printf "backend.credential: %s auth needs a credential (or backend.existingSecret with the key credential)" .Values.backend.auth.type) }}
{{- end }}
{{- if and .Values.specs .Values.specsConfigMap }}
{{- fail "specs and specsConfigMap: give one, not both" }}
{{- end }}
{{- if and .Values.discover (not (include "slokit.backendSecret" .)) }}
{{- fail "discover: the SLOs are discovered in a backend (backend.url or backend.existingSecret); the demo needs specs" }}
{{- end }}
{{- if and .Values.discover (or .Values.specs .Values.specsConfigMap) }}
{{- fail "discover: the SLOs come from the backend; give no specs or specsConfigMap" }}
{{- end }}
{{- if and (not (include "slokit.backendSecret" .)) (not .Values.demo.enabled) }}
{{- fail "backend: slokit serve needs the Prometheus-compatible API that evaluates slokit's rules: set backend.url (or backend.existingSecret, a Secret with the key url); or set demo.enabled=true to run the specs' rules on the embedded engine over synthetic traffic, a demo, not a gate" }}
{{- end }}
{{- if and (include "slokit.backendSecret" .) .Values.demo.enabled }}
{{- fail "demo.enabled: the demo plays synthetic traffic instead of reading the backend; set backend or demo.enabled, not both" }}
{{- end }}
{{- end }}
