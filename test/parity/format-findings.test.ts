import { describe, expect, it } from "vitest";
import { parseRawJson } from "./raw-json.ts";
import { formatShapeDifferences, splitPath } from "./format-findings.ts";
import { shapeDiff } from "./shape-diff.ts";

describe("splitPath", () => {
  it("splits dotted and bracketed last keys", () => {
    expect(splitPath('a.b["p0.1"]')).toEqual({ parent: "a.b", leaf: "p0.1" });
    expect(splitPath("a.b.mean")).toEqual({ parent: "a.b", leaf: "mean" });
    expect(splitPath("top")).toEqual({ parent: "", leaf: "top" });
  });
});

describe("formatShapeDifferences", () => {
  it("collapses type differences of one parent and one type pair into one line, in document order", () => {
    const ip = parseRawJson('{"count": {"mean": 0.0, "min": 0.0, "p0.1": 0.0}, "rate": 3.0, "cached": 0.0, "extra": 1}');
    const kp = parseRawJson('{"count": {"mean": 0, "min": 0, "p0.1": 0}, "rate": 3, "cached": null}');
    expect(formatShapeDifferences(shapeDiff(ip, kp))).toEqual([
      "type                  count.{mean, min, p0.1}  inference-perf: float (e.g. 0.0)  kneepoint: int (e.g. 0)",
      "type                  rate  inference-perf: float 3.0  kneepoint: int 3",
      "type                  cached  inference-perf: float 0.0  kneepoint: null null",
      "missing in kneepoint  extra  inference-perf: 1",
    ]);
  });
});
