/**
 * `kneepoint merge` for sweep shards: the shards' step states merged into one state per step and summarized by the
 * one summary path (src/metrics/step-state.ts), so the merged step is the step one process would have reported
 * over the same requests (exact on samples, within the histograms' stated bound beyond their exact cap). Writes
 * OUT as a sweep run directory (config.json, plan.json — the unsharded plan —, target.json, step-c<N>.json,
 * state-c<N>.json, summary.json with the shards) and returns what the CLI prints: the merged steps and the
 * per-shard rows. Also the library entry of the in-cluster collector (src/cli/collect-shard-dirs.ts writes the
 * shard directories from the pods' logs).
 *
 *   read the directories → check they are one plan's shards (check-shard-set.ts) → merge (pure) → write
 */
import { basename, dirname, resolve } from "node:path";
import { readdir } from "node:fs/promises";
import { UsageError } from "../errors.ts";
import { sweepConfigSchema, type SweepConfig } from "../config/sweep-config.ts";
import type { TargetInfo } from "../engine/target-info.ts";
import { mergeStepStates, summarizeStepState, type StepState } from "../metrics/step-state.ts";
import { stepStateToJson } from "../metrics/step-state-json.ts";
import { DEFAULT_PERCENTILES, type StepResult } from "../metrics/summarize-step.ts";
import { createResultsWriter, stepFileName, type ResultsWriter } from "../report/results-writer.ts";
import { shardSweepPlan } from "../shard/split-sweep.ts";
import type { SweepPlan } from "../workload/sweep-plan.ts";
import { HARNESS_VERSION } from "../version.ts";
import { redactConfig } from "../redact.ts";
import { checkShardSet, type ShardSet } from "./check-shard-set.ts";
import { readSweepShardDir, stateFileName, type SweepShardDir } from "./read-shard-dir.ts";
import { refuseMixedKinds } from "./shard-kinds.ts";
import { shardStepRows, skewWarnings, type ShardStepFacts, type ShardStepRow } from "./shard-step-rows.ts";

export interface MergeOptions {
  /** Merge although shards are missing; the run is marked partial. */
  allowMissing?: boolean;
  /** Percentiles of the merged steps (default: the shards' config's). */
  percentiles?: readonly number[];
}

export interface MergedStep {
  concurrency: number;
  result: StepResult;
  /** A shard with a share of the step did not finish it (or is missing). */
  partial: boolean;
  state: StepState;
  /** Shards whose state went into the step. */
  shards: number[];
}

export interface SweepMergeResult {
  dir: string;
  runId: string;
  status: "complete" | "partial";
  planId: string;
  shardCount: number;
  missing: number[];
  /** The unsharded config (shard fields dropped), for the report. */
  config: SweepConfig;
  target: TargetInfo;
  plan: SweepPlan;
  steps: MergedStep[];
  shardRows: ShardStepRow[];
  warnings: string[];
}

type Merged = Pick<SweepMergeResult, "status" | "steps" | "shardRows" | "warnings" | "plan" | "target" | "config">;

