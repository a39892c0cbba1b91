/**
 * `make bench PODS=N` without a cluster: load pods' logs as the lead's `kneepoint sweep --shard i/N --log-results`
 * prints them (a result block and a shard-state block per step, real step states) → shards/<i>/ → the merge into the
 * run directory. The merged step holds every shard's requests; a failed pod is named with its last lines and the run
 * is partial; a pod that never started is merged without (allowMissing).
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sweepConfigSchema, type SweepConfig } from "../config/sweep-config.ts";
import { newRequestRecord } from "../engine/request-record.ts";
import { resultMarkerLine } from "../engine/vllm/result-markers.ts";
import type { ShardRun } from "../k8s/run-indexed-job.ts";
import { SHARD_STATE_TAG, shardStatesFromLog } from "../k8s/shard-log-states.ts";
import { addRecord, createStepState, setStepWindow, summarizeStepState } from "../metrics/step-state.ts";
import { stepStateToJson } from "../metrics/step-state-json.ts";
import { stateFileName } from "../merge/read-shard-dir.ts";
import { createResultsWriter } from "../report/results-writer.ts";
import { planId } from "../shard/shard-spec.ts";
import { shardSweepPlan } from "../shard/split-sweep.ts";
import { buildSweepPlan } from "../workload/sweep-plan.ts";
import { collectAndMergeShards } from "./analyse-sharded-job.ts";

const EPOCH = 1_796_335_200_000; // 2026-12-03 22:00:00 UTC
const MODEL = "qwen2.5-0.5b";
const config: SweepConfig = sweepConfigSchema.parse({ baseUrl: "http://vllm:8000", model: MODEL, concurrency: [4, 8], numPrompts: 16, inputLen: 32, outputLen: 8 });
const target = { baseUrl: "http://vllm:8000", endpoint: "/v1/completions" };

function plan() {
  const p = buildSweepPlan(config);
  p.target.model = MODEL;
  return p;
}

/** What pod `index` of `count` prints for the steps it finishes (its share of each, as split-sweep.ts plans it). */
function podLog(index: number, count: number, levels: number[], tail: string[] = []): string {
  const share = shardSweepPlan(plan(), { index, count });
  const lines = [`kneepoint: native engine, shard ${index}/${count} starting at ${new Date(EPOCH).toISOString()}`];
  for (const c of levels) {
    const step = share.steps.find((s) => s.level === c)!;
    const state = createStepState();
    const startMs = EPOCH + 1000 * c; // every shard starts at the shared instant
    for (let k = 0; k < step.numPrompts; k++) {
      const rec = { ...newRequestRecord(step.promptOffset + k, 32, startMs + 10 * k), sendMs: 10 * k, chunkTimesMs: [10 * k + 5, 10 * k + 6], promptTokens: 32, completionTokens: 2, textChunks: 2, endMs: 10 * k + 7 };
      addRecord(state, rec, startMs, 10 * k);
    }
    setStepWindow(state, startMs, startMs + 10 * step.numPrompts + 7);
    state.clientCpuMs = 20 * (index + 1);
    const result = summarizeStepState(state, { label: `c${c}`, modelId: MODEL, tokenizerId: null, numPrompts: step.numPrompts, requestRate: "inf", burstiness: 1, maxConcurrency: step.concurrency, percentiles: [50, 99] });
    const block = { shard: { ...share.shard, startAtEpochMs: EPOCH }, concurrency: c, partial: false, promptLengthMismatches: 0, clientCpuMs: state.clientCpuMs, state: stepStateToJson(state) };
    lines.push(
      resultMarkerLine(c, "begin"),
      JSON.stringify(result),
      resultMarkerLine(c, "end"),
      resultMarkerLine(c, "begin", { tag: SHARD_STATE_TAG }),
      JSON.stringify(block),
      resultMarkerLine(c, "end", { tag: SHARD_STATE_TAG }),
    );
  }
  return [...lines, ...tail].join("\n");
}

function run(index: number, log: string, o: Partial<ShardRun> = {}): ShardRun {
  return {
    index,
    podName: `vllm-bench-${index}-abcde`,
    nodeName: "gpu-node-1",
    stage: { kind: "succeeded", text: "finished" },
    log,
    lineTimesMs: [],
    logComplete: true,
    logGaps: 0,
    startedAtMs: EPOCH,
    exitCode: 0,
    ...o,
  };
}

async function collect(shards: ShardRun[], end: "succeeded" | "failed" = "succeeded") {
  const writer = await createResultsWriter(mkdtempSync(join(tmpdir(), "kp-sharded-")), "run");
  const warnings: string[] = [];
  const collected = await collectAndMergeShards({ end, shards }, { writer, config, model: MODEL, target, warn: (w) => warnings.push(w) });
  return { dir: writer.dir, warnings, ...collected };
}

const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

