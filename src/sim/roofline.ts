/**
 * The roofline cost of one engine step, and the memory arithmetic behind the KV-cache capacity.
 * Pure functions of a profile: no clock, no state.
 *
 *   bytes  = weight bytes + KV bytes of every scheduled sequence's context (read, plus the new KV written)
 *   FLOPs  = 2 × params × tokens in the step + 4 × layers × heads × head_dim per (token, context position)
 *   time   = max(bytes / (HBM bandwidth × memory efficiency), FLOPs / (peak × compute efficiency)) + overhead
 *
 * So a batch-1 decode step is bandwidth-bound (it streams all weights for one token), a large
 * decode batch or a prefill chunk is compute-bound. With tensor parallelism (serving.tensorParallelSize = N) the N
 * GPUs split the weights, the KV cache and the work: N × the framebuffer, N × the bandwidth, N × the FLOPs (the
 * all-reduces' cost is left inside the efficiencies).
 */
import type { SimProfile } from "./profiles.ts";

const MIB = 1024 * 1024;

/** GPUs one replica spans (vLLM's --tensor-parallel-size). */
const tp = (profile: SimProfile): number => profile.serving.tensorParallelSize ?? 1;

/** Bytes of K and V cached per token: 2 × layers × kv_heads × head_dim × bytes per element. */
export function kvBytesPerToken(profile: SimProfile): number {
  const m = profile.model;
  return 2 * m.layers * m.kvHeads * m.headDim * m.kvBytesPerElement;
}

export function weightBytes(profile: SimProfile): number {
  return profile.model.params * profile.model.weightBytesPerParam;
}

/** FLOPs of attention per (query token, context position): QKᵀ and PV, 2 FLOPs per multiply-add. */
export function attentionFlopsPerPair(profile: SimProfile): number {
  const m = profile.model;
  return 4 * m.layers * m.attentionHeads * m.headDim;
}

/**
 * KV-cache blocks vLLM would allocate: (framebuffer × gpu_memory_utilization − weights − reserve)
 * / (KV bytes per token × block size), rounded down.
 */
export function kvCapacityBlocks(profile: SimProfile, gpuMemoryUtilization = profile.serving.gpuMemoryUtilization): number {
  const budgetBytes =
    tp(profile) * profile.gpu.memoryMiB * MIB * gpuMemoryUtilization - weightBytes(profile) - profile.serving.nonKvReserveMiB * MIB;
  const blockBytes = kvBytesPerToken(profile) * profile.serving.blockSize;
  return Math.max(0, Math.floor(budgetBytes / blockBytes));
}

export function kvCapacityTokens(profile: SimProfile): number {
  return kvCapacityBlocks(profile) * profile.serving.blockSize;
}

/** What one step computes, summed over the scheduled sequences. */
export interface StepWork {
  /** Tokens processed in the step (prefill chunk tokens + one per decoding sequence). */
  tokens: number;
  /** Σ context length after the step over scheduled sequences: KV tokens read or written. */
  contextTokens: number;
  /** Σ over processed tokens of the context positions each attends to. */
  attentionPairs: number;
}

export interface StepCost {
  durationMs: number;
  bytes: number;
  flops: number;
  memoryMs: number;
  computeMs: number;
  bound: "memory" | "compute";
}

export function stepCost(profile: SimProfile, work: StepWork): StepCost {
  const s = profile.serving;
  const bytes = weightBytes(profile) + work.contextTokens * kvBytesPerToken(profile);
  const flops = 2 * profile.model.params * work.tokens + attentionFlopsPerPair(profile) * work.attentionPairs;
  const memoryMs = (bytes / (tp(profile) * profile.gpu.hbmBandwidthBytesPerS * s.memoryEfficiency)) * 1000;
  const computeMs = (flops / (tp(profile) * profile.gpu.peakTensorFlopsPerS * s.computeEfficiency)) * 1000;
  const bound = computeMs > memoryMs ? "compute" : "memory";
  return { durationMs: Math.max(memoryMs, computeMs) + s.stepOverheadMs, bytes, flops, memoryMs, computeMs, bound };
}

/** The work of processing `newTokens` tokens of one sequence that already has `computedTokens` in KV. */
export function sequenceWork(computedTokens: number, newTokens: number): StepWork {
  return {
    tokens: newTokens,
    contextTokens: computedTokens + newTokens,
    // positions computed+1 … computed+newTokens, each attending to itself and everything before it
    attentionPairs: newTokens * computedTokens + (newTokens * (newTokens + 1)) / 2,
  };
}

/** A decode step of `batch` sequences that each have `contextTokens` tokens before the step. */
export function decodeStepCost(profile: SimProfile, batch: number, contextTokens: number): StepCost {
  const one = sequenceWork(contextTokens, 1);
  return stepCost(profile, {
    tokens: batch * one.tokens,
    contextTokens: batch * one.contextTokens,
    attentionPairs: batch * one.attentionPairs,
  });
}
