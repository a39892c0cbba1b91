/**
 * The downward API in env (container-env.ts's fieldRef), as an Indexed Job's pod meets it: the Job controller adds
 * JOB_COMPLETION_INDEX from the pod's completion-index annotation, and the kubelet resolves it when the container
 * starts. Pure: no API server (the sources answer from memory).
 */
import { describe, expect, it } from "vitest";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { containerEnv, type EnvContext } from "./container-env.ts";
import type { PodSources } from "./pod-sources.ts";

const sources: PodSources = {
  configMap: async () => undefined,
  secret: async () => undefined,
  services: async () => [],
  serviceAccountToken: async () => "token",
};
const ctx: EnvContext = { podIP: "10.244.1.7", hostIP: "10.244.1.1", apiHost: "127.0.0.1", apiPort: 6443, nodeAllocatable: { cpu: "16" } };

const pod: V1Pod = {
  metadata: {
    name: "vllm-bench-2-x7k2p",
    namespace: "serving",
    uid: "u-1",
    labels: { "batch.kubernetes.io/job-completion-index": "2", "job-name": "vllm-bench" },
    annotations: { "batch.kubernetes.io/job-completion-index": "2" },
  },
  spec: { nodeName: "gpu-node-1", serviceAccountName: "default", enableServiceLinks: false, containers: [] },
};

const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

describe("containerEnv: fieldRef (downward API)", () => {
  it("resolves an Indexed Job's JOB_COMPLETION_INDEX from the annotation, and the other fields the kubelet supports", async () => {
    const container: V1Container = {
      name: "bench",
      env: [
        field("JOB_COMPLETION_INDEX", "metadata.annotations['batch.kubernetes.io/job-completion-index']"),
        field("INDEX_LABEL", "metadata.labels['batch.kubernetes.io/job-completion-index']"),
        field("POD_NAME", "metadata.name"),
        field("POD_NAMESPACE", "metadata.namespace"),
        field("NODE", "spec.nodeName"),
        field("POD_IP", "status.podIP"),
        field("HOST_IP", "status.hostIP"),
        // $(VAR) expansion sees what the fieldRef defined before it, as the kubelet's does.
        { name: "SHARD", value: "$(JOB_COMPLETION_INDEX)/4" },
      ],
    };
    const result = await containerEnv(sources, pod, container, ctx);
    expect(result.ok).toBe(true);
    const env = Object.fromEntries((result as { env: Map<string, string> }).env);
    expect(env).toMatchObject({
      JOB_COMPLETION_INDEX: "2",
      INDEX_LABEL: "2",
      POD_NAME: "vllm-bench-2-x7k2p",
      POD_NAMESPACE: "serving",
      NODE: "gpu-node-1",
      POD_IP: "10.244.1.7",
      HOST_IP: "10.244.1.1",
      SHARD: "2/4",
    });
  });

  it("an annotation or label the pod does not have resolves to the empty string", async () => {
    const container: V1Container = { name: "c", env: [field("MISSING", "metadata.annotations['nope']")] };
    const result = await containerEnv(sources, pod, container, ctx);
    expect(result.ok && result.env.get("MISSING")).toBe("");
  });
});
