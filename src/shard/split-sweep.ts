/**
 * One shard's part of a sweep plan (`kneepoint sweep --shard i/N`). Per step, the shard runs c_i of the step's
 * c workers (c_i = ⌊c/N⌋ + (i < c mod N ? 1 : 0)) and sends a contiguous slice of the unsharded step's prompt
 * set: warmup prompts [warmupOffset, warmupOffset + warmup) out of the step's W, measured prompts
 * [promptOffset, promptOffset + numPrompts) out of [W, W + M). Requests are split in proportion to the workers
 * (largest remainder, split-share.ts), so every worker of every shard sends about the same number of requests and
 * the shards of a step end together; when N divides c this is the even split. Over the N shards the slices are
 * disjoint and their union is the unsharded step's prompts, so the merged run sent exactly what one process
 * would have. A shard with no worker at a step (c < N) sends nothing in that step. Pure.
 */
import type { PlannedStep, SweepPlan } from "../workload/sweep-plan.ts";
import { closedLoopShare } from "./split-share.ts";
import { planId, type ShardSpec } from "./shard-spec.ts";

export interface ShardedStep extends PlannedStep {
  /** This shard's workers (0 when the shard sits the step out). */
  concurrency: number;
  /** This shard's measured requests. */
  numPrompts: number;
  /** This shard's warmup requests. */
  warmup: number;
  /** The unsharded step's prompt seed: every shard draws from the same prompt set. */
  promptSeed: number;
  /** The unsharded step's concurrency: names the step (c<level> files, labels), equal in every shard. */
  level: number;
  /** Index, in the unsharded step's prompt set (warmup first, then measured), of this shard's first measured prompt. */
  promptOffset: number;
  /** Index, in the same set, of this shard's first warmup prompt. */
  warmupOffset: number;
}

export interface ShardedSweepPlan extends Omit<SweepPlan, "steps" | "totalRequests"> {
  steps: ShardedStep[];
  /** Requests this shard sends (warmup included). */
  totalRequests: number;
  shard: { index: number; count: number; planId: string };
  /** The plan the shards share, as it was before splitting (what `kneepoint merge` writes as plan.json). */
  unsharded: SweepPlan;
}

export function shardSweepPlan(plan: SweepPlan, shard: ShardSpec): ShardedSweepPlan {
  const unsharded = structuredClone(plan);
  const steps = plan.steps.map((s): ShardedStep => {
    const measured = closedLoopShare(s.concurrency, s.numPrompts, shard);
    const warmup = closedLoopShare(s.concurrency, s.warmup, shard);
    return {
      index: s.index,
      concurrency: measured.workers.count,
      numPrompts: measured.requests.count,
      warmup: warmup.requests.count,
      promptSeed: s.promptSeed,
      level: s.concurrency,
      promptOffset: s.warmup + measured.requests.offset,
      warmupOffset: warmup.requests.offset,
    };
  });
  return {
    ...structuredClone(plan),
    steps,
    totalRequests: steps.reduce((n, s) => n + s.numPrompts + s.warmup, 0),
    shard: { index: shard.index, count: shard.count, planId: planId(unsharded) },
    unsharded,
  };
}

/** True when the shard has no worker at this step and sends nothing in it. */
export function isIdleStep(step: ShardedStep): boolean {
  return step.concurrency === 0;
}

/** Where a step's warmup and measured prompts sit in its prompt set, for a sharded step or an unsharded one. */
export function stepPromptRanges(step: PlannedStep | ShardedStep): { warmup: { first: number; count: number }; measured: { first: number; count: number } } {
  if ("promptOffset" in step) {
    return { warmup: { first: step.warmupOffset, count: step.warmup }, measured: { first: step.promptOffset, count: step.numPrompts } };
  }
  return { warmup: { first: 0, count: step.warmup }, measured: { first: step.warmup, count: step.numPrompts } };
}

/** The sharded plan as `--dry-run` prints it: what this shard sends of each step, and the steps it sits out. */
export function describeShardedSweepPlan(plan: ShardedSweepPlan): string {
  const { index, count, planId: id } = plan.shard;
  const t = plan.target;
  const range = (first: number, n: number) => (n === 1 ? `prompt ${first}` : `prompts ${first}–${first + n - 1}`);
  const lines = [
    `shard:    ${index}/${count} (0-based) of plan ${id}; \`kneepoint merge\` joins the ${count} shards' result directories`,
    `target:   ${t.baseUrl}${t.endpoint} (${t.apiKind}), model ${t.model ?? "(first of GET /v1/models)"}`,
    `requests: ${plan.request.inputLen} input / ${plan.request.outputLen} output tokens, ignore_eos ${plan.request.ignoreEos}, streamed`,
    `load:     closed loop, this shard's share of the workers and of each step's prompts, seed ${plan.load.seed}`,
    "steps:",
    ...plan.steps.map((s, i) => {
      const whole = plan.unsharded.steps[i]!;
      const head = `  c=${String(s.level).padEnd(5)}`;
      const runners = s.level === 1 ? "shard 0 runs its one worker" : `shards 0–${s.level - 1} run its ${s.level} workers`;
      if (isIdleStep(s)) return `${head} sends nothing (c=${s.level} < ${count} shards: ${runners})`;
      const warm = s.warmup ? ` after ${s.warmup} warmup (${range(s.warmupOffset, s.warmup)})` : "";
      return `${head} ${s.concurrency} of ${s.level} workers, ${s.numPrompts} of ${whole.numPrompts} requests (${range(s.promptOffset, s.numPrompts)} of the step's ${whole.warmup + whole.numPrompts})${warm}`;
    }),
    `total:    ${plan.totalRequests} of the plan's ${plan.unsharded.totalRequests} requests`,
  ];
  return lines.join("\n");
}
