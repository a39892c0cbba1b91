import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFromEnv, readConfigFile, resolveSweepConfig } from "./read-sweep-config.ts";
import { promptsForStep } from "./sweep-config.ts";
import { UsageError } from "../errors.ts";

describe("sweep configuration", () => {
  it("has the seed's defaults: 1..32, 256/128, seed 42, ignore_eos, /v1/completions", () => {
    const { config } = resolveSweepConfig([]);
    expect(config).toMatchObject({
      concurrency: [1, 2, 4, 8, 16, 32],
      inputLen: 256,
      outputLen: 128,
      seed: 42,
      ignoreEos: true,
      endpoint: "/v1/completions",
      baseUrl: "http://127.0.0.1:8000",
    });
  });

  it("reads the bench-target ConfigMap and Secret keys from the environment", () => {
    const env = { BASE_URL: "http://litellm:4000", BENCH_MODEL: "llama", TOKENIZER: "meta-llama/Llama-3.1-8B", ENDPOINT: "/v1/chat/completions", OPENAI_API_KEY: "sk-x" };
    expect(configFromEnv(env)).toEqual({ baseUrl: "http://litellm:4000", model: "llama", tokenizer: "meta-llama/Llama-3.1-8B", endpoint: "/v1/chat/completions", apiKey: "sk-x" });
    // PROMETHEUS_URL is read here too (its token, PROMETHEUS_TOKEN, only where the client is made: never into config).
    expect(configFromEnv({ PROMETHEUS_URL: " http://p:9090 ", PROMETHEUS_TOKEN: "t" })).toEqual({ prometheusUrl: "http://p:9090" });
    expect(configFromEnv({})).toEqual({});
  });

  it("lets flags win over the file and the file over the environment", () => {
    const { config } = resolveSweepConfig([{ model: "env", seed: 1 }, { model: "file", seed: 2 }, { seed: 3 }]);
    expect(config.model).toBe("file");
    expect(config.seed).toBe(3);
  });

  it("strips a trailing /v1 from the base URL and says so", () => {
    const { config, warnings } = resolveSweepConfig([{ baseUrl: "http://h:8000/v1/" }]);
    expect(config.baseUrl).toBe("http://h:8000");
    expect(warnings[0]).toContain("/v1");
  });

  it("names the flag and the fix in every error", () => {
    const bad = () => resolveSweepConfig([{ endpoint: "/v1/embeddings", concurrency: [2, 2] }]);
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow(/--endpoint: must be a path ending in completions/);
    expect(bad).toThrow(/--concurrency: levels must be distinct/);
    expect(() => resolveSweepConfig([{ numPrompts: 4, concurrency: [1, 8] }])).toThrow(/--num-prompts: 4 requests cannot keep 8 in flight/);
  });

  it("refuses credentials in URLs without echoing them", () => {
    const bad = () => resolveSweepConfig([{ prometheusUrl: "http://admin:s3cretpw@prom:9090" }]);
    expect(bad).toThrow(/--prometheus-url: must not contain user:password/);
    try {
      bad();
    } catch (err) {
      expect(String((err as Error).message) + String((err as UsageError).hint)).not.toContain("s3cretpw");
    }
  });

  it("rejects unknown keys in a YAML file (a typo is an error, not a silent default)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-"));
    const file = join(dir, "c.yaml");
    writeFileSync(file, "concurency: [1, 2]\ninput-len: 64\n");
    const layer = await readConfigFile(file);
    expect(layer).toEqual({ concurency: [1, 2], inputLen: 64 });
    expect(() => resolveSweepConfig([layer], file)).toThrow(/unknown key 'concurency'/);
  });

  it("sizes steps as max(minPrompts, k × c) unless --num-prompts fixes them", () => {
    const { config } = resolveSweepConfig([]);
    expect([1, 4, 32].map((c) => promptsForStep(config, c))).toEqual([32, 32, 256]);
    expect(promptsForStep({ ...config, numPrompts: 100 }, 32)).toBe(100);
  });
});
