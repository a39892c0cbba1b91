import { describe, expect, it } from "vitest";
import { brExperimentEid, brRunTime, brRunUid, pydanticUtcTimestamp, pythonFixed, splitEpochSeconds } from "./br-run-time.ts";

describe("run ids", () => {
  it("partial_report.py's formats", () => {
    expect(brRunUid(3, "0123abcd")).toBe("inference-perf-stage-3-0123abcd");
    expect(brExperimentEid("deadbeef")).toBe("inference-perf-experiment-deadbeef");
  });
});

describe("run.time", () => {
  it("datetime.fromtimestamp rounds the microseconds half-even", () => {
    expect(splitEpochSeconds(1764000000.0625)).toEqual({ seconds: 1764000000, micros: 62500 });
    // 1764000000.9999995 is stored as …0.99999952316…: 999999.52 µs → 1,000,000 → the next second
    expect(splitEpochSeconds(1764000000.9999995)).toEqual({ seconds: 1764000001, micros: 0 });
    expect(splitEpochSeconds(1764000000.0000014)).toEqual({ seconds: 1764000000, micros: 1 });
  });

  it("pydantic's UTC form: six fraction digits, none when 0", () => {
    expect(pydanticUtcTimestamp(1764000000, 62500)).toBe("2025-11-24T16:00:00.062500Z");
    expect(pydanticUtcTimestamp(1764000000, 100)).toBe("2025-11-24T16:00:00.000100Z");
    expect(pydanticUtcTimestamp(1764000000, 0)).toBe("2025-11-24T16:00:00Z");
  });

  it("Python's .3f: half-even on the exact value", () => {
    expect(pythonFixed(0.0625, 3)).toBe("0.062"); // an exact tie: Python keeps the even digit, JS toFixed rounds up
    expect((0.0625).toFixed(3)).toBe("0.063");
    expect(pythonFixed(2.0625, 3)).toBe("2.062");
    expect(pythonFixed(1.0005, 3)).toBe("1.000"); // 1.0005 is stored below the tie
    expect(pythonFixed(3.0625 + 0.5, 3)).toBe("3.562");
    expect(pythonFixed(0, 3)).toBe("0.000");
    expect(pythonFixed(12.3456789, 3)).toBe("12.346");
  });

  it("hand-computed window: 16:00:00.0625 → 16:00:03.125 is PT3.062S", () => {
    expect(brRunTime(1764000000062.5, 1764000003125)).toEqual({
      start: "2025-11-24T16:00:00.062500Z",
      end: "2025-11-24T16:00:03.125000Z",
      duration: "PT3.062S",
    });
  });

  it("an end before the start is a duration of 0", () => {
    expect(brRunTime(1764000001000, 1764000000000).duration).toBe("PT0.000S");
  });
});
