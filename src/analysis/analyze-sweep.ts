/**
 * The sweep's analysis: the knee over all steps, then the verdict read at the most loaded step.
 * Pure: takes step results and peaks, returns what the report prints.
 */
import { describeErrorCounts, type StepSummary } from "../metrics/summarize-step.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import { ABSENT_PEAKS } from "../server-metrics/step-peaks.ts";
import { DEFAULT_KNEE_THRESHOLDS, findKnee, type Knee, type KneeThresholds } from "./knee.ts";
import { decideVerdict, DEFAULT_VERDICT_THRESHOLDS, type Verdict, type VerdictThresholds } from "./verdict.ts";

export interface AnalyzedStep {
  concurrency: number;
  result: StepSummary;
  peaks: StepPeaks | null;
}

export interface SweepAnalysis {
  knee: Knee;
  verdict: Verdict | null;
}

/** The step with the largest share of failed requests, and its reasons ("http ×54, disconnect ×2"). */
export function worstFailures(steps: readonly AnalyzedStep[]): { fraction: number; concurrency: number; reasons: string } {
  let worst = { fraction: 0, concurrency: steps[0]?.concurrency ?? 0, reasons: "" };
  for (const s of steps) {
    const failed = s.result.failed ?? 0;
    const total = s.result.completed + failed;
    const fraction = total > 0 ? failed / total : 0;
    if (fraction > worst.fraction) {
      worst = { fraction, concurrency: s.concurrency, reasons: describeErrorCounts(s.result.errors_by_reason) };
    }
  }
  return worst;
}

export function analyzeSweep(
  steps: readonly AnalyzedStep[],
  opts: { maxNumSeqs: number | null; knee?: KneeThresholds; verdict?: VerdictThresholds },
): SweepAnalysis {
  // A step is usable when it has the two numbers the knee needs (a vllm bench serve result may lack one).
  const usable = steps
    .filter((s) => s.result.completed > 0 && isNumber(s.result.output_throughput) && isNumber(s.result.median_e2el_ms))
    .sort((a, b) => a.concurrency - b.concurrency);
  const kneeThresholds = opts.knee ?? DEFAULT_KNEE_THRESHOLDS;
  const knee = findKnee(
    usable.map((s) => ({ concurrency: s.concurrency, outputThroughput: s.result.output_throughput as number, latencyMs: s.result.median_e2el_ms as number })),
    kneeThresholds,
  );
  const last = usable.at(-1);
  if (!last) return { knee, verdict: null };
  const lastGain = knee.gains.at(-1)?.gainPerDoubling ?? null;
  const saturated = usable.length < 2 ? null : knee.concurrency !== null || (lastGain !== null && lastGain < kneeThresholds.minGainPerDoubling);
  const verdict = decideVerdict(
    {
      concurrency: last.concurrency,
      achievedConcurrency: last.result.max_concurrent_requests ?? null,
      saturated,
      failures: worstFailures(steps),
      lastGainPerDoubling: lastGain,
      peaks: last.peaks ?? ABSENT_PEAKS,
      maxNumSeqs: opts.maxNumSeqs,
    },
    opts.verdict ?? DEFAULT_VERDICT_THRESHOLDS,
  );
  return { knee, verdict };
}

/** The knee in words, consistent with the verdict: the one sentence every report prints. */
export function describeKnee(a: SweepAnalysis): string {
  const k = a.knee.concurrency;
  if (k !== null) {
    const gain = a.knee.gains.find((g) => g.from === k)?.gainPerDoubling;
    const beyond = gain === null || gain === undefined ? "little" : `${Math.round(gain * 100)}% per doubling`;
    return `c=${k} (beyond it throughput gains ${beyond} while latency grows)`;
  }
  if (a.verdict?.kind === "kv-capacity-bound" || a.verdict?.kind === "batch-limit-bound") {
    return "not visible in throughput, but the server already queues at the last step (see the verdict)";
  }
  if (a.knee.gains.length === 0) return "needs at least two steps";
  const last = a.knee.gains.at(-1)!;
  if (last.gainPerDoubling !== null && last.gainPerDoubling < DEFAULT_KNEE_THRESHOLDS.minGainPerDoubling) {
    const growth = last.latencyGrowth === null ? "" : ` (E2EL ${last.latencyGrowth >= 0 ? "+" : ""}${Math.round(last.latencyGrowth * 100)}%)`;
    return `not marked: throughput stopped rising from c=${last.from} to c=${last.to} (${Math.round(last.gainPerDoubling * 100)}% per doubling) but latency barely grew${growth}`;
  }
  return "not reached (throughput still rising at the last step; sweep higher to find it)";
}

function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}
