{{/* The chart's name, overridable. */}}
{{- define "pool-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name of the operator's objects. */}}
{{- define "pool-operator.fullname" -}}
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

{{/* chart-version, as the helm.sh/chart label wants it. */}}
{{- define "pool-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels that select the operator's pods; they never change across upgrades. */}}
{{- define "pool-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pool-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The recommended app.kubernetes.io labels, on every object, without the component. */}}
{{- define "pool-operator.commonLabels" -}}
helm.sh/chart: {{ include "pool-operator.chart" . }}
{{ include "pool-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: pool-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The labels of the operator's own objects. */}}
{{- define "pool-operator.labels" -}}
{{ include "pool-operator.commonLabels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{/* The operator's ServiceAccount name. */}}
{{- define "pool-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pool-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: a digest wins over a tag; the tag defaults to the appVersion. */}}
{{- define "pool-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The namespace of the leader-election Lease. */}}
{{- define "pool-operator.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.leaseNamespace }}
{{- end }}

{{/*
The operator's API calls in the namespaces it watches, and nothing more: no wildcards.
Leases are not here: leader election gets its own Role in the lease's namespace.
*/}}
{{- define "pool-operator.watchRules" -}}
- apiGroups: ["pooloperator.io"]
  resources: ["databasebudgets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["pooloperator.io"]
  resources: ["databasebudgets/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["pooloperator.io"]
  resources: ["connectiongrants"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/* What the in-app agent needs in its namespace: read its grants, acknowledge in their status. */}}
{{- define "pool-operator.agentRules" -}}
- apiGroups: ["pooloperator.io"]
  resources: ["connectiongrants"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["pooloperator.io"]
  resources: ["connectiongrants/status"]
  verbs: ["get", "update", "patch"]
{{- end }}
