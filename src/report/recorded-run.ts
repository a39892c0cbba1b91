/**
 * The machine-readable summary of a run embedded in its benchmarks.md section (an HTML comment, invisible
 * when rendered), so later runs can find their baseline without parsing tables. Pure.
 */
import type { StepRow } from "./step-rows.ts";

/** A step's headline numbers; null where the engine's result lacked the key (older `vllm bench serve`). */
export interface RecordedStep {
  c: number;
  reqPerS: number | null;
  outTokPerS: number | null;
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
  itlP50Ms: number | null;
  e2elP50Ms: number | null;
  e2elP99Ms: number | null;
  failed: number | null;
}

export interface RecordedRun {
  runId: string;
  recordedAt: string;
  model: string;
  /** Request shape key: runs compare only with the same one, e.g. "256/128 /v1/completions". */
  shape: string;
  /** Simulated runs compare only with simulated runs of the same GPU string, never with real GPUs. */
  simulated: boolean;
  gpu: string;
  knee: number | null;
  steps: RecordedStep[];
}

const MARK = "kneepoint-run";

/** Three decimals are far below any meaningful difference and keep the comment readable. */
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function recordedSteps(rows: StepRow[]): RecordedStep[] {
  const pick = (r: StepRow["result"], key: string): number | null => {
    const v = (r as unknown as Record<string, unknown>)[key];
    return typeof v === "number" && Number.isFinite(v) ? round3(v) : null;
  };
  return rows.map(({ concurrency, result: r }) => ({
    c: concurrency,
    reqPerS: pick(r, "request_throughput"),
    outTokPerS: pick(r, "output_throughput"),
    ttftP50Ms: pick(r, "median_ttft_ms"),
    ttftP99Ms: pick(r, "p99_ttft_ms"),
    itlP50Ms: pick(r, "median_itl_ms"),
    e2elP50Ms: pick(r, "median_e2el_ms"),
    e2elP99Ms: pick(r, "p99_e2el_ms"),
    failed: r.failed ?? null,
  }));
}

export function recordComment(run: RecordedRun): string {
  // "--" may not appear inside an HTML comment; JSON of our fields cannot contain it except in strings.
  return `<!-- ${MARK} ${JSON.stringify(run).replace(/--/g, "-\\u002d")} -->`;
}

/** Every run recorded in a benchmarks.md text, oldest first; malformed comments are skipped. */
export function parseRecordedRuns(markdown: string): RecordedRun[] {
  const out: RecordedRun[] = [];
  const re = new RegExp(`<!-- ${MARK} (\\{.*?\\}) -->`, "g");
  for (const m of markdown.matchAll(re)) {
    try {
      const run = JSON.parse(m[1]!) as RecordedRun;
      if (typeof run.runId === "string" && Array.isArray(run.steps)) out.push(run);
    } catch {
      // a hand-edited or truncated comment is not a baseline
    }
  }
  return out;
}
