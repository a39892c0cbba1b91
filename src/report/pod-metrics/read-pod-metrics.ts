/**
 * The per-pod queue and KV-cache summary of one run directory, for callers that hold directories rather than
 * parsed reports (the four-router comparison): reads server_metrics_timeseries.json (strict schema) and
 * summarises it (pod-metrics-summary.ts). Null when the run wrote no such file or it has no gauge.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../errors.ts";
import { timeseriesFromFile } from "../compare/from-report-files.ts";
import { TIMESERIES_FILE, timeseriesFileSchema } from "../compare/scenario-report-files.ts";
import { summarizePodMetrics, type PodMetricsSummary } from "./pod-metrics-summary.ts";

export async function readPodMetricsSummary(dir: string): Promise<PodMetricsSummary | null> {
  const path = join(dir, TIMESERIES_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON`, "the file is kneepoint's own (written by `kneepoint run`); fix or remove it");
  }
  const parsed = timeseriesFileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UsageError(`${path}: ${first?.path.join(".") || "(root)"}: ${first?.message ?? "invalid"}`, `the file is kneepoint's own (written by \`kneepoint run\`); fix or remove it`);
  }
  return summarizePodMetrics(timeseriesFromFile(parsed.data));
}
