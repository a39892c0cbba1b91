/**
 * What every in-cluster run shares (`kneepoint bench`'s sweep, `kneepoint capacity --in-cluster`): the target the Job
 * will measure, the native engine shipped in a ConfigMap, one Job run to its end with its log saved and cleanup
 * guaranteed, and server-metric peaks read from Prometheus over the windows the results name.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { V1ConfigMap, V1Job } from "@kubernetes/client-node";
import { KneepointError, UsageError } from "../errors.ts";
import { buildEngineBundle, BUNDLE_KEY } from "../k8s/engine-bundle.ts";
import type { BenchSettings } from "../k8s/bench-settings.ts";
import { isKubeStatus, kubeCall, type Kube } from "../k8s/kube-client.ts";
import { describeKubeError } from "../k8s/kube-errors.ts";
import { objectMeta, BENCH_TARGET_CONFIGMAP, LABEL } from "../k8s/manifest-names.ts";
import type { ClusterContext } from "../k8s/read-cluster-context.ts";
import { deleteJob, runBenchJob, type JobEnd, type JobOutcome, type JobRunOptions } from "../k8s/run-bench-job.ts";
import { runIndexedJob, type IndexedJobOutcome, type IndexedJobRunOptions } from "../k8s/run-indexed-job.ts";
import { setShardStart } from "../k8s/render-bench-job.ts";
import { parseServiceRef, serviceProxyFetch } from "../k8s/service-proxy.ts";
import type { ResultsWriter } from "../report/results-writer.ts";
import { writeFileAtomically } from "../report/write-file-atomically.ts";
import { createServerMetricsSource } from "../server-metrics/server-metrics-source.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { TimeSeries } from "../server-metrics/time-series.ts";
import { installInterrupt } from "./interrupt.ts";

export const JOB_FILE = "benchmarks/job.yaml";
export const VALUES_FILE = "deploy/vllm/values.yaml";

/** The Job's literal env value, e.g. DEFAULT_BASE_URL, or the fallback. */
export function jobEnv(job: V1Job, name: string): string | undefined {
  return job.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === name)?.value;
}

/** What the Job will benchmark: the bench-target ConfigMap's keys, else the Job's DEFAULT_* values. */
export async function readTarget(kube: Kube, job: V1Job): Promise<{ baseUrl: string; model: string; endpoint: string; tokenizer: string; source: string }> {
  let data: Record<string, string> = {};
  let source = `the Job's defaults (no ${BENCH_TARGET_CONFIGMAP} ConfigMap)`;
  try {
    const cm = await kube.core.readNamespacedConfigMap({ name: BENCH_TARGET_CONFIGMAP, namespace: kube.namespace });
    data = cm.data ?? {};
    source = `ConfigMap ${BENCH_TARGET_CONFIGMAP}`;
  } catch (err) {
    // Absent is normal (the Job's defaults target `make vllm-up`'s server); anything else is the first sign of a
    // cluster problem (unreachable, credentials, RBAC), worth stopping on.
    if (!isKubeStatus(err, 404)) throw describeKubeError(err, `read ConfigMap ${BENCH_TARGET_CONFIGMAP} in namespace ${kube.namespace}`, kube);
  }
  const pick = (key: string) => data[key]?.trim() || jobEnv(job, `DEFAULT_${key}`) || "";
  return { baseUrl: pick("BASE_URL"), model: pick("BENCH_MODEL"), endpoint: pick("ENDPOINT"), tokenizer: pick("TOKENIZER"), source };
}

/**
 * Replaces the engine ConfigMap with this run's bundle. Says whether one was there before: then it may be the one
 * `kneepoint engine-configmap` made for kubectl- and helm-applied Jobs, and the run leaves it (with its own bundle)
 * instead of deleting it at the end.
 */
