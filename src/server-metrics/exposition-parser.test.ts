import { Counter, Gauge, Histogram, Registry } from "prom-client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExposition } from "./exposition-parser.ts";

const TEXT = [
  "# HELP vllm:num_requests_running Number of requests in model execution batches.",
  "# TYPE vllm:num_requests_running gauge",
  'vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 8.0',
  "# HELP weird Help with a \\\\ backslash and a \\n newline.",
  "# TYPE weird gauge",
  'weird{path="C:\\\\x",quote="say \\"hi\\"",nl="a\\nb",} NaN',
  "weird_inf +Inf 1700000000123",
  "weird_neg{a=\"1\"}\t-Inf",
  "# a free comment",
  "",
  "# TYPE vllm:e2e_request_latency_seconds histogram",
  'vllm:e2e_request_latency_seconds_bucket{le="0.3",model_name="m"} 0.0',
  'vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} 3.0',
  'vllm:e2e_request_latency_seconds_sum{model_name="m"} 1.5e+00',
  'vllm:e2e_request_latency_seconds_count{model_name="m"} 3',
  'DCGM_FI_DEV_GPU_UTIL{gpu="0",modelName="NVIDIA H100 80GB HBM3",Hostname="box"} 100',
  "broken{a=\"unterminated} 1",
  "no_value",
  "bad_value{} abc",
  "",
].join("\r\n");

describe("parseExposition", () => {
  const parsed = parseExposition(TEXT);
  const get = (name: string) => parsed.samples.filter((s) => s.name === name);

  it("reads HELP and TYPE, including escapes in HELP", () => {
    expect(parsed.types.get("vllm:num_requests_running")).toBe("gauge");
    expect(parsed.types.get("vllm:e2e_request_latency_seconds")).toBe("histogram");
    expect(parsed.help.get("weird")).toBe("Help with a \\ backslash and a \n newline.");
  });

  it("reads samples with colons in names, escaped labels, a trailing comma, NaN/±Inf and timestamps", () => {
    expect(get("vllm:num_requests_running")).toEqual([
      { name: "vllm:num_requests_running", labels: { engine: "0", model_name: "meta-llama/Llama-3.1-8B-Instruct" }, value: 8 },
    ]);
    const [w] = get("weird");
    expect(w?.labels).toEqual({ path: "C:\\x", quote: 'say "hi"', nl: "a\nb" });
    expect(w?.value).toBeNaN();
    expect(get("weird_inf")).toEqual([{ name: "weird_inf", labels: {}, value: Infinity, timestampMs: 1_700_000_000_123 }]);
    expect(get("weird_neg")[0]?.value).toBe(-Infinity);
  });

  it("keeps histogram lines as samples", () => {
    expect(get("vllm:e2e_request_latency_seconds_bucket").map((s) => [s.labels.le, s.value])).toEqual([
      ["0.3", 0],
      ["+Inf", 3],
    ]);
    expect(get("vllm:e2e_request_latency_seconds_sum")[0]?.value).toBe(1.5);
    expect(get("DCGM_FI_DEV_GPU_UTIL")[0]?.labels.modelName).toBe("NVIDIA H100 80GB HBM3");
  });

  it("skips and counts malformed lines", () => {
    expect(parsed.invalidLines).toBe(3);
    expect(get("broken")).toEqual([]);
  });

  it("reads back what prom-client writes, for any label value", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.double({ noNaN: true }), fc.nat(1000), async (label, gaugeValue, n) => {
        const registry = new Registry();
        new Gauge({ name: "g:x", help: "h", labelNames: ["v"], registers: [registry] }).set({ v: label }, gaugeValue);
        new Counter({ name: "c_total", help: "h", registers: [registry] }).inc(n);
        new Histogram({ name: "h_seconds", help: "h", buckets: [0.1, 1], registers: [registry] }).observe(0.5);
        const out = parseExposition(await registry.metrics());
        expect(out.invalidLines).toBe(0);
        const g = out.samples.find((s) => s.name === "g:x");
        expect(g?.labels.v).toBe(label);
        expect(g?.value === gaugeValue, `${g?.value} vs ${gaugeValue}`).toBe(true); // -0 is written as 0
        expect(out.samples.find((s) => s.name === "c_total")?.value).toBe(n);
        expect(out.samples.filter((s) => s.name === "h_seconds_bucket").map((s) => s.value)).toEqual([0, 1, 1]);
      }),
      { numRuns: 200 },
    );
  });
});
