/**
 * When each `vllm bench serve` step of the Job ran, from the kubelet's timestamps of its log lines. vLLM brackets
 * its timed phase with two lines of its own (vllm/benchmarks/serve.py):
 *
 *     Starting main benchmark run...                       (after the ready check and any warm-up requests;
 *                                                           older releases: "Initial test run completed. Starting …")
 *     ============ Serving Benchmark Result ============   (after the last request, before the metrics table)
 *
 * A window runs between them when both appear within the step, so torch's import, the tokenizer's download, the
 * dataset's sampling, the ready check and the warm-up are left out. Where one is missing (another client, an older
 * `vllm bench serve`), its edge falls back to the script's own markers: the `kneepoint: step c=N: …` line for the
 * start, the result's begin marker for the end. vLLM's JSON has only `date`, truncated to the second in the
 * container's local time; these windows are what the runner gives Prometheus. Pure.
 */
import { matchMarkerLine } from "../engine/vllm/result-markers.ts";

export interface LogWindow {
  startedAtMs: number;
  endedAtMs: number;
}

const STEP_START = /kneepoint: step c=(\d+):/;
/** vLLM's lines around the timed phase; anywhere in a line (a log prefix, or the older one-line form). */
const VLLM_MAIN_RUN = /Starting main benchmark run/;
const VLLM_RESULT = /=+ Serving Benchmark Result =+/;

interface OpenStep {
  concurrency: number;
  stepAt: number;
  mainRunAt?: number;
  resultAt?: number;
}

export function stepWindowsFromLog(lines: readonly string[], timesMs: readonly number[]): Map<number, LogWindow> {
  const windows = new Map<number, LogWindow>();
  let open: OpenStep | undefined;
  lines.forEach((line, i) => {
    const t = timesMs[i];
    if (t === undefined || !Number.isFinite(t)) return;
    const start = STEP_START.exec(line);
    if (start) {
      open = { concurrency: Number(start[1]), stepAt: t };
      return;
    }
    if (!open) return;
    if (VLLM_MAIN_RUN.test(line)) {
      // The last one counts: a step has one, but a retried run within the step would print it again.
      open.mainRunAt = t;
      open.resultAt = undefined;
      return;
    }
    if (VLLM_RESULT.test(line)) {
      if (open.resultAt === undefined) open.resultAt = t;
      return;
    }
    const marker = matchMarkerLine(line);
    if (marker?.edge !== "begin" || marker.concurrency !== open.concurrency || t < open.stepAt) return;
    const startedAtMs = open.mainRunAt ?? open.stepAt;
    const endedAtMs = open.resultAt !== undefined && open.resultAt >= startedAtMs ? open.resultAt : t;
    windows.set(marker.concurrency, { startedAtMs, endedAtMs });
    open = undefined;
  });
  return windows;
}
