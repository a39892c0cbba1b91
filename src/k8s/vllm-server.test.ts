import { describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { restartsByStartupProbe } from "./vllm-server.ts";

const pod = (restartCount: number, lastReason?: string): V1Pod => ({
  status: { containerStatuses: [{ name: "vllm", image: "i", imageID: "", ready: false, restartCount, ...(lastReason ? { lastState: { terminated: { exitCode: 137, reason: lastReason } } } : {}) }] },
});
const kill = { reason: "Killing", message: "Container vllm failed startup probe, will be restarted", count: 2 };

describe("restarts the startup probe caused (waited out) vs crashes (fatal)", () => {
  it("counts the kubelet's startup-probe kills, at most the restart count", () => {
    expect(restartsByStartupProbe(pod(2, "Error"), [kill], "vllm")).toBe(2);
    expect(restartsByStartupProbe(pod(1, "Error"), [kill], "vllm")).toBe(1);
    expect(restartsByStartupProbe(pod(3, "Error"), [{ ...kill, count: undefined }], "vllm")).toBe(1);
  });

  it("is 0 for a crash (no such kill), an OOM kill, or no restart", () => {
    expect(restartsByStartupProbe(pod(2, "Error"), [{ reason: "BackOff", message: "Back-off restarting failed container vllm" }], "vllm")).toBe(0);
    expect(restartsByStartupProbe(pod(2, "OOMKilled"), [kill], "vllm")).toBe(0);
    expect(restartsByStartupProbe(pod(0), [kill], "vllm")).toBe(0);
    expect(restartsByStartupProbe(pod(2, "Error"), [{ reason: "Killing", message: "Container vllm failed liveness probe, will be restarted" }], "vllm")).toBe(0);
  });
});
