import { describe, expect, it } from "vitest";
import { parseScenarioConfig } from "../config/read-scenario-config.ts";
import { buildScenarioPlan } from "./build-scenario-plan.ts";
import { describeScenarioPlan, formatDuration } from "./describe-scenario-plan.ts";

const SERVER = { base_url: "http://127.0.0.1:8000/", model_name: "sim-model" };
const cfg = (doc: Record<string, unknown>, sets: string[] = []) =>
  parseScenarioConfig({ server: SERVER, ...doc }, sets, "test.yml", { now: new Date(0), cpuCount: 2 });
const source = { describe: () => "mock: prompts" };

describe("the scenario plan", () => {
  it("turns constant stages into rate stages with int(rate × duration) requests and the time they take", () => {
    // Seed 004's multi-stage rates: 9×30, 3×210, 4×180, 5×120, 6×120, 8×90, 10×70, 12×60, 15×50, 20×50.
    const rates = [[9, 30], [3, 210], [4, 180], [5, 120], [6, 120], [8, 90], [10, 70], [12, 60], [15, 50], [20, 50]];
    const plan = buildScenarioPlan(cfg({ load: { type: "constant", stages: rates.map(([rate, duration]) => ({ rate, duration })) } }));
    expect(plan.stages[0]).toEqual({ kind: "constant", rate: 9, durationS: 30 });
    expect(plan.requestsPerStage).toEqual([270, 630, 720, 600, 720, 720, 700, 720, 750, 1000]);
    expect(plan.totalRequests).toBe(6830);
    // 980 s of stages + 9 pauses of 1 s.
    expect(plan.expectedDurationS).toBe(989);
    expect(plan.durationIsLowerBound).toBe(false);
    expect(plan.maxInFlight).toBe(200); // num_workers 2 (the CPU count) × 100
    expect(plan.target).toEqual({ baseUrl: "http://127.0.0.1:8000", endpoint: "/v1/completions", apiType: "completion", streaming: false, model: "sim-model", ignoreEos: true });
    expect(plan.seed).toBe(0);
  });

  it("keeps poisson stages, truncates fractional counts, and points chat at /v1/chat/completions", () => {
    const plan = buildScenarioPlan(cfg({ api: { type: "chat", streaming: true }, load: { type: "poisson", stages: [{ rate: 2.5, duration: 3 }], interval: 4 } }));
    expect(plan.stages).toEqual([{ kind: "poisson", rate: 2.5, durationS: 3 }]);
    expect(plan.requestsPerStage).toEqual([7]);
    expect(plan.target.endpoint).toBe("/v1/chat/completions");
    expect(plan.expectedDurationS).toBe(3);
  });

  it("makes concurrent stages closed-loop with no in-flight cap, and says their duration is a lower bound", () => {
    const plan = buildScenarioPlan(cfg({ load: { type: "concurrent", stages: [{ num_requests: 40, concurrency_level: 4 }, { num_requests: 80, concurrency_level: 8 }] } }));
    expect(plan.stages).toEqual([{ kind: "concurrent", concurrency: 4, numRequests: 40 }, { kind: "concurrent", concurrency: 8, numRequests: 80 }]);
    expect(plan.totalRequests).toBe(120);
    expect(plan.maxInFlight).toBeUndefined();
    expect(plan.durationIsLowerBound).toBe(true);
    expect(describeScenarioPlan(plan, source)).toMatch(/at least 1 s plus the concurrent stages/);
  });

  it("passes the sweep block through for the load engine, and leaves the stages to it", () => {
    const plan = buildScenarioPlan(cfg({ load: { type: "constant", sweep: { type: "geometric" } } }));
    expect(plan.stages).toEqual([]);
    expect(plan.sweep).toEqual({ type: "geometric", numRequests: 2000, timeoutS: 60, numStages: 5, stageDurationS: 180, saturationPercentile: 95, stageKind: "constant" });
    expect(plan.totalRequests).toBeNull();
    expect(plan.expectedDurationS).toBe(5 * 180 + 5 * 1); // stages, 4 pauses between them and one after the probe
    expect(describeScenarioPlan(plan, source)).toMatch(/requests known after the probe, at least 15 min 5 s plus the probe/);
  });

  it("raises the interval to the scrape interval when per-stage Prometheus reports are asked, as inference-perf", () => {
    const doc = { load: { stages: [{ rate: 1, duration: 10 }, { rate: 2, duration: 10 }] }, metrics: { type: "prometheus", prometheus: { url: "http://127.0.0.1:9090", scrape_interval: 5 } } };
    expect(buildScenarioPlan(cfg(doc)).intervalS).toBe(1);
    const perStage = buildScenarioPlan(cfg({ ...doc, report: { prometheus: { per_stage: true } } }));
    expect(perStage.intervalS).toBe(5);
    expect(perStage.intervalRaisedFromS).toBe(1);
    expect(perStage.expectedDurationS).toBe(25);
  });

  it("prints one line per stage for --dry-run", () => {
    const plan = buildScenarioPlan(cfg({ load: { stages: [{ rate: 5, duration: 180 }, { rate: 10, duration: 180 }], request_timeout: 30 } }));
    const text = describeScenarioPlan(plan, source);
    expect(text).toContain("target:   http://127.0.0.1:8000/v1/completions (completion, not streamed), model sim-model, ignore_eos true");
    expect(text).toContain("data:     mock: prompts");
    expect(text).toContain("   0  constant   5 req/s × 180 s              = 900 requests\n");
    expect(text).toContain("   1  constant   10 req/s × 180 s             = 1800 requests\n");
    expect(text).toContain("each request times out after 30 s");
    expect(text).toContain("total:    2700 requests, about 6 min 1 s");
  });

  it("formats durations", () => {
    expect([0, 59, 75, 3600, 4265].map(formatDuration)).toEqual(["0 s", "59 s", "1 min 15 s", "1 h 0 min 0 s", "1 h 11 min 5 s"]);
  });
});