describe("PODS=N: shard directories from the pods' logs, merged into the run", () => {
  it("reads the state blocks of a pod's log, and refuses one that names another shard", () => {
    const log = podLog(1, 4, [4, 8]);
    const states = shardStatesFromLog(log, { index: 1, count: 4 });
    expect(states.problems).toEqual([]);
    expect(states.blocks.map((b) => [b.concurrency, b.shard.index, b.clientCpuMs])).toEqual([
      [4, 1, 40],
      [8, 1, 40],
    ]);
    expect(shardStatesFromLog(log, { index: 2, count: 4 }).problems[0]).toMatch(/c=4: the state block says shard 1\/4, but it is in the log of pod 2 of 4/);
  });

  it("4 pods: every shard's state collected; each merged step holds the sum of the shards' requests, which is the unsharded plan's", async () => {
    const r = await collect([0, 1, 2, 3].map((i) => run(i, podLog(i, 4, [4, 8]))));
    expect(r.warnings).toEqual([]);
    expect(r.partial).toBe(false);
    for (const i of [0, 1, 2, 3]) {
      for (const c of [4, 8]) expect(existsSync(join(r.dir, "shards", String(i), stateFileName(c))), `shard ${i} c=${c}`).toBe(true);
      expect(json(join(r.dir, "shards", String(i), "summary.json"))).toMatchObject({ shard: { index: i, count: 4, planId: planId(plan()) }, pod: `vllm-bench-${i}-abcde`, node: "gpu-node-1", status: "complete" });
    }
    for (const c of [4, 8]) {
      const merged = json(join(r.dir, `step-c${c}.json`));
      const perShard = [0, 1, 2, 3].map((i) => json(join(r.dir, "shards", String(i), `step-c${c}.json`)).completed as number);
      expect(merged.completed).toBe(perShard.reduce((a, b) => a + b, 0));
      expect(merged.completed).toBe(plan().steps.find((s) => s.concurrency === c)!.numPrompts);
      expect(existsSync(join(r.dir, stateFileName(c)))).toBe(true);
      // The merged window is the union of the shards' windows.
      const starts = [0, 1, 2, 3].map((i) => json(join(r.dir, "shards", String(i), `step-c${c}.json`)).started_at_ms as number);
      expect(merged.started_at_ms).toBe(Math.min(...starts));
    }
    // Per-shard rows: client CPU and schedule delay for every shard at every step.
    expect(r.rows).toHaveLength(8);
    expect(r.rows.find((x) => x.shard === 3 && x.step === 8)).toMatchObject({ share: 2, measured: true, requests: 4, clientCpuMs: 80, startSkewMs: 0 });
    expect(r.rows.every((x) => x.scheduleDelayP99Ms !== null)).toBe(true);
  });

  it("a pod that failed at c=8 is named with its last lines; its c=4 share still merges, c=8 is partial, the run is partial", async () => {
    const failing = podLog(1, 2, [4], ["=== kneepoint-step-failed c=8 exit=1 ===", "kneepoint: step c=8 failed: connection refused"]);
    const r = await collect([run(0, podLog(0, 2, [4, 8])), run(1, failing, { exitCode: 1, stage: { kind: "failed", text: "failed (exit 1, Error)" } })], "failed");
    expect(r.partial).toBe(true);
    expect(r.warnings.join("\n")).toMatch(/load pod 1 \(vllm-bench-1-abcde on gpu-node-1\) failed \(exit 1, Error\) at c=8; its last lines:\n {4}kneepoint: native engine, shard 1\/2[^\n]*\n {4}=== kneepoint-step-failed c=8 exit=1 ===\n {4}kneepoint: step c=8 failed: connection refused$/);
    expect(json(join(r.dir, "step-c4.json")).completed).toBe(16);
    expect(r.steps.find((s) => s.concurrency === 8)).toMatchObject({ partial: true });
    expect(json(join(r.dir, "shards", "1", "summary.json"))).toMatchObject({ status: "partial", failure: "failed (exit 1, Error) at c=8" });
  });

  it("a pod that never started leaves no shard to merge: the others merge without it (allowMissing), the run is partial", async () => {
    const never = run(1, "", { podName: "vllm-bench-1-zzzzz", nodeName: null, startedAtMs: null, exitCode: null, stage: { kind: "scheduling", text: "waiting for a node: 0/1 nodes are available" } });
    const r = await collect([run(0, podLog(0, 2, [4, 8])), never], "failed");
    expect(r.partial).toBe(true);
    expect(r.missing).toEqual([1]);
    expect(r.warnings.join("\n")).toMatch(/load pod 1 \(vllm-bench-1-zzzzz\) never started: waiting for a node/);
    expect(r.warnings.join("\n")).toMatch(/shard 1 of 2 missing/);
    expect(json(join(r.dir, "step-c4.json")).completed).toBe(8);
  });
});
