/**
 * One run's section of benchmarks.md: heading, the step table (knee marked, peaks when read), knee and verdict,
 * the comparison with the baseline, and the Run context. Also the file's header, generated from the same
 * field table. Pure: returns markdown.
 */
import { describeKnee, type SweepAnalysis } from "../analysis/analyze-sweep.ts";
import type { BaselineDiff } from "./baseline-diff.ts";
import { recordComment, type RecordedRun } from "./recorded-run.ts";
import { RUN_CONTEXT_FIELDS, runContextRows, type RunContext } from "./run-context.ts";
import { stepCells, stepHeaders, tableNotes, type StepRow } from "./step-rows.ts";
import type { GateOutcome } from "../gates/evaluate-gates.ts";
import { gatesMarkdownLine } from "../gates/render-gates.ts";

const escapeCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function markdownTable(head: string[], rows: string[][], align: "left" | "right" = "right"): string {
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(head), `|${head.map(() => (align === "right" ? "---:" : "---")).join("|")}|`, ...rows.map(line)].join("\n");
}

export const BENCHMARKS_HEADER = [
  "# Benchmarks",
  "",
  "Runs recorded by `kneepoint sweep --record` and `make bench`, newest last. Each section holds the sweep table",
  "(latencies in ms as `vllm bench serve` defines them; peaks over each step's window), the saturation knee, the",
  "verdict on what binds the server, the comparison with the last run of the same model and request shape, and",
  "the run context below. Runs against kneepoint's simulator are labelled `simulated` and are never a GPU baseline.",
  "",
  "Run context fields:",
  "",
  ...RUN_CONTEXT_FIELDS.map((f) => `- **${f.label}**: ${f.meaning}.`),
  "",
  "Values that could not be collected automatically read `unknown`.",
  "",
].join("\n");

function pct(x: number | null): string {
  return x === null ? "–" : `${x > 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
}

function comparison(diff: BaselineDiff | null): string {
  if (!diff) return "**Compared with:** no earlier run of the same model, request shape and kind; this run is the baseline.";
  const rows = diff.steps.map((s) => [String(s.c), pct(s.outTokPerS), pct(s.ttftP50Ms), pct(s.itlP50Ms), pct(s.e2elP50Ms)]);
  const verdict = diff.regressions.length ? `**Regressions:** ${diff.regressions.join("; ")}.` : "No regression beyond the threshold.";
  return [
    `**Compared with** run \`${diff.baseline.runId}\` (${diff.baseline.recordedAt}):`,
    "",
    markdownTable(["conc", "out tok/s", "TTFT p50", "ITL p50", "E2EL p50"], rows),
    "",
    verdict,
  ].join("\n");
}

export interface SectionInput {
  record: RecordedRun;
  rows: StepRow[];
  analysis: SweepAnalysis;
  context: RunContext;
  diff: BaselineDiff | null;
  /** --fail-on outcomes, listed in one line under the comparison; none: no line. */
  gates?: readonly GateOutcome[];
}

export function buildBenchmarksSection(s: SectionInput): string {
  const r = s.record;
  const withPeaks = s.rows.some((x) => x.peaks !== null);
  const knee = s.analysis.knee.concurrency;
  const v = s.analysis.verdict;
  const kind = r.simulated ? `simulated (${r.gpu})` : r.gpu;
  return [
    `## ${r.recordedAt} · ${r.model} · ${r.shape} · ${kind}`,
    "",
    recordComment(r),
    "",
    markdownTable(stepHeaders(withPeaks), s.rows.map((row) => stepCells(row, { withPeaks, kneeConcurrency: knee }))),
    "",
    `_${tableNotes(s.rows, withPeaks).join("; ")}._`,
    "",
    `**Knee:** ${describeKnee(s.analysis)}.` +
      (v ? ` **Verdict:** ${v.headline} (confidence: ${v.confidence}).` : ""),
    ...(v && v.missing.length ? ["", `_Not checked: ${v.missing.join("; ")}._`] : []),
    "",
    comparison(s.diff),
    "",
    ...(s.gates && s.gates.length ? [gatesMarkdownLine(s.gates), ""] : []),
    "<details><summary>Run context</summary>",
    "",
    markdownTable(["field", "value"], runContextRows(s.context), "left"),
    "",
    "</details>",
    "",
  ].join("\n");
}
