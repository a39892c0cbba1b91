import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { parseScenarioConfig, readTraces } from "../config/read-scenario-config.ts";
import { createRequestSource } from "../data/create-request-source.ts";
import { traceOffsetsMs, traceStageRequestCount } from "../load/trace-offsets.ts";
import { stageOffsetsMs, plannedRequestCount } from "../load/stage-offsets.ts";
import { tokenize, detokenize } from "../../sim/tokenizer.ts";
import { SERVER_TOKEN_ID_RANGE } from "../../tokenizer/server-tokenizer.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import { buildScenarioPlan } from "./build-scenario-plan.ts";
import { describeScenarioPlan } from "./describe-scenario-plan.ts";

const TINY = fileURLToPath(new URL("../../../test/fixtures/traces/azure-tiny.csv", import.meta.url));
const SERVER = { base_url: "http://127.0.0.1:8000", model_name: "sim-model" };
const TRACE = { file: TINY, format: "AzurePublicDataset" };
const OPTS = { now: new Date(0), cpuCount: 2 };
const parse = (doc: Record<string, unknown>) => parseScenarioConfig({ server: SERVER, ...doc }, [], "test.yml", OPTS);
const traceDoc = (stages: unknown[], data: Record<string, unknown> = { type: "random", trace: TRACE }) => ({ data, load: { type: "trace_replay", trace: TRACE, stages } });
async function loaded(doc: Record<string, unknown>) {
  const cfg = parse(doc);
  await readTraces(cfg);
  return cfg;
}

const simTokenizer: TokenizerPort = {
  source: "simulator tokenizer (in process)",
  idRange: SERVER_TOKEN_ID_RANGE,
  encode: async (text) => tokenize(text, false),
  decode: async (ids) => detokenize(ids),
  specialTokenCount: async () => 1,
};

describe("trace offsets", () => {
  const rows = [0, 50, 300.001, 400].map((offsetMs) => ({ offsetMs, inputTokens: 1, outputTokens: 1 }));
  it("count the data trace's rows when there is one, else int(rate × duration)", () => {
    expect(traceStageRequestCount(2.5, 3, rows)).toBe(4);
    expect(traceStageRequestCount(2.5, 3, null)).toBe(7);
    expect(traceStageRequestCount(0.1, 3, null)).toBe(0);
  });
  it("are the first `count` rows' offsets, and refuse a count beyond the trace", () => {
    expect([...traceOffsetsMs(rows, 3, "s")]).toEqual([0, 50, 300.001]);
    expect(() => traceOffsetsMs(rows, 5, "load.stages[0]")).toThrow("load.stages[0]: the stage sends 5 requests but load.trace has 4 rows");
  });
});

describe("a trace_replay config", () => {
  it("plans every stage as the whole trace from its first row, reporting the stage's rate (hand-computed offsets)", async () => {
    const plan = buildScenarioPlan(await loaded(traceDoc([{ rate: 3, duration: 2 }, { rate: 50, duration: 1 }])));
    expect(plan.loadType).toBe("trace_replay");
    expect(plan.requestsPerStage).toEqual([6, 6]);
    for (const [i, stage] of plan.stages.entries()) {
      expect(stage).toMatchObject({ kind: "trace_replay", rate: [3, 50][i] });
      expect([...stageOffsetsMs(stage, 1)!]).toEqual([0, 50, 300.001, 400, 400, 800]);
      expect(plannedRequestCount(stage)).toBe(6);
    }
    expect(plan.expectedDurationS).toBeCloseTo(0.8 + 1 + 0.8, 9); // two traces of 0.8 s and load.interval 1 s
    const text = describeScenarioPlan(plan, { describe: () => "d" });
    expect(text).toContain("trace_replay (each stage replays load.trace from its first row");
    expect(text).toContain("trace over 0.800 s");
  });

  it("without data.trace sends int(rate × duration) requests at the first trace times", async () => {
    const doc = traceDoc([{ rate: 2, duration: 2 }], { type: "random", input_distribution: { mean: 5, std_dev: 0, min: 5, max: 5 }, output_distribution: { mean: 2, std_dev: 0, min: 2, max: 2 } });
    const plan = buildScenarioPlan(await loaded(doc));
    expect([...stageOffsetsMs(plan.stages[0]!, 0)!]).toEqual([0, 50, 300.001, 400]);
    await expect(loaded(traceDoc([{ rate: 7, duration: 1 }], doc.data)).then(buildScenarioPlan)).rejects.toThrow("the stage sends 7 requests but load.trace has 6 rows");
  });

  it("is refused by name where kneepoint or 0.7.0 cannot run it", () => {
    expect(() => parse({ data: { type: "random", trace: TRACE }, load: { type: "trace_replay", stages: [{ rate: 1, duration: 1 }] } })).toThrow("load.trace: is required for load.type trace_replay");
    expect(() => parse(traceDoc([{ rate: 1, duration: 1 }], { type: "mock", trace: TRACE }))).toThrow("data.trace: is read only by data.type random");
    expect(() => parse({ data: { type: "random", trace: TRACE }, load: { stages: [{ rate: 1, duration: 1 }] } })).toThrow("with load.type constant it is not supported yet");
    expect(() => parse(traceDoc([{ rate: 1, duration: 1 }], { type: "random", trace: { ...TRACE, format: "Mooncake" } }))).toThrow("data.trace.format: must be AzurePublicDataset");
    expect(() => parse(traceDoc([{ duration: 1 }]))).toThrow("load.stages[0].rate: is required for load.type trace_replay");
    expect(() => parse({ ...traceDoc([]), load: { type: "trace_replay", trace: TRACE, sweep: { type: "linear" } } })).toThrow("load.sweep: with load.type trace_replay is not supported");
    expect(() => parse({ load: { type: "trace_session_replay", stages: [{ concurrent_sessions: 1 }] } })).toThrow("trace_session_replay replays sessions: set data.type otel_trace_replay");
  });

  it("writes only file and format into the effective config", async () => {
    const { effectiveConfigYaml } = await import("../config/effective-config-yaml.ts");
    const yaml = effectiveConfigYaml(await loaded(traceDoc([{ rate: 1, duration: 1 }])));
    expect(yaml).toContain(`trace:\n    file: ${TINY}\n    format: AzurePublicDataset\n`);
    expect(yaml).not.toContain("rows");
  });

  it("asks each request for the trace row's lengths, exactly as the server counts them, restarting every stage", async () => {
    const cfg = await loaded(traceDoc([{ rate: 1, duration: 1 }, { rate: 1, duration: 1 }]));
    const src = await createRequestSource(cfg, { tokenizer: simTokenizer, seed: 7, model: "sim-model" });
    expect(src.describe()).toContain("6 rows");
    const lengths = [[40, 5], [12, 3], [64, 8], [25, 2], [33, 4], [18, 6]];
    for (let i = 0; i < 12; i++) {
      const r = src.request(i);
      const body = JSON.parse(r.body) as { prompt: string; max_tokens: number };
      expect([tokenize(body.prompt, true).length, body.max_tokens]).toEqual(lengths[i % 6]);
      expect([r.plannedPromptTokens, r.plannedOutputTokens]).toEqual(lengths[i % 6]);
    }
  });
});
