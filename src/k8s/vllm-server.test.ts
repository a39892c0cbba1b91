import { describe, expect, it } from "vitest";
import type { V1Deployment, V1Node, V1Pod } from "@kubernetes/client-node";
import { IMAGE_CHECK_ANNOTATION } from "./image-driver-check.ts";
import type { Kube } from "./kube-client.ts";
import { checkScheduledNode, checkServerImage, vllmUp } from "./vllm-server.ts";
import { containerExit, PROXY_FAILURES_BEFORE_VERDICT, proxyVerdict, restartsByStartupProbe } from "./server-start-verdicts.ts";
import { Readable } from "node:stream";

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

describe("checkServerImage: vllm-up's image/driver check before it applies", () => {
  const deployment = (image: string, opts: { annotations?: Record<string, string>; nodeSelector?: Record<string, string> } = {}): V1Deployment => ({
    metadata: { name: "vllm", ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: { selector: {}, template: { spec: { containers: [{ name: "vllm", image }], ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}) } } },
  });
  const gpuNode = (name: string, driverMajor: string, labels: Record<string, string> = {}): V1Node => ({
    metadata: { name, labels: { "nvidia.com/cuda.driver.major": driverMajor, ...labels } },
    status: { capacity: { "nvidia.com/gpu": "1" } },
  });
  const kubeListing = (list: () => Promise<{ items: V1Node[] }>) => {
    let calls = 0;
    const kube = { core: { listNode: () => (calls++, list()) } } as unknown as Kube;
    return { kube, calls: () => calls };
  };
  const run = async (kube: Kube, d: V1Deployment) => {
    const lines: string[] = [];
    const err = await checkServerImage(kube, d, (l) => lines.push(l)).then(() => null, (e: Error) => e);
    return { lines, err };
  };

  it("a CUDA 13 image where every GPU node has driver 570: a usage error (exit 2) naming node, driver and fix", async () => {
    const { kube } = kubeListing(async () => ({ items: [gpuNode("gpu-1", "570")] }));
    const { err } = await run(kube, deployment("vllm/vllm-openai:v0.31.0"));
    expect(err).toMatchObject({ name: "UsageError", kind: "usage" });
    expect(err?.message).toMatch(/CUDA 13 build .* needs NVIDIA driver 580 or newer, but no GPU node has one: gpu-1 \(driver 570\)/);
    expect((err as { hint?: string }).hint).toMatch(/image\.tag: v0\.19\.1/);
  });

  it("passes on driver 580, and only counts the nodes the nodeSelector allows", async () => {
    const { kube } = kubeListing(async () => ({ items: [gpuNode("old", "570", { pool: "a" }), gpuNode("new", "580", { pool: "b" })] }));
    expect((await run(kube, deployment("vllm/vllm-openai:v0.31.0"))).err).toBeNull();
    expect((await run(kube, deployment("vllm/vllm-openai:v0.31.0", { nodeSelector: { pool: "b" } }))).lines).toEqual([
      "image/driver check: vllm/vllm-openai:v0.31.0 is CUDA 13 (driver 580+); GPU nodes that fit: new (driver 580)",
    ]);
    expect((await run(kube, deployment("vllm/vllm-openai:v0.31.0", { nodeSelector: { pool: "a" } }))).err?.message).toMatch(/no GPU node has one: old/);
  });

  it("without the right to list nodes: one line, vllm-up goes on, and checks the node the pod is scheduled to (get only)", async () => {
    const { kube } = kubeListing(async () => {
      throw Object.assign(new Error("HTTP-Code: 403 Message: nodes is forbidden"), { code: 403 });
    });
    const lines: string[] = [];
    await expect(checkServerImage(kube, deployment("vllm/vllm-openai:v0.31.0"), (l) => lines.push(l))).resolves.toBe(true);
    expect(lines).toEqual([expect.stringMatching(/^image\/driver check: this identity may not list nodes; the node the pod is scheduled to is checked instead/)]);

    const reading = (n: V1Node | null) => ({ core: { readNode: async () => { if (!n) throw Object.assign(new Error("forbidden"), { code: 403 }); return n; } } }) as unknown as Kube;
    const said: string[] = [];
    const scheduled = (n: V1Node | null, image = "vllm/vllm-openai:v0.31.0") => checkScheduledNode(reading(n), image, "gpu-1", (l) => said.push(l));
    await expect(scheduled(gpuNode("gpu-1", "570"))).rejects.toThrow(/needs NVIDIA driver 580 or newer, but the node the pod was scheduled to has an older one: gpu-1 \(driver 570\)/);
    await expect(scheduled(gpuNode("gpu-1", "570"))).rejects.toMatchObject({ hint: expect.stringMatching(/make vllm-down removes it$/) });
    await scheduled(gpuNode("gpu-1", "580"));
    expect(said).toEqual(["image/driver check: vllm/vllm-openai:v0.31.0 is CUDA 13 (driver 580+); GPU nodes that fit: gpu-1 (driver 580)"]);
    await scheduled(null); // not readable either: silent
    await scheduled(gpuNode("gpu-1", "570"), "ghcr.io/me/vllm:1"); // CUDA unknown: silent
    expect(said).toHaveLength(1);
  });

  it("imageCheck: false (the Deployment's annotation): skipped without reading nodes", async () => {
    const { kube, calls } = kubeListing(async () => ({ items: [gpuNode("gpu-1", "535")] }));
    const { lines, err } = await run(kube, deployment("vllm/vllm-openai:v0.31.0", { annotations: { [IMAGE_CHECK_ANNOTATION]: "false" } }));
    expect(err).toBeNull();
    expect(calls()).toBe(0);
    expect(lines).toEqual(["image/driver check skipped (imageCheck: false in values.yaml): vllm/vllm-openai:v0.31.0"]);
  });
});

