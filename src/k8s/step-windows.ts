/**
 * When each `vllm bench serve` step of the Job ran, from the kubelet's timestamps of its log lines: from the
 * script's `kneepoint: step c=N: …` line to the result's begin marker. vLLM's own JSON has only `date`, truncated
 * to the second in the container's local time; these windows are what the runner gives Prometheus. Pure.
 */
import { matchMarkerLine } from "../engine/vllm/result-markers.ts";

export interface LogWindow {
  startedAtMs: number;
  endedAtMs: number;
}

const STEP_START = /kneepoint: step c=(\d+):/;

export function stepWindowsFromLog(lines: readonly string[], timesMs: readonly number[]): Map<number, LogWindow> {
  const starts = new Map<number, number>();
  const windows = new Map<number, LogWindow>();
  lines.forEach((line, i) => {
    const t = timesMs[i];
    if (t === undefined || !Number.isFinite(t)) return;
    const start = STEP_START.exec(line);
    if (start) {
      starts.set(Number(start[1]), t);
      return;
    }
    const marker = matchMarkerLine(line);
    const begun = marker?.edge === "begin" ? starts.get(marker.concurrency) : undefined;
    if (marker && begun !== undefined && t >= begun) windows.set(marker.concurrency, { startedAtMs: begun, endedAtMs: t });
  });
  return windows;
}
