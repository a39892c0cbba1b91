/**
 * The verdict: which resource binds the server, with its evidence and a confidence (DESIGN.md §4; rules start
 * from research/peers-and-dcgm.md §3d). One ordered rules table; the first rule whose condition holds wins.
 * Thresholds are ours, not vendor-specified, and live in one object so they can be calibrated on a GPU box.
 * Absent series never count as 0: a rule whose inputs are absent cannot fire, and the verdict says what was
 * missing. Pure.
 */
import type { StepPeaks } from "../server-metrics/step-peaks.ts";

export type VerdictKind =
  | "errors"
  | "client-bound"
  | "not-saturated"
  | "kv-capacity-bound"
  | "batch-limit-bound"
  | "compute-bound"
  | "memory-bandwidth-bound"
  | "gpu-bound"
  | "saturated-unclear";

export interface VerdictThresholds {
  /** KV-cache usage at or above this (%) counts as full. */
  kvFullPct: number;
  /** GPU util at or above this (%) counts as busy. */
  gpuBusyPct: number;
  /** Tensor-pipe activity at or above this ratio counts as compute-heavy. */
  tensorHigh: number;
  /** The tensor pipe's practical ceiling in LLM serving (large GEMMs reach roughly half of the nominal 1.0). */
  tensorCeiling: number;
  /** DRAM activity at or above this ratio counts as bandwidth-heavy. */
  dramHigh: number;
  /** DRAM activity's practical ceiling (NVIDIA: "in practice a peak of ~0.8 is the maximum achievable"). */
  dramCeiling: number;
  /** The client kept fewer than this fraction of the configured requests in flight → client-bound. */
  clientShortfall: number;
  /** More than this fraction of a step's requests failed → the numbers describe the errors, not the server. */
  maxFailedFraction: number;
}

export const DEFAULT_VERDICT_THRESHOLDS: VerdictThresholds = {
  kvFullPct: 90,
  gpuBusyPct: 90,
  tensorHigh: 0.35,
  tensorCeiling: 0.5,
  dramHigh: 0.6,
  dramCeiling: 0.8,
  clientShortfall: 0.9,
  maxFailedFraction: 0.05,
};

/** Which of the two roofline ceilings the GPU is closer to: activity as a share of each practical ceiling. */
function closerCeiling(p: StepPeaks, t: VerdictThresholds): "compute" | "bandwidth" | null {
  if (p.tensorActiveMax === null || p.dramActiveMax === null) return null;
  return p.tensorActiveMax / t.tensorCeiling >= p.dramActiveMax / t.dramCeiling ? "compute" : "bandwidth";
}

export interface VerdictInput {
  /** The step the verdict reads: the most loaded one. */
  concurrency: number;
  /** max_concurrent_requests the client actually achieved at that step; null when the engine did not report it (older vLLM). */
  achievedConcurrency: number | null;
  /**
   * True when the knee was found or throughput gained less than the knee threshold at the last doubling;
   * null when a single step cannot show a trend.
   */
  saturated: boolean | null;
  /** The worst step's share of failed requests, with that step and its reasons. */
  failures: { fraction: number; concurrency: number; reasons: string };
  lastGainPerDoubling: number | null;
  peaks: StepPeaks;
  /** The server's max_num_seqs when known (server args, simulator profile). */
  maxNumSeqs: number | null;
}

export type Confidence = "high" | "medium" | "low";

export interface Verdict {
  kind: VerdictKind;
  /** One line, e.g. "memory-bound (KV-cache capacity): KV 97% peak, waiting 14, 3 preemptions at c=32". */
  headline: string;
  confidence: Confidence;
  /** What could not be checked, e.g. "DCGM profiling fields (DRAM/tensor activity) absent". */
  missing: string[];
}

