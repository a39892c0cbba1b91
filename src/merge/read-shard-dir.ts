/**
 * Reads one shard result directory for `kneepoint merge`, and says what it is: a sweep shard (written by
 * `kneepoint sweep --shard i/N`, or by the cluster runner from a load pod's log), a scenario shard
 * (`kneepoint run --shard i/N`), or not a shard directory at all, with the reason. Validated here, once:
 *
 *   summary.json   { shard: { index, count, planId, startAtEpochMs? }, status?, steps: [{ concurrency, partial?,
 *                    prompt_length_mismatches?, client_cpu_ms? }], pod?, node?, failure? }
 *   plan.json      the shard's plan (its `unsharded` member is the plan the shards share) or the unsharded plan
 *   config.json    the effective sweep config (secrets redacted); target.json   what the shard learned of the target
 *   state-c<N>.json  the step's mergeable state (src/metrics/step-state.ts), one per step the shard measured
 *                    (stepFileName(c, "state"); `c<N>_state.json` is read too)
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UsageError } from "../errors.ts";
import { type StepState } from "../metrics/step-state.ts";
import { stepStateFromJson } from "../metrics/step-state-json.ts";
import type { SweepPlan } from "../workload/sweep-plan.ts";
import type { ShardIdentity } from "./check-shard-set.ts";
import { stepFileName } from "../report/results-writer.ts";
import { findScenarioManifest } from "./read-scenario-shard-dir.ts";

/** A step's state file in a shard (and in a merged) directory: results-writer.ts's name. */
export function stateFileName(concurrency: number): string {
  return stepFileName(concurrency, "state");
}

/** Where a step's state may be: summary.json's `state_file`, the writer's name, then `c<N>_state.json` (older collectors). */
function stateFileCandidates(concurrency: number, summary: ShardSummary): string[] {
  const named = summary.steps.find((s) => s.concurrency === concurrency)?.state_file;
  return [...(named ? [named] : []), stateFileName(concurrency), `c${concurrency}_state.json`];
}

const shardSummarySchema = z.object({
  shard: z.object({
    index: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    planId: z.string().min(1),
    startAtEpochMs: z.number().nullable().optional(),
  }),
  status: z.string().optional(),
  failure: z.string().optional(),
  pod: z.string().nullable().optional(),
  node: z.string().nullable().optional(),
  steps: z
    .array(
      z.object({
        concurrency: z.number().int().positive(),
        partial: z.boolean().optional(),
        prompt_length_mismatches: z.number().int().nonnegative().optional(),
        state_file: z.string().optional(),
        client_cpu_ms: z.number().nonnegative().nullable().optional(),
      }),
    )
    .default([]),
});

export type ShardSummary = z.infer<typeof shardSummarySchema>;

const plannedStepSchema = z.object({
  index: z.number().int().nonnegative(),
  concurrency: z.number().int().positive(),
  numPrompts: z.number().int().nonnegative(),
  warmup: z.number().int().nonnegative(),
  promptSeed: z.number(),
});
const sweepPlanSchema = z.looseObject({
  kind: z.literal("closed-loop-sweep"),
  target: z.looseObject({ apiKind: z.enum(["chat", "completion"]), model: z.string().nullable() }),
  steps: z.array(plannedStepSchema).min(1),
});

export interface SweepShardDir extends ShardIdentity {
  kind: "sweep";
  summary: ShardSummary;
  plan: SweepPlan;
  config: Record<string, unknown>;
  target: Record<string, unknown>;
  /** States of the steps the shard measured, by the step's (unsharded) concurrency. */
  states: Map<number, StepState>;
}

const NOT_A_SHARD_HINT = "pass the result directories of `kneepoint sweep --shard i/N` (results/<runId> of each shard)";

async function readJsonFile(dir: string, name: string): Promise<unknown> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${dir} is not a complete shard directory: cannot read ${name} (${code ?? (err as Error).message})`, NOT_A_SHARD_HINT);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`, "the file is damaged; re-run the shard or re-collect it");
  }
}

