/**
 * `kneepoint run -c CONFIG --in-cluster` (`make scenario-job`): the config, read and checked here with --set applied
 * (exit 2 before the cluster is called), travels as its effective YAML in a ConfigMap to make bench's native Job
 * (scenario-job-render.ts), which runs `kneepoint run --log-reports` on it (scenario-job-script.ts). The runner ships
 * the engine, follows the pod (its stages and log lines as progress), collects the report files from the log into
 * the same local directory a local run writes, renders the charts here and exits as a local run
 * (collect-scenario.ts); the Job and its ConfigMaps are deleted unless --keep-job / KEEP_JOB=1.
 * Ctrl-C deletes the Job; its pod, stopped, writes and logs the partial reports while the runner still follows it.
 * `kneepoint run --collect JOB`: the same collection for a scenario Job created by someone else (kubectl apply, helm
 * install): followed to its end, nothing created or deleted.
 */
import { basename, dirname, join } from "node:path";
import type { V1Job } from "@kubernetes/client-node";
import { UsageError } from "../errors.ts";
import type { Gate } from "../gates/gate.ts";
import { benchSettingsFromEnv, resolveBenchSettings, type BenchSettings, type BenchSettingsInput } from "../k8s/bench-settings.ts";
import { BUCKETS_CONFIGMAP } from "../k8s/engine-bundle.ts";
import { isKubeStatus, kubeCall, type Kube, connectKube } from "../k8s/kube-client.ts";
import { assertValidManifest } from "../k8s/kube-schema.ts";
import { pickManifest, readManifests, type Manifest } from "../k8s/load-manifests.ts";
import { LABEL, objectMeta } from "../k8s/manifest-names.ts";
import { runBenchJob, type JobOutcome } from "../k8s/run-bench-job.ts";
import { isReportBlockLine, REPORT_TAG } from "../k8s/scenario-job-log.ts";
import { renderScenarioConfigMap, renderScenarioJob, SCENARIO_CONFIGMAP_NAME } from "../k8s/scenario-job-render.ts";
import { readVllmValues, vllmImage } from "../k8s/vllm-values.ts";
import { createResultsWriter, newRunId } from "../report/results-writer.ts";
import { effectiveConfigYaml } from "../scenarios/config/effective-config-yaml.ts";
import { readScenarioConfigWithWarnings } from "../scenarios/config/read-scenario-config.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { storageTargetsFor, withOutputDir } from "../scenarios/plan/run-options.ts";
import { HARNESS_VERSION } from "../version.ts";
import type { IndexedJobOutcome } from "../k8s/run-indexed-job.ts";
import { buildScenarioPlan } from "../scenarios/plan/build-scenario-plan.ts";
import { collectClusterJob, readExistingJob } from "./collect-cluster-job.ts";
import { collectScenarioReports, type CollectedScenario, type ScenarioPlacement } from "./collect-scenario.ts";
import { readCoLocation, type PlacedPod } from "../k8s/co-location.ts";
import { serviceOfUrl } from "../k8s/service-proxy.ts";
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { collectScenarioShards } from "./collect-scenario-shards.ts";
import { shipBucketsBundle } from "./run-cluster-scenario-buckets.ts";
import { indexedPodsFollow, JOB_FILE, jobRunOptions, runFollowedJob, singlePodFollow, VALUES_FILE, type ClusterJobContext, type JobFollow } from "./run-cluster-job.ts";
import type { CliIo } from "./run-sweep.ts";

export interface ClusterScenarioOptions {
  config: string | null;
  sets: string[];
  output: string | null;
  charts: boolean;
  serverMetrics: boolean;
  /** The --fail-on texts, passed on to the Job's `kneepoint run` (already parsed into `gates` here). */
  failOn: string[];
  /** --metrics-url: the replicas' /metrics, scraped by the Job's pod (so reachable from the cluster). */
  metricsUrls?: string[];
  gates: Gate[];
  /** --collect JOB: the Job to collect instead of running one. */
  collect: string | null;
  namespace?: string;
  keepJob?: boolean;
  pods?: string;
}

/** How long the stopped pod has to write and log its partial reports (inside its 30 s grace) before the runner stops following. */
const STOP_FOLLOW_MS = 45_000;

