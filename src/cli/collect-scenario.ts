/**
 * The runner's side of a scenario Job once it has ended (`kneepoint run --in-cluster`, `--collect JOB`): the report
 * files decoded from the pod's log (src/k8s/scenario-job-log.ts) written into the local report directory beside the
 * log (job.log), the run's table printed as `kneepoint report DIR` prints it, report.md and the charts rendered as a
 * local run renders them, and the exit code of a local run: the pod's own (2 config, 3 target or storage, 4 a
 * --fail-on gate, 130 stopped), whatever ended the Job. Files that arrived are kept whatever ended it.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EnvironmentError, InterruptedError, ThresholdError, UsageError } from "../errors.ts";
import { loadPodsOf, type PlacedPod } from "../k8s/co-location.ts";
import type { JobOutcome } from "../k8s/run-bench-job.ts";
import { decodeReportBlocks, isReportBlockLine } from "../k8s/scenario-job-log.ts";
import { lastLogLines } from "../k8s/shard-log-states.ts";
import { isScenarioReportDir } from "../report/compare/read-scenario-report-dir.ts";
import { readScenarioRuns } from "../report/compare/write-compare-report.ts";
import { renderCompareTables } from "../report/compare/compare-terminal.ts";
import { writeFileAtomically } from "../report/write-file-atomically.ts";
import { printRunCharts } from "./print-run-charts.ts";
import { KNEEPOINT_GATES_FILE } from "./scenario-gates.ts";
import type { CliIo } from "./run-sweep.ts";

export interface CollectScenarioInput {
  outcome: JobOutcome;
  logPath: string;
  /** The local report directory (the config's storage.local_storage.path, or --output). */
  dir: string;
  reportFilePrefix: string | null;
  charts: boolean;
  /** True when the runner's Ctrl-C stopped the Job. */
  stoppedByUser: boolean;
  jobName: string;
  namespace: string;
  io: CliIo;
  say(s: string): void;
  warn(w: string): void;
  /** Where the load pods ran relative to the target's pods (src/k8s/co-location.ts), read once the reports are in dir. */
  placement?: (loadPods: PlacedPod[], dir: string) => Promise<ScenarioPlacement | null>;
}

/** The co-location footer of a cluster run. */
export interface ScenarioPlacement {
  line: string;
  warnings: string[];
  notes: string[];
}

export interface CollectedScenario {
  dir: string;
  /** The report files written, relative to dir. */
  files: string[];
  partial: boolean;
}

/** The container's exit code, from the outcome's message (run-bench-job.ts: "the container exited with code N"). */
export function podExitCode(outcome: Pick<JobOutcome, "end" | "message">): number | null {
  if (outcome.end === "succeeded") return 0;
  const m = /exited with code (\d+)/.exec(outcome.message);
  return m ? Number(m[1]) : null;
}

/** The report files logged in `log`, written under `dir`; a block that did not come back whole is a warning. */
export async function writeLoggedReports(log: string, dir: string, warn: (w: string) => void, label = ""): Promise<{ files: string[]; problems: number }> {
  const decoded = decodeReportBlocks(log);
  await mkdir(dir, { recursive: true });
  for (const f of decoded.files) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFileAtomically(join(dir, f.path), f.bytes);
  }
  for (const p of decoded.problems) warn(`${label}report file not collected: ${p}`);
  return { files: decoded.files.map((f) => f.path), problems: decoded.problems.length };
}

/** The last lines of a pod's log that are not report blocks, for a message. */
export function logTail(log: string, n = 6): string[] {
  return lastLogLines(log, 200).filter((l) => !isReportBlockLine(l)).slice(-n);
}

export async function collectScenarioReports(input: CollectScenarioInput): Promise<CollectedScenario> {
  const { outcome, dir, warn } = input;
  const { files, problems } = await writeLoggedReports(outcome.log, dir, warn);
  if (outcome.logGaps > 0 && problems > 0) warn(`the log stream broke while the kubelet rotated the log file (${outcome.logGaps}×): lines written in between are lost, see above`);
  const code = podExitCode(outcome);
  const stopped = input.stoppedByUser || outcome.end === "interrupted" || outcome.end === "pod-deleted" || code === 130 || code === 143;
  return presentScenario({ ...input, loadPods: loadPodsOf(outcome), files, code, stopped, partial: outcome.end !== "succeeded" || problems > 0, problems, tail: logTail(outcome.log), end: outcome.end, message: outcome.message, ...(outcome.hint ? { hint: outcome.hint } : {}) });
}

