{{/* Chart name, or nameOverride. */}}
{{- define "uao.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: fullnameOverride, or release name + chart name (once). */}}
{{- define "uao.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "uao.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "uao.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "uao.selectorLabels" -}}
app.kubernetes.io/name: {{ include "uao.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "uao.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "uao.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The metrics Service; with the chart's ServiceMonitor its name is also the scrape job's name. */}}
{{- define "uao.metricsServiceName" -}}
{{- printf "%s-metrics" (include "uao.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The job label the alerts select: prometheusRule.job, or the job the chart's ServiceMonitor gives the target. */}}
{{- define "uao.metricsJob" -}}
{{- default (include "uao.metricsServiceName" .) .Values.prometheusRule.job }}
{{- end }}

{{/*
Seconds in a Prometheus duration such as 30m or 1d12h: the alerts compare durations from
values with timestamps, and numbers work on every Prometheus version (duration literals in
arithmetic need Prometheus 3). values.schema.json admits only these units.
*/}}
{{- define "uao.seconds" -}}
{{- $perUnit := dict "s" 1 "m" 60 "h" 3600 "d" 86400 "w" 604800 }}
{{- $total := 0 }}
{{- range regexFindAll "[0-9]+[smhdw]" . -1 }}
{{- $unit := regexFind "[smhdw]$" . }}
{{- $total = add $total (mul (trimSuffix $unit . | atoi) (get $perUnit $unit)) }}
{{- end }}
{{- $total }}
{{- end }}

{{- define "uao.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "uao.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Namespaced mode: the operator watches only .Values.watchNamespaces and gets Roles there, nothing cluster-wide. */}}
{{- define "uao.namespaced" -}}
{{- if .Values.watchNamespaces }}true{{ end }}
{{- end }}

{{/*
What the operator does in every namespace it watches, and nothing more
(src/kube/*.ts, src/controllers/**). Cluster mode adds uao.clusterRules.
*/}}
{{- define "uao.namespacedRules" -}}
# Informers list and watch the namespaced kinds.
- apiGroups: ["accounts.unleash.dev"]
  resources: ["unleashconnections", "serviceaccounts", "serviceaccounttokens"]
  verbs: ["get", "list", "watch"]
# Finalizers are set and removed with a JSON patch on the resource itself
# (on connections: the in-use protection while resources use them).
- apiGroups: ["accounts.unleash.dev"]
  resources: ["unleashconnections", "serviceaccounts", "serviceaccounttokens"]
  verbs: ["patch"]
# Status is merge-patched through the status subresource only.
- apiGroups: ["accounts.unleash.dev"]
  resources: ["unleashconnections/status", "serviceaccounts/status", "serviceaccounttokens/status"]
  verbs: ["patch"]
# Token Secrets carry an ownerReference with blockOwnerDeletion to their
# ServiceAccountToken; clusters that enforce owner references require this.
- apiGroups: ["accounts.unleash.dev"]
  resources: ["serviceaccounttokens/finalizers"]
  verbs: ["update"]
# Admin-token and CA Secrets are read by name, and held by a finalizer (patch)
# while connections that read them are in use; token Secrets are listed and
# watched by label, created, replaced (update) and deleted.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Events on the resources; a repeated event is patched (count) instead of recreated.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
# spec.secret.rolloutRestartTargets: a restartedAt annotation on the pod template.
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: ["patch"]
{{- end }}

{{/* Cluster mode only: the cluster-scoped kind and namespace reads. */}}
{{- define "uao.clusterRules" -}}
- apiGroups: ["accounts.unleash.dev"]
  resources: ["clusterunleashconnections"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["accounts.unleash.dev"]
  resources: ["clusterunleashconnections/status"]
  verbs: ["patch"]
# kube-system's uid names the cluster when clusterName is unset; namespace
# labels (watched, so a label change takes effect at once) decide
# ClusterUnleashConnection spec.allowedNamespaces.selector.
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get", "list", "watch"]
{{- end }}
