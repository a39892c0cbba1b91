import { describe, expect, it } from "vitest";
import type { PrometheusClient } from "./prometheus-client.ts";
import { readSeriesFromPrometheus, readStepPeaksFromPrometheus } from "./prometheus-peaks.ts";

interface Call {
  promql: string;
  atMs: number;
  nowMs: number;
}

/** A fake clock whose sleep advances it, and a fake client that answers by query text. */
function fakes(answer: (promql: string) => number[]) {
  let now = 10_000;
  const calls: Call[] = [];
  const sleeps: number[] = [];
  const client: PrometheusClient = {
    url: "http://fake/",
    async query(promql, atMs) {
      calls.push({ promql, atMs, nowMs: now });
      return { samples: answer(promql).map((value) => ({ labels: {}, tMs: atMs, value })), warnings: ["w1"] };
    },
    async queryRange(promql, range) {
      calls.push({ promql, atMs: range.endMs, nowMs: now });
      return { series: [{ labels: {}, points: [{ tMs: range.startMs, value: answer(promql)[0] ?? NaN }] }], warnings: [] };
    },
  };
  const clock = {
    nowMs: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { client, calls, sleeps, clock };
}

describe("readStepPeaksFromPrometheus", () => {
  it("waits for the last scrape, evaluates each step at its end, and maps absent/NaN to null", async () => {
    const { client, calls, sleeps, clock } = fakes((q) => {
      if (q.startsWith("max(count_over_time")) return [q.includes("[4s]") ? 5 : 1];
      if (q.startsWith("max_over_time(sum(vllm:num_requests_running")) return [8];
      if (q.includes("DCGM_FI_DEV_FB_USED")) return [NaN];
      if (q.includes("DCGM_FI_DEV_GPU_UTIL")) return [97];
      return []; // everything else absent
    });
    const windows = [
      { concurrency: 1, startMs: 1000, endMs: 5000 },
      { concurrency: 8, startMs: 5000, endMs: 9000 },
      { concurrency: 16, startMs: 9000, endMs: 9500 },
    ];
    const { peaks, warnings } = await readStepPeaksFromPrometheus(client, { model: "m", scrapeIntervalS: 2, windows, ...clock });
    // last end 9500 + 2 s scrape + 1 s slack = 12 500; the clock was at 10 000
    expect(sleeps).toEqual([2500]);
    expect(Math.min(...calls.map((c) => c.nowMs))).toBe(12_500);
    expect(new Set(calls.map((c) => c.atMs))).toEqual(new Set([5000, 9000, 9500]));
    expect(calls.filter((c) => c.atMs === 9500).every((c) => !c.promql.includes("[4s]"))).toBe(true);
    expect(peaks).toHaveLength(3);
    expect(peaks[0]).toMatchObject({ runningMax: 8, gpuUtilPctMax: 97, gpuMemUsedPctMax: null, kvCachePctMax: null, preemptions: null, samples: 5, underSampled: false });
    expect(peaks[2]).toMatchObject({ samples: 1, underSampled: true });
    expect(warnings).toEqual(["w1"]);
  });

  it("does not wait when the time has passed, and returns nothing for no windows", async () => {
    const { client, sleeps, clock } = fakes(() => []);
    expect((await readStepPeaksFromPrometheus(client, { model: "m", scrapeIntervalS: 1, windows: [], ...clock })).peaks).toEqual([]);
    const r = await readStepPeaksFromPrometheus(client, { model: "m", scrapeIntervalS: 1, windows: [{ concurrency: 1, startMs: 0, endMs: 1000 }], ...clock });
    expect(sleeps).toEqual([]);
    expect(r.peaks[0]).toMatchObject({ samples: 0, underSampled: true, runningMax: null });
  });
});

describe("readSeriesFromPrometheus", () => {
  it("returns the series that exist, with their units", async () => {
    const { client, clock } = fakes((q) => (q.startsWith("sum(vllm:num_requests_waiting") ? [3] : []));
    const series = await readSeriesFromPrometheus(client, { model: "m", scrapeIntervalS: 1, startMs: 0, endMs: 5000, ...clock });
    expect(series).toEqual([{ key: "waiting", unit: "requests", points: [{ tMs: 0, value: 3 }] }]);
  });
});