async function shipEngineBundle(kube: Kube, runId: string, say: (s: string) => void): Promise<{ name: string; preexisting: boolean }> {
  const meta = objectMeta("engine-bundle", runId);
  const bundle = await buildEngineBundle();
  say(`native engine bundled: ${(bundle.plainBytes / 1024).toFixed(0)} KiB, ${(bundle.gzipped.length / 1024).toFixed(0)} KiB gzipped, in ConfigMap ${meta.name}`);
  const body: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: meta.name, namespace: kube.namespace, labels: meta.labels },
    binaryData: { [BUNDLE_KEY]: bundle.gzipped.toString("base64") },
  };
  let preexisting = true;
  try {
    await kube.core.deleteNamespacedConfigMap({ name: meta.name, namespace: kube.namespace });
  } catch (err) {
    if (!isKubeStatus(err, 404)) await kubeCall(kube, `delete ConfigMap ${meta.name}`, () => Promise.reject(err));
    preexisting = false;
  }
  await kubeCall(kube, `create ConfigMap ${meta.name}`, () => kube.core.createNamespacedConfigMap({ namespace: kube.namespace, body }));
  return { name: meta.name, preexisting };
}


export interface ClusterJobContext {
  kube: Kube;
  settings: BenchSettings;
  /** The rendered Job. */
  job: V1Job;
  runId: string;
  writer: ResultsWriter;
  say(s: string): void;
  warn(w: string): void;
  /** A line of the Job's log; `shard`: the completion index of the pod it came from (PODS=N). */
  onLogLine(line: string, shard?: number): void;
}

/** How a run (or a --collect) follows the Job: its timeouts, Ctrl-C, and where stages, notices and log lines go. */
export function jobRunOptions(ctx: ClusterJobContext, signal: AbortSignal): JobRunOptions {
  return {
    job: ctx.job,
    runId: ctx.runId,
    startTimeoutMs: ctx.settings.startTimeoutMin * 60_000,
    runTimeoutMs: ctx.settings.runTimeoutMin * 60_000,
    signal,
    onStage: (stage) => ctx.say(`pod: ${stage.text}`),
    onNotice: (text) => ctx.say(`note: ${text}`),
    onLogLine: ctx.onLogLine,
  };
}

/** How a Job is followed to its end (one pod, or the N pods of an Indexed Job) and where its logs are saved. */
export interface JobFollow<O extends { end: JobEnd; message: string; logComplete: boolean }> {
  run(signal: AbortSignal): Promise<O>;
  /** Saves the logs of the outcome; returns the path to name in messages. */
  saveLogs(outcome: O): Promise<string>;
}

/** The one pod of the sweep Job: followed by runBenchJob, its log saved as job.log. */
export function singlePodFollow(ctx: ClusterJobContext, extra: Partial<JobRunOptions> = {}): JobFollow<JobOutcome> {
  return {
    run: (signal) => runBenchJob(ctx.kube, { ...jobRunOptions(ctx, signal), ...extra }),
    async saveLogs(outcome) {
      const logPath = join(ctx.writer.dir, "job.log");
      await writeFileAtomically(logPath, outcome.log + "\n");
      return logPath;
    },
  };
}

/**
 * PODS=N: the Indexed Job's pods, followed by runIndexedJob, each pod's stages and log lines shown under its index
 * and its log saved as shards/<i>/job.log.
 */
export function indexedPodsFollow(ctx: ClusterJobContext, count: number, extra: Partial<IndexedJobRunOptions> = {}): JobFollow<IndexedJobOutcome> {
  return {
    run: async (signal) => {
      if (!extra.attach) {
        // The shared start counts from the Job's creation, not from before the bundle and a previous Job's deletion.
        const startAt = setShardStart(ctx.job, Date.now() + ctx.settings.shardStartDelayS * 1000);
        await ctx.writer.writeJson("job.json", ctx.job);
        ctx.say(`shards: ${count} load pods start together at ${startAt} (SHARD_START_DELAY ${ctx.settings.shardStartDelayS} s from now)`);
      }
      const { onStage: _stage, onLogLine: _line, ...base } = jobRunOptions(ctx, signal);
      return runIndexedJob(ctx.kube, {
        ...base,
        count,
        onStage: (index, stage) => ctx.say(`pod ${index}: ${stage.text}`),
        onLogLine: (index, line) => ctx.onLogLine(line, index),
        ...extra,
      });
    },
    async saveLogs(outcome) {
      const dir = join(ctx.writer.dir, "shards");
      for (const shard of outcome.shards) {
        await mkdir(join(dir, String(shard.index)), { recursive: true });
        await writeFileAtomically(join(dir, String(shard.index), "job.log"), shard.log + "\n");
      }
      return dir;
    },
  };
}

