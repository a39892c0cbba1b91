/**
 * `make bench` / `kneepoint bench`: the sweep as a Job in the cluster, analysed here. Renders
 * benchmarks/job.yaml for the engine, ships the native engine in a ConfigMap when ENGINE=native, replaces a
 * previous Job, streams the Job's log as progress, collects the marked results, reads peaks from Prometheus
 * (a URL, or a Service through the API server), and prints and records the table, knee and verdict like a
 * local sweep. The log and every parsed step are saved as they arrive; a failed or cut-short Job still
 * reports the steps it finished.
 * `--collect` (`make bench COLLECT=1`): the same analysis for the Job that already ran, or still runs (its runner
 * lost the API, the laptop slept): its pod's log is read (followed while it runs), nothing is created or deleted.
 * `PODS=N` (N ≥ 2, ENGINE=native): the sweep as an Indexed Job of N load pods, each sending its shard from a shared
 * start time; every pod is followed (run-indexed-job.ts), its log becomes shards/<i>/, and the merged run is
 * reported with a per-shard table (analyse-sharded-job.ts). `--collect` does the same for an Indexed Job.
 */
import type { V1Job } from "@kubernetes/client-node";
import { sweepConfigSchema, type SweepConfig } from "../config/sweep-config.ts";
import { extractMarkedResults } from "../engine/vllm/extract-marked-results.ts";
import { failedStepsInLog } from "../engine/vllm/result-markers.ts";
import { parseVllmResult } from "../engine/vllm/parse-vllm-result.ts";
import { KneepointError, UsageError } from "../errors.ts";
import type { BenchSettings } from "../k8s/bench-settings.ts";
import { connectKube } from "../k8s/kube-client.ts";
import { pickManifest, readManifests, type Manifest } from "../k8s/load-manifests.ts";
import { assertValidManifest } from "../k8s/kube-schema.ts";
import { objectMeta, BENCH_TARGET_CONFIGMAP, LABEL } from "../k8s/manifest-names.ts";
import { renderBenchJob } from "../k8s/render-bench-job.ts";
import type { JobOutcome } from "../k8s/run-bench-job.ts";
import { stepWindowsFromLog } from "../k8s/step-windows.ts";
import { readVllmValues, vllmImage } from "../k8s/vllm-values.ts";
import { describeErrorCounts } from "../metrics/summarize-step.ts";
import { createResultsWriter, newRunId, stepFileName } from "../report/results-writer.ts";
import { HARNESS_VERSION } from "../version.ts";
import type { ReportStep } from "./report-run.ts";
import type { Gate } from "../gates/gate.ts";
import { collectClusterJob, collectFollowedJob, readExistingJob } from "./collect-cluster-job.ts";
import { indexedPodsFollow, JOB_FILE, jobEnv, readTarget, runClusterJob, runFollowedJob, VALUES_FILE, type ClusterJobContext } from "./run-cluster-job.ts";
import type { IndexedJobOutcome } from "../k8s/run-indexed-job.ts";
import { analyseShardedJob } from "./analyse-sharded-job.ts";
import type { CliIo } from "./run-sweep.ts";
import { reportClusterRun, type AnalysisContext, type ClusterBenchReport } from "./report-cluster-run.ts";

