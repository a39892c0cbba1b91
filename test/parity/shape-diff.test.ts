import { describe, expect, it } from "vitest";
import { parseRawJson } from "./raw-json.ts";
import { formatPath, formatShapeDifference, shapeDiff } from "./shape-diff.ts";

const diff = (ip: string, kp: string) => shapeDiff(parseRawJson(ip), parseRawJson(kp)).map(formatShapeDifference);

describe("formatPath", () => {
  it("dots identifiers, brackets the rest", () => {
    expect(formatPath(["successes", "latency", "time_to_first_token", "p0.1"])).toBe('successes.latency.time_to_first_token["p0.1"]');
    expect(formatPath(["info", "output_token_times", "[]"])).toBe("info.output_token_times[]");
    expect(formatPath([{ index: 0 }, "error"])).toBe("[0].error");
    expect(formatPath([])).toBe("(root)");
  });
});

describe("shapeDiff", () => {
  it("finds nothing between documents of the same shape, whatever the values", () => {
    expect(diff('{"a": 1, "b": {"c": 0.5, "d": [1.5, 2.0]}, "e": null}', '{"a": 7, "b": {"c": 9.25, "d": [3.0]}, "e": null}')).toEqual([]);
  });

  it("names a float that kneepoint writes as an int, with both values", () => {
    expect(diff('{"load_summary": {"requested_rate": 3.0}}', '{"load_summary": {"requested_rate": 3}}')).toEqual([
      "type                  load_summary.requested_rate  inference-perf: float 3.0  kneepoint: int 3",
    ]);
  });

  it("names null where inference-perf writes a number", () => {
    expect(diff('{"prompt_tokens": {"total": 0.0, "cached": 0.0}}', '{"prompt_tokens": {"total": 0.0, "cached": null}}')).toEqual([
      "type                  prompt_tokens.cached  inference-perf: float 0.0  kneepoint: null null",
    ]);
  });

  it("names missing and extra keys at their full path", () => {
    expect(diff('{"info": {"input_tokens": 8, "labels": {}}}', '{"info": {"input_tokens": 8, "stage_id": 0}}')).toEqual([
      "missing in kneepoint  info.labels  inference-perf: {}",
      "extra in kneepoint    info.stage_id  kneepoint: 0",
    ]);
  });

  it("names a different key order once, at the object, with both orders", () => {
    expect(diff('{"mean": 1.0, "min": 0.5, "max": 2.0, "p50": 1.0}', '{"mean": 1.0, "max": 2.0, "min": 0.5, "p50": 1.0}')).toEqual([
      "key order             (root)  inference-perf: [mean, min, max, p50]  kneepoint: [mean, max, min, p50]",
    ]);
  });

  it("does not call an order different when only a missing or extra key moves", () => {
    expect(diff('{"a": 1, "b": 2, "c": 3}', '{"a": 1, "c": 3, "x": 0}')).toEqual([
      "missing in kneepoint  b  inference-perf: 2",
      "extra in kneepoint    x  kneepoint: 0",
    ]);
  });

  it("compares array element types, and the first objects of two lists of records", () => {
    expect(diff('{"t": [1.5, 2.5]}', '{"t": [1.5, 2]}')).toEqual(["element types         t[]  inference-perf: float  kneepoint: float|int"]);
    expect(diff('[{"a": 1, "b": "x"}]', '[{"a": 1}, {"a": 2}]')).toEqual(["missing in kneepoint  [0].b  inference-perf: \"x\""]);
    // an empty list on either side says nothing about its elements
    expect(diff('{"t": []}', '{"t": [1]}')).toEqual([]);
  });

  it("does not descend into values of different types", () => {
    expect(diff('{"response_metrics": null}', '{"response_metrics": {"output_tokens": 3}}')).toEqual([
      "type                  response_metrics  inference-perf: null null  kneepoint: object {output_tokens}",
    ]);
  });
});
