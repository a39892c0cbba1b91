/**
 * `kneepoint run -c <scenario>` through a real LiteLLM proxy (litellm[proxy]==1.108.7) in front of the simulator:
 * an inference-perf config naming the proxy's model group, the key in OPENAI_API_KEY (the config has no
 * server.api_key, as a ConfigMap should not), prompts from a local tokenizer.json (LiteLLM has no /tokenize).
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runKneepoint, type KneepointRun } from "../run-kneepoint.ts";
import { PROXY_MODEL, useProxiedSim } from "./start-litellm.ts";

const OUTPUT_LEN = 6;
/** 5 QPS for 2 s: 10 requests. */
const REQUESTS = 10;

const { skip, target } = useProxiedSim();

function scenario(dir: string, apiType: "completion" | "chat"): string {
  const path = join(dir, "config.yml");
  writeFileSync(
    path,
    [
      `api: {type: ${apiType}, streaming: true}`,
      `data: {type: random, input_distribution: {min: 24, max: 24, mean: 24, std_dev: 0}, output_distribution: {min: ${OUTPUT_LEN}, max: ${OUTPUT_LEN}, mean: ${OUTPUT_LEN}, std_dev: 0}}`,
      "load: {type: constant, interval: 0, stages: [{rate: 5, duration: 2}]}",
      `server: {type: vllm, model_name: ${PROXY_MODEL}, base_url: "${target().proxy.url}", ignore_eos: true}`,
      "tokenizer: {pretrained_model_name_or_path: test/fixtures/tiny-tokenizer}",
      `storage: {local_storage: {path: "${join(dir, "reports")}"}}`,
      "report: {request_lifecycle: {summary: true, per_stage: true, per_request: true}}",
      "",
    ].join("\n"),
  );
  return path;
}

function run(config: string, key: string | undefined, extra: string[] = []): Promise<KneepointRun> {
  return runKneepoint(["run", "-c", config, ...extra], { env: { OPENAI_API_KEY: key ?? "" } });
}

function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith(".png"))
    .map((e) => readFileSync(join(e.parentPath, e.name), "utf8"))
    .join("\n");
}

describe.skipIf(skip)("kneepoint run through a real LiteLLM proxy", () => {
  for (const apiType of ["completion", "chat"] as const) {
    it(`${apiType}: the scenario succeeds with the key from OPENAI_API_KEY, exact output tokens, and the key in no report`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `kp-litellm-run-${apiType}-`));
      const result = await run(scenario(dir, apiType), target().proxy.masterKey, apiType === "chat" ? ["--no-charts"] : []);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`against ${target().proxy.url} (model ${PROXY_MODEL}); tokenizer: tokenizer.json`);
      const reports = join(dir, "reports");
      const summary = JSON.parse(readFileSync(join(reports, "summary_lifecycle_metrics.json"), "utf8")) as {
        successes: { count: number; output_len: { min: number; max: number } };
        failures: { count: number };
      };
      expect(summary.failures.count).toBe(0);
      expect(summary.successes.count).toBe(REQUESTS);
      // ignore_eos passes through LiteLLM: every answer has exactly the requested output tokens.
      expect(summary.successes.output_len).toMatchObject({ min: OUTPUT_LEN, max: OUTPUT_LEN });
      // config.yaml is the config as inference-perf would write it (no key named: null); kneepoint's record says
      // where the key it sent came from, never the key.
      expect(readFileSync(join(reports, "config.yaml"), "utf8")).toMatch(/api_key: null/);
      expect(JSON.parse(readFileSync(join(reports, "kneepoint_run.json"), "utf8"))).toMatchObject({ served_model: PROXY_MODEL, target_kind: "openai-compatible", api_key_source: "OPENAI_API_KEY" });
      if (apiType === "completion") expect(readdirSync(reports)).toContain("report.md");
      expect(allText(reports) + result.stdout + result.stderr).not.toContain(target().proxy.masterKey);
    }, 90_000);
  }

  it("a key the proxy does not know stops the run before any load, naming the refusal and the key to check", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-litellm-run-badkey-"));
    const wrongKey = "sk-not-the-master-key-43";
    const result = await run(scenario(dir, "completion"), wrongKey);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/\/v1\/models refused the credentials \(HTTP 400 no_db_connection: the LiteLLM proxy rejected the API key/);
    expect(result.stderr).toMatch(/check the API key: .*server\.api_key or OPENAI_API_KEY/);
    expect(result.stdout + result.stderr).not.toContain(wrongKey);
  }, 60_000);
});
