/**
 * deploy/vllm applied with server-side apply through KubernetesObjectApi, as `make vllm-up` would: the pod
 * cannot be scheduled without a GPU node (FailedScheduling), is scheduled once a GPU node is added, pulls,
 * logs the test's loading lines and turns Ready; the Service's proxy answers 503 until then and forwards to
 * the upstream after; a new template recreates the pod; deleting the Deployment removes its pods.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFile } from "../k8s/manifest-files.ts";
import { startKubeApiDouble, type KubeApiDouble, type KubeObject } from "./kube-api-double.ts";
import { waitUntil } from "./wait-until.ts";

const ns = "llm";
let double: KubeApiDouble;
let kc: k8s.KubeConfig;
let objects: k8s.KubernetesObjectApi;
let upstream: Server;
let upstreamUrl: string;
const upstreamRequests: string[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString("utf8")));
    req.on("end", () => {
      upstreamRequests.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ version: "0.31.0", path: req.url, echoed: body }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  double = await startKubeApiDouble({
    namespaces: [ns],
    nodes: [{ name: "cpu-1", capacity: { cpu: "4", memory: "16Gi", pods: "110" } }],
    imagePullMs: 100,
    deploymentReadyAfterMs: { vllm: 300 },
    deploymentLogs: { vllm: [{ afterMs: 20, line: "INFO Loading model weights took 0.9 GiB" }, { afterMs: 250, line: "INFO:     Application startup complete." }] },
  });
  kc = double.kubeConfig({ namespace: ns });
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
});

afterAll(async () => {
  await double.close();
  await new Promise((r) => upstream.close(r));
});

const apply = (o: k8s.KubernetesObject) => objects.patch(o, undefined, undefined, "kneepoint", true, k8s.PatchStrategy.ServerSideApply);
const vllmPods = () => double.list("Pod", ns).filter((p) => p.metadata.labels?.["app.kubernetes.io/name"] === "vllm");
const proxy = (path: string, init: RequestInit = {}) => fetch(`${double.url}/api/v1/namespaces/${ns}/services/${path}`, { ...init, headers: { authorization: `Bearer ${double.token}`, ...init.headers } });
const scheduled = (p: KubeObject | undefined) => ((p?.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined)?.conditions ?? []).find((x) => x.type === "PodScheduled");

describe("the vLLM Deployment", () => {
  it("is created by server-side apply; its pod waits for a GPU with FailedScheduling", async () => {
    const manifests = [...(await loadFile("deploy/vllm/deployment.yaml")), ...(await loadFile("deploy/vllm/service.yaml"))];
    for (const m of manifests) await apply({ ...m, metadata: { ...m.metadata, namespace: ns } });
    expect(double.requests.filter((r) => r.method === "PATCH").map((r) => `${r.status} ${r.path}`)).toEqual([
      `201 /apis/apps/v1/namespaces/${ns}/deployments/vllm?fieldManager=kneepoint&force=true`,
      `201 /api/v1/namespaces/${ns}/services/vllm?fieldManager=kneepoint&force=true`,
    ]);
    const pod = await waitUntil(() => vllmPods().find((p) => scheduled(p)?.status === "False"), "an unschedulable pod");
    const rs = double.list("ReplicaSet", ns)[0]!;
    const hash = rs.metadata.labels!["pod-template-hash"]!;
    expect(rs.metadata.name).toBe(`vllm-${hash}`);
    expect(pod.metadata.name).toMatch(new RegExp(`^vllm-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    expect(pod.metadata.labels).toMatchObject({ "app.kubernetes.io/name": "vllm", "pod-template-hash": hash });
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ReplicaSet", name: rs.metadata.name, controller: true })]);
    const message = "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";
    expect(scheduled(pod)).toMatchObject({ reason: "Unschedulable", message });
    const events = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${pod.metadata.name},reason=FailedScheduling` });
    expect(events.items.map((e) => [e.type, e.message, e.source?.component])).toEqual([["Warning", message, "default-scheduler"]]);
    // The API server has no node to ask for an unscheduled pod's log: an empty 200.
    const log = await fetch(`${double.url}/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log?container=vllm&follow=true`, { headers: { authorization: `Bearer ${double.token}` } });
    expect([log.status, await log.text()]).toEqual([200, ""]);
    const status = (await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: ns, name: "vllm" })).status;
    expect(status?.conditions?.find((x) => x.type === "Available")).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
    expect(status?.unavailableReplicas).toBe(1);
  });

  it("answers the Service proxy with 503 while no pod is ready", async () => {
    double.setServiceUpstream(`${ns}/vllm`, upstreamUrl);
    const res = await proxy("vllm:8000/proxy/version");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", message: 'no endpoints available for service "vllm"', code: 503 });
    expect((await proxy("nope:8000/proxy/version")).status).toBe(404);
  });

  it("schedules on a GPU node once one is added, pulls, logs the loading lines and turns Ready", async () => {
    const seen: string[] = [];
    const watch = await new k8s.Watch(kc).watch(`/apis/apps/v1/namespaces/${ns}/deployments`, {}, (type, d: k8s.V1Deployment) => {
      seen.push(`${type} available=${d.status?.availableReplicas ?? 0}`);
    }, () => undefined);
    double.addNode({ name: "gpu-1", labels: { "nvidia.com/gpu.product": "NVIDIA-L4" }, capacity: { cpu: "8", memory: "32Gi", pods: "110", "nvidia.com/gpu": "1" }, taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }] });
    const pod = await waitUntil(() => vllmPods().find((p) => (p.spec as { nodeName?: string }).nodeName === "gpu-1"), "the pod on gpu-1");
    const running = await waitUntil(() => {
      const p = double.get("Pod", ns, pod.metadata.name);
      return (p?.status as { phase?: string } | undefined)?.phase === "Running" ? p : undefined;
    }, "Running");
    expect(((running.status as { conditions: { type: string; status: string }[] }).conditions).find((x) => x.type === "Ready")?.status).toBe("False");
    const out = new PassThrough();
    let log = "";
    out.on("data", (d: Buffer) => (log += d.toString("utf8")));
    const follow = await new k8s.Log(kc).log(ns, pod.metadata.name, "vllm", out, { follow: true });
    await waitUntil(() => seen.includes("MODIFIED available=1"), "the Deployment to become available", 5000);
    await waitUntil(() => log.includes("Application startup complete."), "the loading lines");
    follow.abort();
    watch.abort();
    expect(log).toBe("INFO Loading model weights took 0.9 GiB\nINFO:     Application startup complete.\n");
    const reasons = double.events.filter((e) => (e.involvedObject as { name: string }).name === pod.metadata.name).map((e) => e.reason);
    expect(reasons).toEqual(["FailedScheduling", "Scheduled", "Pulling", "Pulled", "Created", "Started"]);
    const deployment = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: ns, name: "vllm" });
    expect(deployment.status).toMatchObject({ replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
    expect(deployment.status?.conditions?.map((x) => `${x.type}=${x.status} ${x.reason}`)).toEqual(["Available=True MinimumReplicasAvailable", "Progressing=True NewReplicaSetAvailable"]);
  });

  it("forwards the Service proxy to the upstream, with path, query and body", async () => {
    const version = await proxy("vllm:8000/proxy/version?verbose=1");
    expect(version.status).toBe(200);
    expect(await version.json()).toEqual({ version: "0.31.0", path: "/version?verbose=1", echoed: "" });
    const post = await proxy("http:vllm:http/proxy/api/v1/query", { method: "POST", body: "query=up", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(await post.json()).toMatchObject({ path: "/api/v1/query", echoed: "query=up" });
    const byNameOnly = await proxy("vllm/proxy/health");
    expect(await byNameOnly.json()).toMatchObject({ path: "/health" });
    const viaClient = await kc.makeApiClient(k8s.CoreV1Api).connectGetNamespacedServiceProxyWithPath({ namespace: ns, name: "vllm:8000", path: "api/v1/status/buildinfo" });
    expect(viaClient).toMatchObject({ path: "/api/v1/status/buildinfo" }); // client-node parses the JSON answer
    expect(upstreamRequests.map((r) => r.split(" ").slice(0, 2).join(" "))).toEqual(["GET /version?verbose=1", "POST /api/v1/query", "GET /health", "GET /api/v1/status/buildinfo"]);
  });

  it("recreates the pod for a new template (strategy Recreate), and leaves an unchanged apply a no-op", async () => {
    const [manifest] = await loadFile("deploy/vllm/deployment.yaml");
    const first = vllmPods()[0]!;
    const unchanged = (await apply({ ...manifest!, metadata: { ...manifest!.metadata, namespace: ns } })) as k8s.V1Deployment;
    expect(unchanged.metadata?.generation).toBe(1);
    const changed = structuredClone(manifest!) as unknown as k8s.V1Deployment;
    changed.metadata!.namespace = ns;
    changed.spec!.template.spec!.containers[0]!.args!.push("--max-num-seqs", "64");
    const applied = (await apply(changed as k8s.KubernetesObject)) as k8s.V1Deployment;
    expect(applied.metadata?.generation).toBe(2);
    await waitUntil(() => !double.get("Pod", ns, first.metadata.name), "the old pod to go");
    const second = await waitUntil(() => vllmPods().find((p) => p.metadata.name !== first.metadata.name && (p.status as { conditions?: { type: string; status: string }[] }).conditions?.some((x) => x.type === "Ready" && x.status === "True")), "the new pod to be ready");
    expect(second.metadata.labels?.["pod-template-hash"]).not.toBe(first.metadata.labels?.["pod-template-hash"]);
    expect(double.list("ReplicaSet", ns).map((rs) => (rs.spec as { replicas: number }).replicas).sort()).toEqual([0, 1]);
    expect(double.events.filter((e) => e.reason === "ScalingReplicaSet").map((e) => e.message)).toEqual([
      `Scaled up replica set ${first.metadata.ownerReferences![0]!.name} from 0 to 1`,
      `Scaled down replica set ${first.metadata.ownerReferences![0]!.name} from 1 to 0`,
      `Scaled up replica set ${second.metadata.ownerReferences![0]!.name} from 0 to 1`,
    ]);
  });

  it("deletes the ReplicaSets and pods with the Deployment (foreground: the Deployment goes last)", async () => {
    const deletedAt: Record<string, number> = {};
    const watches = await Promise.all(["/api/v1/namespaces/llm/pods", "/apis/apps/v1/namespaces/llm/deployments"].map((path) =>
      new k8s.Watch(kc).watch(path, {}, (type, o: k8s.KubernetesObject) => {
        if (type === "DELETED") deletedAt[`${o.kind}/${o.metadata?.name}`] = Number(o.metadata?.resourceVersion);
      }, () => undefined)));
    const podNames = vllmPods().map((p) => `Pod/${p.metadata.name}`);
    // Raw DELETE: client-node would read the answer as a V1Status and drop the object's fields.
    const res = await fetch(`${double.url}/apis/apps/v1/namespaces/${ns}/deployments/vllm?propagationPolicy=Foreground`, { method: "DELETE", headers: { authorization: `Bearer ${double.token}` } });
    expect(res.status).toBe(200);
    const pending = (await res.json()) as KubeObject;
    expect(pending.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect(pending.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await waitUntil(() => deletedAt["Deployment/vllm"], "the Deployment to go");
    for (const w of watches) w.abort();
    expect(podNames.length).toBeGreaterThan(0);
    for (const pod of podNames) expect(deletedAt[pod]).toBeLessThan(deletedAt["Deployment/vllm"]!);
    expect(vllmPods()).toEqual([]);
    expect(double.list("ReplicaSet", ns)).toEqual([]);
    expect((await proxy("vllm:8000/proxy/version")).status).toBe(503);
    expect(double.controllerErrors).toEqual([]);
  });
});