function invalid(path: string, error: z.ZodError): UsageError {
  const issues = error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return new UsageError(`${path} is not what a shard writes: ${issues.join("; ")}`, "was it written by another kneepoint version? re-run the shard with this one");
}

const SCENARIO_FILES = ["kneepoint_run.json", "config.yaml", "summary_lifecycle_metrics.json"];

/** What a directory is, by its files; throws when it is none of the shard kinds, saying why. */
export async function detectShardDir(dir: string): Promise<"sweep" | "scenario"> {
  const info = await stat(dir).catch(() => null);
  if (info === null) throw new UsageError(`${dir} does not exist`, NOT_A_SHARD_HINT);
  if (!info.isDirectory()) throw new UsageError(`${dir} is not a directory`, NOT_A_SHARD_HINT);
  const listed = await readdir(dir);
  const files = new Set(listed);
  if (findScenarioManifest(listed) !== null) return "scenario";
  if (files.has("summary.json")) {
    const summary = (await readJsonFile(dir, "summary.json")) as { shard?: unknown } | null;
    if (summary && typeof summary === "object" && summary.shard !== undefined && summary.shard !== null) return "sweep";
    if (files.has("plan.json")) {
      throw new UsageError(`${dir} is an unsharded sweep run (its summary.json has no shard): only shard directories merge`, NOT_A_SHARD_HINT);
    }
  }
  if (listed.some((f) => SCENARIO_FILES.some((name) => f.endsWith(name)))) {
    throw new UsageError(
      `${dir} is the report directory of an unsharded \`kneepoint run\` (it has no kneepoint_shard.json): only shard directories merge`,
      "pass the report directories of `kneepoint run --shard i/N`",
    );
  }
  if ([...files].some((f) => /^(c\d+_state|state-c\d+)\.json$/.test(f))) {
    throw new UsageError(`${dir} has step states but no summary.json naming its shard`, "the shard was stopped before it finished writing; re-run it");
  }
  throw new UsageError(`${dir} holds no kneepoint shard results (no summary.json with a shard)`, NOT_A_SHARD_HINT);
}

/** The unsharded plan of a shard's plan.json (its `unsharded` member, or the document itself). */
function unshardedPlanOf(doc: unknown, path: string): SweepPlan {
  const candidate = doc !== null && typeof doc === "object" && "unsharded" in doc ? (doc as { unsharded: unknown }).unsharded : doc;
  const parsed = sweepPlanSchema.safeParse(candidate);
  if (!parsed.success) throw invalid(path, parsed.error);
  return parsed.data as unknown as SweepPlan;
}

export async function readSweepShardDir(dir: string): Promise<SweepShardDir> {
  const rawSummary = await readJsonFile(dir, "summary.json");
  const summary = shardSummarySchema.safeParse(rawSummary);
  if (!summary.success) throw invalid(join(dir, "summary.json"), summary.error);
  const plan = unshardedPlanOf(await readJsonFile(dir, "plan.json"), join(dir, "plan.json"));
  const config = (await readJsonFile(dir, "config.json")) as Record<string, unknown>;
  const target = (await readJsonFile(dir, "target.json")) as Record<string, unknown>;
  const files = new Set(await readdir(dir));
  const states = new Map<number, StepState>();
  for (const step of plan.steps) {
    const name = stateFileCandidates(step.concurrency, summary.data).find((f) => files.has(f));
    if (name === undefined) continue;
    const path = join(dir, name);
    try {
      states.set(step.concurrency, stepStateFromJson(await readJsonFile(dir, name), path));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError((err as Error).message, "the state is damaged or from another kneepoint version; re-run the shard");
    }
  }
  const { index, count, planId, startAtEpochMs } = summary.data.shard;
  return { kind: "sweep", dir, index, count, planId, startAtEpochMs: startAtEpochMs ?? null, plan, config, target, summary: summary.data, states };
}
