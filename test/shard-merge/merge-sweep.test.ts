import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Command } from "commander";
import { UsageError } from "../../src/errors.ts";
import { mergeSweepShards } from "../../src/merge/merge-sweep-shards.ts";
import { summarizeStepState } from "../../src/metrics/step-state.ts";
import { buildSweepPlan } from "../../src/workload/sweep-plan.ts";
import { registerMergeCommand } from "../../src/cli/commands/merge.ts";
import { runProgram } from "../../src/cli/run-program.ts";
import type { CliIo } from "../../src/cli/run-sweep.ts";
import { configOf, failedRecord, okRecord, stateOf, T0, writeShardDir, type ShardStepInput } from "./shard-dir-fixture.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kneepoint-merge-"));
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

// Shard 0's clock: monotonic 1000 = T0. Shard 1's: monotonic 100 = T0 + 510.
const s0c1: ShardStepInput = {
  epochOffsetMs: T0 - 1000,
  startMs: 1000,
  endMs: 1400,
  clientCpuMs: 40,
  records: Array.from({ length: 8 }, (_, i) => okRecord(i, 1000 + 50 * i, 10 + i, 4, 5)),
};
const s0c4: ShardStepInput = {
  epochOffsetMs: T0 - 1000,
  startMs: 1500,
  endMs: 1800,
  clientCpuMs: 150,
  records: [okRecord(0, 1500, 20, 5, 8), okRecord(1, 1500, 22, 6, 8), okRecord(2, 1600, 25, 5, 8), okRecord(3, 1650, 30, 7, 8)],
};
const s1c4: ShardStepInput = {
  epochOffsetMs: T0 + 510 - 100,
  startMs: 100,
  endMs: 410,
  clientCpuMs: 31,
  records: [okRecord(4, 100, 21, 5, 8), okRecord(5, 100, 19, 6, 8), failedRecord(6, 200), okRecord(7, 250, 40, 3, 8)],
};

const config = configOf();
const ctx = (c: number) => ({
  backend: "kneepoint-native",
  endpointType: "openai",
  label: `c${c}`,
  modelId: "m",
  tokenizerId: "server /tokenize",
  numPrompts: 8,
  requestRate: "inf" as const,
  burstiness: 1,
  maxConcurrency: c,
  percentiles: [50, 90, 95, 99],
});
const readJson = async (path: string) => JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

async function twoShards(where: string, over: { s1?: Partial<Parameters<typeof writeShardDir>[0]>; s1c4?: ShardStepInput } = {}) {
  const d0 = await writeShardDir({ root: where, config, index: 0, count: 2, steps: new Map([[1, s0c1], [4, s0c4]]) });
  // Shard 1 as the cluster collector names its states.
  const d1 = await writeShardDir({ root: where, config, index: 1, count: 2, steps: new Map([[4, over.s1c4 ?? s1c4]]), collectorNames: true, ...over.s1 });
  return [d0, d1];
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return `${(err as UsageError).message} | hint: ${(err as UsageError).hint}`;
}