type P = StepPeaks;
const has = (v: number | null): v is number => v !== null;
const pct = (v: number | null) => (has(v) ? `${Math.round(v)}%` : "absent");
const ratio = (v: number | null) => (has(v) ? v.toFixed(2) : "absent");
const num = (v: number | null) => (has(v) ? String(Math.round(v)) : "absent");

/** Evidence lists only what was measured; absent series are named in `missing`, never shown as 0. */
function evidence(p: P, parts: Array<[string, number | null, (v: number | null) => string]>): string {
  const shown = parts.filter(([, v]) => has(v)).map(([label, v, f]) => `${label} ${f(v)}`);
  return shown.length ? shown.join(", ") : "no server metrics";
}
function gpuEvidence(p: P): string {
  return evidence(p, [["GPU util", p.gpuUtilPctMax, pct], ["tensor", p.tensorActiveMax, ratio], ["DRAM", p.dramActiveMax, ratio]]);
}
function queueEvidence(p: P): string {
  return evidence(p, [["KV", p.kvCachePctMax, pct], ["running", p.runningMax, num], ["waiting", p.waitingMax, num]]);
}
function allEvidence(p: P): string {
  const g = gpuEvidence(p);
  const q = queueEvidence(p);
  if (g === q) return g; // both "no server metrics"
  return [g, q].filter((x) => x !== "no server metrics").join(", ");
}

interface Rule {
  kind: VerdictKind;
  when(i: VerdictInput, t: VerdictThresholds): boolean;
  headline(i: VerdictInput): string;
}

/**
 * Ordered: the first rule that holds is the verdict. Queueing evidence (a full KV cache or a full batch, with
 * requests waiting or preempted) comes before the throughput trend: a server that queues is at capacity for
 * this workload even if batching still buys a little throughput.
 */
export const VERDICT_RULES: readonly Rule[] = [
  {
    kind: "errors",
    when: (i, t) => i.failures.fraction > t.maxFailedFraction,
    headline: ({ failures: f }) =>
      `unreliable: ${Math.round(f.fraction * 100)}% of requests failed at c=${f.concurrency} (${f.reasons}); these numbers describe the errors, not the server`,
  },
  {
    kind: "client-bound",
    when: (i, t) => i.achievedConcurrency !== null && i.achievedConcurrency < t.clientShortfall * i.concurrency,
    headline: (i) => `client-bound: only ${i.achievedConcurrency} of ${i.concurrency} requests were in flight at once; the load generator, not the server, is the limit`,
  },
  {
    kind: "kv-capacity-bound",
    when: ({ peaks: p }, t) => has(p.kvCachePctMax) && p.kvCachePctMax >= t.kvFullPct && ((p.waitingMax ?? 0) > 0 || (p.preemptions ?? 0) > 0),
    headline: ({ peaks: p, concurrency }) =>
      `memory-bound (KV-cache capacity): KV ${pct(p.kvCachePctMax)} peak, waiting ${num(p.waitingMax)}, ${num(p.preemptions)} preemptions at c=${concurrency}`,
  },
  {
    kind: "batch-limit-bound",
    when: ({ peaks: p, maxNumSeqs }) => maxNumSeqs !== null && has(p.runningMax) && p.runningMax >= maxNumSeqs && (p.waitingMax ?? 0) > 0,
    headline: ({ peaks: p, maxNumSeqs, concurrency }) =>
      `batch-limit-bound: running ${num(p.runningMax)} = max_num_seqs ${maxNumSeqs}, waiting ${num(p.waitingMax)}, KV ${pct(p.kvCachePctMax)} at c=${concurrency}`,
  },
  {
    kind: "not-saturated",
    when: (i) => i.saturated === false,
    headline: (i) =>
      `not saturated: throughput still ${i.lastGainPerDoubling === null ? "rising" : `+${Math.round(i.lastGainPerDoubling * 100)}% per doubling`} at c=${i.concurrency}; ` +
      allEvidence(i.peaks),
  },
  {
    kind: "compute-bound",
    when: ({ peaks: p }, t) => has(p.tensorActiveMax) && p.tensorActiveMax >= t.tensorHigh && closerCeiling(p, t) !== "bandwidth",
    headline: ({ peaks: p, concurrency }) => `compute-bound: ${allEvidence(p)} at c=${concurrency}`,
  },
  {
    kind: "memory-bandwidth-bound",
    when: ({ peaks: p }, t) => has(p.dramActiveMax) && p.dramActiveMax >= t.dramHigh && closerCeiling(p, t) !== "compute",
    headline: ({ peaks: p, concurrency }) => `memory-bandwidth-bound: ${allEvidence(p)} at c=${concurrency}`,
  },
  {
    kind: "gpu-bound",
    when: ({ peaks: p }, t) => has(p.gpuUtilPctMax) && p.gpuUtilPctMax >= t.gpuBusyPct,
    headline: ({ peaks: p, concurrency }) =>
      has(p.tensorActiveMax) && has(p.dramActiveMax)
        ? `GPU-bound (busy, but neither the tensor pipe nor DRAM is near its ceiling: kernel launch, sampling or attention overheads?): ${allEvidence(p)} at c=${concurrency}`
        : `GPU-bound (compute or memory bandwidth; without DCGM profiling fields the two cannot be told apart): ${allEvidence(p)} at c=${concurrency}`,
  },
  {
    kind: "saturated-unclear",
    when: () => true,
    headline: ({ peaks: p, concurrency, saturated }) =>
      saturated === null
        ? `trend unknown: one step cannot show whether throughput still rises (sweep several levels); ${allEvidence(p)} at c=${concurrency}`
        : `saturated, binding resource unclear: ${allEvidence(p)} at c=${concurrency}`,
  },
];

