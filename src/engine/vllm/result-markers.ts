/**
 * The lines that frame each step's result JSON in the vLLM Job's log:
 *
 *     === kneepoint-result c=8 begin ===
 *     {"date": "20250530-203806", "duration": 36.03, "completed": 300, ...}
 *     === kneepoint-result c=8 end ===
 *
 * The Job prints them around `cat` of the --save-result file (vLLM writes one line, no indentation):
 *
 *     echo "=== kneepoint-result c=${C} begin ==="; cat "${RESULT_FILE}"; echo
 *     echo "=== kneepoint-result c=${C} end ==="
 *
 * A marker is recognized wherever it starts in a line (after kubectl's `--timestamps` or `--prefix`, or a
 * CRI log prefix) but only at the line's end, so the shell's own `set -x` echo
 * (`+ echo '=== kneepoint-result c=8 begin ==='`) is not taken for one.
 */

export interface ResultMarkers {
  /** The word after "===", such as "kneepoint-result": letters, digits, ".", "_" and "-". */
  tag: string;
}

export const DEFAULT_RESULT_MARKERS: ResultMarkers = { tag: "kneepoint-result" };

export type MarkerEdge = "begin" | "end";

export interface MarkerMatch {
  concurrency: number;
  edge: MarkerEdge;
  /** The text before the marker on its line: a log prefix, or output that lacked a final newline. */
  prefix: string;
}

/** The marker line the Job prints, e.g. `=== kneepoint-result c=8 begin ===`. */
export function resultMarkerLine(concurrency: number, edge: MarkerEdge, markers: ResultMarkers = DEFAULT_RESULT_MARKERS): string {
  return `=== ${checkedTag(markers)} c=${concurrency} ${edge} ===`;
}

/** The marker a line ends with, or null. */
export function matchMarkerLine(line: string, markers: ResultMarkers = DEFAULT_RESULT_MARKERS): MarkerMatch | null {
  const m = markerPattern(markers).exec(line);
  if (m === null) return null;
  const concurrency = Number(m[1]);
  if (!Number.isSafeInteger(concurrency)) return null;
  return { concurrency, edge: m[2] as MarkerEdge, prefix: line.slice(0, m.index) };
}

const patterns = new Map<string, RegExp>();

function markerPattern(markers: ResultMarkers): RegExp {
  const tag = checkedTag(markers);
  let pattern = patterns.get(tag);
  if (pattern === undefined) {
    pattern = new RegExp(`=== ${tag.replace(/\./g, "\\.")} c=(\\d+) (begin|end) ===[ \\t]*$`);
    patterns.set(tag, pattern);
  }
  return pattern;
}

function checkedTag(markers: ResultMarkers): string {
  if (!/^[A-Za-z0-9._-]+$/.test(markers.tag)) {
    throw new Error(`result marker tag "${markers.tag}" must be letters, digits, ".", "_" or "-"`);
  }
  return markers.tag;
}

/** A step that failed in the Job: `=== kneepoint-step-failed c=8 exit=1 ===` (benchmarks/job.yaml prints it). */
export interface FailedStep {
  concurrency: number;
  exit: number;
}

/** Every failed-step line of a log, in order. */
export function failedStepsInLog(log: string): FailedStep[] {
  return [...log.matchAll(/=== kneepoint-step-failed c=(\d+) exit=(\d+) ===[ \t]*$/gm)].map((m) => ({ concurrency: Number(m[1]), exit: Number(m[2]) }));
}
