import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { UsageError } from "../../src/errors.ts";
import { describeLength, describeScenarioConfig } from "../../src/report/compare/describe-scenario-config.ts";
import { defaultRunLabels, runLabels } from "../../src/report/compare/run-labels.ts";

describe("run labels", () => {
  it("defaults to the directory names, lengthened by parents only where two clash", () => {
    expect(defaultRunLabels(["runs/a/", "runs/b"])).toEqual(["a", "b"]);
    expect(defaultRunLabels(["x/h100/reports", "y/h100/reports", "z/other"])).toEqual(["x/h100/reports", "y/h100/reports", "other"]);
    expect(defaultRunLabels(["a/results", "results"])).toEqual(["a/results", "results"]);
    expect(defaultRunLabels(["same", "same", "./same"])).toEqual(["same", "same #2", "same #3"]);
    expect(defaultRunLabels(["."])).toEqual(["."]);
  });

  it("takes one --label per directory, distinct and non-empty", () => {
    expect(runLabels(["a", "b"], ["base", "tuned"])).toEqual(["base", "tuned"]);
    expect(() => runLabels(["a", "b"], ["base"])).toThrow(UsageError);
    expect(() => runLabels(["a", "b"], ["base"])).toThrow(/^--label was given 1 time for 2 directories$/);
    expect(() => runLabels(["a", "b"], ["x", "x"])).toThrow(/--label "x" is given twice/);
    expect(() => runLabels(["a"], [" "])).toThrow(/must not be empty/);
  });
});

describe("describeScenarioConfig", () => {
  it("describes seed 004's shared-prefix workload and multi-stage load", () => {
    const config = parse(`
load:
  type: constant
  stages:
    - {rate: 9, duration: 30}
    - {rate: 3, duration: 210}
    - {rate: 20, duration: 50}
server: {type: vllm, model_name: meta-llama/Llama-3.1-70B-Instruct, base_url: "<endpoint>"}
data:
  type: shared_prefix
  shared_prefix: {num_groups: 83, num_prompts_per_group: 3, system_prompt_len: 8000, question_len: 1000, output_len: 1000}
`);
    expect(describeScenarioConfig(config)).toEqual({
      model: "meta-llama/Llama-3.1-70B-Instruct",
      data: "shared_prefix 83×3, system 8000, question 1000, output 1000 tokens",
      load: "constant, 3 stages: 9, 3, 20 QPS, 30–210 s",
    });
  });

  it("reads the saved (aliased) shared-prefix names, distributions, closed-loop stages and sweeps", () => {
    expect(describeScenarioConfig({ data: { type: "shared_prefix", shared_prefix: { num_unique_system_prompts: 10, num_users_per_system_prompt: 4, system_prompt_len: 100, question_len: 50, output_len: 50 } } }).data).toBe(
      "shared_prefix 10×4, system 100, question 50, output 50 tokens",
    );
    expect(describeLength({ type: "lognormal", mean: 1024, std_dev: 512, min: 128, max: 4096 })).toBe("lognormal 1024±512 [128, 4096]");
    expect(describeLength({ mean: 512, std_dev: 128, min: 128, max: 2048 })).toBe("normal 512±128 [128, 2048]");
    expect(describeLength({ min: 512, max: 512, mean: 512, std_dev: 0 })).toBe("512");
    expect(describeScenarioConfig({ load: { type: "concurrent", stages: [{ num_requests: 100, concurrency_level: 4 }, { num_requests: 100, concurrency_level: 16 }] } }).load).toBe("concurrent, 2 stages: c=4, 16");
    expect(describeScenarioConfig({ load: { type: "constant", stages: [], sweep: { type: "geometric", num_stages: 5 } } }).load).toBe("constant sweep (geometric, 5 stages)");
    expect(describeScenarioConfig({ tokenizer: { pretrained_model_name_or_path: "Qwen/Qwen3-8B" } }).model).toBe("Qwen/Qwen3-8B");
  });

  it("says unknown for what the config does not have (or when it is not a mapping)", () => {
    expect(describeScenarioConfig(null)).toEqual({ model: "unknown", data: "unknown", load: "unknown" });
    expect(describeScenarioConfig({ data: { type: "mock" }, load: { type: "poisson" } })).toEqual({ model: "unknown", data: "mock", load: "poisson" });
  });
});
