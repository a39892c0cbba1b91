/**
 * The end of `make bench` for any Job (one pod, or PODS=N merged): the steps' windows → peaks from Prometheus (a URL,
 * or a Service through the API server), the table, knee and verdict, benchmarks.md, and the exit that fits how the
 * Job ended (a partial run is reported but not recorded).
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import type { TargetInfo } from "../engine/target-info.ts";
import { EnvironmentError, InterruptedError } from "../errors.ts";
import { BENCH_TARGET_CONFIGMAP } from "../k8s/manifest-names.ts";
import { readClusterContext } from "../k8s/read-cluster-context.ts";
import type { JobOutcome } from "../k8s/run-bench-job.ts";
import { serviceOfUrl } from "../k8s/service-proxy.ts";
import { loadPodsOf, readCoLocation } from "../k8s/co-location.ts";
import type { Gate } from "../gates/gate.ts";
import { reportRun, type ReportStep } from "./report-run.ts";
import { throwIfGatesFailed } from "./fail-on.ts";
import { jobEnv, readPeaks, type ClusterJobContext } from "./run-cluster-job.ts";
import type { CliIo } from "./run-sweep.ts";

export interface ClusterBenchReport {
  dir: string;
  steps: ReportStep[];
  outcome: Pick<JobOutcome, "end" | "message" | "hint">;
}

export interface AnalysisContext {
  ctx: ClusterJobContext;
  io: CliIo;
  gates: Gate[];
  engineName: string;
  target: { baseUrl: string; model: string; endpoint: string };
  concurrency: number[];
  config: SweepConfig;
  warnings: string[];
  /** --collect: the Job ran without this runner. */
  collected: boolean;
}

/** What the report needs of a Job, whichever way it ran (one pod, or N merged). */
export interface ClusterRunSteps {
  steps: ReportStep[];
  partial: boolean;
  /** Concurrency levels with no result. */
  missing: number[];
  outcome: Pick<JobOutcome, "end" | "message" | "hint">;
  logPath: string;
  /** How the no-result message names the log ("job.log", "shards/<i>/job.log"). */
  logName: string;
  /** Printed after the table, knee and verdict (PODS=N: the per-shard table). */
  afterTable?: () => void;
}

/** Steps → peaks from Prometheus, the table, knee, verdict and benchmarks.md, and the exit that fits the Job's end. */
export async function reportClusterRun(a: AnalysisContext, r: ClusterRunSteps): Promise<ClusterBenchReport> {
  const { kube, settings, job, runId, writer, say, warn } = a.ctx;
  const { io, engineName, target, concurrency, config } = a;
  const { steps, partial, missing, outcome, logPath } = r;
  if (steps.length === 0) {
    io.stdout.write(`results: ${writer.dir} (no step finished; the Job's log is in ${r.logName})\n`);
    const hint =
      outcome.hint ??
      (outcome.end === "start-timeout"
        ? "check the node pool and quotas (kubectl describe pod), or raise START_TIMEOUT"
        : outcome.end === "interrupted"
          ? "rerun make bench when ready"
          : `read ${logPath}; a wrong target shows as connection errors (check the ${BENCH_TARGET_CONFIGMAP} ConfigMap)`);
    const error = outcome.end === "interrupted" ? new InterruptedError(`make bench stopped before any step finished`, hint) : new EnvironmentError(`the sweep produced no result: ${outcome.message}`, hint);
    throw error;
  }

  const targetService = serviceOfUrl(target.baseUrl, kube.namespace);
  const context = await readClusterContext(kube, { target: targetService, baseUrl: target.baseUrl });
  for (const note of context.notes) say(`note: ${note}`);
  const placement = await readCoLocation(kube, { loadPods: loadPodsOf(r.outcome), target: targetService, serverPods: context.serverPods });
  for (const note of placement.notes) say(`note: ${note}`);
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
    gates: a.gates,
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
      coLocation: placement.text,
    },
  });
  io.stdout.write(`${placement.line}\n`);
  for (const w of placement.warnings) warn(w);
  r.afterTable?.();
  if (partial && settings.record) say(`not recorded in ${settings.record}: the run is partial${missing.length ? ` (no result for c=${missing.join(",")})` : ""}`);
  io.stdout.write(`results: ${writer.dir} (${partial ? "partial" : "complete"})\n`);
  if (outcome.end === "interrupted") throw new InterruptedError(`make bench stopped by Ctrl-C after ${steps.length} of ${concurrency.length} steps`, `partial results are in ${writer.dir}`);
  if (outcome.end !== "succeeded") {
    const saved = `the steps that finished are reported above and saved in ${writer.dir}; the Job's log is ${logPath}`;
    throw new EnvironmentError(`${outcome.message}; ${steps.length} of ${concurrency.length} steps have results`, outcome.hint ? `${outcome.hint}; ${saved}` : saved);
  }
  throwIfGatesFailed(reported.gates, `${writer.dir}/gates.json`);
  return { dir: writer.dir, steps, outcome };
}

