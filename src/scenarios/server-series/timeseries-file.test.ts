import { describe, expect, it } from "vitest";
import { timeseriesFileSchema } from "../../report/compare/scenario-report-files.ts";
import { timeseriesFromFile } from "../../report/compare/from-report-files.ts";
import type { TimeSeries } from "../../server-metrics/time-series.ts";
import { buildTimeseriesFile } from "./timeseries-file.ts";

const T0 = 1_763_928_000_000; // epoch ms
const series = (key: TimeSeries["key"], points: Array<[number, number]>): TimeSeries => ({
  key,
  unit: key === "kvCachePct" ? "%" : "requests",
  points: points.map(([dt, value]) => ({ tMs: T0 + dt, value })),
});
const stage = (index: number, startDt: number, endDt: number, sent = 1) => ({
  index,
  startEpochMs: T0 + startDt,
  endEpochMs: T0 + endDt,
  records: new Array(sent).fill(null),
});

describe("buildTimeseriesFile", () => {
  it("one sample per timestamp, KV as a 0–1 fraction, a series missing at a time is null there", () => {
    const file = buildTimeseriesFile(
      [
        series("kvCachePct", [[0, 0], [250, 12.5], [500, 100]]),
        series("waiting", [[0, 0], [250, 3], [500, 7]]),
        // running missing at 250 (say the scrape carried no such line)
        series("running", [[500, 8], [0, 1]]),
      ],
      [stage(0, 100, 600)],
    )!;
    expect(file.samples).toEqual([
      { t_epoch_s: 1_763_928_000, kv_cache_usage_perc: 0, num_requests_waiting: 0, num_requests_running: 1 },
      { t_epoch_s: 1_763_928_000.25, kv_cache_usage_perc: 0.125, num_requests_waiting: 3, num_requests_running: null },
      { t_epoch_s: 1_763_928_000.5, kv_cache_usage_perc: 1, num_requests_waiting: 7, num_requests_running: 8 },
    ]);
    expect(file.stages).toEqual([{ stage: 0, start_epoch_s: 1_763_928_000.1, end_epoch_s: 1_763_928_000.6 }]);
    // what the comparison report's reader accepts
    expect(timeseriesFileSchema.parse(JSON.parse(JSON.stringify(file)))).toEqual(file);
    expect(timeseriesFromFile(file).samples[1]).toEqual({ tEpochS: 1_763_928_000.25, kvCacheUsage: 0.125, waiting: 3, running: null });
  });

  it("an absent series is null in every sample, never 0", () => {
    const file = buildTimeseriesFile([series("waiting", [[0, 2]])], [])!;
    expect(file.samples).toEqual([{ t_epoch_s: 1_763_928_000, kv_cache_usage_perc: null, num_requests_waiting: 2, num_requests_running: null }]);
  });

  it("windows only for reported stages that sent requests (not the sweep's probe, not an empty stage)", () => {
    const file = buildTimeseriesFile([series("running", [[0, 1]])], [stage(-1, 0, 50), stage(0, 60, 90), stage(1, 95, 95, 0), stage(2, 100, 200)])!;
    expect(file.stages.map((w) => w.stage)).toEqual([0, 2]);
  });

  it("no point in any series: null (no file, the time charts are skipped)", () => {
    expect(buildTimeseriesFile([], [stage(0, 0, 10)])).toBeNull();
    expect(buildTimeseriesFile([series("waiting", [])], [])).toBeNull();
  });

  it("a KV value above 100 % is a bug surfaced, not a file written", () => {
    expect(() => buildTimeseriesFile([series("kvCachePct", [[0, 140]])], [])).toThrow(/fraction in \[0, 1\]/);
  });
});
