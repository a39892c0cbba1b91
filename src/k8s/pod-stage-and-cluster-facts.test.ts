import { describe, expect, it } from "vitest";
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { describePodStage } from "./pod-progress.ts";
import { nodeFacts } from "./node-facts.ts";
import { parseServiceRef, serviceOfUrl, serviceProxyPath } from "./service-proxy.ts";
import { dtypeOf } from "./read-cluster-context.ts";

const pending = (message?: string): V1Pod => ({
  metadata: { name: "vllm-abc" },
  spec: { containers: [{ name: "vllm" }] },
  status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", ...(message ? { message } : {}) }] },
});
const event = (reason: string, message: string, at: string): CoreV1Event => ({ metadata: {}, involvedObject: {}, reason, message, lastTimestamp: new Date(at) });
const onNode = (state: NonNullable<NonNullable<V1Pod["status"]>["containerStatuses"]>[number]["state"], ready = false): V1Pod => ({
  metadata: { name: "p" },
  spec: { nodeName: "gpu-1", containers: [{ name: "c" }] },
  status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }], containerStatuses: [{ name: "c", image: "vllm/vllm-openai:v0.31.0", imageID: "", ready, restartCount: 0, ...(state ? { state } : {}) }] },
});

describe("describePodStage", () => {
  it("says why a pod waits for a node, in the scheduler's words", () => {
    const msg = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
    expect(describePodStage(pending(msg), [])).toEqual({ kind: "scheduling", text: `waiting for a node: ${msg}` });
  });
  it("says a node is being added when the autoscaler triggered a scale-up", () => {
    const events = [event("FailedScheduling", "0/3 nodes…", "2026-01-01T00:00:00Z"), event("TriggeredScaleUp", "pod triggered scale-up: [{gpu-pool 0->1 (max: 2)}]", "2026-01-01T00:00:05Z")];
    expect(describePodStage(pending(), events)).toEqual({ kind: "provisioning", text: "waiting for a new node (TriggeredScaleUp: pod triggered scale-up: [{gpu-pool 0->1 (max: 2)}])" });
  });
  it("follows image pull, model loading and readiness", () => {
    expect(describePodStage(onNode({ waiting: { reason: "ContainerCreating" } }), [event("Pulling", "Pulling image", "2026-01-01T00:00:00Z")]).kind).toBe("pulling");
    expect(describePodStage(onNode({ waiting: { reason: "ContainerCreating" } }), []).text).toBe("starting on gpu-1 (ContainerCreating)");
    expect(describePodStage(onNode({ running: {} }), [], { readinessMeansLoaded: true }).kind).toBe("loading");
    expect(describePodStage(onNode({ running: {} }, true), [], { readinessMeansLoaded: true }).kind).toBe("ready");
    expect(describePodStage(onNode({ running: {} }), []).kind).toBe("running");
  });
  it("stops on states that waiting will not fix", () => {
    const missing = 'failed to pull and unpack image "docker.io/vllm/vllm-openai:v0.99": manifest unknown';
    expect(describePodStage(onNode({ waiting: { reason: "ErrImagePull", message: missing } }), [])).toEqual({ kind: "stuck", text: `ErrImagePull on gpu-1: ${missing}` });
    expect(describePodStage(onNode({ waiting: { reason: "CreateContainerConfigError", message: 'secret "hf-token" not found' } }), []).kind).toBe("stuck");
  });
  it("lets the kubelet retry a pull that failed for a passing reason (a registry rate limit)", () => {
    const limited = describePodStage(onNode({ waiting: { reason: "ErrImagePull", message: "429 Too Many Requests: toomanyrequests" } }), []);
    expect(limited.kind).toBe("pulling");
    expect(limited.text).toMatch(/retrying after ErrImagePull: 429 Too Many Requests/);
  });
  it("reports the exit code of a failed pod", () => {
    const pod = onNode({ terminated: { exitCode: 2, reason: "Error" } });
    pod.status!.phase = "Failed";
    expect(describePodStage(pod, [])).toEqual({ kind: "failed", text: "failed (exit 2, Error)" });
  });
});

