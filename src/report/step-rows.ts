/**
 * The cells of one sweep step as every renderer shows them (terminal table, markdown), so the columns and
 * their formatting exist once. Absent server metrics show as "–" (and renderers say so), never as 0. Pure.
 */
import type { StepSummary } from "../metrics/summarize-step.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";

export interface StepRow {
  concurrency: number;
  result: StepSummary;
  peaks: StepPeaks | null;
  partial: boolean;
}

export const ABSENT = "–";

const num = (v: unknown, digits: number): string => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : ABSENT);

function ms(result: StepSummary, key: string): string {
  if (result.completed === 0) return ABSENT; // no successful request: there is no latency, not a 0 ms one
  const v = (result as unknown as Record<string, unknown>)[key];
  if (typeof v !== "number" || !Number.isFinite(v)) return ABSENT;
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

const LATENCY_COLUMNS: Array<[string, string]> = [
  ["TTFT p50", "p50_ttft_ms"],
  ["TTFT p95", "p95_ttft_ms"],
  ["TTFT p99", "p99_ttft_ms"],
  ["ITL p50", "p50_itl_ms"],
  ["ITL p95", "p95_itl_ms"],
  ["E2EL p50", "p50_e2el_ms"],
  ["E2EL p99", "p99_e2el_ms"],
];

export function stepHeaders(withPeaks: boolean): string[] {
  const base = ["conc", "req/s", "out tok/s", ...LATENCY_COLUMNS.map(([h]) => h), "ok", "errors"];
  return withPeaks ? [...base, "GPU util", "KV %", "run/wait"] : base;
}

export function stepCells(row: StepRow, opts: { withPeaks: boolean; kneeConcurrency: number | null }): string[] {
  const r = row.result;
  const marks = `${row.partial ? "*" : ""}${row.concurrency === opts.kneeConcurrency ? " ◀knee" : ""}`;
  const cells = [
    `${row.concurrency}${marks}`,
    num(r.request_throughput, 2),
    num(r.output_throughput, 0),
    ...LATENCY_COLUMNS.map(([, key]) => ms(r, key)),
    String(r.completed),
    r.failed === undefined ? ABSENT : String(r.failed),
  ];
  if (!opts.withPeaks) return cells;
  const p = row.peaks;
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? ABSENT : `${v < 10 && v > 0 ? v.toFixed(1) : Math.round(v)}%`);
  const count = (v: number | null | undefined) => (v === null || v === undefined ? ABSENT : String(Math.round(v)));
  const thin = p?.underSampled ? "~" : "";
  return [...cells, thin + pct(p?.gpuUtilPctMax), thin + pct(p?.kvCachePctMax), `${thin}${count(p?.runningMax)}/${count(p?.waitingMax)}`];
}

export function tableNotes(rows: StepRow[], withPeaks: boolean): string[] {
  const notes = ["latencies in ms, as vllm bench serve defines them"];
  if (withPeaks) notes.push(`GPU util, KV %, running/waiting: peaks over each step's window (${ABSENT} = series absent)`);
  if (rows.some((r) => r.peaks?.underSampled)) notes.push("~ fewer than 2 metric samples in the step's window: peaks unreliable (run longer steps)");
  if (rows.some((r) => r.partial)) notes.push("* step stopped early (partial)");
  return notes;
}
