/**
 * The terminal table of a scenario run (cli-table3, as src/report/sweep-table.ts): one row per reported stage
 * with requested and achieved rate, requests, failures, schedule delay p50, TTFT p50/p90, ITL p50, E2E p50/p90,
 * output tokens/s and, with goodput constraints, goodput %. Numbers come from the same lifecycle report as the
 * stage files (inference-perf's definitions; E2E = its request_latency, to the end of the response), in ms.
 * A value that does not exist (no successful request, no streamed TTFT) is "–", never 0. Pure: returns the text.
 * From each stage's StageState (stage-state.ts): `renderScenarioSummaryTableFromStates` for a run that kept states
 * (the numbers then use the states' view, tokenizer included, as the stage files), `renderScenarioSummaryTable`
 * for one that kept records (folded without the tokenizer, as the table always was).
 */
import Table from "cli-table3";
import type { StagePlan, StageRun } from "../types.ts";
import { buildLifecycleReportFromState, foldStageState, stageStateOptionsOf } from "./build-lifecycle-report.ts";
import type { Dist, LifecycleReport } from "./lifecycle-report.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";
import type { StageState } from "./stage-state.ts";

export const ABSENT = "–";
/** A stage whose median schedule delay is above this measured the client, not the server (issue 6). */
export const LATE_SCHEDULE_MS = 10;

type TableOptions = Pick<ScenarioReportOptions, "useServerOutputTokens" | "goodput" | "streaming">;

const fixed = (v: number | null | undefined, digits: number): string => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : ABSENT);

/** Seconds → ms with the precision a reader needs: 2 decimals below 10 ms, 1 below 100 ms, none above. */
function ms(d: Dist, key: "median" | "p90"): string {
  const s = d?.[key];
  if (typeof s !== "number" || !Number.isFinite(s)) return ABSENT;
  const v = s * 1000;
  return Math.abs(v) < 10 ? v.toFixed(2) : Math.abs(v) < 100 ? v.toFixed(1) : v.toFixed(0);
}

function hasGoodput(goodput: TableOptions["goodput"]): boolean {
  return goodput !== null && goodput !== undefined && Object.values(goodput).some((v) => v !== undefined && v !== null);
}

/** Columns a non-streamed run cannot have (inference-perf: TTFT/ITL exist for streamed requests only). */
const STREAMED_ONLY = new Set(["TTFT p50", "TTFT p90", "ITL p50"]);

/** `streamed` false (api.streaming: false) leaves the TTFT and ITL columns out: they would be "–" in every row. */
export function scenarioTableHeaders(withGoodput: boolean, streamed = true): string[] {
  const head = ["stage", "requested", "achieved req/s", "requests", "failed", "sched p50", "TTFT p50", "TTFT p90", "ITL p50", "E2E p50", "E2E p90", "out tok/s"];
  const shown = streamed ? head : head.filter((h) => !STREAMED_ONLY.has(h));
  return withGoodput ? [...shown, "goodput %"] : shown;
}

/** What a row needs of a stage. */
type TableStage = { index: number; plan: StagePlan };

export function scenarioTableCells(stage: TableStage, report: LifecycleReport, withGoodput: boolean, streamed = true): string[] {
  const cells = allCells(stage, report, withGoodput);
  if (streamed) return cells;
  const head = scenarioTableHeaders(withGoodput, true);
  return cells.filter((_, i) => !STREAMED_ONLY.has(head[i]!));
}

function allCells(stage: TableStage, report: LifecycleReport, withGoodput: boolean): string[] {
  const ls = report.load_summary;
  const lat = report.successes.latency;
  const ok = report.successes.count > 0;
  // A session call's schedule delay includes its wait for predecessors: not lateness.
  const late = (ls.schedule_delay?.median ?? 0) * 1000 > LATE_SCHEDULE_MS && stage.plan.kind !== "session_replay";
  const requested =
    stage.plan.kind === "concurrent" ? `c=${stage.plan.concurrency}` : stage.plan.kind === "session_replay" ? `sessions c=${stage.plan.concurrentSessions || "all"}` : `${stage.plan.rate} req/s`;
  const cells = [
    String(stage.index),
    requested,
    ls.count > 1 ? fixed(ls.achieved_rate, 2) : ABSENT,
    String(ls.count),
    String(report.failures.count),
    ms(ls.schedule_delay, "median") + (late ? " !" : ""),
    ms(lat.time_to_first_token, "median"),
    ms(lat.time_to_first_token, "p90"),
    ms(lat.inter_token_latency, "median"),
    ms(lat.request_latency, "median"),
    ms(lat.request_latency, "p90"),
    ok ? fixed(report.successes.throughput.output_tokens_per_sec, 0) : ABSENT,
  ];
  if (withGoodput) cells.push(fixed(report.successes.goodput_metrics?.goodput_percentage, 1));
  return cells;
}

export function renderScenarioSummaryTable(stages: readonly StageRun[], opts: TableOptions & { color: boolean }): string {
  const options = stageStateOptionsOf({ useServerOutputTokens: opts.useServerOutputTokens, maxErrorMessages: 0, goodput: opts.goodput, ...(opts.streaming !== undefined ? { streaming: opts.streaming } : {}) });
  const rows = stages.filter((s) => s.index >= 0).map((s) => ({ index: s.index, plan: s.plan, state: foldStageState(s.records, options, {}) }));
  return renderScenarioSummaryTableFromStates(rows, opts);
}

/** The table of the reported stages (index ≥ 0) from their states; goodput constraints are the states'. */
export function renderScenarioSummaryTableFromStates(stages: ReadonlyArray<TableStage & { state: StageState }>, opts: Pick<TableOptions, "streaming"> & { color: boolean }): string {
  const goodput = stages[0]?.state.options.goodput ?? null;
  const withGoodput = hasGoodput(goodput);
  const streamed = opts.streaming !== false;
  const head = scenarioTableHeaders(withGoodput, streamed);
  const table = new Table({
    head,
    style: opts.color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    colAligns: head.map(() => "right" as const),
  });
  let anyLate = false;
  for (const stage of stages.filter((s) => s.index >= 0)) {
    const report = buildLifecycleReportFromState(stage.state.core, { percentiles: [50, 90], goodput, stage: stage.plan });
    const cells = scenarioTableCells(stage, report, withGoodput, streamed);
    anyLate ||= cells[5]!.endsWith(" !");
    table.push(cells);
  }
  const notes = streamed
    ? ["latencies in ms (inference-perf's definitions: E2E to the end of the response; TTFT/ITL of streamed requests with > 1 token)", `${ABSENT} = no value`]
    : ["latencies in ms (E2E to the end of the response)", "no TTFT/ITL: api.streaming is false, so no token arrived before the whole answer (set it to true to measure them)", `${ABSENT} = no value`];
  if (anyLate) notes.push(`! median schedule delay > ${LATE_SCHEDULE_MS} ms: requests left late, the client not the server was measured`);
  return `${table.toString()}\n${notes.join("; ")}`;
}
