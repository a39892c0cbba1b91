import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EnvironmentError } from "../../errors.ts";
import { parseVllmResult, type VllmStepResult } from "./parse-vllm-result.ts";

const FIXTURES = new URL("../../../test/fixtures/vllm-results/", import.meta.url);

/** Each fixture's JSON documents: one per file, one per line for .jsonl (test/fixtures/vllm-results/SOURCES.md). */
function fixtureDocs(name: string): Record<string, unknown>[] {
  const text = readFileSync(new URL(name, FIXTURES), "utf8");
  const docs = name.endsWith(".jsonl") ? text.split("\n").filter((l) => l.trim() !== "") : [text];
  return docs.map((d) => JSON.parse(d) as Record<string, unknown>);
}

function fixture(name: string, index = 0): Record<string, unknown> {
  const doc = fixtureDocs(name)[index];
  if (doc === undefined) throw new Error(`${name} has no document ${index}`);
  return doc;
}

/** Every number anywhere in the value, to check that none is NaN or infinite. */
function numbersIn(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(numbersIn);
  return [];
}

describe("parseVllmResult on real result files of several vLLM versions", () => {
  const names = readdirSync(FIXTURES).filter((n) => n.endsWith(".json") || n.endsWith(".jsonl"));

  it("finds the fixtures", () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
  });

  for (const name of names) {
    it(`parses every document of ${name}: no NaN, no undefined values, no per-request arrays`, () => {
      for (const doc of fixtureDocs(name)) {
        const concurrency = typeof doc.max_concurrency === "number" ? doc.max_concurrency : 1;
        const { result } = parseVllmResult(doc, { concurrency });
        expect(result.duration).toBe(doc.duration);
        expect(result.completed).toBe(doc.completed);
        expect(numbersIn(result).every(Number.isFinite)).toBe(true);
        expect(Object.values(result)).not.toContain(undefined);
        for (const key of ["input_lens", "output_lens", "ttfts", "itls", "generated_texts", "errors", "request_goodput:"]) {
          expect(result).not.toHaveProperty([key]);
        }
      }
    });
  }

  it("legacy benchmark_serving.py, April 2025 (arrays present, goodput with a colon, no failed)", () => {
    const doc = fixture("benchmark-serving-2025-04-sharegpt-qps-inf.json");
    const { result, warnings } = parseVllmResult(doc, { concurrency: 200 });
    expect(result.completed).toBe(200);
    expect(result.request_throughput).toBe(8.398304797910107);
    expect(result.median_ttft_ms).toBe(349.84637349998593);
    expect(result.p99_itl_ms).toBe(43.595131400124956);
    expect(result.request_rate).toBe("inf");
    expect(result.request_goodput).toBeNull();
    expect(result.max_concurrency).toBeNull();
    expect(result.failed).toBe(0);
    expect(result.errors_by_reason).toEqual({});
    // Not measured by that run: absent, not 0 and not NaN.
    for (const key of ["p95_ttft_ms", "p50_ttft_ms", "mean_e2el_ms", "max_output_tokens_per_s", "endpoint_type", "label"]) {
      expect(result).not.toHaveProperty([key]);
    }
    expect(warnings.some((w) => w.includes("derived as num_prompts − completed = 0"))).toBe(true);
    expect(warnings.some((w) => w.includes("without --max-concurrency"))).toBe(true);
    // `date` 20250414-141743 read as UTC, minus the duration, widened by 1 s each side.
    const dateMs = Date.UTC(2025, 3, 14, 14, 17, 43);
    expect(result.ended_at_ms).toBe(dateMs + 1000);
    expect(result.started_at_ms).toBeCloseTo(dateMs - 23814.32977400027 - 1000, 6);
    expect(warnings.some((w) => w.startsWith("approximate window"))).toBe(true);
  });

  it("legacy benchmark_serving.py in an llm-d Job, May 2025 (--metadata strings, rate number or inf)", () => {
    const first = parseVllmResult(fixture("benchmark-serving-2025-05-llm-d-append.jsonl", 0), { concurrency: 1 }).result;
    expect(first.request_rate).toBe(10);
    expect(first.completed).toBe(300);
    const { result } = parseVllmResult(fixture("benchmark-serving-2025-05-llm-d-append.jsonl", 2), { concurrency: 1 });
    expect(result.request_rate).toBe("inf");
    expect(result.completed).toBe(900);
    expect(result.request_throughput).toBe(31.183176225808488);
    expect(result.median_ttft_ms).toBe(4066.1594384998807);
    expect(result.request_goodput).toBeNull();
    expect(result.deployment).toBe("no-features");
    expect(result.prefill_replicas).toBe("0");
    expect(result.failed).toBe(0);
  });

  it("vllm bench sweep on 0.25.1 (failed, peaks, E2EL, sweep's own keys), in vLLM's key order", () => {
    const doc = fixture("vllm-0.25.1-sweep-run.json");
    const { result, warnings } = parseVllmResult(doc, { concurrency: 2, startedAtMs: 1_000, endedAtMs: 2_500 });
    expect(result.max_concurrency).toBe(2);
    expect(result.failed).toBe(0);
    expect(result.max_output_tokens_per_s).toBe(75);
    expect(result.max_concurrent_requests).toBe(6);
    expect(result.median_ttft_ms).toBe(44.92285849846667);
    expect(result.p99_e2el_ms).toBe(876.8009717071254);
    expect(result.rtfx).toBe(0);
    expect(result.run_number).toBe(0);
    expect(result.max_num_seqs).toBe(4);
    expect(result.started_at_ms).toBe(1_000);
    expect(result.ended_at_ms).toBe(2_500);
    expect(Object.keys(result)).toEqual([...Object.keys(doc), "started_at_ms", "ended_at_ms", "errors_by_reason"]);
    expect(warnings).toEqual([]);
  });

  it("0.25.1 with every request failed: the failures count, vLLM's 0.0 latency placeholders do not", () => {
    const { result, warnings } = parseVllmResult(fixture("vllm-0.25.1-all-failed.json"), { concurrency: 8 });
    expect(result.completed).toBe(0);
    expect(result.failed).toBe(8);
    expect(result.errors_by_reason).toEqual({ unknown: 8 });
    expect(result.request_throughput).toBe(0);
    expect(Object.keys(result).filter((k) => k.endsWith("_ms") && !k.endsWith("_at_ms"))).toEqual([]);
    expect(warnings).toContain("no request succeeded: vLLM's 12 latency statistics (0.0 over empty lists) left out");
  });

  it("0.25.1 with speculative decoding (sorted keys): spec_decode_* pass through", () => {
    const { result } = parseVllmResult(fixture("vllm-0.25.1-spec-decode-sorted-keys.json"), { concurrency: 2 });
    expect(result.spec_decode_acceptance_rate).toBe(72.03703703703704);
    expect(result.spec_decode_per_position_acceptance_rates).toEqual([0.85, 0.7166666666666667, 0.5944444444444444]);
    expect(result.p99_ttft_ms).toBe(1469.555396421929);
    expect(result.completed).toBe(8);
  });
});

