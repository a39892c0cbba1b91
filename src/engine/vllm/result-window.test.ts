import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatResultDate } from "../../metrics/summarize-step.ts";
import { parseResultDate, resultWindow } from "./result-window.ts";

describe("parseResultDate", () => {
  it("reads vLLM's YYYYMMDD-HHMMSS in UTC, or in a given offset", () => {
    expect(parseResultDate("20250530-203806")).toBe(Date.UTC(2025, 4, 30, 20, 38, 6));
    expect(parseResultDate("20250530-203806", 120)).toBe(Date.UTC(2025, 4, 30, 18, 38, 6));
  });

  it("rejects other texts and impossible dates", () => {
    for (const text of ["2026-09-04T20:37:02Z", "20251301-000000", "20250230-000000", "20250101-246000", "illustrative", ""]) {
      expect(parseResultDate(text)).toBeNull();
    }
  });

  it("is the inverse of formatResultDate, to the second", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799999 }), (ms) => {
        expect(parseResultDate(formatResultDate(ms))).toBe(ms - (ms % 1000));
      }),
    );
  });
});

describe("resultWindow", () => {
  it("uses the runner's times when it has both", () => {
    expect(resultWindow("20250530-203806", 10, { startedAtMs: 5, endedAtMs: 9 })).toEqual({ started_at_ms: 5, ended_at_ms: 9, warnings: [] });
  });

  it("completes one runner time with vLLM's duration", () => {
    expect(resultWindow(undefined, 2.5, { startedAtMs: 1000 })).toMatchObject({ started_at_ms: 1000, ended_at_ms: 3500 });
    expect(resultWindow(undefined, 2.5, { endedAtMs: 3500 })).toMatchObject({ started_at_ms: 1000, ended_at_ms: 3500 });
  });

  it("approximates from date when the runner measured nothing, and says so", () => {
    const w = resultWindow("20250530-203806", 36.5, { dateUtcOffsetMinutes: -300 });
    const dateMs = Date.UTC(2025, 4, 31, 1, 38, 6);
    expect(w.started_at_ms).toBe(dateMs - 36_500 - 1000);
    expect(w.ended_at_ms).toBe(dateMs + 1000);
    expect(w.warnings[0]).toContain("read as UTC−5");
  });

  it("has no window without times and without a readable date", () => {
    expect(resultWindow("illustrative", 1, {})).toEqual({ warnings: [expect.stringContaining("is not vLLM's YYYYMMDD-HHMMSS")] });
    expect(resultWindow(undefined, 1, { startedAtMs: Number.NaN })).toEqual({ warnings: [expect.stringContaining("no `date`")] });
  });
});
