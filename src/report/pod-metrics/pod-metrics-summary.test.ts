import { describe, expect, it } from "vitest";
import type { ServerSample, ServerTimeseries } from "../compare/scenario-report.ts";
import { formatKvStats, formatWaitingStats, podMetricsCells, summarizePodMetrics } from "./pod-metrics-summary.ts";

const sample = (t: number, waiting: number | null, kv: number | null): ServerSample => ({ tEpochS: t, waiting, kvCacheUsage: kv, running: 1 });

// pod a binds: queue 0,2,4,6 and KV 50–100 %; pod b idles: no queue, KV 10 %. One sample of a has neither gauge.
const TWO_PODS: ServerTimeseries = {
  samples: [],
  stages: [],
  pods: [
    { pod: "a", samples: [sample(1, 0, 0.5), sample(2, 2, 0.7), sample(3, 4, 0.9), sample(4, 6, 1.0), sample(5, null, null)] },
    { pod: "b", samples: [1, 2, 3, 4].map((t) => sample(t, 0, 0.1)) },
  ],
};

describe("summarizePodMetrics (seed 004's EPP queue and KV cache summary)", () => {
  it("mean/p90/max over all pods' data points together, pods and data points counted", () => {
    const s = summarizePodMetrics(TWO_PODS)!;
    // waiting, all 8 points: sorted 0,0,0,0,0,2,4,6 → mean 12/8 = 1.5; p90 at rank 0.9·7 = 6.3 → 4 + 0.3·(6 − 4) = 4.6; max 6
    expect(s.waiting!.mean).toBe(1.5);
    expect(s.waiting!.p90).toBeCloseTo(4.6, 12);
    expect(s.waiting!.max).toBe(6);
    // KV %: sorted 10,10,10,10,50,70,90,100 → mean 350/8 = 43.75; p90 at 6.3 → 90 + 0.3·10 = 93; max 100
    expect(s.kvCachePct!.mean).toBeCloseTo(43.75, 12);
    expect(s.kvCachePct!.p90).toBeCloseTo(93, 12);
    expect(s.kvCachePct!.max).toBe(100);
    expect(s.pods).toBe(2);
    expect(s.dataPoints).toBe(8); // the sample with neither gauge is no data point
    expect(podMetricsCells("load-scheduling", s)).toEqual(["load-scheduling", "1.5/5/6", "43.8/93.0/100.0", "2", "8"]);
  });

  it("each pod's own stats: a: queue mean 3, p90 at 2.7 → 4 + 0.7·2 = 5.4; KV mean 77.5, p90 90 + 0.7·10 = 97", () => {
    const [a, b] = summarizePodMetrics(TWO_PODS)!.perPod;
    expect(a).toMatchObject({ pod: "a", dataPoints: 4, waiting: { mean: 3, max: 6 }, kvCachePct: { mean: 77.5, max: 100 } });
    expect(a!.waiting!.p90).toBeCloseTo(5.4, 12);
    expect(a!.kvCachePct!.p90).toBeCloseTo(97, 12);
    expect(b).toMatchObject({ pod: "b", dataPoints: 4, waiting: { mean: 0, p90: 0, max: 0 } });
    expect(b!.kvCachePct!.p90).toBeCloseTo(10, 12);
  });

  it("a one-target run is one pod named target, from the aggregate samples", () => {
    const s = summarizePodMetrics({ samples: [sample(1, 1, 0.2), sample(2, 3, 0.4)], stages: [] })!;
    expect(s.perPod.map((p) => p.pod)).toEqual(["target"]);
    expect(podMetricsCells("r", s)).toEqual(["r", "2.0/3/3", "30.0/38.0/40.0", "1", "2"]); // p90 of 1,3 = 1 + 0.9·2 = 2.8 → 3; of 20,40 = 38
  });

  it("no series, or samples without either gauge: null (no row), never zeros", () => {
    expect(summarizePodMetrics(null)).toBeNull();
    expect(summarizePodMetrics({ samples: [{ tEpochS: 1, waiting: null, kvCacheUsage: null, running: 4 }], stages: [] })).toBeNull();
  });

  it("the seed's formats: queue mean with one decimal, p90 and max whole; KV one decimal each", () => {
    expect(formatWaitingStats({ mean: 0.94, p90: 0.4, max: 74 })).toBe("0.9/0/74");
    expect(formatWaitingStats({ mean: 34.2, p90: 97, max: 198 })).toBe("34.2/97/198");
    expect(formatKvStats({ mean: 55.3, p90: 87, max: 100 })).toBe("55.3/87.0/100.0");
    expect(formatWaitingStats(null)).toBe("–");
  });
});

describe("podMetricsOfRuns and the markdown", () => {
  it("a run with two pods gets its pods' rows and the verdict (a binds: KV p90 97 %; b idles: 10 % ≤ 97/3)", async () => {
    const { podMetricsOfRuns } = await import("./pod-metrics-rows.ts");
    const { buildCompareMarkdown } = await import("../compare/compare-markdown.ts");
    const [run] = podMetricsOfRuns([{ label: "precise", report: { timeseries: TWO_PODS } }]);
    expect(run!.podRows).toEqual([
      ["a", "3.0/5/6", "77.5/97.0/100.0", "4"],
      ["b", "0.0/0/0", "10.0/10.0/10.0", "4"],
    ]);
    expect(run!.imbalance!.binding.map((p) => p.pod)).toEqual(["a"]);
    const report = { dir: "d", description: { model: "m", data: "x", load: "y" }, summary: null, summaryPrometheus: null, stages: [], timeseries: TWO_PODS, notes: [] };
    const md = buildCompareMarkdown({ runs: [{ label: "precise", report }], charts: [], chartNotes: [], x: "achieved" });
    expect(md).toContain("| precise | 1.5/5/6 | 43.8/93.0/100.0 | 2 | 8 |");
    expect(md).toContain("#### Per pod: precise");
    expect(md).toContain("| a | 3.0/5/6 | 77.5/97.0/100.0 | 4 |");
    expect(md).toContain(`**Verdict:** ${run!.imbalance!.text}`);
  });
});
