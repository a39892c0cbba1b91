/**
 * A target whose /v1/models is open but whose completions refuse the key (a gateway in front of the model): the
 * sweep stops after its first step, and `kneepoint run` after its first requests, with an error that names the
 * refusal and the key to check. (A target that refuses /v1/models too stops before any load: test/litellm/.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimProcess, type SimProcess } from "../src/cli/start-sim-process.ts";
import { runKneepoint } from "./run-kneepoint.ts";

let sim: SimProcess;
beforeAll(async () => {
  sim = await startSimProcess(["--ttft-ms", "2", "--itl-ms", "1", "--fault-error-rate", "1", "--fault-error-status", "401"]);
});
afterAll(async () => {
  await sim?.stop();
});

const env = (key: string) => ({ BASE_URL: "", BENCH_MODEL: "", TOKENIZER: "", ENDPOINT: "", OPENAI_API_KEY: key });

describe("a target that refuses every request's key", () => {
  it("kneepoint sweep runs one step, then stops with the refusal and the key to check", async () => {
    const out = mkdtempSync(join(tmpdir(), "kp-refused-"));
    const run = await runKneepoint(["sweep", "--base-url", sim.url, "--concurrency", "1,2,4", "--num-prompts", "4", "--input-len", "16", "--output-len", "4", "--out", out, "--no-charts"], {
      env: env("sk-refused-key-1"),
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/refused the credentials \(HTTP 401 Unauthorized: the target rejected the API key\): every request failed; the remaining 2 step\(s\) were not run/);
    expect(run.stderr).toMatch(/check the API key: OPENAI_API_KEY or --api-key/);
    const [runId] = readdirSync(out);
    expect(readdirSync(join(out, runId!)).filter((f) => f.startsWith("step-"))).toEqual(["step-c1.json"]);
    expect(run.stdout + run.stderr).not.toContain("sk-refused-key-1");
  }, 60_000);

  it("kneepoint run stops after its first requests, with the key from OPENAI_API_KEY", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-refused-run-"));
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      [
        "api: {type: completion, streaming: true}",
        "data: {type: random, input_distribution: {min: 16, max: 16, mean: 16, std_dev: 0}, output_distribution: {min: 4, max: 4, mean: 4, std_dev: 0}}",
        "load: {type: constant, stages: [{rate: 20, duration: 5}, {rate: 20, duration: 5}]}",
        `server: {type: vllm, base_url: "${sim.url}", ignore_eos: true}`,
        `storage: {local_storage: {path: "${join(dir, "reports")}"}}`,
        "report: {request_lifecycle: {summary: true}}",
        "",
      ].join("\n"),
    );
    const run = await runKneepoint(["run", "-c", config, "--no-charts", "--no-server-metrics"], { env: env("sk-refused-key-2") });
    expect(run.code, run.stderr).toBe(3);
    // Not the 200 requests of the two stages: the first 8, and what was in flight when they came back.
    const summary = JSON.parse(readFileSync(join(dir, "reports", "summary_lifecycle_metrics.json"), "utf8")) as { failures: { count: number }; successes: { count: number } };
    expect(summary.successes.count).toBe(0);
    expect(summary.failures.count).toBeGreaterThanOrEqual(8);
    expect(summary.failures.count).toBeLessThan(40);
    expect(run.stderr).toMatch(/refused the credentials \(HTTP 401 Unauthorized.*\): every request failed; the run was stopped after the first 8 requests/);
    expect(run.stderr).toMatch(/check the API key/);
    const everything = readdirSync(join(dir, "reports"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), "utf8"))
      .join("\n");
    expect(everything + run.stdout + run.stderr).not.toContain("sk-refused-key-2");
  }, 60_000);
});
