import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { readScenarioConfig } from "../config/read-scenario-config.ts";
import { buildScenarioPlan } from "./build-scenario-plan.ts";

const DIR = fileURLToPath(new URL("../../../benchmarks/scenarios/", import.meta.url));
const file = (name: string) => join(DIR, `${name}.yaml`);
const read = (name: string, sets: string[] = []) => readScenarioConfig(file(name), sets, { now: new Date(2025, 5, 1), cpuCount: 2 });

/** AI on EKS chart values (research/inference-perf.md §3): input and output mean/std/min/max, load. */
const CHART = {
  baseline: { input: [512, 0, 512, 512], output: [128, 0, 128, 128], type: "constant", workers: 4 },
  saturation: { input: [512, 128, 128, 2048], output: [256, 64, 32, 512], type: "constant", workers: 8 },
  sweep: { input: [512, 128, 128, 2048], output: [256, 64, 32, 512], type: "constant", workers: 8 },
  production: { input: [1024, 512, 128, 4096], output: [512, 256, 50, 2048], type: "poisson", workers: 8 },
} as const;

describe("the shipped scenarios", () => {
  it("are the six expected files", () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort()).toEqual(["baseline.yaml", "production.yaml", "saturation.yaml", "shared-prefix.yaml", "sweep.yaml", "trace-replay.yaml"]);
  });

  it.each(Object.entries(CHART))("%s validates as the chart renders it: synthetic, completion streaming, the chart's distributions", async (name, chart) => {
    const cfg = await read(name);
    const d = (x: typeof cfg.data.input_distribution) => [x!.mean, x!.std_dev, x!.min, x!.max];
    expect(cfg.data.type).toBe("synthetic");
    expect(cfg.api).toMatchObject({ type: "completion", streaming: true });
    expect(d(cfg.data.input_distribution)).toEqual(chart.input);
    expect(d(cfg.data.output_distribution)).toEqual(chart.output);
    expect(cfg.load).toMatchObject({ type: chart.type, num_workers: chart.workers });
    expect(cfg.server).toMatchObject({ type: "vllm", base_url: "http://127.0.0.1:8000", model_name: "meta-llama/Llama-3.1-8B-Instruct", ignore_eos: true });
    expect(cfg.tokenizer).toEqual({ pretrained_model_name_or_path: null, trust_remote_code: null, token: null, load_timeout: 300 });
    expect(cfg.storage?.local_storage.path).toBe(`reports/${name}-20250601-000000`);
  });

  it("plan the seeds' loads", async () => {
    const plan = async (name: string) => buildScenarioPlan(await read(name));
    expect((await plan("baseline")).stages).toEqual([{ kind: "constant", rate: 1, durationS: 300 }]);
    expect((await plan("saturation")).stages.map((s) => s.kind !== "concurrent" && s.rate)).toEqual([5, 10, 20, 40]);
    expect((await plan("saturation")).expectedDurationS).toBe(4 * 180 + 3);
    expect((await plan("sweep")).sweep).toMatchObject({ type: "geometric", numRequests: 2000, timeoutS: 60, numStages: 5, stageDurationS: 180, saturationPercentile: 95 });
    expect((await plan("production")).stages).toEqual([{ kind: "poisson", rate: 15, durationS: 600 }]);
    const shared = await read("shared-prefix");
    expect(shared.data.shared_prefix).toMatchObject({ num_groups: 83, num_prompts_per_group: 3, system_prompt_len: 8000, question_len: 1000, output_len: 1000 });
    expect(shared.report.request_lifecycle.per_request).toBe(true);
    const sp = buildScenarioPlan(shared);
    expect(sp.stages.map((s) => s.kind !== "concurrent" && [s.rate, s.durationS])).toEqual([[9, 30], [3, 210], [4, 180], [5, 120], [6, 120], [8, 90], [10, 70], [12, 60], [15, 50], [20, 50]]);
    expect(sp.totalRequests).toBe(6830);
  });

  it("trace-replay plans one request per row of its sample trace, at the trace's times (paths relative to the repository root)", async () => {
    const cwd = process.cwd();
    process.chdir(fileURLToPath(new URL("../../../", import.meta.url)));
    try {
      const plan = buildScenarioPlan(await read("trace-replay"));
      const stage = plan.stages[0]!;
      expect(stage.kind).toBe("trace_replay");
      expect(plan.totalRequests).toBe(40);
      expect(stage.kind === "trace_replay" && stage.offsetsMs[0]).toBe(0);
      expect(plan.expectedDurationS).toBeCloseTo(10.239086, 6);
    } finally {
      process.chdir(cwd);
    }
  });

  it("scale down to seconds with --set", async () => {
    const short = async (name: string, sets: string[]) => buildScenarioPlan(await read(name, sets));
    expect((await short("baseline", ["load.stages[0].duration=2"])).expectedDurationS).toBe(2);
    const sat = await short("saturation", [0, 1, 2, 3].map((i) => `load.stages[${i}].duration=1`).concat("load.interval=0"));
    expect(sat.expectedDurationS).toBe(4);
    expect(sat.totalRequests).toBe(5 + 10 + 20 + 40);
    const sweep = await short("sweep", ["load.sweep.stage_duration=1", "load.sweep.num_stages=2", "load.sweep.timeout=5", "load.interval=0"]);
    expect(sweep.expectedDurationS).toBe(2);
    expect((await short("production", ["load.stages[0].duration=2", "load.stages[0].rate=3"])).totalRequests).toBe(6);
    const sp = await short("shared-prefix", [...Array.from({ length: 10 }, (_, i) => `load.stages[${i}].duration=1`), "load.interval=0"]);
    expect(sp.expectedDurationS).toBe(10);
  });
});