describe("parseVllmResult on hand-written inputs", () => {
  const base = { duration: 10, completed: 20 };

  it("accepts both goodput spellings; the current one wins when both are present", () => {
    expect(parseVllmResult({ ...base, "request_goodput:": 1.5 }, { concurrency: 1 }).result.request_goodput).toBe(1.5);
    expect(parseVllmResult({ ...base, request_goodput: 2.5 }, { concurrency: 1 }).result.request_goodput).toBe(2.5);
    const both = parseVllmResult({ ...base, "request_goodput:": 1, request_goodput: 3 }, { concurrency: 1 }).result;
    expect(both.request_goodput).toBe(3);
    expect(both).not.toHaveProperty(["request_goodput:"]);
  });

  it('reads request_rate "inf" (and "Infinity") as "inf", a number as itself, anything else as an error', () => {
    expect(parseVllmResult({ ...base, request_rate: "inf" }, { concurrency: 1 }).result.request_rate).toBe("inf");
    expect(parseVllmResult({ ...base, request_rate: "Infinity" }, { concurrency: 1 }).result.request_rate).toBe("inf");
    expect(parseVllmResult({ ...base, request_rate: 4 }, { concurrency: 1 }).result.request_rate).toBe(4);
    expect(() => parseVllmResult({ ...base, request_rate: "fast" }, { concurrency: 1 })).toThrow(/request_rate: must be a number or "inf"/);
  });

  it("keeps missing keys absent: no 0, no NaN, no undefined", () => {
    const { result, warnings } = parseVllmResult(base, { concurrency: 4 });
    expect(result).toEqual({ duration: 10, completed: 20, errors_by_reason: {} });
    expect(warnings).toEqual([expect.stringMatching(/^no wall-clock window: vLLM's result has no `date`/)]);
  });

  it("leaves null statistics out, with a warning, and keeps nulls that mean something", () => {
    const { result, warnings } = parseVllmResult({ ...base, label: null, p99_ttft_ms: null, p99_itl_ms: 4 }, { concurrency: 1 });
    expect(result).not.toHaveProperty(["p99_ttft_ms"]);
    expect(result.p99_itl_ms).toBe(4);
    expect(result.label).toBeNull();
    expect(warnings).toContain("`p99_ttft_ms` is null in vLLM's result; left out");
  });

  it("keeps percentile keys kneepoint has no column for, such as p99.9_itl_ms", () => {
    expect(parseVllmResult({ ...base, "p99.9_itl_ms": 12.5 }, { concurrency: 1 }).result["p99.9_itl_ms"]).toBe(12.5);
  });

  it("classifies --save-detailed error strings (hand-written, from vLLM's endpoint_request_func.py)", () => {
    const traceback = (last: string) => `Traceback (most recent call last):\n  File "endpoint_request_func.py", line 90, in f\n${last}\n`;
    const errors = [
      "",
      "Never received a valid chunk to calculate TTFT.This response will be marked as failed!",
      "Too Many Requests",
      traceback("aiohttp.client_exceptions.ClientConnectorError: Cannot connect to host vllm:8000 ssl:default [Connection refused]"),
      traceback("asyncio.exceptions.TimeoutError"),
      "",
    ];
    const { result, warnings } = parseVllmResult({ ...base, completed: 1, failed: 5, errors }, { concurrency: 6 });
    expect(result.errors_by_reason).toEqual({ "empty-stream": 1, http: 1, connection: 1, timeout: 1, unknown: 1 });
    expect(warnings).toContain("1 failed requests have an empty error string in vLLM's `errors`; counted as unknown");
    expect(warnings.some((w) => w.includes("connection: aiohttp.client_exceptions.ClientConnectorError"))).toBe(true);
  });

  it("warns when vLLM's max_concurrency is not the step's concurrency", () => {
    const { warnings } = parseVllmResult({ ...base, max_concurrency: 8 }, { concurrency: 16 });
    expect(warnings).toContain("vLLM's max_concurrency 8 differs from the step's concurrency 16");
  });

  it("rejects what is not a result, naming the path", () => {
    expect(() => parseVllmResult([], { concurrency: 1 })).toThrow(EnvironmentError);
    expect(() => parseVllmResult({ completed: 1 }, { concurrency: 1 })).toThrow(/duration: /);
    expect(() => parseVllmResult({ ...base, mean_ttft_ms: "12" }, { concurrency: 1 })).toThrow(/mean_ttft_ms: a latency statistic/);
    // vllm-ascend CI files whose duration/completed were removed (SOURCES.md).
    expect(() => parseVllmResult({ date: "20250227-025338", best_of: 1, mean_ttft_ms: 1 }, { concurrency: 1 })).toThrow(EnvironmentError);
  });

  it("types the result so that absent keys read as undefined", () => {
    const result: VllmStepResult = parseVllmResult(base, { concurrency: 1 }).result;
    const p95: number | undefined = result.p95_ttft_ms;
    expect(p95).toBeUndefined();
  });
});

describe("parseVllmResult on the native engine's logged results (ENGINE=native in the cluster)", () => {
  it("keeps the engine's measured window and error counts instead of deriving them from date and errors", () => {
    const native = {
      date: "20261123-120000",
      duration: 2,
      completed: 7,
      failed: 3,
      num_prompts: 10,
      max_concurrency: 4,
      started_at_ms: 1_800_000_000_000,
      ended_at_ms: 1_800_000_002_000,
      errors_by_reason: { timeout: 2, http: 1 },
    };
    const { result } = parseVllmResult(native, { concurrency: 4 });
    expect(result.started_at_ms).toBe(1_800_000_000_000);
    expect(result.ended_at_ms).toBe(1_800_000_002_000);
    expect(result.errors_by_reason).toEqual({ timeout: 2, http: 1 });
  });
});
