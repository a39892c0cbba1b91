import { describe, expect, it } from "vitest";
import type { PodStats } from "../report/pod-metrics/pod-metrics-summary.ts";
import { findReplicaImbalance } from "./replica-balance.ts";

const pod = (name: string, waitingP90: number, waitingMax: number, kvP90: number): PodStats => ({
  pod: name,
  waiting: { mean: waitingP90 / 2, p90: waitingP90, max: waitingMax },
  kvCachePct: { mean: kvP90 / 2, p90: kvP90, max: kvP90 },
  dataPoints: 10,
});

describe("findReplicaImbalance", () => {
  it("one pod queues with a full cache while two sit near 0: named, with the numbers", () => {
    const out = findReplicaImbalance([pod("10.0.0.2:8000", 0, 0, 4), pod("10.0.0.1:8000", 5.4, 6, 97), pod("10.0.0.3:8000", 0, 1, 12)])!;
    expect(out.binding.map((p) => p.pod)).toEqual(["10.0.0.1:8000"]);
    expect(out.idle.map((p) => p.pod)).toEqual(["10.0.0.2:8000", "10.0.0.3:8000"]);
    expect(out.text).toBe(
      "one replica binds while 2 idle: 10.0.0.1:8000: waiting p90 5 (max 6), KV p90 97.0 % vs 10.0.0.2:8000: waiting p90 0 (max 0), KV p90 4.0 %; " +
        "10.0.0.3:8000: waiting p90 0 (max 1), KV p90 12.0 %. The router, not the replica count, limits this run: a prefix-affinity or sticky router " +
        "pins traffic to a few pods; compare a load-aware strategy before adding replicas",
    );
  });

  it("two of four bind (a prefix router with two prefix groups): both named, the two idle ones too", () => {
    const out = findReplicaImbalance([pod("a", 0, 0, 0), pod("b", 0, 0, 0), pod("c", 0, 1, 86.4), pod("d", 0, 2, 83.1)])!;
    expect(out.binding.map((p) => p.pod)).toEqual(["c", "d"]);
    expect(out.idle.map((p) => p.pod)).toEqual(["a", "b"]);
    expect(out.text).toMatch(/^2 of 4 replicas bind while 2 idle: c: waiting p90 0 \(max 1\), KV p90 86\.4 %; d: waiting p90 0 \(max 2\), KV p90 83\.1 % vs a: /);
  });

  it("the thresholds: binds at KV p90 80 % exactly; idle up to a third of the busiest pod's KV p90 (30 of 90), not above", () => {
    expect(findReplicaImbalance([pod("a", 0, 0, 80), pod("b", 0, 0, 5)])?.binding.map((p) => p.pod)).toEqual(["a"]);
    expect(findReplicaImbalance([pod("a", 0, 0, 79.9), pod("b", 0, 0, 1)])).toBeNull(); // nothing binds
    expect(findReplicaImbalance([pod("a", 0, 0, 90), pod("b", 0, 0, 30)])?.idle.map((p) => p.pod)).toEqual(["b"]);
    expect(findReplicaImbalance([pod("a", 0, 0, 90), pod("b", 0, 0, 30.1)])).toBeNull();
    expect(findReplicaImbalance([pod("a", 1, 3, 40), pod("b", 0, 0, 10)])?.binding.map((p) => p.pod)).toEqual(["a"]); // a queue binds too
  });

  it("a pod with a queue is not idle, however empty its cache; all binding is saturation, not imbalance", () => {
    expect(findReplicaImbalance([pod("a", 3, 9, 95), pod("b", 1, 2, 5)])).toBeNull();
    expect(findReplicaImbalance([pod("a", 30, 90, 99), pod("b", 28, 80, 98)])).toBeNull();
  });

  it("one pod: nothing to compare", () => {
    expect(findReplicaImbalance([pod("a", 40, 90, 100)])).toBeNull();
  });
});
