/**
 * Reads a scenario report directory (inference-perf's files, as `kneepoint run` or inference-perf writes
 * them): every `stage_N_lifecycle_metrics.json` (required, at least one), the summary, the Prometheus files
 * when present, config.yaml for the run's labels, and `server_metrics_timeseries.json` when the run has
 * one. A directory that is none of this is a UsageError that names it and says what is missing.
 * Where kneepoint's `kneepoint_prometheus_report.json` is present, its Prometheus numbers are used instead of the
 * inference-perf files' (which hold 0.0 for what was not measured), and its failed queries become notes.
 * Python's bare NaN / Infinity (inference-perf writes them when Prometheus answers NaN) are read as null.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UsageError } from "../../errors.ts";
import { describeScenarioConfig, UNKNOWN } from "./describe-scenario-config.ts";
import { KNEEPOINT_RUN_FILE } from "../../scenarios/storage/report-file.ts";
import { lifecycleFromFile, prometheusFromFile, timeseriesFromFile } from "./from-report-files.ts";
import {
  CONFIG_FILE,
  KNEEPOINT_PROMETHEUS_FILE,
  kneepointPrometheusFileSchema,
  lifecycleFileSchema,
  prometheusFileSchema,
  STAGE_LIFECYCLE_FILE,
  stagePrometheusFile,
  SUMMARY_LIFECYCLE_FILE,
  SUMMARY_PROMETHEUS_FILE,
  TIMESERIES_FILE,
  timeseriesFileSchema,
} from "./scenario-report-files.ts";
import type { KneepointPrometheusFile } from "./scenario-report-files.ts";
import type { RunDescription, ScenarioReport, ScenarioStage } from "./scenario-report.ts";

const FORMAT_HINT = "the file does not have inference-perf's report keys (research/inference-perf.md §2.2); was it written by another tool?";
const TIMESERIES_HINT = `${TIMESERIES_FILE} holds {samples: [{t_epoch_s, kv_cache_usage_perc (0–1), num_requests_waiting, num_requests_running}], stages?: [{stage, start_epoch_s, end_epoch_s}]}; fix or remove it`;
const HINT = "pass the directory a scenario run wrote its reports to (`kneepoint run -c …`, or inference-perf's reports-<timestamp>/); a sweep run (results/<runId>) is read by `kneepoint report DIR` without --compare";

/** The stage lifecycle files of `dir` by stage index (the sweep's probe stage −1 left out); [] if none or unreadable. */
async function stageFiles(dir: string): Promise<Array<{ index: number; name: string }>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, m: STAGE_LIFECYCLE_FILE.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
    .map((f) => ({ index: Number(f.m[1]), name: f.name }))
    .filter((f) => f.index >= 0)
    .sort((a, b) => a.index - b.index);
}

/** Whether `dir` holds a scenario report (at least one stage lifecycle file); the CLI uses it to choose a reader. */
export async function isScenarioReportDir(dir: string): Promise<boolean> {
  return (await stageFiles(dir)).length > 0;
}

