/** --shard and --start-at on `kneepoint sweep` and `kneepoint run`: parsed into the options below, refused with the flag's name. */
import { describe, expect, it } from "vitest";
import { Command } from "commander";
import { main } from "../../src/cli/main.ts";
import { addShardFlags, flagsToConfig } from "../../src/cli/commands/sweep.ts";
import { resolveSweepConfig } from "../../src/config/read-sweep-config.ts";
import { UsageError } from "../../src/errors.ts";

async function run(argv: string[]): Promise<{ code: number; err: string }> {
  const write = process.stderr.write;
  let err = "";
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), err };
  } finally {
    process.stderr.write = write;
  }
}

function parsed(argv: string[]): Record<string, unknown> {
  const cmd = addShardFlags(new Command("sweep").exitOverride(), "sweep");
  cmd.parse(argv, { from: "user" });
  return cmd.opts();
}

describe("--shard and --start-at", () => {
  it("parse into the sweep config's shard and startAtEpochMs", () => {
    const o = parsed(["--shard", "2/4"]);
    expect(o.shard).toEqual({ index: 2, count: 4 });
    const soon = new Date(Date.now() + 60_000).toISOString();
    const withTime = parsed(["--shard", "0/2", "--start-at", soon]);
    expect(flagsToConfig(withTime)).toEqual({ shard: { index: 0, count: 2 }, startAtEpochMs: Date.parse(soon) });
    const { config } = resolveSweepConfig([{ concurrency: [4, 8] }, flagsToConfig(withTime)]);
    expect(config.shard).toEqual({ index: 0, count: 2 });
    expect(config.startAtEpochMs).toBe(Date.parse(soon));
  });

  it("refuse a bad --shard or --start-at with exit 2 and the form", async () => {
    const bad = await run(["sweep", "--shard", "4/4", "--dry-run"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/kneepoint: --shard 4\/4: the index is 0-based.*\n  hint: --shard i\/N with 0 ≤ i < N ≤ 1024/);
    const time = await run(["run", "-c", "x.yaml", "--start-at", "12:00"]);
    expect(time.code).toBe(2);
    expect(time.err).toMatch(/--start-at '12:00' is not an ISO-8601 time with a zone nor epoch milliseconds/);
  });

  it("refuse more shards than the highest concurrency level (config rule)", () => {
    expect(() => resolveSweepConfig([{ concurrency: [1, 2, 4], shard: { index: 0, count: 8 } }])).toThrow(UsageError);
    expect(() => resolveSweepConfig([{ concurrency: [1, 2, 4], shard: { index: 0, count: 8 } }])).toThrow(
      /--shard: 8 shards for a highest concurrency of 4: shards 4–7 would send nothing at any step; use at most 4 shards/,
    );
    expect(() => resolveSweepConfig([{ shard: { index: 3, count: 2 } }])).toThrow(/--shard: the index is 0-based/);
  });

  it("are documented in --help of sweep, run and merge", async () => {
    const write = process.stdout.write;
    let out = "";
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    try {
      for (const cmd of ["sweep", "run", "merge"]) expect(await main([cmd, "--help"])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toContain("--shard <i/N>");
    expect(out).toContain("--start-at <time>");
    expect(out).toContain("JOB_COMPLETION_INDEX");
    expect(out).toContain("a config with load.sweep cannot be sharded");
    expect(out).toContain("kneepoint merge results/merged shards/0/* shards/1/*");
    expect(out).toContain("--allow-missing");
  });
});

describe("sharded sweep config", () => {
  it("warns when levels below the shard count make shards sit steps out", () => {
    const { warnings } = resolveSweepConfig([{ concurrency: [8, 1, 2], shard: { index: 0, count: 4 } }]);
    expect(warnings).toEqual([
      "--shard 0/4: concurrency 1,2 are below the 4 shards, so some shards sit those steps out and start the next one early: the later steps start skewed across shards (`kneepoint merge` shows by how much); with --shard, use levels of at least 4",
    ]);
    expect(resolveSweepConfig([{ concurrency: [4, 8], shard: { index: 0, count: 4 } }]).warnings).toEqual([]);
  });
});