describe("a Ready pod the API server's service proxy cannot reach (review M1)", () => {
  const readyPod: V1Pod = {
    metadata: { name: "vllm-abc", creationTimestamp: new Date() },
    spec: { nodeName: "gpu-1", containers: [{ name: "vllm" }] },
    status: { phase: "Running", conditions: [{ type: "PodScheduled", status: "True" }], containerStatuses: [{ name: "vllm", image: "i", imageID: "", ready: true, restartCount: 0, started: true, state: { running: {} } }] },
  };
  /** A cluster whose apply succeeds, whose pod is Ready, and whose service proxy answers `proxy` (status, body). */
  const kubeWith = (proxy: { status: number; body: string }) => {
    const requests: string[] = [];
    const response = (status: number, body: string) => Object.assign(Readable.from([Buffer.from(body)]), { statusCode: status, headers: {} });
    const kube = {
      namespace: "serving",
      server: "https://k",
      tokenExpiresAt: null,
      core: {
        listNode: async () => ({ items: [] }),
        readNamespace: async () => ({}),
        listNamespacedPod: async () => ({ items: [readyPod] }),
        listNamespacedEvent: async () => ({ items: [] }),
      },
      request: async (path: string, o: { method?: string; body?: Buffer } = {}) => {
        requests.push(`${o.method ?? "GET"} ${path}`);
        if (path.includes("/proxy/")) return response(proxy.status, proxy.body);
        return response(200, o.body?.toString() ?? "{}");
      },
    } as unknown as Kube;
    return { kube, requests };
  };
  const objects = {
    deployment: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "vllm" }, spec: { selector: {}, template: { spec: { containers: [{ name: "vllm", image: "registry.example/other:1" }] } } } },
    service: { apiVersion: "v1", kind: "Service", metadata: { name: "vllm" } },
    podMonitor: null,
  } as never;
  const up = (kube: Kube, proxyCheck?: boolean) => {
    const said: string[] = [];
    const result = vllmUp(kube, objects, { servedModelName: "m", timeoutMs: 60_000, signal: new AbortController().signal, say: (l) => said.push(l), pollMs: 1, ...(proxyCheck === undefined ? {} : { proxyCheck }) });
    return { result, said };
  };

  it("says so after PROXY_FAILURES_BEFORE_VERDICT checks, with the API server's error and the way out", async () => {
    const { kube, requests } = kubeWith({ status: 503, body: 'error trying to reach service: dial tcp 10.0.3.7:8000: i/o timeout' });
    const err = await up(kube).result.then(() => null, (e: Error & { hint?: string }) => e);
    expect(err?.message).toBe(
      `the vLLM pod is Ready (the kubelet's probes reach it), but the API server cannot reach it through the service proxy (${PROXY_FAILURES_BEFORE_VERDICT} checks): GET /health through the service proxy: HTTP 503 error trying to reach service: dial tcp 10.0.3.7:8000: i/o timeout`,
    );
    expect(err?.hint).toMatch(/VLLM_UP_PROXY_CHECK=0 make vllm-up/);
    expect(requests.filter((r) => r.includes("/proxy/health"))).toHaveLength(PROXY_FAILURES_BEFORE_VERDICT);
  });

  it("a Service without endpoints is named as such", () => {
    const verdict = proxyVerdict(Array(PROXY_FAILURES_BEFORE_VERDICT).fill('GET /health through the service proxy: HTTP 503 no endpoints available for service "vllm"'), "serving");
    expect(verdict?.message).toMatch(/^the vLLM pod is Ready, but its Service has no endpoints/);
    expect(verdict?.hint).toMatch(/kubectl -n serving get endpointslices -l kubernetes.io\/service-name=vllm/);
    expect(proxyVerdict(["x"], "serving")).toBeNull();
  });

  it("VLLM_UP_PROXY_CHECK=0: the pod's readiness is trusted, the proxy is never asked", async () => {
    const { kube, requests } = kubeWith({ status: 503, body: "unreachable" });
    const { result, said } = up(kube, false);
    await expect(result).resolves.toMatchObject({ pod: "vllm-abc", node: "gpu-1" });
    expect(said).toContain("ready (the pod's readiness probe passes; the service-proxy check is off: VLLM_UP_PROXY_CHECK=0)");
    expect(requests.filter((r) => r.includes("/proxy/"))).toEqual([]);
  });
});
