import { describe, expect, it } from "vitest";
import { loadPodsOf } from "./co-location.ts";

describe("loadPodsOf", () => {
  it("one Job pod, or PODS=N's shards; a pod never scheduled (no name) is left out, a missing node stays unknown", () => {
    expect(loadPodsOf({ end: "succeeded", podName: "vllm-bench-x", nodeName: "n1" })).toEqual([{ pod: "vllm-bench-x", node: "n1" }]);
    expect(loadPodsOf({ end: "succeeded", podName: null, nodeName: null })).toEqual([]);
    expect(
      loadPodsOf({ end: "succeeded", shards: [{ podName: "b-0", nodeName: "n1" }, { podName: "b-1", nodeName: null }, { podName: null, nodeName: null }] }),
    ).toEqual([{ pod: "b-0", node: "n1" }, { pod: "b-1" }]);
  });
});