describe("mergeSweepShards", () => {
  it("writes the merged run: each step is the summary of one state over every shard's records", async () => {
    const where = await fresh();
    const dirs = await twoShards(where);
    const out = join(where, "merged");
    const merged = await mergeSweepShards(dirs, out);

    expect(merged).toMatchObject({ status: "complete", shardCount: 2, missing: [], runId: "merged" });
    expect(merged.warnings).toEqual([]);
    expect((await readdir(out)).sort()).toEqual(["config.json", "plan.json", "state-c1.json", "state-c4.json", "step-c1.json", "step-c4.json", "summary.json", "target.json"]);
    expect(await readJson(join(out, "step-c4.json"))).toEqual(roundTrip(summarizeStepState(stateOf([s0c4, s1c4]), ctx(4))));
    expect(await readJson(join(out, "step-c1.json"))).toEqual(roundTrip(summarizeStepState(stateOf([s0c1]), ctx(1))));
    const c4 = await readJson(join(out, "step-c4.json"));
    expect(c4).toMatchObject({ completed: 7, failed: 1, started_at_ms: T0 + 500, ended_at_ms: T0 + 820, duration: 0.32 });

    // The unsharded run's files: plan, config without the shard, secrets still redacted.
    expect(await readJson(join(out, "plan.json"))).toEqual(roundTrip(buildSweepPlan(config)));
    const cfg = await readJson(join(out, "config.json"));
    expect(cfg.shard).toBeUndefined();
    expect(cfg.startAtEpochMs).toBeUndefined();
    expect(cfg.apiKey).toBe("[redacted]");

    const summary = await readJson(join(out, "summary.json"));
    expect(summary).toMatchObject({ runId: "merged", status: "complete", merged: { shardCount: 2, missing: [] } });
    const shards = summary.shards as Array<{ index: number; steps: Array<Record<string, unknown>> }>;
    expect(shards.map((s) => s.index)).toEqual([0, 1]);
    expect(shards[1]!.steps.find((s) => s.concurrency === 1)).toMatchObject({ workers: 0, measured: false, requests: null });
    expect(shards[1]!.steps.find((s) => s.concurrency === 4)).toMatchObject({ workers: 2, requests: 4, client_cpu_ms: 31, client_cpu_pct: 10, start_skew_ms: 10, end_skew_ms: 0, schedule_delay_p50_ms: 0.5 });
    expect(shards[0]!.steps.find((s) => s.concurrency === 4)).toMatchObject({ client_cpu_pct: 50, start_skew_ms: 0, end_skew_ms: 20 });
    expect((summary.steps as Array<Record<string, unknown>>).map((s) => [s.concurrency, s.shards, s.partial])).toEqual([
      [1, [0], false],
      [4, [0, 1], false],
    ]);
  });

  it("leaves out the empty state of a shard that sat a step out (its window would widen the step's)", async () => {
    const where = await fresh();
    const idle: ShardStepInput = { epochOffsetMs: T0 - 1000, startMs: 50_000, endMs: 50_000, clientCpuMs: 0, records: [] };
    const dirs = await twoShards(where, { s1: { steps: new Map([[1, idle], [4, s1c4]]) } });
    const merged = await mergeSweepShards(dirs, join(where, "out"));
    expect(await readJson(join(where, "out", "step-c1.json"))).toEqual(roundTrip(summarizeStepState(stateOf([s0c1]), ctx(1))));
    expect(merged.steps[0]!.shards).toEqual([0]);
    expect(merged.shardRows.find((r) => r.shard === 1 && r.step === 1)).toMatchObject({ share: 0, requests: 0 });
  });

  it("refuses shards of different plans, naming the directories and the differing fields", async () => {
    const where = await fresh();
    const d0 = await writeShardDir({ root: where, config, index: 0, count: 2, steps: new Map([[4, s0c4]]) });
    const d1 = await writeShardDir({ root: join(where, "b"), config: configOf({ seed: 7 }), index: 1, count: 2, steps: new Map([[4, s1c4]]) });
    const msg = await refusal(mergeSweepShards([d0, d1], join(where, "out")));
    expect(msg).toMatch(/cannot merge shards of different plans: .*shard-0-of-2 \(plan [0-9a-f]{16}\) and .*shard-1-of-2 \(plan [0-9a-f]{16}\)/);
    expect(msg).toContain("plan.json load.seed: 42 in");
    expect(msg).toContain("config.json seed: 42 in");
  });

  it("refuses missing, duplicate and differently counted shards", async () => {
    const where = await fresh();
    const [d0] = await twoShards(where);
    expect(await refusal(mergeSweepShards([d0!], join(where, "out")))).toMatch(/missing shard 1 of 2: .*--allow-missing/);
    expect(await refusal(mergeSweepShards([d0!, d0!], join(where, "out")))).toMatch(/shard 0\/2 is given twice/);
    const d4 = await writeShardDir({ root: join(where, "four"), config, index: 1, count: 4, steps: new Map([[4, s1c4]]) });
    expect(await refusal(mergeSweepShards([d0!, d4], join(where, "out")))).toMatch(/different shard counts/);
  });

  it("merges with --allow-missing into a partial run", async () => {
    const where = await fresh();
    const [d0] = await twoShards(where);
    const merged = await mergeSweepShards([d0!], join(where, "out"), { allowMissing: true });
    expect(merged.status).toBe("partial");
    expect(merged.missing).toEqual([1]);
    // c=1 had all its workers on shard 0; c=4 lost shard 1's two workers.
    expect(merged.steps.map((s) => [s.concurrency, s.partial])).toEqual([
      [1, false],
      [4, true],
    ]);
    expect((await readJson(join(where, "out", "summary.json"))).status).toBe("partial");
  });

  it("marks a step partial when a shard with a share of it saved no state", async () => {
    const where = await fresh();
    const d0 = await writeShardDir({ root: where, config, index: 0, count: 2, steps: new Map([[1, s0c1], [4, s0c4]]) });
    const d1 = await writeShardDir({ root: where, config, index: 1, count: 2, steps: new Map(), status: "partial" });
    const merged = await mergeSweepShards([d0, d1], join(where, "out"));
    expect(merged.status).toBe("partial");
    expect(merged.steps.find((s) => s.concurrency === 4)!.partial).toBe(true);
    expect(merged.shardRows.find((r) => r.shard === 1 && r.step === 4)).toMatchObject({ share: 2, measured: false });
  });

  it("warns when a shard started more than 5 % of the step's duration after the first", async () => {
    const where = await fresh();
    const late = { ...s1c4, epochOffsetMs: s1c4.epochOffsetMs + 90 }; // starts 100 ms after shard 0 in a ~410 ms step
    const merged = await mergeSweepShards(await twoShards(where, { s1c4: late }), join(where, "out"));
    expect(merged.warnings).toHaveLength(1);
    expect(merged.warnings[0]).toMatch(/^c=4: shard 1 started 100 ms after the first, 24\.4 % of the step's 0\.4 s: /);
  });

  it("refuses a model mismatch between shards", async () => {
    const where = await fresh();
    const target = { model: "other", serverVersion: "0.9.0", tokenizer: "x" };
    expect(await refusal(mergeSweepShards(await twoShards(where, { s1: { target } }), join(where, "out")))).toMatch(/the shards measured different models: .*: m, .*: other/);
  });

  it("refuses what is not a sweep shard directory, and an OUT that holds something", async () => {
    const where = await fresh();
    const dirs = await twoShards(where);
    const unsharded = join(where, "unsharded");
    await mkdir(unsharded);
    await writeFile(join(unsharded, "summary.json"), JSON.stringify({ status: "complete", steps: [] }));
    await writeFile(join(unsharded, "plan.json"), JSON.stringify(buildSweepPlan(config)));
    expect(await refusal(mergeSweepShards([dirs[0]!, unsharded], join(where, "out")))).toMatch(/unsharded is an unsharded sweep run \(its summary.json has no shard\)/);
    expect(await refusal(mergeSweepShards([join(where, "nope")], join(where, "out")))).toMatch(/nope does not exist/);
    const empty = join(where, "empty");
    await mkdir(empty);
    expect(await refusal(mergeSweepShards([empty], join(where, "out")))).toMatch(/empty holds no kneepoint shard results/);
    const scenario = join(where, "scenario");
    await mkdir(scenario);
    await writeFile(join(scenario, "config.yaml"), "load: {}\n");
    expect(await refusal(mergeSweepShards([scenario], join(where, "out")))).toMatch(/scenario is the report directory of an unsharded `kneepoint run`/);
    expect(await refusal(mergeSweepShards(dirs, dirs[0]!))).toMatch(/OUT .* is one of the shard directories/);
    expect(await refusal(mergeSweepShards(dirs, unsharded))).toMatch(/OUT .*unsharded already exists and is not empty/);
  });
});

describe("kneepoint merge", () => {
  it("prints the sweep's table, the per-shard table and where the run is", async () => {
    const where = await fresh();
    const dirs = await twoShards(where);
    let stdout = "";
    let stderr = "";
    const sink = (add: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, cb) {
          add(String(chunk));
          cb();
        },
      });
    const io: CliIo = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), isTty: false, color: false, env: {} };
    const program = new Command("kneepoint").exitOverride();
    registerMergeCommand(program, { io: () => io });
    const out = join(where, "merged");
    expect(await runProgram(program, ["merge", out, ...dirs, "--no-charts"])).toBe(0);
    expect(stderr).toMatch(/merged 2 of 2 shards of plan [0-9a-f]{16} into .*merged/);
    expect(stdout).toMatch(/conc.*req\/s/);
    expect(stdout).toMatch(/knee: /);
    expect(stdout).toMatch(/per shard:\n.*\n.*shard.*step.*requests.*client CPU.*sched p50.*sched p99.*start skew.*end skew/);
    expect(stdout).toMatch(/│\s+1 │\s+c=1 │\s+0 \(no share\) │/);
    expect(stdout).toMatch(/│\s+1 │\s+c=4 │\s+4 │\s+10% │\s+0\.5 │\s+0\.5 │\s+10\.0 │\s+0\.0 │/);
    expect(stdout).toMatch(/results: .*merged \(complete\)\n$/);
    expect(await readJson(join(out, "analysis.json"))).toHaveProperty("knee");
  });

  it("exits 2 with the reason when the shards cannot merge", async () => {
    const where = await fresh();
    const [d0] = await twoShards(where);
    const write = process.stderr.write;
    let err = "";
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    try {
      const program = new Command("kneepoint").exitOverride();
      registerMergeCommand(program);
      expect(await runProgram(program, ["merge", join(where, "out"), d0!])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toMatch(/kneepoint: missing shard 1 of 2: .*\n  hint: pass their directories too, or --allow-missing/);
  });
});
