/**
 * `make bench` / `kneepoint bench`: the sweep as a Job in the cluster, analysed here. Renders
 * benchmarks/job.yaml for the engine, ships the native engine in a ConfigMap when ENGINE=native, replaces a
 * previous Job, streams the Job's log as progress, collects the marked results, reads peaks from Prometheus
 * (a URL, or a Service through the API server), and prints and records the table, knee and verdict like a
 * local sweep. The log and every parsed step are saved as they arrive; a failed or cut-short Job still
 * reports the steps it finished.
 */
import { join } from "node:path";
import type { V1ConfigMap, V1Job } from "@kubernetes/client-node";
import { sweepConfigSchema, type SweepConfig } from "../config/sweep-config.ts";
import type { TargetInfo } from "../engine/target-info.ts";
import { extractMarkedResults } from "../engine/vllm/extract-marked-results.ts";
import { failedStepsInLog } from "../engine/vllm/result-markers.ts";
import { parseVllmResult } from "../engine/vllm/parse-vllm-result.ts";
import { EnvironmentError, InterruptedError, KneepointError, UsageError } from "../errors.ts";
import { buildEngineBundle, BUNDLE_KEY } from "../k8s/engine-bundle.ts";
import type { BenchSettings } from "../k8s/bench-settings.ts";
import { connectKube, isKubeStatus, kubeCall, type Kube } from "../k8s/kube-client.ts";
import { describeKubeError } from "../k8s/kube-errors.ts";
import { pickManifest, readManifests, type Manifest } from "../k8s/load-manifests.ts";
import { assertValidManifest } from "../k8s/kube-schema.ts";
import { objectMeta, BENCH_TARGET_CONFIGMAP, LABEL } from "../k8s/manifest-names.ts";
import { readClusterContext, type ClusterContext } from "../k8s/read-cluster-context.ts";
import { renderBenchJob } from "../k8s/render-bench-job.ts";
import { deleteJob, runBenchJob, type JobOutcome } from "../k8s/run-bench-job.ts";
import { stepWindowsFromLog } from "../k8s/step-windows.ts";
import { parseServiceRef, serviceOfUrl, serviceProxyFetch } from "../k8s/service-proxy.ts";
import { readVllmValues, vllmImage } from "../k8s/vllm-values.ts";
import { describeErrorCounts } from "../metrics/summarize-step.ts";
import { createResultsWriter, newRunId, stepFileName, type ResultsWriter } from "../report/results-writer.ts";
import { createServerMetricsSource } from "../server-metrics/server-metrics-source.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { TimeSeries } from "../server-metrics/time-series.ts";
import { HARNESS_VERSION } from "../version.ts";
import { installInterrupt } from "./interrupt.ts";
import { reportRun, type ReportStep } from "./report-run.ts";
import type { Gate } from "../gates/gate.ts";
import { throwIfGatesFailed } from "./fail-on.ts";
import type { CliIo } from "./run-sweep.ts";
import { writeFileAtomically } from "../report/write-file-atomically.ts";

export const JOB_FILE = "benchmarks/job.yaml";
export const VALUES_FILE = "deploy/vllm/values.yaml";

export interface ClusterBenchReport {
  dir: string;
  steps: ReportStep[];
  outcome: JobOutcome;
}

/** The Job's literal env value, e.g. DEFAULT_BASE_URL, or the fallback. */
function jobEnv(job: V1Job, name: string): string | undefined {
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

/** Replaces the engine ConfigMap with this run's bundle. */
async function shipEngineBundle(kube: Kube, runId: string, say: (s: string) => void): Promise<string> {
  const meta = objectMeta("engine-bundle", runId);
  const bundle = await buildEngineBundle();
  say(`native engine bundled: ${(bundle.plainBytes / 1024).toFixed(0)} KiB, ${(bundle.gzipped.length / 1024).toFixed(0)} KiB gzipped, in ConfigMap ${meta.name}`);
  const body: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: meta.name, namespace: kube.namespace, labels: meta.labels },
    binaryData: { [BUNDLE_KEY]: bundle.gzipped.toString("base64") },
  };
  try {
    await kube.core.deleteNamespacedConfigMap({ name: meta.name, namespace: kube.namespace });
  } catch (err) {
    if (!isKubeStatus(err, 404)) await kubeCall(kube, `delete ConfigMap ${meta.name}`, () => Promise.reject(err));
  }
  await kubeCall(kube, `create ConfigMap ${meta.name}`, () => kube.core.createNamespacedConfigMap({ namespace: kube.namespace, body }));
  return meta.name;
}


