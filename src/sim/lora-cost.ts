/**
 * What serving LoRA adapters costs in the simulator's performance model — a modelling choice, not a measurement.
 * Two effects, both after vLLM V1:
 *   1. scheduling (engine-model.ts): at most --max-loras distinct adapters in the running batch (vLLM's scheduler
 *      skips a waiting request whose adapter would exceed it), so with the default max_loras 1 traffic split over
 *      several adapters runs one adapter's requests at a time and queues the rest;
 *   2. step time: each distinct adapter in a step adds LORA_STEP_OVERHEAD_MS (the punica/SGMV shrink and expand
 *      kernels run once per adapter segment of the batch for every LoRA-wrapped layer, and the adapter's A/B
 *      weights are read). 0.5 ms is ~7 % of an 8B model's batch-1 decode step on the h100-8b profile, in the range
 *      vLLM's multi-LoRA benchmarks report for a few rank-16 adapters; a batch of base-model requests pays nothing.
 * Pure.
 */
import type { StepCost } from "./roofline.ts";

export const LORA_STEP_OVERHEAD_MS = 0.5;

/** `cost` plus `perAdapterMs` for every distinct adapter among the step's sequences. */
export function withLoraOverhead(cost: StepCost, scheduled: ReadonlyArray<{ seq: { lora: string | null } }>, perAdapterMs: number): StepCost {
  if (perAdapterMs === 0) return cost;
  const adapters = new Set<string>();
  for (const { seq } of scheduled) if (seq.lora !== null) adapters.add(seq.lora);
  return adapters.size === 0 ? cost : { ...cost, durationMs: cost.durationMs + adapters.size * perAdapterMs };
}

/** Distinct adapters of `seqs`, in first-seen order, joined as vLLM's label values are (",".join of dict keys). */
export function adapterLabel(seqs: Iterable<{ lora: string | null }>): string {
  const seen = new Set<string>();
  for (const s of seqs) if (s.lora !== null) seen.add(s.lora);
  return [...seen].join(",");
}
