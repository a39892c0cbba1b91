/**
 * What `regression(q)` can compare: the quantities a benchmarks.md record keeps per step (src/report/recorded-run.ts),
 * each with whether higher is better. Pure.
 */
import type { RecordedStep } from "../report/recorded-run.ts";
import { formatQuery, type MetricQuery } from "./gate.ts";

interface BaselineField {
  query: string;
  field: keyof Omit<RecordedStep, "c" | "failed">;
  higherIsBetter: boolean;
}

const FIELDS: BaselineField[] = [
  { query: "output_throughput", field: "outTokPerS", higherIsBetter: true },
  { query: "request_throughput", field: "reqPerS", higherIsBetter: true },
  { query: "median(ttft)", field: "ttftP50Ms", higherIsBetter: false },
  { query: "p50(ttft)", field: "ttftP50Ms", higherIsBetter: false },
  { query: "p99(ttft)", field: "ttftP99Ms", higherIsBetter: false },
  { query: "median(itl)", field: "itlP50Ms", higherIsBetter: false },
  { query: "p50(itl)", field: "itlP50Ms", higherIsBetter: false },
  { query: "median(e2el)", field: "e2elP50Ms", higherIsBetter: false },
  { query: "p50(e2el)", field: "e2elP50Ms", higherIsBetter: false },
  { query: "p99(e2el)", field: "e2elP99Ms", higherIsBetter: false },
];

export const REGRESSION_QUERIES: readonly string[] = FIELDS.map((f) => f.query);

export function baselineFieldOf(q: MetricQuery): BaselineField | null {
  const text = formatQuery(q);
  return FIELDS.find((f) => f.query === text) ?? null;
}

export function isRegressionQuery(q: MetricQuery): boolean {
  return baselineFieldOf(q) !== null;
}

/** How much worse `now` is than `then`: a relative drop when higher is better, a relative rise otherwise. */
export function regressionRatio(now: number, then: number, higherIsBetter: boolean): number | null {
  if (!(then > 0) || !Number.isFinite(now)) return null;
  return higherIsBetter ? 1 - now / then : now / then - 1;
}
