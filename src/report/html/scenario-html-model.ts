/**
 * The HTML report of one scenario run (`kneepoint run`, `kneepoint report DIR`) or a comparison of several
 * (`kneepoint report --compare`): the tables report.md has (compare-markdown.ts: the runs, "Summary across
 * QPS", the queue and KV-cache summary, one "Per-QPS Results" table per rate) with the same rows and cells,
 * the charts (scenario-charts.ts; the time charts zoomable) and the notes. Pure.
 */
import { RATE_AXIS_TITLES, type RateAxis } from "../charts/rate-axis.ts";
import { POD_CHARTS, SCENARIO_CHARTS, type TitledChart } from "../charts/scenario-charts.ts";
import { STAGE_COLUMNS, SUMMARY_COLUMNS, type Column } from "../compare/compare-cells.ts";
import { perRateSections, summaryRows, type CompareRow } from "../compare/compare-rows.ts";
import { distStat, type LabelledRun } from "../compare/scenario-report.ts";
import { SERVER_METRICS_HEADERS, serverMetricsCells, serverMetricsRows } from "../compare/server-metrics-rows.ts";
import { ABSENT } from "../step-rows.ts";
import { podMetricsOfRuns } from "../pod-metrics/pod-metrics-rows.ts";
import { POD_METRICS_HEADERS, POD_METRICS_TITLE, POD_ROW_HEADERS } from "../pod-metrics/pod-metrics-summary.ts";
import type { HtmlColumn, HtmlReportModel, HtmlSection, HtmlTableSection } from "./html-report-model.ts";

export interface ScenarioHtmlInput {
  runs: readonly LabelledRun[];
  /** The charts the PNGs are drawn from; none with --no-charts. */
  charts: readonly TitledChart[];
  /** Charts left out and why. */
  chartNotes: readonly string[];
  x: RateAxis;
  /** Per run, in the order of `runs`: what kneepoint_run.json recorded (read-run-facts.ts); none for inference-perf's. */
  runFacts?: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  generator?: string;
}

const ZOOMABLE: ReadonlySet<string> = new Set([SCENARIO_CHARTS.waiting.name, SCENARIO_CHARTS.kvCache.name]);
/** The per-pod time charts (names with a run suffix in a comparison) zoom too. */
const zoomable = (name: string) => ZOOMABLE.has(name) || Object.values(POD_CHARTS).some((c) => name.startsWith(c.name));

const HOW_TO_READ = [
  "Output toks/s is the primary throughput metric (higher is better); Requests/s is the rate of completed requests.",
  "Success Rate reflects outcome quality, not volume.",
  "TTFT is time to first token; ITL is the gap between tokens (both lower is better), in seconds.",
  "Achieved QPS is requests sent / send time in the stage; QPS = N headings are the requested (configured) rate.",
  "Rows are ordered best TTFT p90 first. Queue sizes and KV cache usage show resource utilization patterns.",
];

function columnsTable(heading: string, columns: readonly Column[], rows: readonly CompareRow[]): HtmlTableSection {
  return { kind: "table", heading, columns: columns.map((c) => ({ header: c.header, align: c.align })), rows: rows.map((r) => columns.map((c) => c.cell(r))) };
}

const mean = (v: number | null) => (v === null ? ABSENT : String(Math.round(v)));

function runsTable(runs: readonly LabelledRun[]): HtmlTableSection {
  const columns: HtmlColumn[] = ["Run", "Directory", "Model", "Data", "Load"].map((header) => ({ header, align: "left" as const }));
  return {
    kind: "table",
    heading: "Runs",
    columns: [...columns, { header: "Stages" }, { header: "Tokens in / out (mean)" }],
    rows: runs.map(({ label, report }) => [
      label,
      report.dir,
      report.description.model,
      report.description.data,
      report.description.load,
      String(report.stages.length),
      `${mean(distStat(report.summary?.promptTokens, "mean"))} / ${mean(distStat(report.summary?.outputTokens, "mean"))}`,
    ]),
  };
}