/** The settings of make bench that apply to a scenario Job (its timeouts, image, namespace, KEEP_JOB, PODS, SHARD_START_DELAY). */
function scenarioSettings(opts: ClusterScenarioOptions, env: NodeJS.ProcessEnv): BenchSettings {
  const fromEnv = benchSettingsFromEnv(env);
  const pick: Array<keyof BenchSettingsInput> = ["namespace", "nodeImage", "startTimeoutMin", "runTimeoutMin", "cachePvc", "keepJob", "pods", "shardStartDelayS"];
  const layer = Object.fromEntries(pick.filter((k) => fromEnv[k] !== undefined).map((k) => [k, fromEnv[k]]));
  return resolveBenchSettings(layer, {
    engine: "native",
    charts: opts.charts,
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.keepJob ? { keepJob: true } : {}),
    // A string from the flag, coerced and checked by the settings' schema as PODS is.
    ...(opts.pods !== undefined ? { pods: opts.pods as unknown as number } : {}),
  });
}

/**
 * What the ConfigMap may not carry: secrets (its effective YAML redacts them, so the Job would send "***") and
 * files of this machine. A key goes in the bench-target-auth Secret (OPENAI_API_KEY), a token in hf-token (HF_TOKEN).
 */
function checkConfigForCluster(cfg: ScenarioConfig, warn: (w: string) => void): void {
  if (cfg.server.api_key !== null) {
    throw new UsageError(
      "server.api_key is set in the config: a ConfigMap is no place for a key, and the Job's copy of the config has it redacted",
      "remove it, and put the key in the Secret the Job reads: kubectl -n <ns> create secret generic bench-target-auth --from-literal=OPENAI_API_KEY=…",
    );
  }
  const host = URL.canParse(cfg.server.base_url) ? new URL(cfg.server.base_url).hostname : "";
  if (["localhost", "127.0.0.1", "[::1]", "0.0.0.0"].includes(host)) {
    throw new UsageError(
      `server.base_url is ${cfg.server.base_url}: inside the Job's pod that is the pod itself, not your server`,
      "point it at the server's Service, e.g. --set server.base_url=http://vllm:8000 (make vllm-up's), or http://<service>.<namespace>:<port>",
    );
  }
  if (cfg.tokenizer?.token) {
    throw new UsageError("tokenizer.token is set in the config: a ConfigMap is no place for a token", "remove it, and put it in the Secret the Job reads: kubectl -n <ns> create secret generic hf-token --from-literal=HF_TOKEN=…");
  }
  if (cfg.api.headers && Object.keys(cfg.api.headers).length > 0) {
    throw new UsageError("api.headers is set in the config: the Job's copy of the config has header values redacted (they often hold credentials)", "run this config locally (without --in-cluster), or drop the headers");
  }
  for (const [field, path] of [["data.path", cfg.data.path], ["data.trace.file", cfg.data.trace?.file]] as const) {
    if (path) warn(`${field} (${path}) is read inside the Job's pod, not on this machine: the file must be there (e.g. a volume in benchmarks/job.yaml)`);
  }
}

/** Progress from the pods' logs: their lines, except the report blocks, shown as one line per file that came back. */
function logProgress(say: (s: string) => void): (line: string, shard?: number) => void {
  const begin = new RegExp(`^=== ${REPORT_TAG} (\\S+) begin ===`);
  return (line, shard) => {
    const from = shard === undefined ? "" : `[${shard}] `;
    const m = begin.exec(line);
    if (m) return say(`  │ ${from}(report file ${m[1]})`);
    if (!isReportBlockLine(line)) say(`  │ ${from}${line}`);
  };
}

/** --pods N: what a sharded scenario cannot do (yet), refused before the cluster is called. */
function checkShardable(cfg: ScenarioConfig, pods: number, failOn: readonly string[]): void {
  if (pods < 2) return;
  if (buildScenarioPlan(cfg).sweep !== undefined) {
    throw new UsageError(`a config with load.sweep cannot run as ${pods} load pods: its stages come from one process's saturation probe`, "run it with PODS=1, or give it explicit load.stages");
  }
  if (failOn.length > 0) throw new UsageError(`--fail-on with ${pods} load pods: each pod would judge only its own share`, "run with PODS=1, or check the merged reports afterwards (kneepoint report DIR)");
}

