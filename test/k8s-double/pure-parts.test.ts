import { describe, expect, it } from "vitest";
import { jsonPatch, mergePatch } from "./json-patch.ts";
import { parseQuantity } from "./parse-quantity.ts";
import { rewriteMountPaths } from "./pod-volumes.ts";
import { failedSchedulingMessage } from "./scheduler.ts";
import { templateHash } from "./cluster.ts";

describe("parseQuantity", () => {
  it("reads decimal, binary and exponent suffixes", () => {
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("8Gi")).toBe(8 * 1024 ** 3);
    expect(parseQuantity("1.5G")).toBe(1.5e9);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity(4)).toBe(4);
    expect(() => parseQuantity("8GB")).toThrow(/suffix/);
  });
});

describe("mergePatch (RFC 7386) and jsonPatch (RFC 6902)", () => {
  it("merges objects, deletes on null, replaces arrays", () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [9] })).toEqual({ a: { b: 1, d: 3 }, l: [9] });
  });

  it("applies add, replace, remove, test, move and copy", () => {
    const doc = { spec: { replicas: 1, args: ["a", "b"] }, metadata: { labels: { x: "1" } } };
    expect(
      jsonPatch(doc, [
        { op: "replace", path: "/spec/replicas", value: 0 },
        { op: "add", path: "/spec/args/1", value: "z" },
        { op: "add", path: "/spec/args/-", value: "end" },
        { op: "remove", path: "/metadata/labels/x" },
        { op: "add", path: "/metadata/labels/a~1b", value: "2" },
        { op: "test", path: "/spec/replicas", value: 0 },
        { op: "copy", from: "/spec/replicas", path: "/spec/copied" },
        { op: "move", from: "/spec/copied", path: "/spec/moved" },
      ]),
    ).toEqual({ spec: { replicas: 0, args: ["a", "z", "b", "end"], moved: 0 }, metadata: { labels: { "a/b": "2" } } });
    expect(doc.spec.replicas).toBe(1); // the input is not changed
  });

  it("fails a test operation and a missing path with 422", () => {
    expect(() => jsonPatch({ a: 1 }, [{ op: "test", path: "/a", value: 2 }])).toThrow(/testing value \/a failed/);
    expect(() => jsonPatch({ a: 1 }, [{ op: "remove", path: "/b" }])).toThrow(/missing path/);
  });
});

describe("rewriteMountPaths", () => {
  const table: [string, string][] = [["/home/bench/.cache", "/t/cache"], ["/home/bench", "/t/home"], ["/tmp", "/t/tmp"]];

  it("rewrites a mountPath where it starts a path, the longest mount first", () => {
    expect(rewriteMountPaths("/tmp/results", table)).toBe("/t/tmp/results");
    expect(rewriteMountPaths("/home/bench/.cache/hf", table)).toBe("/t/cache/hf");
    expect(rewriteMountPaths("HOME=/home/bench x:/tmp '/tmp'", table)).toBe("HOME=/t/home x:/t/tmp '/t/tmp'");
    expect(rewriteMountPaths("/tmp", table)).toBe("/t/tmp");
  });

  it("leaves paths that only share a prefix alone", () => {
    expect(rewriteMountPaths("/tmpfiles /var/tmp /home/benchmarks", table)).toBe("/tmpfiles /var/tmp /home/benchmarks");
  });
});

describe("failedSchedulingMessage", () => {
  it("counts reasons alphabetically and splits the preemption verdicts, as the scheduler words it", () => {
    const message = failedSchedulingMessage(3, [
      { reasons: ["Insufficient nvidia.com/gpu"], resolvable: true },
      { reasons: ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"], resolvable: false },
      { reasons: ["Insufficient nvidia.com/gpu"], resolvable: true },
    ]);
    expect(message).toBe(
      "0/3 nodes are available: 2 Insufficient nvidia.com/gpu, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. " +
        "preemption: 0/3 nodes are available: 2 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    );
    expect(failedSchedulingMessage(0, [])).toBe("no nodes available to schedule pods");
  });
});

describe("templateHash", () => {
  it("is the safe-alphabet encoding of FNV-32a's decimal digits, stable for equal templates", () => {
    // FNV-32a of "{}" (bytes 0x7b 0x7d from offset basis 2166136261, prime 16777619) is 1415952421; each decimal
    // digit's char code mod 27 indexes "bcdfghjklmnpqrstvwxz2456789": '1'→49%27=22→'5', '4'→52%27=25→'8', …
    expect(templateHash({})).toBe("5859f96865");
    expect(templateHash({ spec: { a: 1 } })).toBe(templateHash({ spec: { a: 1 } }));
    expect(templateHash({ spec: { a: 1 } })).not.toBe(templateHash({ spec: { a: 2 } }));
  });
});