/**
 * Ships the native engine (ENGINE=native), replaces a finished Job of the same name, runs this one to its end
 * (Ctrl-C stops waiting), saves its log as job.log and hands the outcome to `use`. Whatever happens, the Job
 * does not outlive the runner's interest in it (it would go on loading the server): a Job that did not end by
 * itself is deleted before `use` runs, and every Job (unless --keep-job) and the bundle before this returns.
 */
export function runClusterJob<T>(ctx: ClusterJobContext, use: (outcome: JobOutcome, logPath: string) => Promise<T>): Promise<T> {
  return runFollowedJob(ctx, singlePodFollow(ctx), use);
}

/** runClusterJob for any way of following the Job (PODS=N: run-indexed-job.ts). */
export async function runFollowedJob<T, O extends { end: JobEnd; message: string; logComplete: boolean }>(
  ctx: ClusterJobContext,
  follow: JobFollow<O>,
  use: (outcome: O, logPath: string) => Promise<T>,
): Promise<T> {
  const { kube, settings, job, runId, writer, say, warn } = ctx;
  const tokenWarning = tokenOutlivedBy(kube.tokenExpiresAt, (settings.startTimeoutMin + settings.runTimeoutMin) * 60_000, kube.namespace);
  if (tokenWarning) warn(tokenWarning);
  const bundle = settings.engine === "native" ? await shipEngineBundle(kube, runId, say) : null;
  const jobName = job.metadata!.name!;
  await refuseIfAnotherRunIsActive(kube, jobName);
  if (await deleteJob(kube, jobName, { waitMs: 120_000 })) say(`deleted the previous Job ${jobName}`);

  let cleaned = false;
  let keep = settings.keepJob;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (!keep) await deleteJob(kube, jobName, { waitMs: 60_000 }).catch((e: unknown) => warn(`could not delete Job ${jobName}: ${(e as Error).message}`));
    if (bundle && !bundle.preexisting) await kube.core.deleteNamespacedConfigMap({ name: bundle.name, namespace: kube.namespace }).catch(() => undefined);
  };
  try {
    const interrupt = installInterrupt({ graceMs: 0, onStop: () => say("stopping: deleting the Job (it would go on loading the server)…"), onAbort: () => undefined });
    let outcome: O;
    say(`created Job ${jobName}; results in ${writer.dir}`);
    try {
      outcome = await follow.run(interrupt.stop);
    } finally {
      interrupt.dispose();
    }
    const logPath = await follow.saveLogs(outcome);
    say(`Job ${outcome.end}: ${outcome.message}`);
    // A Job still running (stopped, timed out, API lost) is deleted now, before the analysis: it loads the server.
    if (outcome.end === "interrupted") keep = false;
    if (outcome.end !== "succeeded" && outcome.end !== "failed") await cleanup();
    if (!outcome.logComplete) warn("the Job's log could not be read to its end: results after the break are missing");
    return await use(outcome, logPath);
  } finally {
    await cleanup();
  }
}

/**
 * A warning when the kubeconfig's token (a ServiceAccount token from `kubectl create token`, 1 h by default) expires
 * before the run could end (START_TIMEOUT + RUN_TIMEOUT): the runner would lose the API mid-run while the Job goes
 * on, and its results would then only be recoverable from the log. Null when it lasts, or when it says no expiry.
 */
