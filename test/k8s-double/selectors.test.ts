import { describe, expect, it } from "vitest";
import { ApiStatusError } from "./api-status.ts";
import { matchesFields, parseFieldSelector } from "./field-selector.ts";
import { matchesRequirements, matchesSelector, parseLabelSelector } from "./label-selector.ts";

const labels = { app: "vllm", tier: "gpu", "app.kubernetes.io/part-of": "kneepoint" };

describe("labelSelector", () => {
  it("parses equality, inequality, set and existence terms", () => {
    expect(parseLabelSelector("a=b,c!=d,e in (x, y),f notin (z),g,!h")).toEqual([
      { key: "a", op: "=", value: "b" },
      { key: "c", op: "!=", value: "d" },
      { key: "e", op: "in", values: ["x", "y"] },
      { key: "f", op: "notin", values: ["z"] },
      { key: "g", op: "exists" },
      { key: "h", op: "!exists" },
    ]);
    expect(parseLabelSelector("")).toEqual([]);
    expect(parseLabelSelector("a==b")).toEqual([{ key: "a", op: "=", value: "b" }]);
  });

  it("matches as the API server does (!= and notin also match a missing key)", () => {
    const m = (s: string) => matchesRequirements(labels, parseLabelSelector(s));
    expect(m("app=vllm,tier!=cpu")).toBe(true);
    expect(m("app=vllm,tier=cpu")).toBe(false);
    expect(m("tier in (cpu,gpu)")).toBe(true);
    expect(m("tier notin (gpu)")).toBe(false);
    expect(m("zone notin (a),zone!=b,!zone")).toBe(true);
    expect(m("zone")).toBe(false);
    expect(m("app.kubernetes.io/part-of=kneepoint")).toBe(true);
  });

  it("refuses a malformed selector with a 400", () => {
    try {
      parseLabelSelector("a=(b");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiStatusError);
      expect((err as ApiStatusError).body).toMatchObject({ reason: "BadRequest", code: 400 });
    }
  });

  it("reads LabelSelector objects; an empty one matches everything", () => {
    expect(matchesSelector(labels, { matchLabels: { app: "vllm" }, matchExpressions: [{ key: "tier", operator: "In", values: ["gpu"] }] })).toBe(true);
    expect(matchesSelector(labels, { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] })).toBe(false);
    expect(matchesSelector(labels, {})).toBe(true);
  });
});

describe("fieldSelector", () => {
  const event = { metadata: { name: "e1", namespace: "ns" }, involvedObject: { kind: "Pod", name: "vllm-abc" }, reason: "FailedScheduling", type: "Warning" };

  it("matches the fields events support", () => {
    const m = (s: string) => matchesFields(event, parseFieldSelector(s, "Event"));
    expect(m("involvedObject.name=vllm-abc,involvedObject.kind=Pod")).toBe(true);
    expect(m("involvedObject.kind=Job")).toBe(false);
    expect(m("reason!=Scheduled,type=Warning")).toBe(true);
    expect(m("metadata.name=e1")).toBe(true);
  });

  it("refuses a field the kind does not support, in the server's words", () => {
    expect(() => parseFieldSelector("involvedObject.name=x", "ConfigMap")).toThrow("field label not supported: involvedObject.name");
  });
});
