/**
 * Reads a run directory written by results-writer.ts and rebuilds every step's result from its raw samples,
 * so a report never depends on numbers computed by an older version of the formulas.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import type { RequestRecord } from "../engine/request-record.ts";
import { summarizeStep, type StepResult } from "../metrics/summarize-step.ts";

export interface RebuiltStep {
  concurrency: number;
  result: StepResult;
  partial: boolean;
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

export async function rebuildRun(dir: string, percentiles?: number[]): Promise<RebuiltRun> {
  const summary = await readJson<{ status: string; steps: Array<{ concurrency: number; partial: boolean }> }>(join(dir, "summary.json")).catch(async () => {
    // A run killed before summary.json was written still has its step files.
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^step-c\d+\.json$/.test(f));
    if (files.length === 0) throw new UsageError(`${dir} holds no kneepoint results`, "pass a directory written by `kneepoint sweep` (results/<runId>)");
    return { status: "partial", steps: files.map((f) => ({ concurrency: Number(/\d+/.exec(f)![0]), partial: true })) };
  });
  const steps: RebuiltStep[] = [];
  for (const s of [...summary.steps].sort((a, b) => a.concurrency - b.concurrency)) {
    const saved = await readJson<StepResult>(join(dir, `step-c${s.concurrency}.json`));
    const text = await readFile(join(dir, `samples-c${s.concurrency}.jsonl`), "utf8").catch(() => "");
    const records = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RequestRecord);
    const result = summarizeStep(records, {
      durationMs: saved.duration * 1000,
      startedAtMs: saved.started_at_ms,
      endedAtMs: saved.ended_at_ms,
      backend: saved.backend,
      endpointType: saved.endpoint_type,
      label: saved.label,
      modelId: saved.model_id,
      tokenizerId: saved.tokenizer_id,
      numPrompts: saved.num_prompts,
      requestRate: saved.request_rate,
      burstiness: saved.burstiness,
      maxConcurrency: saved.max_concurrency,
      ...(percentiles ? { percentiles } : {}),
    });
    steps.push({ concurrency: s.concurrency, result, partial: s.partial });
  }
  return { dir, status: summary.status, steps };
}
