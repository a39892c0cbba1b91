import { describe, expect, it } from "vitest";
import { saturatingSweep, saturatingTimeline } from "../../../test/fixtures/charts/synthetic-sweep.ts";
import { nonFiniteNumbers, titles, unitViews } from "../../../test/fixtures/charts/spec-walk.ts";
import { serverTimelineChart, stepBands, stepWindows, timelinePoints, type ServerTimelineInput } from "./server-timeline-chart.ts";

const input = (): ServerTimelineInput => saturatingTimeline(saturatingSweep());
const notes = (spec: unknown) =>
  unitViews(spec)
    .filter((u) => u.markType === "text")
    .flatMap((u) => u.values.map((v) => (v as { note?: string }).note))
    .filter((n) => n !== undefined);

describe("serverTimelineChart", () => {
  it("draws KV % and waiting/running against seconds since the run's start, axes with units", () => {
    const spec = serverTimelineChart(input());
    const lines = unitViews(spec).filter((u) => u.markType === "line");
    expect(lines).toHaveLength(2);
    expect(new Set(lines[0]!.values.map((p) => (p as { series: string }).series))).toEqual(new Set(["KV-cache usage"]));
    expect(new Set(lines[1]!.values.map((p) => (p as { series: string }).series))).toEqual(new Set(["waiting", "running"]));
    expect(titles(spec)).toEqual(expect.arrayContaining(["KV-cache usage (%)", "Requests (count)", "Time since run start (s)"]));
    expect(notes(spec)).toEqual([]);
    expect(nonFiniteNumbers(spec)).toEqual([]);
  });

  it("shades every step window alternately and labels each c=N", () => {
    const spec = serverTimelineChart(input());
    const rects = unitViews(spec).filter((u) => u.markType === "rect");
    expect(rects).toHaveLength(2);
    const bands = rects[0]!.values as Array<{ label: string; opacity: number; startS: number; endS: number }>;
    expect(bands.map((b) => b.label)).toEqual(["c=1", "c=2", "c=4", "c=8", "c=16", "c=32"]);
    expect(bands[0]).toMatchObject({ startS: 2, endS: 22.5 });
    expect(new Set(bands.map((b) => b.opacity)).size).toBe(2);
    expect(bands[0]!.opacity).not.toBe(bands[1]!.opacity);
    const labels = unitViews(spec).filter((u) => u.markType === "text").flatMap((u) => u.values);
    expect(labels.map((l) => (l as { label: string }).label)).toEqual(["c=1", "c=2", "c=4", "c=8", "c=16", "c=32"]);
  });

  it("drops the label of a band too narrow to hold it", () => {
    const bands = stepBands(
      [
        { concurrency: 1, startedAtMs: 0, endedAtMs: 100 },
        { concurrency: 2, startedAtMs: 100, endedAtMs: 1_000_000 },
      ],
      0,
      1000,
    );
    expect(bands.map((b) => b.labelled)).toEqual([false, true]);
  });

  it("says an absent KV series is absent, with no line and no zeros", () => {
    const spec = serverTimelineChart({ ...input(), kvCachePct: null });
    const lines = unitViews(spec).filter((u) => u.markType === "line");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.values.some((p) => (p as { series: string }).series === "KV-cache usage")).toBe(false);
    expect(notes(spec)).toEqual(["KV-cache usage: series absent (not drawn)"]);
  });

  it("treats a series with no finite point as absent", () => {
    const spec = serverTimelineChart({ ...input(), waiting: { points: [{ tMs: 1_790_000_001_000, value: Number.NaN }] }, running: null });
    expect(unitViews(spec).filter((u) => u.markType === "line")).toHaveLength(1);
    expect(notes(spec)).toEqual(["waiting and running requests: series absent (not drawn)"]);
  });

  it("names a missing one of the two request series under the title, and keeps it out of the legend", () => {
    const spec = serverTimelineChart({ ...input(), running: null });
    expect(JSON.stringify(spec.title)).toContain("running requests: series absent (not drawn)");
    const lines = unitViews(spec).filter((u) => u.markType === "line");
    expect(lines[1]!.encoding.color).toMatchObject({ scale: { domain: ["waiting"] } });
  });

  it("draws only the step bands and two notes when no server metrics exist", () => {
    const steps = saturatingSweep();
    const spec = serverTimelineChart({ steps: stepWindows(steps), kvCachePct: null, waiting: null });
    expect(unitViews(spec).filter((u) => u.markType === "line")).toEqual([]);
    expect(notes(spec)).toHaveLength(2);
    expect(nonFiniteNumbers(spec)).toEqual([]);
  });

  it("converts to seconds since the run start and filters non-finite points", () => {
    const points = timelinePoints(
      {
        points: [
          { tMs: 500, value: 1 },
          { tMs: 1_000, value: 2 },
          { tMs: 3_500, value: Number.NaN },
          { tMs: 4_000, value: 3 },
        ],
      },
      "x",
      1_000,
    );
    expect(points).toEqual([
      { series: "x", tS: 0, value: 2 },
      { series: "x", tS: 3, value: 3 },
    ]);
  });

  it("thins a day of 1 s scrapes to a few points per pixel, keeping the peak", () => {
    const t0 = 1_790_000_000_000;
    const points = Array.from({ length: 86_400 }, (_, i) => ({ tMs: t0 + i * 1000, value: i === 40_000 ? 100 : 30 }));
    const kept = timelinePoints({ points }, "kv", t0);
    expect(kept.length).toBeLessThan(3_000);
    expect(kept.find((p) => p.value === 100)?.tS).toBe(40_000);
  });
});
