import { describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { containerExit, restartsByStartupProbe } from "./vllm-server.ts";

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

describe("containerExit: is the stopped container the startup probe's kill (wait) or a crash (fail now)?", () => {
  type State = NonNullable<NonNullable<V1Pod["status"]>["containerStatuses"]>[number]["state"];
  const stopped = (state: State, last?: State): V1Pod => ({
    status: { containerStatuses: [{ name: "vllm", image: "i", imageID: "", ready: false, restartCount: last ? 1 : 0, state, ...(last ? { lastState: last } : {}) }] },
  });
  const term = (exitCode: number, startedAt: string, finishedAt: string, reason = "Error"): State => ({
    terminated: { exitCode, reason, startedAt: startedAt as unknown as Date, finishedAt: finishedAt as unknown as Date },
  });
  const killAt = (t: string) => ({ reason: "Killing", message: "Container vllm failed startup probe, will be restarted", lastTimestamp: t as unknown as Date });

  it("a kill event within the instance's run: the startup probe's doing", () => {
    const p = stopped(term(143, "2026-12-03T10:00:00Z", "2026-12-03T10:30:01Z"));
    expect(containerExit(p, [killAt("2026-12-03T10:30:00Z")], "vllm")).toEqual({ exitCode: 143, reason: "Error", ranS: 1801, byStartupProbe: true, previous: false });
  });

  it("exit 1 at once with no kill event: a crash, with how long it ran", () => {
    const p = stopped(term(1, "2026-12-03T10:00:00Z", "2026-12-03T10:00:00Z"));
    expect(containerExit(p, [], "vllm")).toEqual({ exitCode: 1, reason: "Error", ranS: 0, byStartupProbe: false, previous: false });
  });

  it("in the crash-loop back-off it judges the previous instance: a crash after an earlier probe kill is a crash", () => {
    const backoff = { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s restarting failed container=vllm" } };
    const crashed = stopped(backoff, term(1, "2026-12-03T10:30:02Z", "2026-12-03T10:30:04Z"));
    expect(containerExit(crashed, [killAt("2026-12-03T10:30:00Z")], "vllm")).toMatchObject({ exitCode: 1, byStartupProbe: false, previous: true, ranS: 2 });
    const killed = stopped(backoff, term(137, "2026-12-03T10:30:02Z", "2026-12-03T11:00:03Z"));
    expect(containerExit(killed, [killAt("2026-12-03T11:00:02Z")], "vllm")).toMatchObject({ byStartupProbe: true, previous: true });
  });

  it("an OOM kill or a liveness kill is never the startup probe's; a running or waiting container has no exit", () => {
    const oom = stopped(term(137, "2026-12-03T10:00:00Z", "2026-12-03T10:05:00Z", "OOMKilled"));
    expect(containerExit(oom, [killAt("2026-12-03T10:04:59Z")], "vllm")?.byStartupProbe).toBe(false);
    const liveness = { reason: "Killing", message: "Container vllm failed liveness probe, will be restarted", lastTimestamp: "2026-12-03T10:04:59Z" as unknown as Date };
    expect(containerExit(stopped(term(137, "2026-12-03T10:00:00Z", "2026-12-03T10:05:00Z")), [liveness], "vllm")?.byStartupProbe).toBe(false);
    expect(containerExit(stopped({ running: { startedAt: new Date() } }, term(143, "2026-12-03T10:00:00Z", "2026-12-03T10:30:01Z")), [], "vllm")).toBeNull();
    expect(containerExit(stopped({ waiting: { reason: "ContainerCreating" } }), [], "vllm")).toBeNull();
  });
});
