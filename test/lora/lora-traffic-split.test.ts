/**
 * load.lora_traffic_split: the config rules 0.7.0 applies (exact float sum 1.0), numpy's choice from a uniform
 * (cumulative table, side='right'), the seeded per-request draw, the body's model swap, and the per-adapter files.
 */
import { describe, expect, it } from "vitest";
import { loraTrafficSplitSchema } from "../../src/scenarios/config/lora-split-schema.ts";
import { adapterAt, loraAdapterFor, withLoraTrafficSplit } from "../../src/scenarios/data/lora-traffic-split.ts";
import { createBodyWriter } from "../../src/scenarios/data/body-writer.ts";
import { buildLifecycleFiles } from "../../src/scenarios/report/build-lifecycle-files.ts";
import type { ScenarioRecord, StageRun } from "../../src/scenarios/types.ts";

const split = (...pairs: Array<[string, number]>) => pairs.map(([name, s]) => ({ name, split: s }));

describe("config", () => {
  it("accepts splits whose left-to-right float sum is exactly 1.0, and refuses others as 0.7.0 does", () => {
    expect(loraTrafficSplitSchema.safeParse(split(["a", 0.1], ["b", 0.2], ["c", 0.7])).success).toBe(true); // 0.30000000000000004 + 0.7 = 1
    expect(loraTrafficSplitSchema.safeParse(split(["a", 0.7], ["b", 0.2], ["c", 0.1])).success).toBe(false); // 0.9999999999999999
    expect(loraTrafficSplitSchema.safeParse(split(["a", 0.5], ["b", 0.6])).success).toBe(false);
    expect(loraTrafficSplitSchema.safeParse([]).success).toBe(false);
    expect(loraTrafficSplitSchema.safeParse(split(["a", 1.5], ["b", -0.5])).success).toBe(false); // negative: numpy raises later
    expect(loraTrafficSplitSchema.safeParse([{ name: "a", split: 1, weight: 2 }]).success).toBe(false); // strict, as MultiLoRAConfig
  });
});

describe("adapter choice", () => {
  it("maps a uniform to the first adapter whose normalized cumulative split exceeds it (numpy side='right')", () => {
    const s = split(["a", 0.5], ["b", 0.25], ["c", 0.25]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let k = 0; k < 100; k++) counts[adapterAt(s, k / 100)]!++;
    expect(counts).toEqual({ a: 50, b: 25, c: 25 }); // u < 0.5 → a; 0.5 ≤ u < 0.75 → b; else c
    expect(adapterAt(s, 0.5)).toBe("b");
    expect(adapterAt(split(["x", 0], ["y", 1]), 0)).toBe("y"); // a zero split is never chosen
  });

  it("draws per request from load.base_seed: the same seed gives the same adapters, each request independently", () => {
    const s = split(["a", 0.7], ["b", 0.3]);
    const run = (seed: number) => Array.from({ length: 2000 }, (_, i) => loraAdapterFor(s, seed, i));
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    // Request 1500's adapter does not depend on which requests came before it.
    expect(loraAdapterFor(s, 7, 1500)).toBe(run(7)[1500]);
    // Binomial(2000, 0.3): mean 600, sd 20.5; a fixed seed, so this cannot flake, and 4 sd catches a wrong split.
    const b = run(7).filter((a) => a === "b").length;
    expect(Math.abs(b - 600)).toBeLessThan(82);
  });

  it("sends the adapter as the body's model and keeps the rest of the body", () => {
    const body = createBodyWriter({ api: "completion", model: "base", ignoreEos: true, streaming: true });
    const source = { request: (i: number) => ({ body: body.forPrompt(`p${i}`, 5), plannedPromptTokens: 2, plannedOutputTokens: 5 }), describe: () => "mock", warnings: [] };
    const lora = withLoraTrafficSplit(source, "base", split(["sql", 0.5], ["chat", 0.5]), 3);
    for (let i = 0; i < 20; i++) {
      const r = lora.request(i);
      const parsed = JSON.parse(r.body) as Record<string, unknown>;
      expect(parsed.model).toBe(r.loraAdapter);
      expect({ ...parsed, model: "base" }).toEqual(JSON.parse(source.request(i).body));
      expect(Object.keys(parsed)[0]).toBe("model");
    }
  });
});

