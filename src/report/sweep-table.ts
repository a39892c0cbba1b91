/**
 * The sweep's terminal table (cli-table3): one row per concurrency step. Pure: returns the text.
 * Columns come from the per-step results' vLLM keys; a percentile that was not computed shows "–".
 */
import Table from "cli-table3";
import type { StepResult } from "../metrics/summarize-step.ts";

export interface TableRow {
  concurrency: number;
  result: StepResult;
  partial: boolean;
}

function fmt(v: unknown, digits: number): string {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–";
}

function ms(result: StepResult, key: string): string {
  const v = (result as unknown as Record<string, unknown>)[key];
  if (typeof v !== "number") return "–";
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

export function renderSweepTable(rows: TableRow[], opts: { color: boolean }): string {
  const table = new Table({
    head: ["conc", "req/s", "out tok/s", "TTFT p50", "TTFT p95", "TTFT p99", "ITL p50", "ITL p95", "E2EL p50", "E2EL p99", "ok", "errors"],
    style: opts.color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    colAligns: ["right", "right", "right", "right", "right", "right", "right", "right", "right", "right", "right", "right"],
  });
  for (const { concurrency, result: r, partial } of rows) {
    table.push([
      `${concurrency}${partial ? "*" : ""}`,
      fmt(r.request_throughput, 2),
      fmt(r.output_throughput, 0),
      ms(r, "p50_ttft_ms"),
      ms(r, "p95_ttft_ms"),
      ms(r, "p99_ttft_ms"),
      ms(r, "p50_itl_ms"),
      ms(r, "p95_itl_ms"),
      ms(r, "p50_e2el_ms"),
      ms(r, "p99_e2el_ms"),
      String(r.completed),
      String(r.failed),
    ]);
  }
  const notes = ["latencies in ms; TTFT/ITL/E2EL as vllm bench serve defines them"];
  if (rows.some((r) => r.partial)) notes.push("* step stopped early (partial)");
  return table.toString() + "\n" + notes.join("; ");
}
