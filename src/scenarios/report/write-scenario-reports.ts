/**
 * The one writer of a scenario run's reports, in inference-perf's files (research/inference-perf.md §2.1):
 *   summary_lifecycle_metrics.json, stage_N_lifecycle_metrics.json, per_request_lifecycle_metrics.json,
 *   summary_prometheus_metrics.json, stage_N_prometheus_metrics.json, config.yaml
 * (plus kneepoint's own files the caller passes, e.g. server_metrics_timeseries.json, and
 * kneepoint_circuit_breakers.json when breakers are enabled)
 * written to `local_storage`, then uploaded to every configured bucket (`simple_storage_service`,
 * `google_cloud_storage`). Read → build (pure) → store: the local files are written first, whatever happens
 * later; a bucket that fails, or a Prometheus that answered nothing, is an EnvironmentError raised after every
 * other sink was tried, naming the bucket and the fix. Secrets given in `secrets` are scrubbed from the config
 * text and from every message (the config is redacted when it is rendered; this is the second line).
 * A run gives its stages either with their records (folded into StageStates here) or, when it kept only states
 * (stage-state.ts; per-request files streamed by per-request-writer.ts), as StateStageRuns: the files are then
 * built from the states, and the streamed files are listed with the written ones.
 */
import { EnvironmentError } from "../../errors.ts";
import { scrubSecrets } from "../../redact.ts";
import { uploadGcsReports, type GcsDeps, type GcsStorageTarget } from "../storage/gcs-storage.ts";
import { writeLocalReports, type LocalStorageTarget } from "../storage/local-storage.ts";
import type { ReportFile } from "../storage/report-file.ts";
import type { UploadOutcome } from "../storage/storage-outcome.ts";
import { uploadS3Reports, type S3Deps, type S3StorageTarget } from "../storage/s3-storage.ts";
import type { StageRun } from "../types.ts";
import { buildBrPartialFiles, buildBrPartialFilesFromStates } from "./br-partial-files.ts";
import { buildLifecycleFiles, buildLifecycleFilesFromStates } from "./build-lifecycle-files.ts";
import { circuitBreakersFile } from "./circuit-breakers-file.ts";
import { collectPrometheusReports, type PrometheusReportOptions } from "./collect-prometheus-reports.ts";
import type { StreamedPerRequest } from "./per-request-writer.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";
import type { StageState } from "./stage-state.ts";
import { buildValidationFile } from "./validate-reports.ts";

export interface ScenarioStorageTargets {
  local: LocalStorageTarget;
  s3: S3StorageTarget | null;
  gcs: GcsStorageTarget | null;
}

/**
 * A stage of a run that kept its state instead of its records: every request folded as it completed with
 * `reportStageStateOptions(report, true)` (build-lifecycle-files.ts), shards' states merged.
 */
export type StateStageRun = Omit<StageRun, "records"> & { state: StageState };

/** The stages were given with states (an empty list is either). */
export function keptStates(stages: readonly StageRun[] | readonly StateStageRun[]): stages is readonly StateStageRun[] {
  return stages.length > 0 && "state" in stages[0]!;
}

export interface WriteScenarioReportsOptions {
  stages: readonly StageRun[] | readonly StateStageRun[];
  /**
   * The per-request files the run streamed to local storage (per-request-writer.ts `close()`): listed after the
   * files written here, and validated through their digest.
   */
  streamedPerRequest?: StreamedPerRequest;
  /** The effective config as YAML (src/scenarios/config/effective-config-yaml.ts), stored as config.yaml. */
  configYaml: string;
  report: ScenarioReportOptions;
  /** Set when `metrics.type: prometheus`. */
  prometheus?: PrometheusReportOptions | null;
  /** kneepoint's own files stored beside inference-perf's in every sink (server_metrics_timeseries.json). */
  extraFiles?: readonly ReportFile[];
  storage: ScenarioStorageTargets;
  /** Values that must never be written or printed (API keys, tokens). */
  secrets?: ReadonlyArray<string | undefined>;
  /** Epoch-ms clock and sleep (Prometheus waits for its last scrape); injected by tests. */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  s3Deps?: S3Deps;
  gcsDeps?: GcsDeps;
}

