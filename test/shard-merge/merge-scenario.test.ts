import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Command } from "commander";
import { scenarioRecord } from "../scenarios-report/scenario-record.ts";
import type { ScenarioRecord, StagePlan, StageRun } from "../../src/scenarios/types.ts";
import { scenarioShardFiles } from "../../src/shard/scenario-shard-files.ts";
import { writeLocalReports } from "../../src/scenarios/storage/local-storage.ts";
import { foldStageState, stageStateOptionsOf } from "../../src/scenarios/report/build-lifecycle-report.ts";
import { buildLifecycleFilesFromStates } from "../../src/scenarios/report/build-lifecycle-files.ts";
import { stageStateToJson } from "../../src/scenarios/report/stage-state-json.ts";
import { addScenarioRecord, createStageState } from "../../src/scenarios/report/stage-state.ts";
import { serializeReportFile } from "../../src/scenarios/storage/report-file.ts";
import { mergeScenarioShards } from "../../src/merge/merge-scenario-shards.ts";
import { mergeSweepShards } from "../../src/merge/merge-sweep-shards.ts";
import { scenarioShardManifest, stageStateFileName, SCENARIO_SHARD_MANIFEST } from "../../src/shard/scenario-shard-manifest.ts";
import { registerMergeCommand } from "../../src/cli/commands/merge.ts";
import { runProgram } from "../../src/cli/run-program.ts";
import type { CliIo } from "../../src/cli/run-sweep.ts";
import { UsageError } from "../../src/errors.ts";
import { configOf, T0, writeShardDir as writeSweepShardDir } from "./shard-dir-fixture.ts";

const PLANS: StagePlan[] = [
  { kind: "constant", rate: 4, durationS: 2 },
  { kind: "concurrent", concurrency: 3, numRequests: 6 },
];
const OPTIONS = stageStateOptionsOf({ useServerOutputTokens: true, maxErrorMessages: 5, goodput: null });
const REPORT = { summary: true, perStage: true, percentiles: [50, 90, 99], streaming: true };

/** Stage s's records of shard i: request k sent at base + 100·k ms, 3 chunks, the third one failed. */
function records(stage: number, shard: number, n: number, base: number): ScenarioRecord[] {
  return Array.from({ length: n }, (_, k) => {
    const sendMs = base + 100 * k + 7 * shard;
    const failed = k === 2 && shard === 1;
    return scenarioRecord({
      stage,
      index: k,
      scheduledMs: sendMs - 0.5 - shard,
      sendMs,
      chunkTimesMs: failed ? [] : [sendMs + 20 + k, sendMs + 25 + k, sendMs + 33 + k],
      endMs: sendMs + 40 + k,
      promptTokens: 10 + k,
      completionTokens: failed ? null : 3,
      error: failed ? { reason: "http", status: 500, message: "HTTP 500: boom" } : null,
    });
  });
}

// Two shards on two clocks; epochOffsetMs puts both on the shared (epoch) clock.
const SHARDS = [
  { offset: T0 - 1000, stages: [records(0, 0, 4, 1000), records(1, 0, 4, 4000)], cpu: [120, 300] },
  { offset: T0 - 50, stages: [records(0, 1, 4, 60), records(1, 1, 2, 3060)], cpu: [90, 100] },
];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kneepoint-merge-scenario-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let n = 0;
const fresh = async () => {
  const d = join(root, `case-${n++}`);
  await mkdir(d, { recursive: true });
  return d;
};

async function writeScenarioShard(where: string, index: number, over: { planId?: string; count?: number; prefix?: string; stages?: number[] } = {}): Promise<string> {
  const dir = join(where, `shard-${index}`);
  await mkdir(dir, { recursive: true });
  const prefix = over.prefix ?? "";
  const s = SHARDS[index]!;
  const kept = over.stages ?? [0, 1];
  const manifest = scenarioShardManifest({
    shard: { index, count: over.count ?? 2 },
    planId: over.planId ?? "plan-a",
    startAtEpochMs: T0,
    status: kept.length === 2 ? "complete" : "partial",
    report: REPORT,
    stages: PLANS.map((plan, i) => ({ index: i, plan, requests: i === 0 ? 8 : 6, status: kept.includes(i) ? "completed" : "interrupted", hasState: kept.includes(i), clientCpuMs: s.cpu[i]! })),
  });
  await writeFile(join(dir, `${prefix}${SCENARIO_SHARD_MANIFEST}.json`), JSON.stringify(manifest));
  for (const i of kept) {
    const state = foldStageState(s.stages[i]!, OPTIONS, { epochOffsetMs: s.offset });
    await writeFile(join(dir, prefix + stageStateFileName(i)), JSON.stringify(stageStateToJson(state)));
  }
  await writeFile(join(dir, `${prefix}config.yaml`), `load:\n  type: constant\nstorage:\n  local_storage:\n    path: ${dir}\n`);
  await writeFile(join(dir, `${prefix}kneepoint_run.json`), JSON.stringify({ served_model: "m" }));
  return dir;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return `${(err as UsageError).message} | hint: ${(err as UsageError).hint}`;
}

