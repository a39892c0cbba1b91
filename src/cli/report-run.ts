/**
 * After the last step: peaks joined to the steps, the knee and the verdict, the table printed, analysis,
 * charts and report.html written to the run directory, and (with --record) the run appended to benchmarks.md with its
 * context and the comparison against its baseline.
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import type { TargetInfo } from "../engine/target-info.ts";
import type { StepSummary } from "../metrics/summarize-step.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import { analyzeSweep, describeKnee, type SweepAnalysis } from "../analysis/analyze-sweep.ts";
import { renderSweepTable } from "../report/sweep-table.ts";
import type { StepRow } from "../report/step-rows.ts";
import type { ResultsWriter } from "../report/results-writer.ts";
import { appendBenchmarksSection } from "../report/append-benchmarks.ts";
import { buildBenchmarksSection } from "../report/benchmarks-section.ts";
import { diffAgainstBaseline, findBaseline, type BaselineDiff } from "../report/baseline-diff.ts";
import { recordedSteps, type RecordedRun } from "../report/recorded-run.ts";
import { collectRunContext, type GpuFacts } from "./collect-run-context.ts";
import type { CliIo } from "./run-sweep.ts";
import type { TimeSeries } from "../server-metrics/time-series.ts";
import type { NamedChart } from "../report/charts/sweep-charts.ts";
import type { RunContext } from "../report/run-context.ts";
import type { Gate } from "../gates/gate.ts";
import type { GateOutcome } from "../gates/evaluate-gates.ts";
import { evaluateSweepGates, needsBaseline, readBaselineRuns, writeSweepGates } from "./sweep-gates.ts";

export interface ReportInput {
  runId: string;
  config: SweepConfig;
  target: TargetInfo;
  steps: ReportStep[];
  peaks: Map<number, StepPeaks> | null;
  gpu: GpuFacts | null;
  writer: ResultsWriter;
  /** benchmarks.md path to append to, or null. */
  record: string | null;
  perStep: string;
  io: CliIo;
  /** KV %, running and waiting over time, when server metrics were read. */
  series: TimeSeries[];
  /** Skip chart rendering (--no-charts). */
  charts: boolean;
  /** The load generator, for the record (default: kneepoint's native engine). */
  engine?: string;
  /** Facts only a cluster knows (machine type, server args, CUDA, …), for the record. */
  cluster?: Parameters<typeof collectRunContext>[0]["cluster"];
  /** --fail-on gates, checked at every step; regression() against the baseline in `record` or `baselineFile`. */
  gates?: Gate[];
  /** Where the baseline is read from when the run is not recorded (default benchmarks.md). */
  baselineFile?: string;
}

/** One measured step, from either engine. */
export interface ReportStep {
  concurrency: number;
  result: StepSummary;
  partial: boolean;
}

function stepRows(steps: ReportStep[], peaks: Map<number, StepPeaks> | null): StepRow[] {
  return steps.map((o) => ({ concurrency: o.concurrency, result: o.result, partial: o.partial, peaks: peaks?.get(o.concurrency) ?? null }));
}

export function describeAnalysis(a: SweepAnalysis): string[] {
  const lines = [`knee: ${describeKnee(a)}`];
  if (a.verdict) {
    lines.push(`verdict: ${a.verdict.headline} (confidence: ${a.verdict.confidence})`);
    if (a.verdict.missing.length) lines.push(`  not checked: ${a.verdict.missing.join("; ")}`);
  }
  return lines;
}

function recordOf(input: ReportInput, rows: StepRow[], analysis: SweepAnalysis, gpu: string): RecordedRun {
  const c = input.config;
  const now = new Date().toISOString();
  return {
    runId: input.runId,
    recordedAt: `${now.slice(0, 10)} ${now.slice(11, 16)} UTC`,
    model: input.target.model,
    shape: `${c.inputLen}/${c.outputLen} ${c.endpoint}`,
    simulated: input.target.simulator !== null,
    gpu: input.target.simulator !== null ? `kneepoint-sim ${input.target.simulatorProfile ?? "unknown profile"}` : gpu,
    knee: analysis.knee.concurrency,
    steps: recordedSteps(rows),
  };
}

