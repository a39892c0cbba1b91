/**
 * The HTML report of a sweep run (`kneepoint sweep`, `demo`, `bench`): the knee and the verdict with their
 * evidence, the step table as report tables show it (step-rows.ts: same columns, same cells, the knee's row
 * highlighted), the sweep's charts, and the run context. Pure.
 */
import { describeKnee, type SweepAnalysis } from "../../analysis/analyze-sweep.ts";
import type { VerdictKind } from "../../analysis/verdict.ts";
import { CHART_NAMES, type NamedChart } from "../charts/sweep-charts.ts";
import { runContextRows, type RunContext } from "../run-context.ts";
import { stepCells, stepHeaders, tableNotes, type StepRow } from "../step-rows.ts";
import type { HtmlChartSection, HtmlReportModel, HtmlSection, HtmlVerdictSection } from "./html-report-model.ts";

export interface SweepHtmlInput {
  runId: string;
  model: string;
  simulated: boolean;
  status: "complete" | "partial";
  rows: readonly StepRow[];
  analysis: SweepAnalysis;
  /** The charts the PNGs are drawn from (sweep-charts.ts). */
  charts: readonly NamedChart[];
  /** Null when it was not collected. */
  context: RunContext | null;
  /** The run's warnings, as summary.json keeps them. */
  warnings?: readonly string[];
  generator?: string;
}

const TONES: Record<VerdictKind, HtmlVerdictSection["tone"]> = {
  errors: "bad",
  "client-bound": "warn",
  "saturated-unclear": "warn",
  "not-saturated": "info",
  "kv-capacity-bound": "ok",
  "batch-limit-bound": "ok",
  "compute-bound": "ok",
  "memory-bandwidth-bound": "ok",
  "gpu-bound": "ok",
};

const signedPct = (x: number | null): string => (x === null ? "–" : `${x >= 0 ? "+" : ""}${Math.round(x * 100)}%`);

export function kneeAndVerdictSection(analysis: SweepAnalysis, lastConcurrency: number | null): HtmlVerdictSection {
  const v = analysis.verdict;
  const knee = describeKnee(analysis);
  const evidence = analysis.knee.gains.map(
    (g) => `c=${g.from} → c=${g.to}: output throughput ${signedPct(g.gainPerDoubling)} per doubling, median E2EL ${signedPct(g.latencyGrowth)}`,
  );
  if (v?.missing.length) evidence.push(`not checked: ${v.missing.join("; ")}`);
  return {
    kind: "verdict",
    heading: "Knee and verdict",
    headline: v ? `Verdict: ${v.headline}` : `Knee: ${knee}`,
    tone: v ? TONES[v.kind] : "info",
    facts: [
      ["Knee", knee],
      ...(v ? ([["Verdict", v.kind], ["Confidence", v.confidence]] as const) : []),
      ...(lastConcurrency !== null && v ? ([["Read at", `the most loaded step, c=${lastConcurrency}`]] as const) : []),
    ],
    evidence,
  };
}

/** A chart's heading: its own title's text, else its file name. */
export function chartHeading(chart: NamedChart): string {
  const title = (chart.spec as { title?: unknown }).title;
  if (typeof title === "string") return title;
  if (title && typeof title === "object" && typeof (title as { text?: unknown }).text === "string") return (title as { text: string }).text;
  return chart.name;
}

export function runContextPairs(context: RunContext | null): Array<[string, string]> {
  return context ? runContextRows(context) : [];
}

export function buildSweepHtmlModel(input: SweepHtmlInput): HtmlReportModel {
  const rows = [...input.rows];
  const withPeaks = rows.some((r) => r.peaks !== null);
  const knee = input.analysis.knee.concurrency;
  const last = rows.filter((r) => r.result.completed > 0).map((r) => r.concurrency).sort((a, b) => a - b).at(-1) ?? null;
  const charts: HtmlChartSection[] = input.charts.map((c) => ({ kind: "chart", heading: chartHeading(c), vegaLiteSpec: c.spec, ...(c.name === CHART_NAMES.timeline ? { zoom: true } : {}) }));
  const sections: HtmlSection[] = [
    kneeAndVerdictSection(input.analysis, last),
    {
      kind: "table",
      heading: "Steps",
      columns: stepHeaders(withPeaks).map((header) => ({ header })),
      rows: rows.map((r) => stepCells(r, { withPeaks, kneeConcurrency: knee })),
      highlightRows: rows.flatMap((r, i) => (r.concurrency === knee ? [i] : [])),
      notes: tableNotes(rows, withPeaks),
    },
    ...charts,
    ...(input.warnings?.length ? [{ kind: "text" as const, heading: "Warnings", items: input.warnings }] : []),
  ];
  return {
    title: `Sweep ${input.runId}`,
    subtitle: `${input.model} · ${input.status}${input.simulated ? " · simulated (kneepoint's simulator, not a GPU)" : ""}`,
    context: [["Run", input.runId], ["Status", input.status], ...runContextPairs(input.context)],
    sections,
    ...(input.generator ? { generator: input.generator } : {}),
  };
}