/** Shard-only config keys: the merged run's config.json is the unsharded run's. */
function unshardedConfig(raw: Record<string, unknown>, out: string): SweepConfig {
  const { shard: _s, startAtEpochMs: _t, ...rest } = raw;
  const parsed = sweepConfigSchema.safeParse({ ...rest, out: dirname(out), dryRun: false });
  if (!parsed.success) {
    throw new UsageError(`the shards' config.json is not a sweep config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, "was it written by another kneepoint version? re-run the shards with this one");
  }
  return parsed.data;
}

function targetOf(set: ShardSet<SweepShardDir>): { target: TargetInfo; warnings: string[] } {
  const first = set.shards[0]!;
  const models = [...new Set(set.shards.map((s) => String(s.target.model)))];
  if (models.length > 1) {
    throw new UsageError(
      `the shards measured different models: ${set.shards.map((s) => `${s.dir}: ${String(s.target.model)}`).join(", ")}`,
      "start every shard with the same --model (or against the same target)",
    );
  }
  const versions = [...new Set(set.shards.map((s) => String(s.target.serverVersion ?? "unknown")))];
  const warnings = versions.length > 1 ? [`the shards saw different server versions (${versions.join(", ")}): were they behind one target?`] : [];
  return { target: first.target as unknown as TargetInfo, warnings };
}

function shardFacts(shard: SweepShardDir, concurrency: number, share: number): ShardStepFacts {
  const state = shard.states.get(concurrency);
  const step = shard.summary.steps.find((s) => s.concurrency === concurrency);
  const cpuFromSummary = step?.client_cpu_ms;
  if (!state) {
    return { shard: shard.index, share, measured: false, partial: share > 0, requests: null, startedAtMs: null, endedAtMs: null, clientCpuMs: null, scheduleDelayP50Ms: null, scheduleDelayP99Ms: null };
  }
  const delay = state.scheduleDelayMs.count > 0 ? state.scheduleDelayMs.describe([50, 99]) : null;
  return {
    shard: shard.index,
    share,
    measured: true,
    partial: step?.partial === true,
    requests: state.sent,
    startedAtMs: state.windowStartEpochMs,
    endedAtMs: state.windowEndEpochMs,
    clientCpuMs: typeof cpuFromSummary === "number" ? cpuFromSummary : state.clientCpuMs > 0 ? state.clientCpuMs : null,
    scheduleDelayP50Ms: delay?.percentiles.get(50) ?? null,
    scheduleDelayP99Ms: delay?.percentiles.get(99) ?? null,
  };
}

/** The merge itself, from directories already read and checked. Pure. */
export function mergeSweepShardSet(set: ShardSet<SweepShardDir>, out: string, opts: MergeOptions = {}): Merged {
  const first = set.shards[0]!;
  const config = unshardedConfig(first.config, out);
  const { target, warnings: targetWarnings } = targetOf(set);
  const plan: SweepPlan = { ...first.plan, target: { ...first.plan.target, model: target.model } };
  const percentiles = opts.percentiles ?? config.percentiles ?? DEFAULT_PERCENTILES;
  const shares = Array.from({ length: set.count }, (_, index) => shardSweepPlan(plan, { index, count: set.count }));
  const warnings = [...set.warnings, ...targetWarnings];
  const steps: MergedStep[] = [];
  const rows: ShardStepRow[] = [];
  const durations = new Map<number, number>();
  for (const [k, planned] of plan.steps.entries()) {
    const c = planned.concurrency;
    const shareOf = (s: SweepShardDir) => shares[s.index]!.steps[k]!.concurrency;
    // A shard that sat the step out sent nothing; its (empty) state's window would only widen the step's.
    const present = set.shards.filter((s) => s.states.has(c) && (shareOf(s) > 0 || s.states.get(c)!.sent > 0));
    if (present.length === 0) continue; // no shard reached the step: like a sweep stopped before it
    const facts = set.shards.map((s) => shardFacts(s, c, shareOf(s)));
    rows.push(...shardStepRows(c, facts));
    const missingShare = set.missing.some((i) => shares[i]!.steps[k]!.concurrency > 0);
    const partial = missingShare || facts.some((f) => f.share > 0 && (f.partial || !f.measured));
    const state = mergeStepStates(present.map((s) => s.states.get(c)!));
    const result = summarizeStepState(state, {
      backend: "kneepoint-native",
      endpointType: plan.target.apiKind === "chat" ? "openai-chat" : "openai",
      label: `c${c}`,
      modelId: target.model,
      tokenizerId: typeof first.target.tokenizer === "string" ? first.target.tokenizer : null,
      numPrompts: planned.numPrompts,
      requestRate: "inf",
      burstiness: 1,
      maxConcurrency: c,
      percentiles,
    });
    durations.set(c, result.duration * 1000);
    steps.push({ concurrency: c, result, partial, state, shards: present.map((s) => s.index) });
  }
  if (steps.length === 0) {
    throw new UsageError(`no shard saved a step state (${stateFileName(plan.steps[0]!.concurrency)}, …): there is nothing to merge`, "check the shards' logs: did they fail before their first step?");
  }
  warnings.push(...skewWarnings(rows, durations));
  const incomplete = steps.length < plan.steps.length || set.missing.length > 0 || steps.some((s) => s.partial) || set.shards.some((s) => s.summary.status === "partial");
  return { status: incomplete ? "partial" : "complete", steps, shardRows: rows, warnings, plan, target, config };
}

/** OUT must be new (or empty), and not one of the shards. */
async function checkOut(out: string, dirs: readonly string[]): Promise<void> {
  if (dirs.some((d) => resolve(d) === resolve(out))) throw new UsageError(`OUT ${out} is one of the shard directories`, "name a new directory for the merged run, e.g. results/merged");
  const files = await readdir(out).catch(() => [] as string[]);
  if (files.length > 0) throw new UsageError(`OUT ${out} already exists and is not empty`, "name a new directory for the merged run, or delete the old one first");
}

async function writeMerged(writer: ResultsWriter, runId: string, set: ShardSet<SweepShardDir>, merged: Merged): Promise<void> {
  await writer.writeJson("config.json", redactConfig(merged.config));
  await writer.writeJson("plan.json", merged.plan);
  await writer.writeJson("target.json", set.shards[0]!.target);
  for (const s of merged.steps) {
    await writer.writeJson(stepFileName(s.concurrency, "step"), s.result);
    await writer.writeJson(stateFileName(s.concurrency), stepStateToJson(s.state));
  }
  const starts = merged.steps.map((s) => s.result.started_at_ms);
  const ends = merged.steps.map((s) => s.result.ended_at_ms);
  const mismatches = (c: number) => set.shards.reduce((n, s) => n + (s.summary.steps.find((x) => x.concurrency === c)?.prompt_length_mismatches ?? 0), 0);
  const rowsOf = (index: number) => merged.shardRows.filter((r) => r.shard === index);
  await writer.writeJson("summary.json", {
    runId,
    status: merged.status,
    startedAt: new Date(Math.min(...starts)).toISOString(),
    endedAt: new Date(Math.max(...ends)).toISOString(),
    harnessVersion: HARNESS_VERSION,
    target: { baseUrl: merged.config.baseUrl, endpoint: merged.config.endpoint, model: merged.target.model, serverVersion: merged.target.serverVersion ?? null },
    tokenizer: set.shards[0]!.target.tokenizer ?? null,
    warnings: merged.warnings,
    merged: { planId: set.planId, shardCount: set.count, missing: set.missing },
    shards: set.shards.map((s) => ({
      index: s.index,
      dir: s.dir,
      status: s.summary.status ?? null,
      ...(s.summary.failure ? { failure: s.summary.failure } : {}),
      pod: s.summary.pod ?? null,
      node: s.summary.node ?? null,
      startAtEpochMs: s.startAtEpochMs,
      steps: rowsOf(s.index).map((r) => ({
        concurrency: r.step,
        workers: r.share,
        measured: r.measured,
        partial: r.partial,
        requests: r.requests,
        client_cpu_ms: r.clientCpuMs,
        client_cpu_pct: r.clientCpuPct,
        schedule_delay_p50_ms: r.scheduleDelayP50Ms,
        schedule_delay_p99_ms: r.scheduleDelayP99Ms,
        started_at_ms: r.startedAtMs,
        ended_at_ms: r.endedAtMs,
        start_skew_ms: r.startSkewMs,
        end_skew_ms: r.endSkewMs,
      })),
    })),
    steps: merged.steps.map((s) => ({
      concurrency: s.concurrency,
      partial: s.partial,
      file: stepFileName(s.concurrency, "step"),
      state: stateFileName(s.concurrency),
      shards: s.shards,
      completed: s.result.completed,
      failed: s.result.failed,
      errors_by_reason: s.result.errors_by_reason,
      prompt_length_mismatches: mismatches(s.concurrency),
    })),
  });
}

/**
 * Reads `dirs`, refuses them when they are not the shards of one plan (with the reason), merges them and writes
 * the merged run into `out` (a new or empty directory; its name is the run id).
 */
export async function mergeSweepShards(dirs: readonly string[], out: string, opts: MergeOptions = {}): Promise<SweepMergeResult> {
  if (dirs.length === 0) throw new UsageError("no shard directories given", "kneepoint merge OUT DIR… (the result directories of `kneepoint sweep --shard i/N`)");
  await refuseMixedKinds(dirs, "sweep");
  await checkOut(out, dirs);
  const shards = await Promise.all(dirs.map((d) => readSweepShardDir(d)));
  const set = checkShardSet(shards, opts);
  const merged = mergeSweepShardSet(set, out, opts);
  const runId = basename(resolve(out));
  const writer = await createResultsWriter(dirname(out), basename(out));
  await writeMerged(writer, runId, set, merged);
  return { dir: writer.dir, runId, planId: set.planId, shardCount: set.count, missing: set.missing, ...merged };
}