describe("nodeFacts", () => {
  it("reads GPU feature discovery and well-known labels", () => {
    expect(
      nodeFacts({
        "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
        "nvidia.com/gpu.count": "8",
        "nvidia.com/gpu.memory": "81559",
        "node.kubernetes.io/instance-type": "p5.48xlarge",
        "nvidia.com/cuda.driver.major": "580",
        "nvidia.com/cuda.driver.minor": "95",
        "nvidia.com/cuda.driver.rev": "05",
        "nvidia.com/cuda.runtime.major": "13",
        "nvidia.com/cuda.runtime.minor": "0",
      }),
    ).toEqual({ gpu: "NVIDIA-H100-80GB-HBM3 ×8 (80 GiB each)", machineType: "p5.48xlarge", driver: "580.95.05", cuda: "13.0" });
  });
  it("falls back to GKE's accelerator label and leaves the unknown out", () => {
    expect(nodeFacts({ "cloud.google.com/gke-accelerator": "nvidia-l4", "node.kubernetes.io/instance-type": "g2-standard-8" })).toEqual({ gpu: "nvidia-l4", machineType: "g2-standard-8" });
    expect(nodeFacts({})).toEqual({});
  });
});

describe("service references", () => {
  it("parses namespace/name:port", () => {
    expect(parseServiceRef("monitoring/prometheus-k8s:9090")).toEqual({ namespace: "monitoring", name: "prometheus-k8s", port: "9090" });
    expect(serviceProxyPath(parseServiceRef("monitoring/prometheus-k8s:web"))).toBe("/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy");
    expect(() => parseServiceRef("prometheus:9090")).toThrow();
  });
  it("recognizes in-cluster Service URLs and nothing else", () => {
    expect(serviceOfUrl("http://vllm:8000", "llm")).toEqual({ name: "vllm", namespace: "llm", port: "8000" });
    expect(serviceOfUrl("http://vllm.serving:8000", "llm")).toEqual({ name: "vllm", namespace: "serving", port: "8000" });
    expect(serviceOfUrl("http://litellm.ai.svc.cluster.local:4000", "llm")).toEqual({ name: "litellm", namespace: "ai", port: "4000" });
    expect(serviceOfUrl("http://qwen.kserve-test.example.com", "llm")).toBeNull();
    expect(serviceOfUrl("http://10.0.0.7:8000", "llm")).toBeNull();
    expect(serviceOfUrl("https://api.openai.com", "llm")).toBeNull();
    expect(serviceOfUrl("not a url", "llm")).toBeNull();
  });
});

describe("dtypeOf", () => {
  it("finds --dtype in either spelling", () => {
    expect(dtypeOf(["vllm", "serve", "m", "--dtype", "bfloat16"])).toBe("bfloat16");
    expect(dtypeOf(["--dtype=half"])).toBe("half");
    expect(dtypeOf(["--max-model-len", "4096"])).toBeUndefined();
  });
});

describe("assertValidManifest", () => {
  it("stops a typo before it reaches the cluster, naming the field and the file", async () => {
    const { assertValidManifest } = await import("./kube-schema.ts");
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "vllm-bench" }, spec: { backofLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] } } } };
    expect(() => assertValidManifest(job as never, "benchmarks/job.yaml")).toThrow(/Job vllm-bench from benchmarks\/job\.yaml is not valid Kubernetes: .*unknown field spec\.backofLimit/);
    expect(() => assertValidManifest({ ...job, spec: { backoffLimit: 0, template: job.spec.template } } as never, "benchmarks/job.yaml")).not.toThrow();
    // Custom resources are not checked here.
    expect(() => assertValidManifest({ apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "x" }, spec: { bogus: 1 } } as never, "p")).not.toThrow();
  });
});
