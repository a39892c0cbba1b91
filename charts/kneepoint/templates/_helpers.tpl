{{/*
The Job's and the ConfigMap's name: the release name, with "-kneepoint" unless it already holds "kneepoint"
(at most 63 characters: the Job controller puts it in a label).
*/}}
{{- define "kneepoint.fullname" -}}
{{- if contains "kneepoint" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-kneepoint" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object and of the pod; benchmark.scenario is seed 001's `kubectl logs -l benchmark.scenario=…`. */}}
{{- define "kneepoint.labels" -}}
app.kubernetes.io/name: kneepoint-scenario
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/component: load-generator
app.kubernetes.io/part-of: kneepoint
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
benchmark.scenario: {{ .Values.benchmark.scenario | quote }}
{{- end -}}

{{/*
The shipped config of the chosen scenario, from its values-<name>.yaml in the chart (values.yaml holds the same;
test/helm checks they agree). Used to put back the keys of a stage that helm dropped: helm replaces a list whole,
so `--set benchmark.scenarios.baseline.load.stages[0].duration=600` leaves a stage with a duration and no rate.
*/}}
{{- define "kneepoint.shippedScenario" -}}
{{- $name := .Values.benchmark.scenario -}}
{{- $file := .Files.Get (printf "values-%s.yaml" $name) | fromYaml -}}
{{- $cfg := dict -}}
{{- if and $file.benchmark $file.benchmark.scenarios -}}
{{- $cfg = get $file.benchmark.scenarios $name | default dict -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
config.yml: the scenario's values, each stage completed from the shipped stage at the same index (same load.type
only: a stage of another type has other keys; a null stage is the shipped one), then server and tokenizer from
benchmark.target.
*/}}
{{- define "kneepoint.config" -}}
{{- $b := .Values.benchmark -}}
{{- $cfg := deepCopy (get $b.scenarios $b.scenario | default dict) -}}
{{- $shipped := include "kneepoint.shippedScenario" . | fromYaml -}}
{{- $load := get $cfg "load" | default dict -}}
{{- $type := get $load "type" | default "constant" -}}
{{- $shippedLoad := get $shipped "load" | default dict -}}
{{- $shippedStages := get $shippedLoad "stages" | default list -}}
{{- $sameType := eq $type (get $shippedLoad "type" | default "constant") -}}
{{- if get $load "stages" -}}
{{- $stages := list -}}
{{- range $i, $stage := $load.stages -}}
{{- $given := $stage | default dict -}}
{{- if and $sameType (lt $i (len $shippedStages)) -}}
{{- $given = merge (deepCopy $given) (index $shippedStages $i) -}}
{{- else if not $stage -}}
{{- fail (printf "benchmark.scenarios.%s.load.stages[%d] is empty (helm fills the indexes before the one a --set names with null), and the shipped %s scenario has no stage %d of load.type %s to complete it from: give every stage, e.g. in a values file (-f my-values.yaml)" $b.scenario $i $b.scenario $i $type) -}}
{{- end -}}
{{- $required := list "rate" "duration" -}}
{{- if eq $type "concurrent" -}}{{- $required = list "num_requests" "concurrency_level" -}}{{- end -}}
{{- if ne $type "trace_session_replay" -}}
{{- range $key := $required -}}
{{- if or (not (hasKey $given $key)) (kindIs "invalid" (index $given $key)) -}}
{{- fail (printf "benchmark.scenarios.%s.load.stages[%d].%s is required for load.type %s (the stage has %s)" $b.scenario $i $key $type (keys $given | sortAlpha | join ", " | default "no keys")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $stages = append $stages $given -}}
{{- end -}}
{{- $_ := set $load "stages" $stages -}}
{{- $_ := set $cfg "load" $load -}}
{{- end -}}
{{- $server := dict "type" $b.target.serverType "base_url" $b.target.baseUrl "ignore_eos" $b.target.ignoreEos "model_name" nil -}}
{{- if $b.target.modelName -}}
{{- $_ := set $server "model_name" $b.target.modelName -}}
{{- end -}}
{{- $_ := set $cfg "server" $server -}}
{{- $tokenizer := dict "pretrained_model_name_or_path" nil -}}
{{- if $b.target.tokenizerPath -}}
{{- $_ := set $tokenizer "pretrained_model_name_or_path" $b.target.tokenizerPath -}}
{{- end -}}
{{- $_ := set $cfg "tokenizer" $tokenizer -}}
{{- with $b.storage -}}
{{- $_ := set $cfg "storage" . -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/* The names of the files beside config.yml: the chart's files/ and benchmark.files, sorted, as a JSON list. */}}
{{- define "kneepoint.fileNames" -}}
{{- $names := keys .Values.benchmark.files -}}
{{- range $path, $_ := .Files.Glob "files/*" -}}
{{- $names = append $names (base $path) -}}
{{- end -}}
{{- $names | uniq | sortAlpha | toJson -}}
{{- end -}}
