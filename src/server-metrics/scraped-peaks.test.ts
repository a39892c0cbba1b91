import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExpositionSample } from "./exposition-parser.ts";
import { computeScrapedPeaks, computeScrapedSeries, counterIncrease, type Scrape } from "./scraped-peaks.ts";

const M = "m";
const s = (name: string, value: number, labels: Record<string, string> = {}): ExpositionSample => ({ name, labels, value });
const v = (name: string, value: number, engine = "0", model = M) => s(name, value, { model_name: model, engine });
const gpu = (name: string, value: number, id = "0") => s(name, value, { gpu: id, Hostname: "box" });

/** vLLM scrapes at t = 0, 1000, … with per-scrape samples. */
const vllmAt = (samples: ExpositionSample[][]): Scrape[] => samples.map((xs, i) => ({ source: "vllm", tMs: i * 1000, samples: xs }));
const dcgmAt = (samples: ExpositionSample[][]): Scrape[] => samples.map((xs, i) => ({ source: "dcgm", tMs: i * 1000 + 10, samples: xs }));

describe("computeScrapedPeaks", () => {
  it("sums running/waiting over engines per scrape, ignores other models and scrapes outside the window", () => {
    const scrapes = vllmAt([
      [v("vllm:num_requests_running", 50)], // t=0: before the window
      [v("vllm:num_requests_running", 3), v("vllm:num_requests_running", 4, "1"), v("vllm:num_requests_waiting", 0)],
      [v("vllm:num_requests_running", 5), v("vllm:num_requests_running", 1, "1"), v("vllm:num_requests_waiting", 2)],
      [v("vllm:num_requests_running", 99, "0", "other"), v("vllm:num_requests_running", 2), v("vllm:num_requests_waiting", 1)],
      [v("vllm:num_requests_running", 60)], // t=4000: after
    ]);
    const p = computeScrapedPeaks(scrapes, { startMs: 1000, endMs: 3000 }, M);
    expect(p.runningMax).toBe(7); // 3+4, 5+1, 2
    expect(p.waitingMax).toBe(2);
    expect(p.waitingP90).toBeCloseTo(1.8, 12); // [0,1,2]: rank 1.8 → 1 + 0.8·1
    expect(p.samples).toBe(3);
    expect(p.underSampled).toBe(false);
  });

  it("reports absent metrics as null, never 0, and flags under-sampling", () => {
    const p = computeScrapedPeaks(vllmAt([[], [v("vllm:num_requests_running", 0)]]), { startMs: 500, endMs: 1500 }, M);
    expect(p.runningMax).toBe(0); // present and zero
    for (const key of ["gpuUtilPctMax", "gpuMemUsedPctMax", "dramActiveMax", "tensorActiveMax", "powerWMax", "kvCachePctMax", "waitingMax", "preemptions", "swappedMax"] as const) {
      expect(p[key], key).toBeNull();
    }
    expect(p.samples).toBe(1);
    expect(p.underSampled).toBe(true);
    expect(computeScrapedPeaks([], { startMs: 0, endMs: 1000 }, M)).toMatchObject({ samples: 0, underSampled: true, runningMax: null });
  });

  it("counts a counter reset as a restart from zero, sums over series, needs two samples", () => {
    const pre = (x: number, engine = "0") => v("vllm:num_preemptions_total", x, engine);
    const scrapes = vllmAt([[pre(5), pre(1, "1")], [pre(7), pre(1, "1")], [pre(2), pre(4, "1")], [pre(4), pre(4, "1")]]);
    // engine 0: +2, reset → +2, +2 = 6; engine 1: +3 = 3
    expect(computeScrapedPeaks(scrapes, { startMs: 0, endMs: 3000 }, M).preemptions).toBe(9);
    expect(computeScrapedPeaks(scrapes, { startMs: 0, endMs: 0 }, M).preemptions).toBeNull();
  });

  it("reads KV as %, preferring the current name and falling back to the legacy one", () => {
    const both = vllmAt([[v("vllm:kv_cache_usage_perc", 0.5), v("vllm:gpu_cache_usage_perc", 0.9)], [v("vllm:kv_cache_usage_perc", 0.25)]]);
    expect(computeScrapedPeaks(both, { startMs: 0, endMs: 1000 }, M).kvCachePctMax).toBe(50);
    const legacy = vllmAt([[v("vllm:gpu_cache_usage_perc", 0.97)], [v("vllm:gpu_cache_usage_perc", 0.5, "1")]]);
    expect(computeScrapedPeaks(legacy, { startMs: 0, endMs: 1000 }, M).kvCachePctMax).toBe(97);
  });

  it("takes per-GPU maxima and p90s, GPU memory % per GPU, and skips NaN", () => {
    const utils = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const scrapes = dcgmAt(
      utils.map((u, i) => [
        gpu("DCGM_FI_DEV_GPU_UTIL", u),
        gpu("DCGM_FI_DEV_GPU_UTIL", 5, "1"),
        gpu("DCGM_FI_DEV_FB_USED", 72_000),
        gpu("DCGM_FI_DEV_FB_FREE", 8_000),
        gpu("DCGM_FI_DEV_FB_USED", 0, "1"),
        gpu("DCGM_FI_DEV_FB_FREE", 0, "1"), // 0/0: skipped
        gpu("DCGM_FI_PROF_DRAM_ACTIVE", i === 3 ? NaN : 0.5),
        gpu("DCGM_FI_DEV_POWER_USAGE", 300 + i),
      ]),
    );
    const p = computeScrapedPeaks(scrapes, { startMs: 0, endMs: 10_000 }, M);
    expect(p.gpuUtilPctMax).toBe(100);
    expect(p.gpuUtilPctP90).toBeCloseTo(91, 12); // rank 8.1 → 90 + 0.1·10
    expect(p.gpuMemUsedPctMax).toBe(90);
    expect(p.dramActiveMax).toBe(0.5);
    expect(p.tensorActiveMax).toBeNull();
    expect(p.powerWMax).toBe(309);
  });
});

describe("counterIncrease", () => {
  it("equals last − first for a monotone counter, and is never negative", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 30 }), (steps) => {
        const values = steps.reduce<number[]>((acc, d) => [...acc, (acc.at(-1) ?? 0) + d], []);
        expect(counterIncrease(values)).toBe(values.at(-1)! - values[0]!);
      }),
    );
    fc.assert(fc.property(fc.array(fc.nat(1000)), (values) => counterIncrease(values) >= 0));
  });
});

describe("computeScrapedSeries", () => {
  it("gives KV %, running and waiting per scrape, and leaves absent series out", () => {
    const scrapes = vllmAt([
      [v("vllm:kv_cache_usage_perc", 0.1), v("vllm:kv_cache_usage_perc", 0.3, "1"), v("vllm:num_requests_running", 2), v("vllm:num_requests_running", 3, "1")],
      [v("vllm:kv_cache_usage_perc", 0.2), v("vllm:num_requests_running", 1)],
    ]);
    expect(computeScrapedSeries(scrapes, M)).toEqual([
      { key: "kvCachePct", unit: "%", points: [{ tMs: 0, value: 30 }, { tMs: 1000, value: 20 }] },
      { key: "running", unit: "requests", points: [{ tMs: 0, value: 5 }, { tMs: 1000, value: 1 }] },
    ]);
  });
});
