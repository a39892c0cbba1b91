/**
 * `make bench PODS=N` after its Indexed Job: every load pod's log becomes a shard directory (collect-shard-dirs.ts),
 * the shards are merged into the run (src/merge/, with allowMissing when a pod failed: the run is then partial),
 * the merged table is printed as for one pod, then the per-shard table (pod, node, client CPU, schedule delay, start
 * skew), and the merged steps go on to the same report as one pod's (report-cluster-run.ts): peaks over each merged
 * step's window, which is the union of its shards' windows, the verdict and benchmarks.md.
 */
import { join } from "node:path";
import type { SweepConfig } from "../config/sweep-config.ts";
import type { IndexedJobOutcome } from "../k8s/run-indexed-job.ts";
import type { StepSummary } from "../metrics/summarize-step.ts";
import { stepStateToJson } from "../metrics/step-state-json.ts";
import { checkShardSet } from "../merge/check-shard-set.ts";
import { mergeSweepShardSet, type MergedStep } from "../merge/merge-sweep-shards.ts";
import { readSweepShardDir, stateFileName } from "../merge/read-shard-dir.ts";
import { renderShardTable } from "../merge/render-shard-table.ts";
import type { ShardStepRow } from "../merge/shard-step-rows.ts";
import { redactConfig } from "../redact.ts";
import { stepFileName, type ResultsWriter } from "../report/results-writer.ts";
import { shardSweepPlan } from "../shard/split-sweep.ts";
import { planId } from "../shard/shard-spec.ts";
import { buildSweepPlan } from "../workload/sweep-plan.ts";
import { unionWindow, writeShardDir, type CollectedShard } from "./collect-shard-dirs.ts";
import { reportClusterRun, type AnalysisContext, type ClusterBenchReport } from "./report-cluster-run.ts";
import type { ReportStep } from "./report-run.ts";

/**
 * The shard directories merged with src/merge/'s parts (read, check, merge), written into the run directory that
 * already holds job.json and shards/ (mergeSweepShards wants an empty one): step-c<N>.json and state-c<N>.json.
 */
async function mergeIntoRun(dirs: string[], writer: ResultsWriter, allowMissing: boolean): Promise<{ steps: MergedStep[]; rows: ShardStepRow[]; warnings: string[]; missing: number[] }> {
  const set = checkShardSet(await Promise.all(dirs.map((d) => readSweepShardDir(d))), { allowMissing });
  const merged = mergeSweepShardSet(set, writer.dir);
  for (const st of merged.steps) await writer.writeJson(stateFileName(st.concurrency), stepStateToJson(st.state));
  return { steps: merged.steps, rows: merged.shardRows, warnings: [...merged.warnings], missing: set.missing };
}

/** The shards of a run, collected from their pods' logs and merged. */
export interface CollectedRun {
  shards: CollectedShard[];
  /** The merged steps, each over the union of its shards' windows. */
  steps: ReportStep[];
  rows: ShardStepRow[];
  /** Indexes the merge went without (their pods left no state). */
  missing: number[];
  /** Some pod failed or some step has no result: reported, never recorded. */
  partial: boolean;
  /** Levels with no merged result. */
  missingSteps: number[];
}

/**
 * Every pod's log → shards/<i>/ → the merge, written into the run directory (step-c<N>.json, state-c<N>.json).
 * Failed pods are named with their last log lines (through `warn`); the merge then goes on without them.
 */
