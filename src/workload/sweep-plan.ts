/**
 * The sweep's plan: pure and seeded (CONVENTIONS.md, habit 2). `--dry-run` prints it; only the runner turns
 * it into traffic. Each step gets its own prompt seed, so no step re-sends another step's prompts and a
 * server's prefix cache cannot make later steps look faster than they are.
 */
import { apiKindOf, promptsForStep, type SweepConfig } from "../config/sweep-config.ts";
import { deriveSeed } from "./rng.ts";

export interface PlannedStep {
  index: number;
  concurrency: number;
  /** Measured requests. */
  numPrompts: number;
  /** Unmeasured requests sent first, at the same concurrency. */
  warmup: number;
  /** Seed of this step's prompts (derived from the run's seed and the step index). */
  promptSeed: number;
}

export interface SweepPlan {
  kind: "closed-loop-sweep";
  target: { baseUrl: string; endpoint: string; apiKind: "chat" | "completion"; model: string | null };
  request: { inputLen: number; outputLen: number; ignoreEos: boolean; stream: true };
  load: { pattern: "closed-loop"; requestRate: "inf"; seed: number };
  steps: PlannedStep[];
  totalRequests: number;
}

export function buildSweepPlan(cfg: SweepConfig): SweepPlan {
  const levels = [...cfg.concurrency].sort((a, b) => a - b);
  const steps = levels.map((concurrency, index) => ({
    index,
    concurrency,
    numPrompts: promptsForStep(cfg, concurrency),
    warmup: cfg.warmup,
    promptSeed: deriveSeed(cfg.seed, index),
  }));
  return {
    kind: "closed-loop-sweep",
    target: { baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, apiKind: apiKindOf(cfg.endpoint), model: cfg.model ?? null },
    request: { inputLen: cfg.inputLen, outputLen: cfg.outputLen, ignoreEos: cfg.ignoreEos, stream: true },
    load: { pattern: "closed-loop", requestRate: "inf", seed: cfg.seed },
    steps,
    totalRequests: steps.reduce((n, s) => n + s.numPrompts + s.warmup, 0),
  };
}

/** The plan as the few lines `--dry-run` prints. */
export function describePlan(plan: SweepPlan): string {
  const t = plan.target;
  const lines = [
    `target:   ${t.baseUrl}${t.endpoint} (${t.apiKind}), model ${t.model ?? "(first of GET /v1/models)"}`,
    `requests: ${plan.request.inputLen} input / ${plan.request.outputLen} output tokens, ignore_eos ${plan.request.ignoreEos}, streamed`,
    `load:     closed loop (each worker sends its next request when the last one finishes), seed ${plan.load.seed}`,
    "steps:",
    ...plan.steps.map(
      (s) => `  c=${String(s.concurrency).padEnd(5)} ${s.numPrompts} requests${s.warmup ? ` after ${s.warmup} warmup` : ""}`,
    ),
    `total:    ${plan.totalRequests} requests`,
  ];
  return lines.join("\n");
}