export async function readScenarioReportDir(dir: string): Promise<ScenarioReport> {
  const info = await stat(dir).catch(() => null);
  if (info === null) throw new UsageError(`${dir}: no such directory`, HINT);
  if (!info.isDirectory()) throw new UsageError(`${dir} is a file, not a report directory`, HINT);
  const files = await stageFiles(dir);
  if (files.length === 0) {
    const present = (await readdir(dir)).filter((n) => !n.startsWith(".")).sort();
    const shown = present.length === 0 ? "it is empty" : `it holds ${present.slice(0, 6).join(", ")}${present.length > 6 ? ", …" : ""}`;
    throw new UsageError(`${dir} is not a scenario report directory: no stage_N_lifecycle_metrics.json (${shown})`, HINT);
  }
  const notes: string[] = [];
  const description = await readDescription(dir, notes);
  const truth = await readOptionalJson(join(dir, KNEEPOINT_PROMETHEUS_FILE), kneepointPrometheusFileSchema);
  if (truth) notes.push(...prometheusNotes(dir, truth));
  const readProm = async (name: string) => truth?.reports.find((r) => r.file === name)?.report ?? (await readOptionalJson(join(dir, name), prometheusFileSchema));
  const stages: ScenarioStage[] = [];
  for (const f of files) {
    const lifecycle = lifecycleFromFile(await readJsonFile(join(dir, f.name), lifecycleFileSchema));
    const prom = await readProm(stagePrometheusFile(f.index));
    stages.push({ index: f.index, lifecycle, prometheus: prom ? prometheusFromFile(prom) : null });
  }
  const summaryFile = await readOptionalJson(join(dir, SUMMARY_LIFECYCLE_FILE), lifecycleFileSchema);
  if (!summaryFile) notes.push(`${dir}: no ${SUMMARY_LIFECYCLE_FILE}; its row of the summary table is empty`);
  const summaryProm = await readProm(SUMMARY_PROMETHEUS_FILE);
  const series = await readOptionalJson(join(dir, TIMESERIES_FILE), timeseriesFileSchema, TIMESERIES_HINT);
  return {
    dir,
    description,
    summary: summaryFile ? lifecycleFromFile(summaryFile) : null,
    summaryPrometheus: summaryProm ? prometheusFromFile(summaryProm) : null,
    stages,
    timeseries: series ? timeseriesFromFile(series) : null,
    notes,
  };
}

/** The Prometheus report's failed queries, said loudly: the inference-perf files hold 0.0 for them. */
function prometheusNotes(dir: string, truth: KneepointPrometheusFile): string[] {
  const queries = truth.reports.flatMap((r) => r.queries);
  const failed = queries.filter((q) => q.status === "failed");
  if (failed.length === 0) return [];
  const where = truth.prometheus_url ? ` at ${truth.prometheus_url}` : "";
  const errors = [...new Set(failed.map((q) => (q.error ?? "no error recorded").replace(/^not sent: /, "")))];
  const what = failed.length === queries.length ? `answered none of the ${queries.length} report queries` : `failed ${failed.length} of ${queries.length} report queries`;
  return [
    `**Prometheus${where} ${what}** (${errors.slice(0, 3).join("; ")}${errors.length > 3 ? "; …" : ""}): the *_prometheus_metrics.json files in ${dir} hold 0.0 for them, as inference-perf writes them; here they are not measured (empty). Details: ${KNEEPOINT_PROMETHEUS_FILE}.`,
  ];
}

/** JSON.parse that also takes Python's bare NaN / Infinity / -Infinity (outside strings), as null. */
function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const patched = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : "null"));
    if (patched === text) throw err;
    return JSON.parse(patched);
  }
}

async function readDescription(dir: string, notes: string[]): Promise<RunDescription> {
  const unknown = { model: UNKNOWN, data: UNKNOWN, load: UNKNOWN };
  const text = await readFile(join(dir, CONFIG_FILE), "utf8").catch(() => null);
  if (text === null) {
    notes.push(`${dir}: no ${CONFIG_FILE}; model, data and load are unknown`);
    return unknown;
  }
  try {
    const described = describeScenarioConfig(parseYaml(text));
    if (described.model !== UNKNOWN) return described;
    // config.yaml names no model (inference-perf writes server.model_name: null then); kneepoint's record has it.
    const run = await readOptionalJson(join(dir, KNEEPOINT_RUN_FILE), z.looseObject({ served_model: z.string() }));
    return run ? { ...described, model: run.served_model } : described;
  } catch (err) {
    notes.push(`${dir}: ${CONFIG_FILE} is not valid YAML (${(err as Error).message.split("\n")[0]}); model, data and load are unknown`);
    return unknown;
  }
}

async function readOptionalJson<S extends z.ZodType>(path: string, schema: S, hint?: string): Promise<z.infer<S> | null> {
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  return exists ? readJsonFile(path, schema, hint) : null;
}

async function readJsonFile<S extends z.ZodType>(path: string, schema: S, hint = FORMAT_HINT): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = parseJsonText(await readFile(path, "utf8"));
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`, "the file is damaged or was cut short; rerun the scenario or remove the file");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new UsageError(`${path}: ${where}: ${issue.message}`, hint);
  }
  return parsed.data;
}