export function tokenOutlivedBy(expiresAt: Date | null, runMs: number, namespace: string, now = Date.now()): string | null {
  if (!expiresAt) return null;
  const leftMs = expiresAt.getTime() - now;
  if (leftMs >= runMs) return null;
  const min = (ms: number) => Math.max(0, Math.round(ms / 60_000));
  return (
    `your kubeconfig's token expires in ${min(leftMs)} min, before this run could end (START_TIMEOUT + RUN_TIMEOUT = ${min(runMs)} min); ` +
    `if it runs that long the runner loses the API mid-run (the Job goes on). For a whole run: kubectl -n ${namespace} create token kneepoint-runner --duration=${Math.ceil(runMs / 3_600_000) + 1}h`
  );
}

/**
 * A previous Job of the same name that is still running belongs to another `make bench` (or one whose runner
 * died): deleting it would cut someone's sweep short and two sweeps would load the server at once. Refuse, and say
 * how to end it. A finished Job is replaced silently, as the seed's "delete + apply" does.
 */
async function refuseIfAnotherRunIsActive(kube: Kube, name: string): Promise<void> {
  let job: V1Job;
  try {
    job = await kube.batch.readNamespacedJob({ name, namespace: kube.namespace });
  } catch (err) {
    if (isKubeStatus(err, 404)) return;
    throw describeKubeError(err, `read Job ${name}`, kube);
  }
  const ended = (job.status?.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  if (ended || job.metadata?.deletionTimestamp || !(job.status?.active ?? 0)) return;
  const run = job.metadata?.labels?.[LABEL.runId] ?? "unknown";
  const since = job.status?.startTime ? ` since ${new Date(job.status.startTime).toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
  throw new UsageError(
    `another sweep is running in namespace ${kube.namespace}: Job ${name} (run ${run})${since}`,
    `wait for it, or end it: kubectl -n ${kube.namespace} delete job ${name}`,
  );
}

/** A measured window (a sweep step, a capacity probe) to read peaks over, keyed as the peaks come back. */
export interface PeakWindow {
  key: number;
  label: string;
  startMs: number | undefined;
  endMs: number | undefined;
}

/** Peaks per window (step or probe) from Prometheus, when one is configured; the windows come from the results. */
export async function readPeaks(
  kube: Kube,
  settings: BenchSettings,
  windows: PeakWindow[],
  context: ClusterContext,
  model: string,
  warn: (w: string) => void,
): Promise<{ peaks: Map<number, StepPeaks> | null; series: TimeSeries[] }> {
  if (!settings.prometheusUrl && !settings.prometheusService) {
    warn("no PROMETHEUS_URL or PROMETHEUS_SERVICE: no GPU, KV-cache or queue peaks, so the verdict rests on throughput alone");
    return { peaks: null, series: [] };
  }
  const viaService = settings.prometheusService ? parseServiceRef(settings.prometheusService) : null;
  const source = createServerMetricsSource({
    kind: "prometheus",
    model,
    url: viaService ? "http://service" : settings.prometheusUrl!,
    scrapeIntervalS: settings.scrapeIntervalS,
    ...(viaService ? { fetchFn: serviceProxyFetch(kube, viaService) } : {}),
    ...(process.env.PROMETHEUS_TOKEN?.trim() ? { token: process.env.PROMETHEUS_TOKEN.trim() } : {}),
    ...(context.serverPods.length ? { pod: context.serverPods.join("|") } : {}),
  });
  try {
    for (const w of windows) {
      if (w.startMs === undefined || w.endMs === undefined) {
        warn(`${w.label}: no time window in the result, so no peaks for it`);
        continue;
      }
      source.beginStep(w.key);
      await source.endStep(w.key, w.startMs, w.endMs);
    }
    const peaks = await source.peaks();
    const series = await source.series();
    for (const w of source.warnings()) warn(w);
    return { peaks, series };
  } catch (err) {
    warn(`server metrics could not be read: ${(err as Error).message}${err instanceof KneepointError && err.hint ? ` (${err.hint})` : ""}`);
    return { peaks: null, series: [] };
  } finally {
    await source.close();
  }
}
