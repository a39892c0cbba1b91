/**
 * Reads a run directory written by results-writer.ts and rebuilds every step's result from its raw samples,
 * so a report never depends on numbers computed by an older version of the formulas; a merged run
 * (`kneepoint merge`), which has no samples, from its steps' mergeable states.
 */
import { access, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import type { RequestRecord } from "../engine/request-record.ts";
import { summarizeStep, type StepResult } from "../metrics/summarize-step.ts";
import { summarizeStepStateOver } from "../metrics/step-state.ts";
import { stepStateFromJson } from "../metrics/step-state-json.ts";
import { stepFileName } from "./results-writer.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";

export interface RebuiltStep {
  concurrency: number;
  result: StepResult;
  partial: boolean;
  /** The server-metric peaks saved with the run (analysis.json), or null. */
  peaks: StepPeaks | null;
}

export interface RebuiltRun {
  dir: string;
  status: string;
  steps: RebuiltStep[];
}

async function readJson<T>(path: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "pass a directory written by `kneepoint sweep` (results/<runId>)");
  }
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

export async function rebuildRun(dir: string, percentiles?: number[]): Promise<RebuiltRun> {
  const summary = await readJson<{ status: string; steps: Array<{ concurrency: number; partial: boolean }> }>(join(dir, "summary.json")).catch(async () => {
    // A run killed before summary.json was written still has its step files.
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^step-c\d+\.json$/.test(f));
    if (files.length === 0) throw new UsageError(`${dir} holds no kneepoint results`, "pass a directory written by `kneepoint sweep` (results/<runId>)");
    return { status: "partial", steps: files.map((f) => ({ concurrency: Number(/\d+/.exec(f)![0]), partial: true })) };
  });
  const saved = await readFile(join(dir, "analysis.json"), "utf8").then(
    (t) => (JSON.parse(t) as { peaks?: Record<string, StepPeaks> }).peaks ?? {},
    () => ({}) as Record<string, StepPeaks>,
  );
  const steps: RebuiltStep[] = [];
  for (const s of [...summary.steps].sort((a, b) => a.concurrency - b.concurrency)) {
    const step = await readJson<StepResult>(join(dir, `step-c${s.concurrency}.json`));
    const ctx = {
      durationMs: step.duration * 1000,
      startedAtMs: step.started_at_ms,
      endedAtMs: step.ended_at_ms,
      backend: step.backend,
      endpointType: step.endpoint_type,
      label: step.label,
      modelId: step.model_id,
      tokenizerId: step.tokenizer_id,
      numPrompts: step.num_prompts,
      requestRate: step.request_rate,
      burstiness: step.burstiness,
      maxConcurrency: step.max_concurrency,
      ...(percentiles ? { percentiles } : {}),
    };
    const text = await readFile(join(dir, stepFileName(s.concurrency, "samples")), "utf8").catch(() => null);
    let result: StepResult;
    if (text === null && (await exists(join(dir, stepFileName(s.concurrency, "state"))))) {
      // A merged run (`kneepoint merge`) has no samples, only each step's mergeable state.
      const file = join(dir, stepFileName(s.concurrency, "state"));
      result = summarizeStepStateOver(stepStateFromJson(await readJson<unknown>(file), file), ctx);
    } else {
      const records = (text ?? "")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as RequestRecord);
      result = summarizeStep(records, ctx);
    }
    steps.push({ concurrency: s.concurrency, result, partial: s.partial, peaks: saved[String(s.concurrency)] ?? null });
  }
  return { dir, status: summary.status, steps };
}
