import { describe, expect, it } from "vitest";
import { describeCoLocation, relationOf } from "./co-location.ts";

const zones = new Map<string, string | undefined>([
  ["n1", "zone-a"],
  ["n2", "zone-a"],
  ["n3", "zone-b"],
  ["bare", undefined],
]);

describe("relationOf", () => {
  it("same node, same zone, other zone, no zone label, node unknown", () => {
    expect(relationOf("n1", "n1", zones)).toBe("same-node");
    expect(relationOf("n1", "n2", zones)).toBe("same-zone");
    expect(relationOf("n1", "n3", zones)).toBe("other-zone");
    expect(relationOf("n1", "bare", zones)).toBe("zone-unknown");
    expect(relationOf("bare", "bare", zones)).toBe("same-node"); // one node needs no zone
    expect(relationOf(undefined, "n1", zones)).toBe("node-unknown");
  });
});

describe("describeCoLocation", () => {
  it("one load pod, three targets: every pair, a tally, and a warning for the node it shared", () => {
    const out = describeCoLocation([{ pod: "bench-job-x", node: "n1" }], [{ pod: "vllm-0", node: "n1" }, { pod: "vllm-1", node: "n2" }, { pod: "vllm-2", node: "n3" }], zones);
    expect(out.pairs.map((p) => p.relation)).toEqual(["same-node", "same-zone", "other-zone"]);
    expect(out.line).toBe(
      "co-location: 1 load pod × 3 target pods (1 same node, 1 same zone, 1 other zone): bench-job-x (n1, zone-a) → vllm-0 (n1, zone-a): same node; vllm-1 (n2, zone-a): same zone; vllm-2 (n3, zone-b): other zone",
    );
    expect(out.warnings).toEqual([
      "load pod bench-job-x ran on node n1, the node of target pod vllm-0: it competed with the server for CPU and network, so the numbers may be pessimistic; pin the load elsewhere (a nodeSelector or pod anti-affinity on the bench Job)",
    ]);
  });

  it("two load pods on nodes without a zone label: zone unknown, no warning", () => {
    const out = describeCoLocation([{ pod: "l-0", node: "bare" }, { pod: "l-1" }], [{ pod: "vllm-0", node: "n3" }], zones);
    expect(out.pairs.map((p) => p.relation)).toEqual(["zone-unknown", "node-unknown"]);
    expect(out.line).toBe(
      "co-location: 2 load pods × 1 target pod (1 zone unknown (no topology.kubernetes.io/zone label), 1 node unknown): l-0 (bare) → vllm-0 (n3, zone-b): zone unknown (no topology.kubernetes.io/zone label) | l-1 (node unknown) → vllm-0 (n3, zone-b): node unknown",
    );
    expect(out.warnings).toEqual([]);
  });

  it("no target pods found: says so rather than claiming anything", () => {
    expect(describeCoLocation([{ pod: "l", node: "n1" }], [], zones).line).toMatch(/^co-location: unknown \(the target's pods could not be found/);
  });
});
