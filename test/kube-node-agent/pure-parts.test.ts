import { describe, expect, it } from "vitest";
import { parseQuantity } from "./parse-quantity.ts";
import { rewriteMountPaths } from "./mount-paths.ts";

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

