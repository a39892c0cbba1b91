/**
 * Tiny hand-written sweep shard directories, as `kneepoint sweep --shard i/N` writes them: per shard a summary.json
 * naming the shard, the sharded plan, the config, the target and one state-c<N>.json per step it had a share of,
 * the states built with step-state.ts from hand-made records. `oneState` is the state one process would have
 * built from every shard's records, for comparing the merge with.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RequestRecord } from "../../src/engine/request-record.ts";
import { sweepConfigSchema, type SweepConfig } from "../../src/config/sweep-config.ts";
import { addRecord, createStepState, setStepWindow, type StepState } from "../../src/metrics/step-state.ts";
import { stepStateToJson } from "../../src/metrics/step-state-json.ts";
import { shardSweepPlan } from "../../src/shard/split-sweep.ts";
import { buildSweepPlan, type SweepPlan } from "../../src/workload/sweep-plan.ts";
import { redactConfig } from "../../src/redact.ts";
import { stepFileName } from "../../src/report/results-writer.ts";

export const T0 = Date.parse("2026-12-03T22:00:00Z");

/** A successful streamed request: TTFT `ttft`, then `tokens − 1` chunks `gap` ms apart. */
export function okRecord(index: number, sendMs: number, ttft: number, gap: number, tokens: number): RequestRecord {
  const chunks = Array.from({ length: tokens }, (_, i) => sendMs + ttft + i * gap);
  return {
    index,
    plannedPromptTokens: 16,
    sendMs,
    chunkTimesMs: chunks,
    promptTokens: 16,
    completionTokens: tokens,
    textChunks: tokens,
    sendEpochMs: 0, // unused by the state: epoch times come from the epoch offset
    endMs: chunks[chunks.length - 1]! + 1,
    error: null,
  };
}

export function failedRecord(index: number, sendMs: number): RequestRecord {
  return { index, plannedPromptTokens: 16, sendMs, chunkTimesMs: [], promptTokens: null, completionTokens: null, textChunks: 0, sendEpochMs: 0, endMs: sendMs + 3, error: { reason: "http", status: 500, message: "boom" } };
}

export interface ShardStepInput {
  records: RequestRecord[];
  /** Monotonic → epoch offset of the shard's process. */
  epochOffsetMs: number;
  /** Monotonic window of the step. */
  startMs: number;
  endMs: number;
  clientCpuMs: number;
  partial?: boolean;
}

export function stateOf(steps: ShardStepInput[]): StepState {
  const state = createStepState();
  for (const s of steps) for (const r of s.records) addRecord(state, r, s.epochOffsetMs, r.sendMs - 0.5);
  const starts = steps.map((s) => s.startMs + s.epochOffsetMs);
  const ends = steps.map((s) => s.endMs + s.epochOffsetMs);
  setStepWindow(state, Math.min(...starts), Math.max(...ends));
  state.clientCpuMs = steps.reduce((n, s) => n + s.clientCpuMs, 0);
  return state;
}

export function configOf(input: Record<string, unknown> = {}): SweepConfig {
  return sweepConfigSchema.parse({ baseUrl: "http://127.0.0.1:8000", concurrency: [1, 4], numPrompts: 8, model: "m", apiKey: "sk-secret", ...input });
}

export interface ShardDirOptions {
  root: string;
  config: SweepConfig;
  index: number;
  count: number;
  /** Steps by concurrency; a missing concurrency writes no state for it. */
  steps: Map<number, ShardStepInput>;
  planIdOverride?: string;
  startAtEpochMs?: number | null;
  status?: string;
  target?: Record<string, unknown>;
  /** Name the states as the cluster collector did (c<N>_state.json) instead of results-writer.ts (state-c<N>.json). */
  collectorNames?: boolean;
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";

export async function writeShardDir(o: ShardDirOptions): Promise<string> {
  const dir = join(o.root, `shard-${o.index}-of-${o.count}`);
  await mkdir(dir, { recursive: true });
  const plan: SweepPlan = buildSweepPlan(o.config);
  const sharded = shardSweepPlan(plan, { index: o.index, count: o.count });
  const startAt = o.startAtEpochMs === undefined ? T0 : o.startAtEpochMs;
  await writeFile(join(dir, "plan.json"), json(sharded));
  await writeFile(join(dir, "config.json"), json(redactConfig({ ...o.config, shard: { index: o.index, count: o.count }, out: dir, ...(startAt !== null ? { startAtEpochMs: startAt } : {}) })));
  await writeFile(join(dir, "target.json"), json(o.target ?? { model: "m", modelRoot: null, serverVersion: "0.9.0", simulator: null, simulatorProfile: null, maxNumSeqs: null, servedModels: ["m"], tokenizer: "server /tokenize", exactInputLengths: true, harnessVersion: "0.1.0" }));
  for (const [c, step] of o.steps) await writeFile(join(dir, o.collectorNames ? `c${c}_state.json` : stepFileName(c, "state")), json(stepStateToJson(stateOf([step]))));
  await writeFile(
    join(dir, "summary.json"),
    json({
      runId: `shard-${o.index}`,
      status: o.status ?? "complete",
      shard: { index: o.index, count: o.count, planId: o.planIdOverride ?? sharded.shard.planId, startAtEpochMs: startAt },
      steps: [...o.steps].map(([c, s]) => ({ concurrency: c, file: `step-c${c}.json`, partial: s.partial ?? false, prompt_length_mismatches: 0, client_cpu_ms: s.clientCpuMs })),
    }),
  );
  return dir;
}
