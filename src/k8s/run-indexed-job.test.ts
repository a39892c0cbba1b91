/** Finding each load pod of an Indexed Job by its completion index (run-indexed-job.ts's pure parts). */
import { describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { COMPLETION_INDEX, completionIndexOf, podsByIndex } from "./run-indexed-job.ts";

const pod = (name: string, index: string | undefined, created: string, where: "annotations" | "labels" = "annotations"): V1Pod => ({
  metadata: { name, creationTimestamp: new Date(created), ...(index === undefined ? {} : { [where]: { [COMPLETION_INDEX]: index } }) },
});

describe("completion index of an Indexed Job's pods", () => {
  it("reads the Job controller's annotation, else its label; anything else is no index", () => {
    expect(completionIndexOf(pod("a", "3", "2026-12-03T22:00:00Z"))).toBe(3);
    expect(completionIndexOf(pod("a", "0", "2026-12-03T22:00:00Z", "labels"))).toBe(0);
    expect(completionIndexOf(pod("a", undefined, "2026-12-03T22:00:00Z"))).toBeNull();
    expect(completionIndexOf(pod("a", "", "2026-12-03T22:00:00Z"))).toBeNull();
    expect(completionIndexOf(pod("a", "-1", "2026-12-03T22:00:00Z"))).toBeNull();
    expect(completionIndexOf(pod("a", "x", "2026-12-03T22:00:00Z"))).toBeNull();
  });

  it("one pod per index, the newest when the controller replaced one; pods without an index are not load pods", () => {
    const byIndex = podsByIndex([
      pod("bench-0-old", "0", "2026-12-03T22:00:00Z"),
      pod("bench-1-a", "1", "2026-12-03T22:00:01Z"),
      pod("bench-0-new", "0", "2026-12-03T22:00:05Z"),
      pod("stray", undefined, "2026-12-03T22:00:09Z"),
    ]);
    expect([...byIndex.entries()].map(([i, p]) => [i, p.metadata!.name])).toEqual([
      [0, "bench-0-new"],
      [1, "bench-1-a"],
    ]);
  });
});