describe("mergeScenarioShards", () => {
  it("writes the lifecycle reports of one state over every shard's records", async () => {
    const where = await fresh();
    const dirs = [await writeScenarioShard(where, 0), await writeScenarioShard(where, 1, { prefix: "" })];
    const out = join(where, "merged");
    const merged = await mergeScenarioShards(dirs, out);
    expect(merged).toMatchObject({ status: "complete", shardCount: 2, missing: [], planId: "plan-a" });

    // One process over the same records on the shared clock: each shard's records folded, with its offset, into one state.
    const whole = PLANS.map((plan, i) => {
      const state = createStageState(OPTIONS);
      for (const s of SHARDS) for (const rec of s.stages[i]!) addScenarioRecord(state, rec, { epochOffsetMs: s.offset });
      return { index: i, plan, state };
    });
    const expected = buildLifecycleFilesFromStates(whole, { ...REPORT, perRequest: false, useServerOutputTokens: true, maxErrorMessages: 5, goodput: null });
    expect(expected.map((f) => f.name)).toEqual(["summary_lifecycle_metrics", "stage_0_lifecycle_metrics", "stage_1_lifecycle_metrics"]);
    for (const f of expected) expect(await readFile(join(out, `${f.name}.json`), "utf8")).toBe(serializeReportFile(f, "indented"));

    expect((await readdir(out)).sort()).toEqual(
      ["config.yaml", "kneepoint_run.json", "kneepoint_shards.json", "kneepoint_stage_0_state.json", "kneepoint_stage_1_state.json", "stage_0_lifecycle_metrics.json", "stage_1_lifecycle_metrics.json", "summary_lifecycle_metrics.json"].sort(),
    );
    const shards = JSON.parse(await readFile(join(out, "kneepoint_shards.json"), "utf8")) as { shards: Array<{ stages: Array<Record<string, unknown>> }> };
    // Stage 0: shard 0 sends at T0 … T0+300 (last end T0+343), shard 1 at T0+17 … T0+317 (last end T0+360).
    expect(shards.shards[1]!.stages[0]).toMatchObject({ stage: 0, requests_planned: 4, requests: 4, start_skew_ms: 17, end_skew_ms: 0, client_cpu_ms: 90 });
    expect(shards.shards[1]!.stages[0]!.schedule_delay_p50_ms).toBeCloseTo(1.5, 9);
    expect(shards.shards[0]!.stages[0]).toMatchObject({ start_skew_ms: 0, end_skew_ms: 17 });
    // Concurrent c=3, 6 requests: workers 2,1 → requests 4,2.
    expect(shards.shards.map((s) => s.stages[1]!.requests_planned)).toEqual([4, 2]);
  });

  it("marks the run partial when a shard saved no state for a stage it had a share of", async () => {
    const where = await fresh();
    const dirs = [await writeScenarioShard(where, 0), await writeScenarioShard(where, 1, { stages: [0] })];
    const merged = await mergeScenarioShards(dirs, join(where, "out"));
    expect(merged.status).toBe("partial");
    expect(merged.stages.map((s) => s.index)).toEqual([0, 1]);
    expect(merged.shardRows.find((r) => r.shard === 1 && r.step === 1)).toMatchObject({ measured: false, share: 2 });
  });

  it("refuses shards of different plans and sweep shards mixed with scenario shards", async () => {
    const where = await fresh();
    const d0 = await writeScenarioShard(where, 0);
    const d1 = await writeScenarioShard(where, 1, { planId: "plan-b" });
    expect(await refusal(mergeScenarioShards([d0, d1], join(where, "out")))).toMatch(/cannot merge shards of different plans: .*shard-0 \(plan plan-a\) and .*shard-1 \(plan plan-b\)/);
    const sweep = await writeSweepShardDir({ root: join(where, "sweep"), config: configOf(), index: 1, count: 2, steps: new Map() });
    expect(await refusal(mergeScenarioShards([d0, sweep], join(where, "out")))).toMatch(/cannot merge sweep shards with scenario shards: .*shard-0 was written by `kneepoint run --shard`, .*shard-1-of-2 by `kneepoint sweep --shard`/);
    expect(await refusal(mergeSweepShards([d0], join(where, "out")))).toMatch(/`kneepoint run --shard` directories, not `kneepoint sweep --shard` ones/);
    const unsharded = join(where, "unsharded");
    await mkdir(unsharded);
    await writeFile(join(unsharded, "summary_lifecycle_metrics.json"), "{}");
    expect(await refusal(mergeScenarioShards([unsharded], join(where, "out")))).toMatch(/unsharded is the report directory of an unsharded `kneepoint run` \(it has no kneepoint_shard.json\)/);
  });

  it("reads shards written with a report_file_prefix", async () => {
    const where = await fresh();
    const dirs = [await writeScenarioShard(where, 0, { prefix: "run1_" }), await writeScenarioShard(where, 1, { prefix: "run1_" })];
    const merged = await mergeScenarioShards(dirs, join(where, "out"));
    expect(merged.status).toBe("complete");
  });
});