/** Charts are rendered in-process; vega is imported only here, lazily: loading it takes seconds, a sweep without charts should not pay that. */
async function writeCharts(input: ReportInput, analysis: SweepAnalysis): Promise<NamedChart[]> {
  const { sweepCharts } = await import("../report/charts/sweep-charts.ts");
  const { writeChartFiles } = await import("../report/charts/write-chart-files.ts");
  const { stepWindows } = await import("../report/charts/server-timeline-chart.ts");
  const results = input.steps.map((o) => o.result);
  const find = (key: TimeSeries["key"]) => input.series.find((s) => s.key === key) ?? null;
  const charts = sweepCharts({
    runs: [{ name: input.runId, steps: results, kneeConcurrency: analysis.knee.concurrency }],
    ...(input.series.length ? { timeline: { steps: stepWindows(results), kvCachePct: find("kvCachePct"), waiting: find("waiting"), running: find("running") } } : {}),
    subtitle: `${input.target.model} · run ${input.runId}${input.target.simulator ? " · simulated" : ""}`,
    percentiles: input.config.percentiles,
  });
  const written = await writeChartFiles(charts, input.writer.dir);
  input.io.stdout.write(`charts: ${written.map((w) => w.pngPath).join(", ")}\n`);
  return charts;
}

/** report.html: the table, knee, verdict, context and the same charts, interactive, in one offline page. */
async function writeHtml(input: ReportInput, rows: StepRow[], analysis: SweepAnalysis, charts: NamedChart[], context: RunContext): Promise<void> {
  const { writeSweepHtml } = await import("../report/html/write-sweep-html.ts"); // left out of the Job's bundle
  const written = await writeSweepHtml({
    dir: input.writer.dir,
    runId: input.runId,
    model: input.target.model,
    simulated: input.target.simulator !== null,
    partial: input.steps.some((s) => s.partial),
    rows,
    analysis,
    charts,
    context,
    secrets: [input.config.apiKey, ...Object.values(input.config.headers)],
  });
  input.io.stdout.write(`report: ${written.path}\n`);
}

export async function reportRun(input: ReportInput): Promise<{ analysis: SweepAnalysis; diff: BaselineDiff | null; gates: GateOutcome[] }> {
  const rows = stepRows(input.steps, input.peaks);
  const analysis = analyzeSweep(rows, { maxNumSeqs: input.target.maxNumSeqs });
  await input.writer.writeJson("analysis.json", { knee: analysis.knee, verdict: analysis.verdict, peaks: Object.fromEntries(input.peaks ?? []) });
  input.io.stdout.write("\n" + renderSweepTable(rows, { color: input.io.color, kneeConcurrency: analysis.knee.concurrency }) + "\n");
  input.io.stdout.write(describeAnalysis(analysis).join("\n") + "\n");

  // Collected once, for report.html and the record, and only when one of them needs it.
  let collected: RunContext | null = null;
  const runContext = async (): Promise<RunContext> =>
    (collected ??= await collectRunContext({
      config: input.config,
      target: input.target,
      gpu: input.gpu,
      perStep: input.perStep,
      cwd: process.cwd(),
      ...(input.cluster ? { cluster: input.cluster } : {}),
      ...(input.engine ? { engine: input.engine } : {}),
    }));
  // report.html goes with the charts, as report.md does for a scenario run: --no-charts renders neither.
  if (input.charts) await writeHtml(input, rows, analysis, await writeCharts(input, analysis), await runContext());

  let diff: BaselineDiff | null = null;
  const gates = input.gates ?? [];
  let outcomes: GateOutcome[] = [];
  let baselineRunId: string | null = null;
  if (input.record || needsBaseline(gates)) {
    const context = await runContext();
    const record = recordOf(input, rows, analysis, context.gpu);
    if (input.record) {
      await appendBenchmarksSection(input.record, (previous) => {
        const baseline = findBaseline(record, previous);
        diff = baseline ? diffAgainstBaseline(record, baseline) : null;
        baselineRunId = baseline?.runId ?? null;
        outcomes = evaluateSweepGates(gates, input.steps, baseline);
        return buildBenchmarksSection({ record, rows, analysis, context, diff, gates: outcomes });
      });
      const d = diff as BaselineDiff | null;
      input.io.stdout.write(`recorded in ${input.record}` + (d ? `; compared with run ${d.baseline.runId}` : " (first run of this model and shape: the baseline)") + "\n");
      if (d && d.regressions.length) input.io.stdout.write(`regressions: ${d.regressions.join("; ")}\n`);
    } else {
      const baseline = findBaseline(record, await readBaselineRuns(input.baselineFile ?? "benchmarks.md"));
      baselineRunId = baseline?.runId ?? null;
      outcomes = evaluateSweepGates(gates, input.steps, baseline);
    }
  } else {
    outcomes = evaluateSweepGates(gates, input.steps, null);
  }
  if (gates.length) await writeSweepGates(input.writer, outcomes, baselineRunId, input.io);
  return { analysis, diff, gates: outcomes };
}