/** Replaces an object of ours (a finished run's leftover) by a new one. */
async function replaceConfigMap(kube: Kube, body: ReturnType<typeof renderScenarioConfigMap>): Promise<void> {
  const name = body.metadata!.name!;
  try {
    await kube.core.deleteNamespacedConfigMap({ name, namespace: kube.namespace });
  } catch (err) {
    if (!isKubeStatus(err, 404)) await kubeCall(kube, `delete ConfigMap ${name}`, () => Promise.reject(err));
  }
  await kubeCall(kube, `create ConfigMap ${name}`, () => kube.core.createNamespacedConfigMap({ namespace: kube.namespace, body }));
}

/**
 * The Job's pods followed to their end; Ctrl-C deletes the Job (its pods get SIGTERM: kneepoint stops, writes and logs
 * the partial reports) and goes on following the pods until they are gone, at most STOP_FOLLOW_MS.
 */
function followStoppable<O extends JobOutcome | IndexedJobOutcome>(ctx: ClusterJobContext, stopped: { byUser: boolean }, follow: (hard: AbortSignal) => JobFollow<O>): JobFollow<O> {
  const hard = new AbortController();
  const inner = follow(hard.signal);
  return {
    async run(signal) {
      const name = ctx.job.metadata!.name!;
      signal.addEventListener("abort", () => {
        stopped.byUser = true;
        ctx.say(`stopping: deleting the Job; its pod writes and logs the partial reports (waiting up to ${STOP_FOLLOW_MS / 1000} s)…`);
        ctx.kube.batch.deleteNamespacedJob({ name, namespace: ctx.kube.namespace, propagationPolicy: "Foreground" }).catch((e: unknown) => ctx.warn(`could not delete Job ${name}: ${(e as Error).message}`));
        setTimeout(() => hard.abort(), STOP_FOLLOW_MS).unref();
      });
      const outcome = await inner.run(hard.signal);
      return stopped.byUser ? { ...outcome, end: "interrupted", message: `stopped by Ctrl-C (${outcome.message})` } : outcome;
    },
    saveLogs: (o) => inner.saveLogs(o),
  };
}

export async function runClusterScenario(opts: ClusterScenarioOptions, io: CliIo): Promise<CollectedScenario> {
  const say = (s: string) => io.stderr.write(s + "\n");
  const warn = (w: string) => say(`warning: ${w}`);
  if (opts.collect !== null) return collectScenarioJob(opts, opts.collect, io, say, warn);

  const read = await readScenarioConfigWithWarnings(opts.config!, opts.sets);
  for (const w of read.warnings) warn(w);
  checkConfigForCluster(read.config, warn);
  const storage = storageTargetsFor(withOutputDir(read.config, opts.output));
  const settings = scenarioSettings(opts, io.env);
  checkShardable(read.config, settings.pods, opts.failOn);
  const pods = settings.pods;
  const kube = connectKube({ namespace: settings.namespace });
  const runId = newRunId(Date.now(), Math.random());
  const values = await readVllmValues(VALUES_FILE);
  const source = pickManifest(await readManifests(JOB_FILE), "Job") as V1Job;
  const runArgs = [...opts.failOn.flatMap((g) => ["--fail-on", g]), ...(opts.metricsUrls ?? []).flatMap((u) => ["--metrics-url", u]), ...(opts.serverMetrics ? [] : ["--no-server-metrics"])];
  const startDelayMs = settings.shardStartDelayS * 1000;
  const shards = pods > 1 ? { count: pods, startAtEpochMs: Date.now() + startDelayMs, startDelayMs } : undefined;
  const job = renderScenarioJob(source, { settings, namespace: kube.namespace, runId, vllmImage: vllmImage(values), bundleConfigMap: objectMeta("engine-bundle").name, server: values, runArgs, ...(shards ? { shards } : {}) });
  assertValidManifest(job as Manifest, JOB_FILE);
  say(`kneepoint ${HARNESS_VERSION}: ${opts.config} as a Job (native engine, ${settings.nodeImage}${pods > 1 ? `, ${pods} load pods merged` : ""}), namespace ${kube.namespace} (context ${kube.context}, ${kube.server}); target ${read.config.server.base_url}`);
  const writer = await createResultsWriter(dirname(storage.local.path), basename(storage.local.path));

  await replaceConfigMap(kube, renderScenarioConfigMap(kube.namespace, runId, effectiveConfigYaml(read.config)));
  const buckets = storage.s3 !== null || storage.gcs !== null;
  if (buckets) await shipBucketsBundle(kube, runId, say);
  const stopped = { byUser: false };
  const ctx: ClusterJobContext = { kube, settings, job, runId, writer, say, warn, onLogLine: logProgress(say) };
  const placement = placementReader(kube, () => Promise.resolve(read.config.server.base_url ?? null));
  const common = { dir: writer.dir, reportFilePrefix: storage.local.reportFilePrefix, charts: opts.charts, jobName: job.metadata!.name!, namespace: kube.namespace, io, say, warn, placement };
  try {
    if (pods > 1) {
      const follow = followStoppable(ctx, stopped, (hard) => indexedPodsFollow(ctx, pods, { signal: hard }));
      return await runFollowedJob(ctx, follow, (outcome, logPath) => collectScenarioShards({ ...common, outcome, logPath, stoppedByUser: stopped.byUser }));
    }
    const follow = followStoppable(ctx, stopped, (hard) => ({ run: () => runBenchJob(kube, jobRunOptions(ctx, hard)), saveLogs: (o: JobOutcome) => singlePodFollow(ctx).saveLogs(o) }));
    return await runFollowedJob(ctx, follow, (outcome, logPath) => collectScenarioReports({ ...common, outcome, logPath, stoppedByUser: stopped.byUser }));
  } finally {
    if (!settings.keepJob || stopped.byUser) {
      for (const name of [SCENARIO_CONFIGMAP_NAME, ...(buckets ? [BUCKETS_CONFIGMAP] : [])]) {
        await kube.core.deleteNamespacedConfigMap({ name, namespace: kube.namespace }).catch((e: unknown) => {
          if (!isKubeStatus(e, 404)) warn(`could not delete ConfigMap ${name}: ${(e as Error).message}`);
        });
      }
    }
  }
}