describe("kneepoint merge (scenario shards)", () => {
  it("prints the scenario table and the per-shard table", async () => {
    const where = await fresh();
    const dirs = [await writeScenarioShard(where, 0), await writeScenarioShard(where, 1)];
    let stdout = "";
    const sink = (add: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, cb) {
          add(String(chunk));
          cb();
        },
      });
    const io: CliIo = { stdout: sink((s) => (stdout += s)), stderr: sink(() => {}), isTty: false, color: false, env: {} };
    const program = new Command("kneepoint").exitOverride();
    registerMergeCommand(program, { io: () => io });
    expect(await runProgram(program, ["merge", join(where, "merged"), ...dirs])).toBe(0);
    expect(stdout).toMatch(/stage.*requested.*achieved req\/s/);
    expect(stdout).toMatch(/│\s+1 │\s+stage 0 │\s+4 │/);
    expect(stdout).toMatch(/reports: .*merged \(complete; /);
  });
});

describe("scenarioShardFiles", () => {
  it("writes what the scenario merge reads: the manifest and each stage's state on the wall clock", async () => {
    const where = await fresh();
    const report = { ...REPORT, perRequest: false, useServerOutputTokens: true, maxErrorMessages: 5, goodput: null };
    const dirs: string[] = [];
    for (const [index, s] of SHARDS.entries()) {
      const runs: StageRun[] = PLANS.map((plan, i) => ({
        index: i,
        plan,
        status: "completed",
        startMs: s.stages[i]![0]!.scheduledMs,
        endMs: Math.max(...s.stages[i]!.map((r) => r.endMs)),
        startEpochMs: s.stages[i]![0]!.scheduledMs + s.offset,
        endEpochMs: Math.max(...s.stages[i]!.map((r) => r.endMs)) + s.offset,
        records: s.stages[i]!,
        unsent: 0,
      }));
      const files = scenarioShardFiles({ shard: { index, count: 2, planId: "p", startAtEpochMs: T0 }, unshardedStages: PLANS, runs, report, clientCpuMs: new Map([[0, 10]]) });
      expect(files.map((f) => f.name)).toEqual(["kneepoint_shard", "kneepoint_stage_0_state", "kneepoint_stage_1_state"]);
      const dir = join(where, `s${index}`);
      await writeLocalReports(files, { path: dir, reportFilePrefix: null });
      dirs.push(dir);
    }
    const merged = await mergeScenarioShards(dirs, join(where, "out"));
    expect(merged.status).toBe("complete");
    // The same numbers as the hand-folded shards of the first test.
    await mergeScenarioShards([await writeScenarioShard(where, 0), await writeScenarioShard(where, 1)], join(where, "out2"));
    for (const name of ["summary_lifecycle_metrics.json", "stage_0_lifecycle_metrics.json", "stage_1_lifecycle_metrics.json"]) {
      expect(await readFile(join(where, "out", name), "utf8")).toBe(await readFile(join(where, "out2", name), "utf8"));
    }
    expect(merged.shardRows.find((r) => r.shard === 0 && r.step === 0)!.clientCpuMs).toBe(10);
  });
});