export interface PresentScenarioInput extends Pick<CollectScenarioInput, "logPath" | "dir" | "reportFilePrefix" | "charts" | "jobName" | "io" | "say" | "warn" | "placement"> {
  /** The Job's load pods (PODS=N: every shard's), for the co-location line. */
  loadPods: PlacedPod[];
  files: string[];
  /** The pod's exit code (PODS=N: the worst shard's), null when unknown. */
  code: number | null;
  stopped: boolean;
  partial: boolean;
  /** Files that did not come back whole. */
  problems: number;
  tail: string[];
  end: JobOutcome["end"];
  message: string;
  hint?: string;
  /** Printed after the run's table (PODS=N: the per-shard table). */
  afterTable?: string;
}

/** The collected run as a local run shows it: its table, the reports line, report.md and the charts; its exit code. */
export async function presentScenario(input: PresentScenarioInput): Promise<CollectedScenario> {
  const { dir, io, say, files, code, stopped, partial, tail } = input;
  if (files.length === 0) {
    const why = `the scenario Job ${input.jobName} brought back no report files: ${input.message}`;
    const hint = `${input.hint ?? `its log is ${input.logPath}`}${tail.length ? `; its last lines:\n  ${tail.join("\n  ")}` : ""}`;
    if (stopped) throw new InterruptedError(why, hint);
    if (code === 2) throw new UsageError(why, hint);
    throw new EnvironmentError(why, hint);
  }

  const isReport = await isScenarioReportDir(dir);
  if (isReport) io.stdout.write(renderCompareTables(await readScenarioRuns([dir]), { color: io.color }) + "\n");
  if (input.afterTable) io.stdout.write(input.afterTable);
  const placement = input.placement ? await input.placement(input.loadPods, dir).catch(() => null) : null;
  if (placement) {
    for (const note of placement.notes) say(`note: ${note}`);
    io.stdout.write(`${placement.line}\n`);
    for (const w of placement.warnings) input.warn(w);
  }
  io.stdout.write(`reports: ${dir} (${files.length} files from the Job's log${partial ? ", partial" : ""}); the Job's log: ${input.logPath}\n`);

  if (!input.charts) {
    // --no-charts: nothing to say, the user asked.
  } else if (stopped || !isReport || code === 3) {
    const why = stopped ? "the run was stopped" : !isReport ? "no stage_N_lifecycle_metrics.json came back" : "the run failed";
    io.stdout.write(`charts: not rendered (${why}); \`kneepoint report ${dir}\` renders them from the reports\n`);
  } else {
    await printRunCharts({ dir, reportFilePrefix: input.reportFilePrefix, color: io.color, write: (s) => io.stdout.write(s), say });
  }

  if (stopped) throw new InterruptedError(`the scenario Job was stopped (${input.message})`, `the ${files.length} report files that came back are in ${dir} (partial)`);
  if (code === 4) throw new ThresholdError("a --fail-on gate failed in the scenario Job", `see ${join(dir, KNEEPOINT_GATES_FILE)}`);
  if (input.end !== "succeeded") {
    const hint = `the reports that came back are in ${dir}; the Job's log is ${input.logPath}${tail.length ? `; its last lines:\n  ${tail.join("\n  ")}` : ""}`;
    if (code === 2) throw new UsageError(`the scenario Job refused its config: ${input.message}`, hint);
    throw new EnvironmentError(`the scenario Job did not succeed: ${input.message}`, hint);
  }
  if (input.problems > 0) throw new EnvironmentError(`${input.problems} report file(s) did not come back whole from the Job's log`, `the others are in ${dir}; the log is ${input.logPath}`);
  return { dir, files, partial };
}
