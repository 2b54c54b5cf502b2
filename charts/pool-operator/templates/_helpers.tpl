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
The operator's API calls in the namespaces it watches, and nothing more: no wildcards, no verb it does not
call (the end-to-end test compares the server's audit of the operator's identity with these rules).
It works from watches, so it never gets single objects; it writes grants and budget status with patches.
Leases are not here: leader election gets its own Role in the lease's namespace. Secrets are not here
either: the operator reads only the Secrets that serverRefSecrets names (see server-secrets-rbac.yaml).
*/}}
{{- define "pool-operator.watchRules" -}}
- apiGroups: ["pooloperator.io"]
  resources: ["databasebudgets"]
  verbs: ["list", "watch"]
- apiGroups: ["pooloperator.io"]
  resources: ["databasebudgets/status"]
  verbs: ["patch"]
- apiGroups: ["pooloperator.io"]
  resources: ["connectiongrants"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["list", "watch"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["list", "watch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/*
What the in-app agent calls in its namespace: it lists and watches its own grant (a field selector on the
name) and acknowledges with a merge patch of the status. RBAC cannot narrow this to the pod's own grant:
docs/install.md explains, with a ValidatingAdmissionPolicy that can.
*/}}
{{- define "pool-operator.agentRules" -}}
- apiGroups: ["pooloperator.io"]
  resources: ["connectiongrants"]
  verbs: ["list", "watch"]
- apiGroups: ["pooloperator.io"]
  resources: ["connectiongrants/status"]
  verbs: ["patch"]
{{- end }}