/** A comparison's one line per run names the target's kind and server version, when recorded. */
function factValues(facts: ReadonlyArray<readonly [string, string]> | undefined): string[] {
  return (facts ?? []).filter(([k]) => k === "Target kind" || k === "Server version").map(([k, v]) => (k === "Server version" ? `server ${v}` : v));
}

/** Seed 004's per-pod summary, each multi-pod run's pods, and the replica-balance verdicts. */
function podSections(runs: readonly LabelledRun[]): HtmlSection[] {
  const pods = podMetricsOfRuns(runs);
  if (pods.length === 0) return [];
  const align = (i: number) => (i === 0 ? ("left" as const) : ("right" as const));
  return [
    { kind: "table", heading: POD_METRICS_TITLE, columns: POD_METRICS_HEADERS.map((header, i) => ({ header, align: align(i) })), rows: pods.map((p) => p.cells) },
    ...pods
      .filter((p) => p.podRows.length > 0)
      .flatMap((p): HtmlSection[] => [
        { kind: "table", heading: `Per pod: ${p.label}`, columns: POD_ROW_HEADERS.map((header, i) => ({ header, align: align(i) })), rows: p.podRows },
        ...(p.imbalance
          ? [{ kind: "verdict" as const, heading: `Replica balance: ${p.label}`, headline: `${p.imbalance.binding.length} of ${p.summary.pods} pods bind while ${p.imbalance.idle.length} idle`, tone: "warn" as const, evidence: [p.imbalance.text] }]
          : []),
      ]),
  ];
}

export function buildScenarioHtmlModel(input: ScenarioHtmlInput): HtmlReportModel {
  const { runs } = input;
  const compare = runs.length > 1;
  const server = serverMetricsRows(runs);
  const notes = runs.flatMap((r) => r.report.notes);
  const sections: HtmlSection[] = [
    runsTable(runs),
    columnsTable("Summary across QPS", SUMMARY_COLUMNS, summaryRows(runs)),
    ...(server.some((r) => r.source !== "none")
      ? [{ kind: "table", heading: "Queue and KV cache summary", columns: SERVER_METRICS_HEADERS.map((h, i) => ({ header: h, align: i === 0 || i === 4 ? "left" : "right" })), rows: server.map(serverMetricsCells) } satisfies HtmlTableSection]
      : []),
    ...podSections(runs),
    ...input.charts.map((c) => ({ kind: "chart" as const, heading: c.title, vegaLiteSpec: c.spec, ...(zoomable(c.name) ? { zoom: true } : {}) })),
    ...(input.chartNotes.length ? [{ kind: "text" as const, heading: "Charts left out", items: input.chartNotes }] : []),
    { kind: "text", heading: "How to read this report", paragraphs: [`Rate axis of the charts: ${RATE_AXIS_TITLES[input.x]}.`], items: HOW_TO_READ },
    ...perRateSections(runs).map((s) => columnsTable(`Per-QPS Results: ${s.title}`, STAGE_COLUMNS, s.rows)),
    ...(notes.length ? [{ kind: "text" as const, heading: "Notes", items: notes }] : []),
  ];
  const labels = runs.map((r) => r.label);
  const first = runs[0]?.report;
  return {
    title: compare ? `Scenario comparison: ${labels.join(" vs ")}` : `Scenario report: ${labels[0] ?? ""}`,
    subtitle: compare ? `${runs.length} runs side by side` : `${first?.description.model ?? ""} · ${first?.stages.length ?? 0} stage(s)`,
    context: compare
      ? runs.map((r, i) => [r.label, [r.report.dir, r.report.description.model, r.report.description.load, ...factValues(input.runFacts?.[i])].join(" · ")] as const)
      : first
        ? [["Directory", first.dir], ["Model", first.description.model], ["Data", first.description.data], ["Load", first.description.load], ...(input.runFacts?.[0] ?? [])]
        : [],
    sections,
    ...(input.generator ? { generator: input.generator } : {}),
  };
}