/** `--collect JOB`: a scenario Job someone else created, followed to its end; its reports land in --output or reports/JOB-<time>. */
async function collectScenarioJob(opts: ClusterScenarioOptions, name: string, io: CliIo, say: (s: string) => void, warn: (w: string) => void): Promise<CollectedScenario> {
  const settings = scenarioSettings(opts, io.env);
  const kube = connectKube({ namespace: settings.namespace });
  say(`kneepoint ${HARNESS_VERSION}: collecting the scenario Job ${name}, namespace ${kube.namespace} (context ${kube.context}, ${kube.server})`);
  const job = await readExistingJob(kube, name);
  const runId = job.metadata?.labels?.[LABEL.runId] ?? newRunId(Date.now(), Math.random());
  const dir = opts.output ?? `reports/${name}-${newRunId(Date.now(), 0).slice(0, 15)}`;
  const writer = await createResultsWriter(dirname(dir), basename(dir));
  const ctx: ClusterJobContext = { kube, settings, job, runId, writer, say, warn, onLogLine: logProgress(say) };
  return collectClusterJob(ctx, (outcome, logPath) =>
    collectScenarioReports({ outcome, logPath, dir: writer.dir, reportFilePrefix: null, charts: opts.charts, stoppedByUser: false, jobName: name, namespace: kube.namespace, io, say, warn, placement: placementReader(kube, baseUrlOfCollected(writer.dir)) }),
  );
}

/** The co-location line of a scenario Job: its load pods against the endpoints of the Service its config targets. */
function placementReader(kube: Kube, baseUrl: () => Promise<string | null>): (loadPods: PlacedPod[]) => Promise<ScenarioPlacement | null> {
  return async (loadPods) => {
    const url = await baseUrl();
    const target = url ? serviceOfUrl(url, kube.namespace) : null;
    if (!target) return null; // a target outside the cluster (or unknown): there is no pod to be placed against
    return readCoLocation(kube, { loadPods, target });
  };
}

/** A collected Job's target, from the config.yaml it logged (inference-perf writes the effective config there). */
function baseUrlOfCollected(dir: string): () => Promise<string | null> {
  return async () => {
    try {
      const cfg = parseYaml(await readFile(join(dir, "config.yaml"), "utf8")) as { server?: { base_url?: unknown } } | null;
      return typeof cfg?.server?.base_url === "string" ? cfg.server.base_url : null;
    } catch {
      return null;
    }
  };
}