export interface WrittenReports {
  /** Local paths, then the bucket objects uploaded (s3://…, gs://…). */
  files: string[];
  /** Prometheus queries that failed (null in the reports), bucket keys that existed and were not overwritten. */
  warnings: string[];
}

export async function writeScenarioReports(opts: WriteScenarioReportsOptions): Promise<WrittenReports> {
  const secrets = [...(opts.secrets ?? [])];
  const scrub = (text: string) => scrubSecrets(text, secrets);
  const warnings: string[] = [];
  const failures: EnvironmentError[] = [];

  const stages = opts.stages;
  const states = keptStates(stages) ? stages.filter((s) => s.index >= 0) : null;
  const files: ReportFile[] = states ? buildLifecycleFilesFromStates(states, opts.report) : buildLifecycleFiles(stages as readonly StageRun[], opts.report);
  if (opts.prometheus && (opts.prometheus.summary || opts.prometheus.perStage)) {
    const outcome = await collectPrometheusReports(opts.stages, opts.prometheus, {
      clock: opts.clock ?? Date.now,
      sleep: opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    });
    files.push(...outcome.files);
    warnings.push(...outcome.warnings);
  }
  files.push(...(states ? buildBrPartialFilesFromStates(states) : buildBrPartialFiles(stages as readonly StageRun[], opts.report))); // BR0.2 partials, after Prometheus, as 0.7.0 orders them
  files.push(...(opts.extraFiles ?? []));
  if (opts.report.circuitBreakers?.length) files.push(circuitBreakersFile(opts.stages, opts.report.circuitBreakers));
  files.push({ name: "config", kind: "yaml", text: scrub(opts.configYaml) });

  // Last, over every file assembled, as inference-perf 0.7.0 (validate-reports.ts); never fails the run.
  const validation = buildValidationFile(files, opts.streamedPerRequest?.digest);
  files.push(...validation.files);
  warnings.push(...validation.messages);

  const written = await writeLocalReports(files, opts.storage.local);
  const streamed = opts.streamedPerRequest?.files ?? [];
  written.push(...streamed);
  if (streamed.length > 0 && (opts.storage.s3 || opts.storage.gcs)) {
    // The sinks upload ReportFiles held in memory; a streamed file is on disk only (storage cannot upload a path yet).
    warnings.push(`the per-request files were streamed to ${opts.storage.local.path} and are not uploaded to the bucket: copy ${streamed.join(", ")} yourself`);
  }

  // Buckets upload in parallel; their results are taken in sink order, so files and warnings read the same every run.
  const { s3, gcs } = opts.storage;
  const sinks: Array<() => Promise<UploadOutcome>> = [];
  if (s3) sinks.push(() => uploadS3Reports(files, s3, opts.s3Deps));
  if (gcs) sinks.push(() => uploadGcsReports(files, gcs, opts.gcsDeps));
  const results = await Promise.allSettled(sinks.map((upload) => upload()));
  for (const result of results) {
    if (result.status === "fulfilled") {
      written.push(...result.value.uploaded);
      for (const uri of result.value.skipped) warnings.push(`${uri} already exists: not overwritten (as inference-perf)`);
    } else if (result.reason instanceof EnvironmentError) {
      failures.push(result.reason);
    } else {
      throw result.reason;
    }
  }

  if (failures.length > 0) {
    const message = failures.map((f) => f.message).join("\n");
    const hint = [...new Set(failures.map((f) => f.hint).filter((h): h is string => h !== undefined))].join("; ");
    throw new EnvironmentError(scrub(`${message}\n(the local reports are in ${opts.storage.local.path})`), scrub(hint));
  }
  return { files: written, warnings: warnings.map(scrub) };
}