function missingInputs(p: P): string[] {
  const out: string[] = [];
  const values = [p.gpuUtilPctMax, p.gpuMemUsedPctMax, p.dramActiveMax, p.tensorActiveMax, p.powerWMax, p.kvCachePctMax, p.runningMax, p.waitingMax, p.preemptions];
  if (p.samples === 0 && values.every((v) => v === null)) return ["server metrics were not read (give --prometheus-url, or let kneepoint scrape the target's /metrics)"];
  if (!has(p.kvCachePctMax) || !has(p.waitingMax) || !has(p.runningMax)) out.push("vLLM scheduler/KV metrics (vllm:kv_cache_usage_perc, vllm:num_requests_*) absent");
  if (!has(p.gpuUtilPctMax)) out.push("DCGM GPU metrics absent");
  if (!has(p.dramActiveMax) || !has(p.tensorActiveMax)) out.push("DCGM profiling fields (DCGM_FI_PROF_DRAM_ACTIVE, _PIPE_TENSOR_ACTIVE) absent");
  if (p.underSampled) out.push(`under-sampled: ${p.samples} scrape(s) in the step's window`);
  return out;
}

export function decideVerdict(input: VerdictInput, t: VerdictThresholds = DEFAULT_VERDICT_THRESHOLDS): Verdict {
  const rule = VERDICT_RULES.find((r) => r.when(input, t))!;
  const missing = missingInputs(input.peaks);
  let confidence: Confidence = "high";
  const p = input.peaks;
  const vllmMissing = !has(p.kvCachePctMax) || !has(p.waitingMax);
  const profMissing = !has(p.dramActiveMax) || !has(p.tensorActiveMax);
  if (rule.kind === "client-bound" || rule.kind === "errors") confidence = "high";
  else if (rule.kind === "saturated-unclear" || (vllmMissing && !has(p.gpuUtilPctMax))) confidence = "low";
  else if (vllmMissing || profMissing || rule.kind === "gpu-bound") confidence = "medium";
  if (p.underSampled && confidence !== "low") confidence = confidence === "high" ? "medium" : "low";
  return { kind: rule.kind, headline: rule.headline(input), confidence, missing };
}