export async function runClusterBench(settings: BenchSettings, io: CliIo, opts: { gates?: Gate[]; collect?: boolean } = {}): Promise<ClusterBenchReport> {
  const say = (s: string) => io.stderr.write(s + "\n");
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    say(`warning: ${w}`);
  };
  const kube = connectKube({ namespace: settings.namespace });
  const values = await readVllmValues(VALUES_FILE);
  let job: V1Job;
  let runId: string;
  let engine: BenchSettings["engine"];
  let pods: number;
  if (opts.collect) {
    say(`kneepoint ${HARNESS_VERSION}: make bench COLLECT=1, namespace ${kube.namespace} (context ${kube.context}, ${kube.server})`);
    job = await readExistingJob(kube, objectMeta("bench-job").name);
    runId = job.metadata?.labels?.[LABEL.runId] ?? newRunId(Date.now(), Math.random());
    engine = (job.spec?.template.spec?.containers[0]?.command ?? []).join(" ").includes("kneepoint.mjs") ? "native" : "vllm";
    pods = job.spec?.completionMode === "Indexed" ? (job.spec.completions ?? 1) : 1;
  } else {
    const source = pickManifest(await readManifests(JOB_FILE), "Job") as V1Job;
    runId = newRunId(Date.now(), Math.random());
    engine = settings.engine;
    pods = settings.pods;
    say(`kneepoint ${HARNESS_VERSION}: make bench, engine ${settings.engine}${pods > 1 ? `, ${pods} load pods` : ""}, namespace ${kube.namespace} (context ${kube.context}, ${kube.server})`);
    const bundleConfigMap = objectMeta("engine-bundle").name;
    const startDelayMs = settings.shardStartDelayS * 1000;
    const shards = pods > 1 ? { count: pods, startAtEpochMs: Date.now() + startDelayMs, startDelayMs } : undefined;
    job = renderBenchJob(source, { settings, namespace: kube.namespace, runId, vllmImage: vllmImage(values), bundleConfigMap, server: values, ...(shards ? { shards } : {}) });
    assertValidManifest(job as Manifest, JOB_FILE);
  }
  const image = job.spec?.template.spec?.containers[0]?.image ?? "";
  const engineName =
    (engine === "vllm" ? `vllm bench serve (${opts.collect ? image : vllmImage(values)})` : `native (kneepoint ${HARNESS_VERSION}, ${opts.collect ? image : settings.nodeImage})`) +
    (pods > 1 ? ` × ${pods} load pods (PODS=${pods}, merged)` : "");
  const target = await readTarget(kube, job);
  const concurrency = (jobEnv(job, "CONCURRENCY") ?? "").split(/\s+/).filter(Boolean).map(Number);
  // Checked before anything runs: a shape the analysis would reject must not cost a sweep's GPU time first.
  const config = sweepConfigOf(job, target, concurrency, settings.out, pods);
  say(`target: ${target.baseUrl}${target.endpoint}, model ${target.model} (from ${target.source})`);

  const writer = await createResultsWriter(settings.out, runId);
  await writer.writeJson("job.json", job);
  const onLogLine = (line: string, shard?: number) => {
    if (/^\s*[{[]/.test(line)) return; // the result JSON is long; everything else is progress
    if (shard === undefined) return say(`  │ ${line}`);
    // N pods' logs interleave: their blank lines and result-block markers say nothing the stage lines do not.
    if (line.trim() === "" || /=== kneepoint-(result|shard-state) c=\d+ (begin|end) ===\s*$/.test(line)) return;
    say(`  │ [${shard}] ${line}`);
  };
  const ctx: ClusterJobContext = { kube, settings, job, runId, writer, say, warn, onLogLine };
  const a: AnalysisContext = { ctx, io, gates: opts.gates ?? [], engineName, target, concurrency, config, warnings, collected: opts.collect === true };
  if (pods > 1) {
    const analyse = (outcome: IndexedJobOutcome) => analyseShardedJob({ a, config, count: pods }, outcome);
    return opts.collect
      ? collectFollowedJob(ctx, (podSelector) => indexedPodsFollow(ctx, pods, { attach: true, podSelector }), (o) => o.shards.some((sh) => sh.podName !== null), analyse)
      : runFollowedJob(ctx, indexedPodsFollow(ctx, pods), analyse);
  }
  const analyse = (outcome: JobOutcome, logPath: string) => analyseJob(a, outcome, logPath);
  return opts.collect ? collectClusterJob(ctx, analyse) : runClusterJob(ctx, analyse);
}

/** The Job's outcome → steps, summary.json, the report and benchmarks.md: the same for a run and for --collect. */
async function analyseJob(a: AnalysisContext, outcome: JobOutcome, logPath: string): Promise<ClusterBenchReport> {
  const { kube, job, runId, writer, say, warn } = a.ctx;
  const { engineName, target, concurrency, warnings } = a;
  const jobName = job.metadata!.name!;
  const steps = await collectSteps(outcome, writer, warn);
  const failed = failedStepsInLog(outcome.log);
  for (const f of failed) warn(`step c=${f.concurrency} failed in the Job (exit ${f.exit}); see ${logPath}`);
  const missing = concurrency.filter((c) => !steps.some((s) => s.concurrency === c));
  const partial = outcome.end !== "succeeded" || missing.length > 0;
  if (outcome.logGaps > 0) {
    // The kubelet serves only the current file: what rotated away while no stream was open cannot be read again.
    const gaps = `the log stream broke while the kubelet rotated the log file (${outcome.logGaps}×): lines written in between may be missing`;
    if (missing.length > 0) warn(`${gaps}, which may be why c=${missing.join(",")} has no result`);
    else say(`note: ${gaps}; every step's result arrived`);
  }

  await writer.writeJson("summary.json", {
    runId,
    engine: engineName,
    namespace: kube.namespace,
    job: { name: jobName, end: outcome.end, message: outcome.message, pod: outcome.podName, node: outcome.nodeName, logComplete: outcome.logComplete, logGaps: outcome.logGaps, ...(a.collected ? { collected: true } : {}) },
    target: { baseUrl: target.baseUrl, endpoint: target.endpoint, model: target.model },
    status: partial ? "partial" : "complete",
    warnings,
    steps: steps.map((s) => ({ concurrency: s.concurrency, file: stepFileName(s.concurrency, "step"), completed: s.result.completed, failed: s.result.failed ?? null })),
  });
  return reportClusterRun(a, { steps, partial, missing, outcome, logPath, logName: "job.log" });
}

/** The sweep as the analysis and the record see it; a setting they reject is a UsageError before the Job exists. */
function sweepConfigOf(job: V1Job, target: { baseUrl: string; model: string; endpoint: string }, concurrency: number[], out: string, pods: number): SweepConfig {
  const parsed = sweepConfigSchema.safeParse({
    // PODS=N: the same rules as the pods' own --shard i/N (e.g. no more pods than the highest concurrency).
    ...(pods > 1 ? { shard: { index: 0, count: pods } } : {}),
    baseUrl: target.baseUrl,
    model: target.model,
    endpoint: target.endpoint,
    concurrency,
    inputLen: Number(jobEnv(job, "INPUT_LEN")),
    outputLen: Number(jobEnv(job, "OUTPUT_LEN")),
    seed: Number(jobEnv(job, "SEED")),
    ...(jobEnv(job, "PROMPTS_PER_STEP") ? { promptsPerStep: Number(jobEnv(job, "PROMPTS_PER_STEP")) } : {}),
    ...(jobEnv(job, "NUM_PROMPTS") ? { numPrompts: Number(jobEnv(job, "NUM_PROMPTS")) } : {}),
    out,
  });
  if (parsed.success) {
    const { shard: _shard, ...config } = parsed.data;
    return config;
  }
  const names: Record<string, string> = { shard: "PODS", baseUrl: "BASE_URL", model: "BENCH_MODEL", endpoint: "ENDPOINT", concurrency: "CONCURRENCY", inputLen: "INPUT_LEN", outputLen: "OUTPUT_LEN", numPrompts: "NUM_PROMPTS", promptsPerStep: "PROMPTS_PER_STEP", seed: "SEED" };
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

