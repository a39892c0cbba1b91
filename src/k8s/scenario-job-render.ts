/**
 * The Job and ConfigMap of `kneepoint run --in-cluster`. Pure. The Job is make bench's native Job
 * (benchmarks/job.yaml through renderBenchJob: the stock node image, the engine bundle from its ConfigMap, the
 * same pod and container hardening, the bench-target-auth Secret for OPENAI_API_KEY, the deadline from
 * START_TIMEOUT + RUN_TIMEOUT) running the scenario script of scenario-job-script.ts on the config in its own
 * ConfigMap, mounted where the seeds mount it (/workspace/config.yml), with the bucket clients' ConfigMap optional.
 */
import type { V1ConfigMap, V1Job } from "@kubernetes/client-node";
import { BUCKETS_CONFIGMAP, BUCKETS_MOUNT } from "./engine-bundle.ts";
import { LABEL, objectMeta } from "./manifest-names.ts";
import { renderBenchJob, type RenderJobOptions, type ShardedJob } from "./render-bench-job.ts";
import { SCENARIO_CONFIG_KEY, SCENARIO_CONFIG_PATH, scenarioJobCommand, SCENARIO_SCRIPT } from "./scenario-job-script.ts";

/** The names of `run --in-cluster`'s objects (one scenario run per namespace at a time, as one sweep). */
export const SCENARIO_JOB_NAME = "kneepoint-scenario";
export const SCENARIO_CONFIGMAP_NAME = "kneepoint-scenario-config";

export interface RenderScenarioJobOptions extends Omit<RenderJobOptions, "native" | "shards"> {
  /** Flags for the Job's `kneepoint run` (--set …, --fail-on …). */
  runArgs: string[];
  /** --pods N (N ≥ 2): an Indexed Job of N shards starting together (`run --shard-from-job`). */
  shards?: ShardedJob;
}

export function renderScenarioJob(source: V1Job, opts: RenderScenarioJobOptions): V1Job {
  const { runArgs, shards, ...render } = opts;
  // renderBenchJob makes the native container (image, bundle volume, resources); the command is then the scenario's.
  const job = renderBenchJob(source, { ...render, settings: { ...render.settings, engine: "native" }, native: { script: SCENARIO_SCRIPT, args: [] } });
  job.metadata!.name = SCENARIO_JOB_NAME;
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0]!;
  const sharded = shards !== undefined && shards.count > 1;
  const { command, args } = scenarioJobCommand(sharded ? [...runArgs, "--shard-from-job"] : runArgs);
  container.command = command;
  container.args = args;
  container.volumeMounts = [
    ...(container.volumeMounts ?? []),
    { name: "config", mountPath: SCENARIO_CONFIG_PATH, subPath: SCENARIO_CONFIG_KEY, readOnly: true },
    { name: "buckets", mountPath: BUCKETS_MOUNT, readOnly: true },
  ];
  pod.volumes = [...(pod.volumes ?? []), { name: "config", configMap: { name: SCENARIO_CONFIGMAP_NAME } }, { name: "buckets", configMap: { name: BUCKETS_CONFIGMAP, optional: true } }];
  if (sharded) indexShards(job, shards, opts);
  return job;
}

/**
 * --pods N: as make bench PODS=N's Job (render-bench-job.ts): one pod per completion index, all at once, a failed
 * index not retried (it would send its share again after the others) and not ending the others, the pods spread over
 * nodes when they can be; SHARD_COUNT and SHARD_START_AT for `run --shard-from-job`, the deadline grown by the start delay.
 */
function indexShards(job: V1Job, shards: ShardedJob, opts: RenderScenarioJobOptions): void {
  const spec = job.spec!;
  const pod = spec.template.spec!;
  delete spec.backoffLimit;
  Object.assign(spec, { completionMode: "Indexed", completions: shards.count, parallelism: shards.count, backoffLimitPerIndex: 0 });
  spec.activeDeadlineSeconds = Math.ceil((opts.settings.startTimeoutMin + opts.settings.runTimeoutMin) * 60 + shards.startDelayMs / 1000);
  pod.affinity = {
    ...pod.affinity,
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { [LABEL.runId]: opts.runId } } } }],
    },
  };
  const container = pod.containers[0]!;
  container.env = [...(container.env ?? []), { name: "SHARD_COUNT", value: String(shards.count) }, { name: "SHARD_START_AT", value: new Date(shards.startAtEpochMs).toISOString() }];
}

/** The ConfigMap with the effective config (the seeds' key, config.yml). */
export function renderScenarioConfigMap(namespace: string, runId: string, configYaml: string): V1ConfigMap {
  const meta = objectMeta("bench-job", runId);
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: SCENARIO_CONFIGMAP_NAME, namespace, labels: meta.labels }, data: { [SCENARIO_CONFIG_KEY]: configYaml } };
}
