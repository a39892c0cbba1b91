/**
 * charts/kneepoint with the real helm (built from helm.sh/helm/v4, run-helm.ts): `helm lint` of the chart and of each
 * values file, `helm template` goldens per shipped scenario, seed 001's commands (--set, -f my-values.yaml) as they
 * are written there, and the values schema failing a typo with the key named.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { scenarioConfigSchema } from "../../src/scenarios/config/scenario-config-schema.ts";
import { CHART_DIR, helm, helmBinary, helmSkipped, renderChart } from "./run-helm.ts";
import { readRendered } from "./rendered-chart.ts";
import { SHIPPED_SCENARIOS } from "./values-schema.ts";

const GOLDEN_DIR = fileURLToPath(new URL("./goldens/", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDENS === "1";

beforeAll(async () => {
  if (!helmSkipped) await helmBinary();
}, 900_000);

describe.skipIf(helmSkipped)("the kneepoint chart with the real helm", () => {
  it("passes `helm lint --strict` alone and with each scenario's values file", async () => {
    for (const flags of [[], ...SHIPPED_SCENARIOS.map((s) => ["-f", join(CHART_DIR, `values-${s}.yaml`)])]) {
      const run = await helm(["lint", "--strict", CHART_DIR, ...flags]);
      expect(run.code, `helm lint ${flags.join(" ")}:\n${run.stdout}${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  for (const scenario of SHIPPED_SCENARIOS) {
    it(`renders ${scenario} as test/helm/goldens/${scenario}.yaml, a config the engine's schema accepts (UPDATE_GOLDENS=1 rewrites)`, async () => {
      const text = await renderChart(["-f", join(CHART_DIR, `values-${scenario}.yaml`)]);
      const golden = join(GOLDEN_DIR, `${scenario}.yaml`);
      if (UPDATE || (!existsSync(golden) && process.env.CI !== "true")) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(golden, text);
      }
      expect(text).toBe(readFileSync(golden, "utf8"));
      const { config, job, configMap } = readRendered(text);
      const parsed = scenarioConfigSchema.safeParse(config);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(config.server).toEqual({ type: "vllm", base_url: "http://vllm:8000", model_name: null, ignore_eos: true });
      expect(job.spec!.template.metadata!.labels!["benchmark.scenario"]).toBe(scenario);
      expect(configMap.data!["azure-llm-inference-sample.csv"]).toBe(readFileSync(join(CHART_DIR, "files/azure-llm-inference-sample.csv"), "utf8"));
    });
  }

  it("seed 001's install command: the target lands in config.yml, the scenario's label on the pod", async () => {
    const { config, job } = readRendered(
      await renderChart(["--set", "benchmark.scenario=baseline", "--set", "benchmark.target.baseUrl=http://qwen3-vllm.default:8000", "--set", "benchmark.target.modelName=qwen3-8b", "--set", "benchmark.target.tokenizerPath=Qwen/Qwen3-8B"], "baseline-test"),
    );
    expect(config.server).toEqual({ type: "vllm", base_url: "http://qwen3-vllm.default:8000", model_name: "qwen3-8b", ignore_eos: true });
    expect(config.tokenizer).toEqual({ pretrained_model_name_or_path: "Qwen/Qwen3-8B" });
    expect(config.load).toEqual({ type: "constant", stages: [{ rate: 1, duration: 300 }], num_workers: 4 });
    expect(job.metadata!.name).toBe("baseline-test-kneepoint");
    expect(job.metadata!.namespace).toBe("benchmarking");
    expect(job.spec!.template.metadata!.labels).toMatchObject({ "benchmark.scenario": "baseline", "app.kubernetes.io/instance": "baseline-test" });
  });

  it("seed 001's --set of one stage key keeps the stage's other keys, and --set of the CPU request reaches the container", async () => {
    const { config, job } = readRendered(
      await renderChart(["--set", "benchmark.scenario=baseline", "--set", "benchmark.target.baseUrl=http://your-model.your-namespace:8000", "--set", "benchmark.scenarios.baseline.load.stages[0].duration=600", "--set", "benchmark.resources.main.requests.cpu=4"]),
    );
    expect(config.load.stages).toEqual([{ rate: 1, duration: 600 }]);
    expect(config.server.base_url).toBe("http://your-model.your-namespace:8000");
    expect(job.spec!.template.spec!.containers[0]!.resources).toEqual({ requests: { cpu: 4, memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } });
  });

  it("--set benchmark.scenarios.baseline.load.stages[0].duration=5 lands in the ConfigMap", async () => {
    const { configMap, config } = readRendered(await renderChart(["--set", "benchmark.scenarios.baseline.load.stages[0].duration=5"]));
    expect(config.load.stages).toEqual([{ rate: 1, duration: 5 }]);
    expect(configMap.data!["config.yml"]).toMatch(/^ {2}- duration: 5\n {4}rate: 1$/m);
  });

  it("--set of saturation's stage 2: stages 0-1 are the shipped ones, stage 2 keeps its rate, stage 3 is gone (helm's list ends at 2)", async () => {
    const { config } = readRendered(await renderChart(["--set", "benchmark.scenario=saturation", "--set", "benchmark.scenarios.saturation.load.stages[2].duration=7"]));
    // helm builds the list [null, null, {duration: 7}]; the chart completes every index from the shipped stages.
    expect(config.load.stages).toEqual([
      { rate: 5, duration: 180 },
      { rate: 10, duration: 180 },
      { rate: 20, duration: 7 },
    ]);
  });

  it("seed 001's my-values.yaml (-f): its stages replace the shipped ones, the target is its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-helm-values-"));
    const file = join(dir, "my-values.yaml");
    writeFileSync(
      file,
      `benchmark:
  scenario: baseline
  target:
    baseUrl: http://your-model.your-namespace:8000
    modelName: your-model-name
  scenarios:
    baseline:
      load:
        stages:
          - rate: 1
            duration: 600  # a longer test
`,
    );
    const { config } = readRendered(await renderChart(["-f", file]));
    expect(config.load).toEqual({ type: "constant", stages: [{ rate: 1, duration: 600 }], num_workers: 4 });
    expect(config.server).toEqual({ type: "vllm", base_url: "http://your-model.your-namespace:8000", model_name: "your-model-name", ignore_eos: true });
    expect(config.data).toMatchObject({ type: "synthetic", input_distribution: { mean: 512, min: 512, max: 512, std_dev: 0 } });
  });

  it("a null stage the shipped scenario cannot complete fails the render, naming the stage", async () => {
    const run = await helm(["template", "bench", CHART_DIR, "--set", "benchmark.scenarios.baseline.load.stages[2].duration=7"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/benchmark\.scenarios\.baseline\.load\.stages\[1\] is empty .* the shipped baseline scenario has no stage 1 of load\.type constant/);
  });

  it("a stage without a key its load.type needs fails the render, naming the key (the engine's rule, before the pod starts)", async () => {
    const constant = await helm(["template", "bench", CHART_DIR, "--set", "benchmark.scenarios.baseline.load.stages[1].duration=7"]);
    expect(constant.code).toBe(1);
    expect(constant.stderr).toMatch(/benchmark\.scenarios\.baseline\.load\.stages\[1\]\.rate is required for load\.type constant \(the stage has duration\)/);
    const concurrent = await helm(["template", "bench", CHART_DIR, "--set", "benchmark.scenarios.baseline.load.type=concurrent", "--set", "benchmark.scenarios.baseline.load.stages[0].num_requests=20"]);
    expect(concurrent.code).toBe(1);
    expect(concurrent.stderr).toMatch(/benchmark\.scenarios\.baseline\.load\.stages\[0\]\.concurrency_level is required for load\.type concurrent \(the stage has num_requests\)/);
  });

  it("a stage of another load.type is not completed from the shipped (constant) stages", async () => {
    const { config } = readRendered(
      await renderChart(["--set", "benchmark.scenarios.baseline.load.type=concurrent", "--set", "benchmark.scenarios.baseline.load.stages[0].num_requests=20", "--set", "benchmark.scenarios.baseline.load.stages[0].concurrency_level=4"]),
    );
    expect(config.load.stages).toEqual([{ num_requests: 20, concurrency_level: 4 }]);
    expect(scenarioConfigSchema.safeParse(config).success).toBe(true);
  });

  it("--set-file puts a file of the user's beside config.yml", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-helm-files-"));
    const trace = "TIMESTAMP,ContextTokens,GeneratedTokens\n2024-01-01 00:00:00.0000000,10,5\n";
    writeFileSync(join(dir, "my.csv"), trace);
    const { configMap } = readRendered(await renderChart(["--set-file", `benchmark.files.my\\.csv=${join(dir, "my.csv")}`]));
    expect(configMap.data!["my.csv"]).toBe(trace);
  });

  describe("the values schema fails a typo at helm template, helm lint and helm install, naming the key", () => {
    const CASES: Array<{ what: string; set: string; names: RegExp }> = [
      { what: "an unknown key of a scenario's load", set: "benchmark.scenarios.baseline.load.stagess[0].duration=5", names: /at '\/benchmark\/scenarios\/baseline\/load': additional properties 'stagess' not allowed/ },
      { what: "a stage duration that is not a number", set: "benchmark.scenarios.baseline.load.stages[0].duration=five", names: /at '\/benchmark\/scenarios\/baseline\/load\/stages\/0\/duration': .*\n.*got string, want integer/ },
      { what: "an unknown scenario", set: "benchmark.scenario=baselin", names: /at '\/benchmark\/scenario': value must be one of 'baseline', 'saturation', 'sweep', 'production', 'shared-prefix', 'trace-replay'/ },
      { what: "a misspelt scenario under scenarios", set: "benchmark.scenarios.baselin.load.stages[0].duration=600", names: /at '\/benchmark\/scenarios': additional properties 'baselin' not allowed/ },
      { what: "a misspelt target key", set: "benchmark.target.baseURL=http://x:8000", names: /at '\/benchmark\/target': additional properties 'baseURL' not allowed/ },
      { what: "resources without `main`", set: "benchmark.resources.requests.cpu=4", names: /at '\/benchmark\/resources': additional properties 'requests' not allowed/ },
      { what: "a target URL without its scheme", set: "benchmark.target.baseUrl=vllm:8000", names: /at '\/benchmark\/target\/baseUrl': 'vllm:8000' does not match pattern/ },
      { what: "a misspelt top-level key", set: "benchmrk.scenario=baseline", names: /at '': additional properties 'benchmrk' not allowed/ },
      { what: "an unknown data type", set: "benchmark.scenarios.baseline.data.type=synthetc", names: /at '\/benchmark\/scenarios\/baseline\/data\/type': value must be one of 'mock', 'shareGPT', 'synthetic'/ },
    ];
    for (const c of CASES) {
      it(`${c.what} (--set ${c.set})`, async () => {
        const template = await helm(["template", "bench", CHART_DIR, "--set", c.set]);
        expect(template.code).toBe(1);
        expect(template.stdout).toBe("");
        expect(template.stderr).toMatch(/values don't meet the specifications of the schema\(s\) in the following chart\(s\):\nkneepoint:/);
        expect(template.stderr).toMatch(c.names);
        const lint = await helm(["lint", CHART_DIR, "--set", c.set]);
        expect(lint.code).toBe(1);
        expect(lint.stdout).toMatch(c.names);
        // helm install validates before it reaches the cluster: this one has none (KUBECONFIG unset, no server).
        const install = await helm(["install", "bench", CHART_DIR, "--dry-run=client", "--set", c.set]);
        expect(install.code).toBe(1);
        expect(install.stderr).toMatch(c.names);
      });
    }
  });
});
