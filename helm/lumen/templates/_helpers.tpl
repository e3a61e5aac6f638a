{{/* Names, labels and the settings several templates share. */}}

{{- define "lumen.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<chart>, or the release name alone when it already contains the chart name. */}}
{{- define "lumen.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: <fullname>-<component>, within the 63 characters of a DNS label. */}}
{{- define "lumen.componentName" -}}
{{- printf "%s-%s" (include "lumen.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lumen.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of a component: stable for the life of the release (Deployments' selectors are immutable). */}}
{{- define "lumen.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lumen.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- with .pool }}
lumen.dev/pool: {{ . }}
{{- end }}
{{- end -}}

{{/* Standard labels of every resource; call with (dict "root" $ "component" "gateway" ["pool" name]). */}}
{{- define "lumen.labels" -}}
helm.sh/chart: {{ include "lumen.chart" .root }}
{{ include "lumen.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: lumen
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "lumen.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "lumen.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* registry/repository:tag; call with (dict "root" $ "image" .Values.gateway.image). */}}
{{- define "lumen.image" -}}
{{- $registry := default .root.Values.global.imageRegistry .image.registry -}}
{{- $tag := default .root.Chart.AppVersion .image.tag -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" $registry .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "lumen.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* A probe: an httpGet on path/port with the timings from values. */}}
{{- define "lumen.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
{{- end -}}

{{/* Kafka bootstrap.servers the services use. */}}
{{- define "lumen.kafkaBootstrap" -}}
{{- if eq .Values.kafka.mode "bundled" -}}
{{- printf "%s.%s.svc:9092" (include "lumen.componentName" (dict "root" . "component" "kafka")) .Release.Namespace -}}
{{- else -}}
{{- required "kafka.external.bootstrapServers is required when kafka.mode is external" .Values.kafka.external.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{/* S3 endpoint the services use. */}}
{{- define "lumen.s3Endpoint" -}}
{{- if eq .Values.objectStore.mode "bundled" -}}
{{- printf "http://%s.%s.svc:9000" (include "lumen.componentName" (dict "root" . "component" "s3")) .Release.Namespace -}}
{{- else -}}
{{- required "objectStore.external.endpoint is required when objectStore.mode is external" .Values.objectStore.external.endpoint -}}
{{- end -}}
{{- end -}}

{{- define "lumen.storageSecretName" -}}
{{- default (include "lumen.componentName" (dict "root" . "component" "storage")) .Values.objectStore.existingSecret -}}
{{- end -}}

{{- define "lumen.apiKeysSecretName" -}}
{{- default (include "lumen.componentName" (dict "root" . "component" "api-keys")) .Values.gateway.auth.existingSecret -}}
{{- end -}}

{{/* Environment variables of the S3 credentials, named as the worker reads them; call with (dict "root" $ "access" NAME "secret" NAME). */}}
{{- define "lumen.storageCredentialsEnv" -}}
- name: {{ .access }}
  valueFrom:
    secretKeyRef:
      name: {{ include "lumen.storageSecretName" .root }}
      key: access-key
- name: {{ .secret }}
  valueFrom:
    secretKeyRef:
      name: {{ include "lumen.storageSecretName" .root }}
      key: secret-key
{{- end -}}

{{/* Writable scratch space for a read-only root file system: the JVM, Netty and LWJGL unpack natives into /tmp. */}}
{{- define "lumen.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "lumen.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- end -}}

{{/*
A map merged into another: maps key by key (recursively), everything else (lists, scalars, null)
replaced whole. Unlike sprig's merge it keeps explicit false and 0 from the override. Returns JSON.
*/}}
{{- define "lumen.deepMerge" -}}
{{- $out := deepCopy .base -}}
{{- range $key, $value := .override -}}
{{- $current := get $out $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $current) -}}
{{- $_ := set $out $key (include "lumen.deepMerge" (dict "base" $current "override" $value) | fromJson) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
The worker pools with the defaults applied, checked: a JSON list of pool maps. Every template
that needs a pool goes through here, so a pool is the same everywhere.
*/}}
{{- define "lumen.pools" -}}
{{- $pools := list -}}
{{- $names := dict -}}
{{- $models := dict -}}
{{- range $index, $pool := .Values.workers.pools -}}
{{- $merged := include "lumen.deepMerge" (dict "base" $.Values.workers.defaults "override" $pool) | fromJson -}}
{{- if hasKey $names $merged.name -}}
{{- fail (printf "workers.pools[%d]: pool name %q is used twice" $index $merged.name) -}}
{{- end -}}
{{- if hasKey $models $merged.model.name -}}
{{- fail (printf "workers.pools[%d]: model %q is already served by pool %q (the scheduler routes each model to one pool)" $index $merged.model.name (get $models $merged.model.name)) -}}
{{- end -}}
{{- $_ := set $names $merged.name true -}}
{{- $_ := set $models $merged.model.name $merged.name -}}
{{- if le (int $merged.terminationGracePeriodSeconds) (add (int $merged.gracePeriodSeconds) 14 | int) -}}
{{- fail (printf "workers.pools[%d] (%s): terminationGracePeriodSeconds %d must exceed gracePeriodSeconds %d by at least 15 s, or a stopping worker is killed before it releases its task" $index $merged.name (int $merged.terminationGracePeriodSeconds) (int $merged.gracePeriodSeconds)) -}}
{{- end -}}
{{- $keda := $merged.autoscaling.keda -}}
{{- if and $keda.enabled $merged.autoscaling.hpa.enabled -}}
{{- fail (printf "workers.pools[%d] (%s): autoscaling.keda and autoscaling.hpa are both enabled; KEDA makes its own HPA, choose one" $index $merged.name) -}}
{{- end -}}
{{- if and $keda.enabled (not (kindIs "invalid" $keda.idleReplicaCount)) (ge (int $keda.idleReplicaCount) (int $keda.minReplicas)) -}}
{{- fail (printf "workers.pools[%d] (%s): autoscaling.keda.idleReplicaCount %d must be below minReplicas %d (KEDA's rule)" $index $merged.name (int $keda.idleReplicaCount) (int $keda.minReplicas)) -}}
{{- end -}}
{{- if and $keda.enabled (gt (int $keda.minReplicas) (int $keda.maxReplicas)) -}}
{{- fail (printf "workers.pools[%d] (%s): autoscaling.keda.minReplicas %d > maxReplicas %d" $index $merged.name (int $keda.minReplicas) (int $keda.maxReplicas)) -}}
{{- end -}}
{{- if and $merged.autoscaling.hpa.enabled (gt (int $merged.autoscaling.hpa.minReplicas) (int $merged.autoscaling.hpa.maxReplicas)) -}}
{{- fail (printf "workers.pools[%d] (%s): autoscaling.hpa.minReplicas %d > maxReplicas %d" $index $merged.name (int $merged.autoscaling.hpa.minReplicas) (int $merged.autoscaling.hpa.maxReplicas)) -}}
{{- end -}}
{{- $pools = append $pools $merged -}}
{{- end -}}
{{- toJson $pools -}}
{{- end -}}

{{/* The most workers any pool may run: what the scheduler's in-flight cap must allow. */}}
{{- define "lumen.maxPoolWorkers" -}}
{{- $max := 1 -}}
{{- range (include "lumen.pools" . | fromJsonArray) -}}
{{- $n := int .replicas -}}
{{- if .autoscaling.keda.enabled -}}{{- $n = int .autoscaling.keda.maxReplicas -}}{{- end -}}
{{- if .autoscaling.hpa.enabled -}}{{- $n = int .autoscaling.hpa.maxReplicas -}}{{- end -}}
{{- if gt $n $max -}}{{- $max = $n -}}{{- end -}}
{{- end -}}
{{- $max -}}
{{- end -}}

{{/* The PromQL demand of a pool for KEDA. */}}
{{- define "lumen.poolDemandQuery" -}}
{{- if .pool.autoscaling.keda.query -}}
{{- .pool.autoscaling.keda.query -}}
{{- else -}}
{{- $selector := printf "namespace=%q,model=%q" .root.Release.Namespace .pool.model.name -}}
{{- /* "or vector(0)": a metric with no series yet counts as 0 instead of emptying the sum. */ -}}
{{- printf "(sum(lumen_jobs_queued{%s}) or vector(0)) + (sum(lumen_jobs_running{%s}) or vector(0))" $selector $selector -}}
{{- end -}}
{{- end -}}

{{/* A PodDisruptionBudget; call with (dict "root" $ "component" c "pool" p "pdb" cfg). */}}
{{- define "lumen.pdb" -}}
{{- if .pdb.enabled }}
{{- if and (kindIs "invalid" .pdb.minAvailable) (kindIs "invalid" .pdb.maxUnavailable) }}
{{- fail (printf "%s.pdb: set minAvailable or maxUnavailable" .component) }}
{{- end }}
{{- if and (not (kindIs "invalid" .pdb.minAvailable)) (not (kindIs "invalid" .pdb.maxUnavailable)) }}
{{- fail (printf "%s.pdb: set only one of minAvailable and maxUnavailable" .component) }}
{{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "lumen.componentName" (dict "root" .root "component" (ternary (printf "worker-%s" (.pool | default "")) .component (not (empty .pool)))) }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "lumen.labels" (dict "root" .root "component" .component "pool" .pool) | nindent 4 }}
spec:
  {{- if not (kindIs "invalid" .pdb.minAvailable) }}
  minAvailable: {{ .pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "lumen.selectorLabels" (dict "root" .root "component" .component "pool" .pool) | nindent 6 }}
{{- end }}
{{- end -}}
