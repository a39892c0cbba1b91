/**
 * The failures and waits the runner shows as stages: node provisioning by a cluster autoscaler
 * (TriggeredScaleUp, then the node joins), NotTriggerScaleUp, an image that cannot be pulled
 * (ErrImagePull → ImagePullBackOff, until it can), a crashing model server (CrashLoopBackOff with
 * restartCount, lastState and the previous log).
 */
import * as k8s from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { loadDeployment } from "../k8s/manifest-files.ts";
import { startKubeApiDouble, type KubeApiDouble, type KubeObject } from "./kube-api-double.ts";
import { waitUntil } from "./wait-until.ts";

const ns = "faults";
const gpuNode = { labels: { "nvidia.com/gpu.product": "NVIDIA-L4" }, capacity: { cpu: "8", memory: "32Gi", pods: "110", "nvidia.com/gpu": "1" } };
let double: KubeApiDouble | undefined;

afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function deployVllm(d: KubeApiDouble): Promise<void> {
  const deployment = await loadDeployment();
  const objects = k8s.KubernetesObjectApi.makeApiClient(d.kubeConfig({ namespace: ns }));
  await objects.create({ ...deployment, metadata: { ...deployment.metadata, namespace: ns } } as k8s.KubernetesObject);
}

const vllmPod = (d: KubeApiDouble) => d.list("Pod", ns).find((p) => p.metadata.labels?.["app.kubernetes.io/name"] === "vllm");
const eventsOf = (d: KubeApiDouble, pod: KubeObject | undefined) => d.events.filter((e) => (e.involvedObject as { name: string }).name === pod?.metadata.name);
const containerStatus = (pod: KubeObject | undefined) => (pod?.status as { containerStatuses?: k8s.V1ContainerStatus[] } | undefined)?.containerStatuses?.[0];

describe("cluster faults", () => {
  it("provisions a GPU node through the autoscaler: TriggeredScaleUp, then scheduled on the new node", async () => {
    double = await startKubeApiDouble({ namespaces: [ns], nodes: [{ name: "cpu-1" }], autoscaler: [{ name: "gpu-pool", max: 1, provisionMs: 200, node: gpuNode }] });
    await deployVllm(double);
    const d = double;
    const triggered = await waitUntil(() => eventsOf(d, vllmPod(d)).find((e) => e.reason === "TriggeredScaleUp"), "TriggeredScaleUp");
    expect(triggered.message).toBe("pod triggered scale-up: [{gpu-pool 0->1 (max: 1)}]");
    expect(triggered.source).toEqual({ component: "cluster-autoscaler" });
    const scheduled = await waitUntil(() => {
      const p = vllmPod(d);
      const node = (p?.spec as { nodeName?: string } | undefined)?.nodeName;
      return node ? node : undefined;
    }, "the pod to be scheduled");
    expect(scheduled).toMatch(/^gpu-pool-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(eventsOf(d, vllmPod(d)).map((e) => e.reason)).toEqual(["FailedScheduling", "TriggeredScaleUp", "Scheduled", "Pulled", "Created", "Started"]);
  });

  it("reports NotTriggerScaleUp when no node group's node would fit", async () => {
    double = await startKubeApiDouble({ namespaces: [ns], nodes: [], autoscaler: [{ name: "cpu-pool", node: { capacity: { cpu: "4", memory: "16Gi", pods: "110" } } }] });
    await deployVllm(double);
    const d = double;
    const event = await waitUntil(() => eventsOf(d, vllmPod(d)).find((e) => e.reason === "NotTriggerScaleUp"), "NotTriggerScaleUp");
    expect(event.message).toBe("pod didn't trigger scale-up: 1 Insufficient nvidia.com/gpu");
  });

  it("shows an unpullable image as ErrImagePull, then ImagePullBackOff, and starts once it can be pulled", async () => {
    const image = "vllm/vllm-openai:v0.31.0";
    const error = `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/${image}": not found`;
    double = await startKubeApiDouble({ namespaces: [ns], nodes: [{ name: "gpu-1", ...gpuNode }], imagePullErrors: { [image]: error }, imagePullBackoffMs: 100, imagePullMs: 10 });
    await deployVllm(double);
    const d = double;
    const backoff = await waitUntil(() => { const s = containerStatus(vllmPod(d)); return s?.state?.waiting?.reason === "ImagePullBackOff" ? s : undefined; }, "ImagePullBackOff");
    expect(backoff.state?.waiting?.message).toBe(`Back-off pulling image "${image}": ErrImagePull: ${error}`);
    const failed = eventsOf(d, vllmPod(d)).filter((e) => e.reason === "Failed").map((e) => e.message);
    expect(failed).toEqual(expect.arrayContaining([`Failed to pull image "${image}": ${error}`, "Error: ErrImagePull", "Error: ImagePullBackOff"]));
    d.setImagePullError(image, undefined);
    await waitUntil(() => containerStatus(vllmPod(d))?.state?.running, "the container to run");
  });

  it("restarts a crashing container with CrashLoopBackOff; the earlier log is `previous`", async () => {
    double = await startKubeApiDouble({
      namespaces: [ns], nodes: [{ name: "gpu-1", ...gpuNode }],
      deploymentLogs: { vllm: [{ afterMs: 0, line: "INFO loading" }, { afterMs: 10, line: "torch.OutOfMemoryError: CUDA out of memory" }] },
      deploymentCrashes: { vllm: { afterMs: 50, exitCode: 1 } },
      crashLoopBackoffMs: 100,
    });
    await deployVllm(double);
    const d = double;
    const looping = await waitUntil(() => { const s = containerStatus(vllmPod(d)); return s?.state?.waiting?.reason === "CrashLoopBackOff" ? s : undefined; }, "CrashLoopBackOff");
    const pod = vllmPod(d)!;
    expect(looping.restartCount).toBe(1);
    expect(looping.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(looping.state?.waiting?.message).toBe(`back-off 0s restarting failed container=vllm pod=${pod.metadata.name}_${ns}(${pod.metadata.uid})`);
    expect((pod.status as { phase: string }).phase).toBe("Running");
    await waitUntil(() => (containerStatus(vllmPod(d))?.restartCount ?? 0) >= 2, "a second restart");
    const core = d.kubeConfig({ namespace: ns }).makeApiClient(k8s.CoreV1Api);
    const previous = await core.readNamespacedPodLog({ namespace: ns, name: pod.metadata.name, container: "vllm", previous: true });
    expect(previous).toBe("INFO loading\ntorch.OutOfMemoryError: CUDA out of memory\n");
    expect(eventsOf(d, pod).find((e) => e.reason === "BackOff")?.message).toBe(`Back-off restarting failed container vllm in pod ${pod.metadata.name}_${ns}(${pod.metadata.uid})`);
    const available = (await d.kubeConfig({ namespace: ns }).makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: ns, name: "vllm" })).status?.conditions?.find((x) => x.type === "Available");
    expect(available?.status).toBe("False");
  });
});
