import { describe, expect, it } from "vitest";
import { EnvironmentError } from "../../errors.ts";
import type { PrometheusClient } from "../../server-metrics/prometheus-client.ts";
import { MAX_RANGE_POINTS, rangeStepMs, readPrometheusSeries } from "./read-prometheus-series.ts";

function fakeClient(answers: Record<string, Array<Array<[number, number]>> | Error>) {
  const calls: Array<{ promql: string; startMs: number; endMs: number; stepMs: number; atMs: number }> = [];
  let nowMs = 0;
  const client: PrometheusClient = {
    url: "http://prom",
    query: async () => ({ samples: [], warnings: [] }),
    async queryRange(promql, range) {
      calls.push({ promql, ...range, atMs: nowMs });
      const a = answers[promql];
      if (a instanceof Error) throw a;
      return { series: (a ?? []).map((pts) => ({ labels: {}, points: pts.map(([tMs, value]) => ({ tMs, value })) })), warnings: [] };
    },
  } as PrometheusClient;
  const deps = { clock: () => nowMs, sleep: async (ms: number) => void (nowMs += ms) };
  return { client, calls, deps, setNow: (ms: number) => (nowMs = ms) };
}

describe("rangeStepMs", () => {
  it("the scrape interval, coarser only when the window would pass 11,000 points", () => {
    expect(rangeStepMs({ startMs: 0, endMs: 600_000, scrapeIntervalS: 15 })).toBe(15_000);
    // 2 days at 1 s scrapes = 172,800 points → ceil(172,800,000 / 10,999) = 15,711 ms
    expect(rangeStepMs({ startMs: 0, endMs: 172_800_000, scrapeIntervalS: 1 })).toBe(15_711);
    expect(172_800_000 / 15_711 + 1).toBeLessThanOrEqual(MAX_RANGE_POINTS);
  });
});

describe("readPrometheusSeries", () => {
  it("waits for the window's last scrape (end + interval + 2 s), then one range query per series", async () => {
    const f = fakeClient({ W: [[[3000, 2], [1000, 0]]], K: [[[1000, 50]]] });
    f.setNow(10_000);
    const out = await readPrometheusSeries(f.client, { waiting: "W", kvCachePct: "K" }, { startMs: 1000, endMs: 10_000, scrapeIntervalS: 5 }, f.deps);
    expect(f.calls.map((c) => c.atMs)).toEqual([17_000, 17_000]); // 10,000 + (5 + 2) · 1000
    expect(f.calls[0]).toMatchObject({ promql: "W", startMs: 1000, endMs: 10_000, stepMs: 5000 });
    expect(out.series).toEqual([
      { key: "waiting", unit: "requests", points: [{ tMs: 1000, value: 0 }, { tMs: 3000, value: 2 }] },
      { key: "kvCachePct", unit: "%", points: [{ tMs: 1000, value: 50 }] },
    ]);
    expect(out.warnings).toEqual([]);
  });

  it("a series with no data or a failed query is left out with a warning, never zero-filled", async () => {
    const f = fakeClient({ W: [], R: new EnvironmentError("Prometheus at http://prom: HTTP 503", "retry") });
    f.setNow(1e9);
    const out = await readPrometheusSeries(f.client, { waiting: "W", running: "R" }, { startMs: 0, endMs: 1000, scrapeIntervalS: 1 }, f.deps);
    expect(out.series).toEqual([]);
    expect(out.warnings).toEqual([
      "server time series: Prometheus has no waiting series for the run (W); check metrics.prometheus.filters and the model name",
      "server time series: the running range query failed: Prometheus at http://prom: HTTP 503",
    ]);
  });

  it("a bug (not a KneepointError) is not swallowed", async () => {
    const f = fakeClient({ W: new TypeError("boom") });
    f.setNow(1e9);
    await expect(readPrometheusSeries(f.client, { waiting: "W" }, { startMs: 0, endMs: 1, scrapeIntervalS: 1 }, f.deps)).rejects.toThrow("boom");
  });
});

describe("readPrometheusPodSeries", () => {
  it("one series per pod label, grouped by pod and sorted; unlabelled series left out; one pod is no split", async () => {
    const { readPrometheusPodSeries } = await import("./read-prometheus-pod-series.ts");
    const answers: Record<string, Array<{ labels: Record<string, string>; points: Array<{ tMs: number; value: number }> }>> = {
      W: [
        { labels: { pod: "vllm-b" }, points: [{ tMs: 2000, value: 0 }, { tMs: 1000, value: 1 }] },
        { labels: { pod: "vllm-a" }, points: [{ tMs: 1000, value: 7 }] },
        { labels: {}, points: [{ tMs: 1000, value: 99 }] },
      ],
      K: [{ labels: { pod: "vllm-a" }, points: [{ tMs: 1000, value: 91 }] }],
    };
    const client = { url: "http://prom", query: async () => ({ samples: [], warnings: [] }), queryRange: async (q: string) => ({ series: answers[q] ?? [], warnings: [] }) } as unknown as PrometheusClient;
    const out = await readPrometheusPodSeries(client, { waiting: "W", kvCachePct: "K" }, { startMs: 0, endMs: 2000, scrapeIntervalS: 1 });
    expect(out.warnings).toEqual([]);
    expect(out.pods).toEqual([
      { pod: "vllm-a", series: [{ key: "waiting", unit: "requests", points: [{ tMs: 1000, value: 7 }] }, { key: "kvCachePct", unit: "%", points: [{ tMs: 1000, value: 91 }] }] },
      { pod: "vllm-b", series: [{ key: "waiting", unit: "requests", points: [{ tMs: 1000, value: 1 }, { tMs: 2000, value: 0 }] }] },
    ]);
    const one = await readPrometheusPodSeries(client, { kvCachePct: "K" }, { startMs: 0, endMs: 2000, scrapeIntervalS: 1 });
    expect(one.pods).toEqual([]);
  });
});