export async function runClusterBench(settings: BenchSettings, io: CliIo, opts: { gates?: Gate[] } = {}): Promise<ClusterBenchReport> {
  const say = (s: string) => io.stderr.write(s + "\n");
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    say(`warning: ${w}`);
  };
  const kube = connectKube({ namespace: settings.namespace });
  const source = pickManifest(await readManifests(JOB_FILE), "Job") as V1Job;
  const values = await readVllmValues(VALUES_FILE);
  const runId = newRunId(Date.now(), Math.random());
  const engineName = settings.engine === "vllm" ? `vllm bench serve (${vllmImage(values)})` : `native (kneepoint ${HARNESS_VERSION}, ${settings.nodeImage})`;
  say(`kneepoint ${HARNESS_VERSION}: make bench, engine ${settings.engine}, namespace ${kube.namespace} (context ${kube.context}, ${kube.server})`);

  const bundleConfigMap = objectMeta("engine-bundle").name;
  const job = renderBenchJob(source, { settings, namespace: kube.namespace, runId, vllmImage: vllmImage(values), bundleConfigMap, server: values });
  assertValidManifest(job as Manifest, JOB_FILE);
  const target = await readTarget(kube, job);
  const concurrency = (jobEnv(job, "CONCURRENCY") ?? "").split(/\s+/).filter(Boolean).map(Number);
  // Checked before anything runs: a shape the analysis would reject must not cost a sweep's GPU time first.
  const config = sweepConfigOf(job, target, concurrency, settings.out);
  say(`target: ${target.baseUrl}${target.endpoint}, model ${target.model} (from ${target.source})`);

  const writer = await createResultsWriter(settings.out, runId);
  await writer.writeJson("job.json", job);
  const jobName = job.metadata!.name!;
  const onLogLine = (line: string) => {
    if (!/^\s*[{[]/.test(line)) say(`  │ ${line}`); // the result JSON is long; everything else is progress
  };
  return runClusterJob({ kube, settings, job, runId, writer, say, warn, onLogLine }, async (outcome, logPath) => {
    const steps = await collectSteps(outcome, writer, warn);
    const failed = failedStepsInLog(outcome.log);
    for (const f of failed) warn(`step c=${f.concurrency} failed in the Job (exit ${f.exit}); see ${logPath}`);
    const missing = concurrency.filter((c) => !steps.some((s) => s.concurrency === c));
    const partial = outcome.end !== "succeeded" || missing.length > 0;


    await writer.writeJson("summary.json", {
      runId,
      engine: engineName,
      namespace: kube.namespace,
      job: { name: jobName, end: outcome.end, message: outcome.message, pod: outcome.podName, node: outcome.nodeName, logComplete: outcome.logComplete },
      target: { baseUrl: target.baseUrl, endpoint: target.endpoint, model: target.model },
      status: partial ? "partial" : "complete",
      warnings,
      steps: steps.map((s) => ({ concurrency: s.concurrency, file: stepFileName(s.concurrency, "step"), completed: s.result.completed, failed: s.result.failed ?? null })),
    });

    if (steps.length === 0) {
      io.stdout.write(`results: ${writer.dir} (no step finished; the Job's log is in job.log)\n`);
      const hint =
        outcome.end === "start-timeout"
          ? "check the node pool and quotas (kubectl describe pod), or raise START_TIMEOUT"
          : outcome.end === "interrupted"
            ? "rerun make bench when ready"
            : `read ${logPath}; a wrong target shows as connection errors (check the ${BENCH_TARGET_CONFIGMAP} ConfigMap)`;
      const error = outcome.end === "interrupted" ? new InterruptedError(`make bench stopped before any step finished`, hint) : new EnvironmentError(`the sweep produced no result: ${outcome.message}`, hint);
      throw error;
    }

    const context = await readClusterContext(kube, { target: serviceOfUrl(target.baseUrl, kube.namespace), baseUrl: target.baseUrl });
    for (const note of context.notes) say(`note: ${note}`);
    const windows = steps.map((s) => ({ key: s.concurrency, label: `c=${s.concurrency}`, startMs: s.result.started_at_ms, endMs: s.result.ended_at_ms }));
    const metrics = await readPeaks(kube, settings, windows, context, target.model, warn);
    const targetInfo: TargetInfo = {
      model: target.model,
      modelRoot: null,
      serverVersion: context.serverVersion ?? null,
      simulator: context.simulator ?? null,
      simulatorProfile: context.simulatorProfile ?? null,
      maxNumSeqs: context.maxNumSeqs ?? null,
      servedModels: [target.model],
    };
    const reported = await reportRun({
      runId,
      gates: opts.gates ?? [],
      baselineFile: settings.record ?? "benchmarks.md",
      config,
      target: targetInfo,
      steps,
      peaks: metrics.peaks,
      gpu: null,
      writer,
      record: partial ? null : settings.record,
      perStep: jobEnv(job, "NUM_PROMPTS") || `max(${jobEnv(job, "MIN_PROMPTS")}, ${jobEnv(job, "PROMPTS_PER_STEP")}×c)`,
      io,
      series: metrics.series,
      charts: settings.charts,
      engine: engineName,
      cluster: {
        ...(context.gpu ? { gpu: context.gpu } : {}),
        ...(context.machineType ? { machineType: context.machineType } : {}),
        ...(context.driver ? { driver: context.driver } : {}),
        ...(context.cuda ? { cuda: context.cuda } : {}),
        ...(context.dtype ? { dtype: context.dtype } : {}),
        ...(context.serverArgs ? { serverArgs: context.serverArgs } : {}),
      },
    });
    if (partial && settings.record) say(`not recorded in ${settings.record}: the run is partial${missing.length ? ` (no result for c=${missing.join(",")})` : ""}`);
    io.stdout.write(`results: ${writer.dir} (${partial ? "partial" : "complete"})\n`);
    if (outcome.end === "interrupted") throw new InterruptedError(`make bench stopped by Ctrl-C after ${steps.length} of ${concurrency.length} steps`, `partial results are in ${writer.dir}`);
    if (outcome.end !== "succeeded") {
      throw new EnvironmentError(`${outcome.message}; ${steps.length} of ${concurrency.length} steps have results`, `the steps that finished are reported above and saved in ${writer.dir}; the Job's log is ${logPath}`);
    }
    throwIfGatesFailed(reported.gates, `${writer.dir}/gates.json`);
    return { dir: writer.dir, steps, outcome };
  });
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
  onLogLine(line: string): void;
}

/**
 * Ships the native engine (ENGINE=native), replaces a finished Job of the same name, runs this one to its end
 * (Ctrl-C stops waiting), saves its log as job.log and hands the outcome to `use`. Whatever happens, the Job
 * does not outlive the runner's interest in it (it would go on loading the server): a Job that did not end by
 * itself is deleted before `use` runs, and every Job (unless --keep-job) and the bundle before this returns.
 */
export async function runClusterJob<T>(ctx: ClusterJobContext, use: (outcome: JobOutcome, logPath: string) => Promise<T>): Promise<T> {
  const { kube, settings, job, runId, writer, say, warn } = ctx;
  if (settings.engine === "native") await shipEngineBundle(kube, runId, say);
  const jobName = job.metadata!.name!;
  await refuseIfAnotherRunIsActive(kube, jobName);
  if (await deleteJob(kube, jobName, { waitMs: 120_000 })) say(`deleted the previous Job ${jobName}`);

  const bundleConfigMap = objectMeta("engine-bundle").name;
  let cleaned = false;
  let keep = settings.keepJob;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (!keep) await deleteJob(kube, jobName, { waitMs: 60_000 }).catch((e: unknown) => warn(`could not delete Job ${jobName}: ${(e as Error).message}`));
    if (settings.engine === "native") await kube.core.deleteNamespacedConfigMap({ name: bundleConfigMap, namespace: kube.namespace }).catch(() => undefined);
  };
  try {
    const interrupt = installInterrupt({ graceMs: 0, onStop: () => say("stopping: deleting the Job (it would go on loading the server)…"), onAbort: () => undefined });
    const logPath = join(writer.dir, "job.log");
    let outcome: JobOutcome;
    say(`created Job ${jobName}; results in ${writer.dir}`);
    try {
      outcome = await runBenchJob(kube, {
        job,
        runId,
        startTimeoutMs: settings.startTimeoutMin * 60_000,
        runTimeoutMs: settings.runTimeoutMin * 60_000,
        signal: interrupt.stop,
        onStage: (stage) => say(`pod: ${stage.text}`),
        onNotice: (text) => say(`note: ${text}`),
        onLogLine: ctx.onLogLine,
      });
    } finally {
      interrupt.dispose();
    }
    await writeFileAtomically(logPath, outcome.log + "\n");
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

/** The sweep as the analysis and the record see it; a setting they reject is a UsageError before the Job exists. */
function sweepConfigOf(job: V1Job, target: { baseUrl: string; model: string; endpoint: string }, concurrency: number[], out: string): SweepConfig {
  const parsed = sweepConfigSchema.safeParse({
    baseUrl: target.baseUrl,
    model: target.model,
    endpoint: target.endpoint,
    concurrency,
    inputLen: Number(jobEnv(job, "INPUT_LEN")),
    outputLen: Number(jobEnv(job, "OUTPUT_LEN")),
    seed: Number(jobEnv(job, "SEED")),
    ...(jobEnv(job, "NUM_PROMPTS") ? { numPrompts: Number(jobEnv(job, "NUM_PROMPTS")) } : {}),
    out,
  });
  if (parsed.success) return parsed.data;
  const names: Record<string, string> = { baseUrl: "BASE_URL", model: "BENCH_MODEL", endpoint: "ENDPOINT", concurrency: "CONCURRENCY", inputLen: "INPUT_LEN", outputLen: "OUTPUT_LEN", numPrompts: "NUM_PROMPTS", seed: "SEED" };
  const lines = parsed.error.issues.map((i) => `${names[String(i.path[0])] ?? i.path.join(".")}: ${i.message}`);
  throw new UsageError(`invalid sweep for make bench: ${lines.join("; ")}`, `fix the variable named (make bench …) or the ${BENCH_TARGET_CONFIGMAP} ConfigMap`);
}

/** The marked results of the log, parsed and saved step by step; a block that does not parse is a warning. */
async function collectSteps(outcome: JobOutcome, writer: Awaited<ReturnType<typeof createResultsWriter>>, warn: (w: string) => void): Promise<ReportStep[]> {
  const extracted = extractMarkedResults(outcome.log);
  // vLLM's result has no measured window; the log's timestamps give one (the native engine brings its own).
  const windows = stepWindowsFromLog(outcome.log.split("\n"), outcome.lineTimesMs);
  for (const e of extracted.errors) warn(`log line ${e.line}: ${e.message}`);
  for (const w of extracted.warnings) warn(w);
  const steps: ReportStep[] = [];
  for (const r of extracted.results) {
    try {
      const window = typeof r.json.started_at_ms === "number" ? undefined : windows.get(r.concurrency);
      const parsed = parseVllmResult(r.json, { concurrency: r.concurrency, ...(window ?? {}) });
      for (const w of parsed.warnings) warn(`c=${r.concurrency}: ${w}`);
      await writer.writeJson(stepFileName(r.concurrency, "step"), parsed.result);
      const res = parsed.result;
      if (res.failed) warn(`c=${r.concurrency}: ${res.failed} requests failed (${describeErrorCounts(res.errors_by_reason)})`);
      steps.push({ concurrency: r.concurrency, result: res, partial: false });
    } catch (err) {
      warn(err instanceof KneepointError ? err.message : String(err));
    }
  }
  return steps.sort((a, b) => a.concurrency - b.concurrency);
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
