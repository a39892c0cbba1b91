/**
 * Reads a directory to export: a capacity run (capacity.json, read-capacity-export.ts), a sweep run (results/<runId>/: summary.json or step-c<N>.json, target.json,
 * config.json, analysis.json) or a scenario report directory (`kneepoint run`: inference-perf.partial.stage_<N>.yaml,
 * config.yaml, stage_<N>_lifecycle_metrics.json, kneepoint_run.json, server_metrics_timeseries.json). Which kind is
 * decided by the files present; a directory of neither kind is a UsageError naming what is missing.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../errors.ts";
import type { StepSummary } from "../metrics/summarize-step.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { BrPartialReport } from "../scenarios/report/br-partial-report.ts";
import { KNEEPOINT_RUN_FILE } from "../scenarios/storage/report-file.ts";
import { HARNESS_VERSION } from "../version.ts";
import type { ServingFacts } from "./br-document.ts";
import type { SweepExportInput } from "./sweep-to-br.ts";
import type { ScenarioExportInput, SeriesSample } from "./scenario-to-br.ts";
import type { CapacityExportInput } from "./capacity-to-br.ts";
import { readCapacityExport } from "./read-capacity-export.ts";

export type ExportSource = { kind: "sweep"; input: SweepExportInput } | { kind: "scenario"; input: ScenarioExportInput } | { kind: "capacity"; input: CapacityExportInput };

type Obj = Record<string, unknown>;
const PARTIAL = /^inference-perf\.partial\.stage_(\d+)\.yaml$/;
const STEP = /^step-c(\d+)\.json$/;
const LIFECYCLE = /^stage_\d+_lifecycle_metrics\.json$/;

async function readJsonOr<T>(path: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return fallback;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`, "restore the file from the run, or re-run it");
  }
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

async function readSweep(dir: string, files: string[]): Promise<SweepExportInput> {
  const summary = await readJsonOr<Obj | null>(join(dir, "summary.json"), null);
  const target = await readJsonOr<Obj>(join(dir, "target.json"), {});
  const config = await readJsonOr<Obj | null>(join(dir, "config.json"), null);
  const peaks = (await readJsonOr<{ peaks?: Record<string, StepPeaks> }>(join(dir, "analysis.json"), {})).peaks ?? {};
  const listed = Array.isArray(summary?.steps)
    ? (summary.steps as Array<{ concurrency: number; partial?: boolean }>).map((s) => ({ concurrency: s.concurrency, partial: s.partial === true }))
    : files.filter((f) => STEP.test(f)).map((f) => ({ concurrency: Number(STEP.exec(f)![1]), partial: true }));
  const steps = [];
  for (const s of [...listed].sort((a, b) => a.concurrency - b.concurrency)) {
    const step = await readJsonOr<StepSummary | null>(join(dir, `step-c${s.concurrency}.json`), null);
    if (!step) throw new UsageError(`${dir}: summary.json lists step c=${s.concurrency} but step-c${s.concurrency}.json is missing`, "restore it, or export a complete run");
    steps.push({ ...s, step, peaks: peaks[String(s.concurrency)] ?? null });
  }
  const summaryTarget = (summary?.target ?? {}) as Obj;
  const serving: ServingFacts = {
    model: str(target.model) ?? str(summaryTarget.model),
    serverVersion: str(target.serverVersion) ?? str(summaryTarget.serverVersion),
    simulator: str(target.simulator),
    simulatorProfile: str(target.simulatorProfile),
    accelerator: null,
  };
  const runId = str(summary?.runId) ?? dir.split(/[\\/]/).filter(Boolean).pop() ?? "run";
  const harnessVersion = str(summary?.harnessVersion) ?? str(target.harnessVersion) ?? "unknown";
  return { runId, harnessVersion, serving, config, steps };
}

async function readScenario(dir: string, files: string[]): Promise<ScenarioExportInput> {
  let config: Obj = {};
  try {
    config = (parseYaml(await readFile(join(dir, "config.yaml"), "utf8")) ?? {}) as Obj;
  } catch {
    // config.yaml is optional: the load then says only what the partials and lifecycle reports say.
  }
  const run = await readJsonOr<Obj>(join(dir, KNEEPOINT_RUN_FILE), {});
  const series = (await readJsonOr<{ samples?: SeriesSample[] }>(join(dir, "server_metrics_timeseries.json"), {})).samples ?? [];
  const stages = [];
  const partials = files.filter((f) => PARTIAL.test(f)).sort((a, b) => Number(PARTIAL.exec(a)![1]) - Number(PARTIAL.exec(b)![1]));
  for (const f of partials) {
    const stage = Number(PARTIAL.exec(f)![1]);
    const partial = parseYaml(await readFile(join(dir, f), "utf8")) as BrPartialReport;
    const lifecycle = await readJsonOr<Obj>(join(dir, `stage_${stage}_lifecycle_metrics.json`), {});
    const requested = (lifecycle.load_summary as Obj | undefined)?.requested_rate;
    stages.push({ stage, partial, requestedRate: typeof requested === "number" ? requested : null });
  }
  const serving: ServingFacts = {
    model: str(run.served_model) ?? str((config.server as Obj | undefined)?.model_name),
    serverVersion: str(run.server_version),
    simulator: str(run.simulator),
    simulatorProfile: str(run.simulator_profile),
    accelerator: null,
  };
  return { harnessVersion: str(run.harness_version) ?? HARNESS_VERSION, serving, config, stages, series };
}

export async function readExportSource(dir: string): Promise<ExportSource> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (err) {
    throw new UsageError(`cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "pass a sweep results directory (results/<runId>) or a `kneepoint run` report directory");
  }
  if (files.includes("capacity.json")) return { kind: "capacity", input: await readCapacityExport(dir) };
  if (files.includes("summary.json") || files.some((f) => STEP.test(f))) return { kind: "sweep", input: await readSweep(dir, files) };
  if (files.some((f) => PARTIAL.test(f))) return { kind: "scenario", input: await readScenario(dir, files) };
  if (files.some((f) => LIFECYCLE.test(f))) {
    throw new UsageError(
      `${dir} is a scenario report directory without BR partials: no inference-perf.partial.stage_<N>.yaml`,
      "they are written by `kneepoint run` (and inference-perf >= 0.7.0); re-run the config with `kneepoint run -c CONFIG`",
    );
  }
  throw new UsageError(
    `${dir} is neither a sweep results directory (no summary.json, no step-c<N>.json) nor a scenario report directory (no inference-perf.partial.stage_<N>.yaml)`,
    "pass results/<runId> written by `kneepoint sweep`, or the report directory of `kneepoint run`",
  );
}
