/**
 * The columns of seed 004's tables and how each cell is printed, once for the terminal and the markdown:
 * throughput to 0.1 tok/s and 0.001 req/s, success rate in %, latencies in seconds (the files' unit) to 3
 * decimals, ITL p50 to 4, as the seed prints them. Per-QPS tables add the stage's achieved rate beside the
 * requested rate of their heading. An absent value prints "–", never 0. Pure.
 */
import { ABSENT } from "../step-rows.ts";
import type { CompareRow } from "./compare-rows.ts";
import { distStat, successRate } from "./scenario-report.ts";

export interface Column {
  header: string;
  /** Markdown alignment: the label column left, numbers right. */
  align: "left" | "right";
  cell: (row: CompareRow) => string;
}

const fixed = (v: number | null | undefined, digits: number): string => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : ABSENT);

const ITL_P50_P90: Column = {
  header: "ITL p50/p90 (s)",
  align: "right",
  cell: (r) => {
    const itl = r.metrics?.latencyS.itl;
    const p50 = distStat(itl, "p50");
    const p90 = distStat(itl, "p90");
    return p50 === null && p90 === null ? ABSENT : `${fixed(p50, 4)}/${fixed(p90, 3)}`;
  },
};

export const EXPERIMENT_COLUMN: Column = { header: "Experiment", align: "left", cell: (r) => r.experiment };

export const ACHIEVED_RATE_COLUMN: Column = {
  header: "Achieved QPS",
  align: "right",
  cell: (r) => fixed(r.metrics?.load.achievedRateRps, 3),
};

export const METRIC_COLUMNS: readonly Column[] = [
  { header: "Output toks/s", align: "right", cell: (r) => fixed(r.metrics?.outputTokensPerS, 1) },
  { header: "Requests/s", align: "right", cell: (r) => fixed(r.metrics?.requestsPerS, 3) },
  {
    header: "Success Rate",
    align: "right",
    cell: (r) => {
      const rate = r.metrics ? successRate(r.metrics) : null;
      return rate === null ? ABSENT : `${(rate * 100).toFixed(2)}%`;
    },
  },
  { header: "TTFT p90 (s)", align: "right", cell: (r) => fixed(distStat(r.metrics?.latencyS.ttft, "p90"), 3) },
  { header: "TTFT mean (s)", align: "right", cell: (r) => fixed(distStat(r.metrics?.latencyS.ttft, "mean"), 3) },
  { header: "ITL mean (s)", align: "right", cell: (r) => fixed(distStat(r.metrics?.latencyS.itl, "mean"), 3) },
  ITL_P50_P90,
];

/** Seed 004's columns: the summary table. */
export const SUMMARY_COLUMNS: readonly Column[] = [EXPERIMENT_COLUMN, ...METRIC_COLUMNS];
/** The same with the achieved rate of each stage: the per-QPS tables. */
export const STAGE_COLUMNS: readonly Column[] = [EXPERIMENT_COLUMN, ACHIEVED_RATE_COLUMN, ...METRIC_COLUMNS];