export async function collectAndMergeShards(
  outcome: Pick<IndexedJobOutcome, "end" | "shards">,
  o: { writer: ResultsWriter; config: SweepConfig; model: string; target: { baseUrl: string; endpoint: string }; warn: (w: string) => void },
): Promise<CollectedRun> {
  const { writer, config, warn } = o;
  const count = outcome.shards.length;
  const unsharded = buildSweepPlan(config);
  unsharded.target.model = o.model;
  const files = {
    config: redactConfig(config),
    plan: (index: number) => shardSweepPlan(unsharded, { index, count }),
    target: { model: o.model, baseUrl: o.target.baseUrl, endpoint: o.target.endpoint },
  };
  const shards: CollectedShard[] = [];
  for (const run of outcome.shards) shards.push(await writeShardDir(writer.dir, run, count, config.concurrency, files));
  for (const sh of shards) {
    for (const p of sh.problems) warn(`load pod ${sh.index}: ${p}`);
    if (sh.failure) warn(`load pod ${sh.index} (${sh.podName ?? "no pod"}${sh.nodeName ? ` on ${sh.nodeName}` : ""}) ${sh.failure}${sh.tail.length ? `; its last lines:\n${sh.tail.map((l) => `    ${l}`).join("\n")}` : ""}`);
  }
  // The pods print their states, not their plan: plan.json is the runner's, which must be the plan the pods ran.
  const runnerPlanId = planId(unsharded);
  const podPlanIds = [...new Set(shards.flatMap((sh) => sh.states.map((b) => b.shard.planId)))];
  if (podPlanIds.some((id) => id !== runnerPlanId)) {
    warn(`the load pods ran plan ${podPlanIds.join(", ")}, the runner planned ${runnerPlanId} (did EXTRA_ARGS change the plan?): the merged steps' request counts follow the runner's plan`);
  }
  const usable = shards.filter((sh) => sh.states.length > 0);
  const failed = shards.filter((sh) => !sh.ok);
  let merged: Awaited<ReturnType<typeof mergeIntoRun>> = { steps: [], rows: [], warnings: [], missing: shards.map((sh) => sh.index) };
  if (usable.length > 0) {
    merged = await mergeIntoRun(
      usable.map((sh) => sh.dir),
      writer,
      usable.length < count,
    );
    for (const w of merged.warnings) warn(w);
  }
  // Each merged step's window spans its shards' (the first start to the last end): Prometheus' peaks cover it all.
  const steps = merged.steps.map((st): ReportStep => {
    const window = unionWindow(usable, st.concurrency);
    const result: StepSummary = window ? { ...st.result, started_at_ms: window.startedAtMs, ended_at_ms: window.endedAtMs } : st.result;
    return { concurrency: st.concurrency, result, partial: st.partial || failed.length > 0 };
  });
  for (const st of steps) await writer.writeJson(stepFileName(st.concurrency, "step"), st.result);
  const missingSteps = config.concurrency.filter((c) => !steps.some((st) => st.concurrency === c));
  const partial = outcome.end !== "succeeded" || failed.length > 0 || missingSteps.length > 0;
  return { shards, steps, rows: merged.rows, missing: merged.missing, partial, missingSteps };
}

export interface ShardedAnalysis {
  a: AnalysisContext;
  config: SweepConfig;
  count: number;
}

export async function analyseShardedJob(s: ShardedAnalysis, outcome: IndexedJobOutcome): Promise<ClusterBenchReport> {
  const { a, config, count } = s;
  const { kube, job, runId, writer, warn } = a.ctx;
  const { io, engineName, target, warnings } = a;
  const { shards, steps, rows, missing, partial, missingSteps } = await collectAndMergeShards(outcome, { writer, config, model: target.model, target, warn });
  await writer.writeJson("summary.json", {
    runId,
    engine: engineName,
    namespace: kube.namespace,
    job: { name: job.metadata!.name!, end: outcome.end, message: outcome.message, pods: count, logComplete: outcome.logComplete, ...(a.collected ? { collected: true } : {}) },
    shards: shards.map((sh) => ({ index: sh.index, dir: join("shards", String(sh.index)), pod: sh.podName, node: sh.nodeName, status: sh.ok ? "complete" : "partial", ...(sh.failure ? { failure: sh.failure } : {}) })),
    target: { baseUrl: target.baseUrl, endpoint: target.endpoint, model: target.model },
    status: partial ? "partial" : "complete",
    warnings,
    steps: steps.map((st) => ({ concurrency: st.concurrency, file: stepFileName(st.concurrency, "step"), completed: st.result.completed, failed: st.result.failed ?? null })),
    merged: { shardCount: count, missing },
    perShard: rows.map((r) => ({ ...r, pod: shards[r.shard]?.podName ?? null, node: shards[r.shard]?.nodeName ?? null })),
  });
  const placement = shards.map((sh) => `${sh.index}: ${sh.podName ?? "no pod"} on ${sh.nodeName ?? "no node"}${sh.failure ? ` (${sh.failure})` : ""}`).join("; ");
  const table = () => io.stdout.write(`per load pod (${count} pods${steps.length ? ", merged above" : ""}) — ${placement}\n${renderShardTable(rows, { color: io.isTty })}\n`);
  if (steps.length === 0) table();
  return reportClusterRun(a, {
    steps,
    partial,
    missing: missingSteps,
    outcome,
    logPath: join(writer.dir, "shards"),
    logName: "shards/<i>/job.log",
    afterTable: table,
  });
}