function record(index: number, stage: number, ok: boolean): ScenarioRecord {
  const t = 1000 + index * 10;
  return {
    index, stage, plannedPromptTokens: 4, sendMs: t, scheduledMs: t, endMs: t + 50, chunkTimesMs: ok ? [t + 20, t + 25, t + 30] : [],
    promptTokens: ok ? 4 : null, completionTokens: ok ? 3 : null, textChunks: ok ? 3 : 0, sendEpochMs: t,
    error: ok ? null : { reason: "http", status: 500, message: "HTTP 500" },
  } as ScenarioRecord;
}

describe("per-adapter report files", () => {
  const adapters = ["sql", "chat", "sql", "sql", "chat", "sql"];
  const stages: StageRun[] = [0, 1].map((s) => ({
    index: s, plan: s === 0 ? { kind: "constant", rate: 4, durationS: 1 } : { kind: "concurrent", concurrency: 2, numRequests: 2 }, status: "completed",
    startMs: 0, endMs: 0, startEpochMs: 0, endEpochMs: 0, unsent: 0,
    records: (s === 0 ? [0, 1, 2, 3] : [4, 5]).map((i) => record(i, s, i !== 3)),
  }));
  const opts = {
    summary: true, perStage: true, perRequest: true, percentiles: [50], useServerOutputTokens: false, maxErrorMessages: 10, goodput: null,
    perAdapter: true, perAdapterStage: true, loraAdapter: (r: ScenarioRecord) => adapters[r.index]!,
  };

  it("writes adapter_<a>_lifecycle_metrics for the successes sent to <a> (a failure has no adapter in 0.7.0) and adapter_<a>_stage_<N>_…", () => {
    const files = buildLifecycleFiles(stages, opts);
    const contents = (f: (typeof files)[number]) => (f.kind === "json" ? f.contents : null);
    const byName = new Map(files.map((f) => [f.name, contents(f) as { load_summary: Record<string, number>; successes: { count: number }; failures: { count: number } }]));
    expect(files.map((f) => f.name).filter((n) => n.startsWith("adapter_"))).toEqual([
      "adapter_sql_lifecycle_metrics", "adapter_chat_lifecycle_metrics",
      "adapter_sql_stage_0_lifecycle_metrics", "adapter_chat_stage_0_lifecycle_metrics", "adapter_chat_stage_1_lifecycle_metrics", "adapter_sql_stage_1_lifecycle_metrics",
    ]);
    // sql: requests 0, 2, 5 succeeded (3 failed, so it is in no adapter file); chat: 1, 4.
    expect(byName.get("adapter_sql_lifecycle_metrics")!.load_summary.count).toBe(3);
    expect(byName.get("adapter_sql_lifecycle_metrics")!.failures.count).toBe(0);
    expect(byName.get("adapter_chat_lifecycle_metrics")!.successes.count).toBe(2);
    expect(Object.keys(byName.get("adapter_sql_lifecycle_metrics")!.load_summary)).toEqual(["count", "schedule_delay"]); // summarized as the summary
    // A stage file has the stage's rate; a concurrent stage's is its request count, and never a concurrency.
    expect(byName.get("adapter_sql_stage_0_lifecycle_metrics")!.load_summary.requested_rate).toBe(4);
    expect(byName.get("adapter_chat_stage_1_lifecycle_metrics")!.load_summary.requested_rate).toBe(2);
    expect(byName.get("adapter_chat_stage_1_lifecycle_metrics")!.load_summary).not.toHaveProperty("concurrency");
    expect(byName.get("stage_1_lifecycle_metrics")!.load_summary).toHaveProperty("concurrency", 2);
    const perRequest = contents(files.find((f) => f.name === "per_request_lifecycle_metrics")!) as Array<{ info: { lora_adapter: string | null } }>;
    expect(perRequest.map((e) => e.info.lora_adapter)).toEqual(["sql", "chat", "sql", null, "chat", "sql"]);
  });

  it("writes no adapter file without a split, or with per_adapter and per_adapter_stage off", () => {
    const { loraAdapter: _, ...noSplit } = opts;
    expect(buildLifecycleFiles(stages, noSplit).some((f) => f.name.startsWith("adapter_"))).toBe(false);
    expect(buildLifecycleFiles(stages, { ...opts, perAdapter: false, perAdapterStage: false }).some((f) => f.name.startsWith("adapter_"))).toBe(false);
  });
});
