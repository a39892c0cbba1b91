import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderVllmDeployment } from "./render-vllm-server.ts";
import { readyReplicas, replicasWaitText } from "./vllm-replicas.ts";
import { readVllmValues, withReplicasFromEnv } from "./vllm-values.ts";

const pod = (name: string, node: string, ready: boolean, deleting = false): V1Pod => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: { nodeName: node, containers: [] },
  status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

describe("REPLICAS=N", () => {
  it("REPLICAS overrides values.yaml's replicas (default 1) and lands in the Deployment", async () => {
    const values = await readVllmValues("deploy/vllm/values.yaml");
    expect(values.replicas).toBe(1);
    const four = withReplicasFromEnv(values, "4");
    const source = parse(readFileSync("deploy/vllm/deployment.yaml", "utf8")) as V1Deployment;
    expect(renderVllmDeployment(source, four, "ns").spec!.replicas).toBe(4);
    expect(renderVllmDeployment(source, values, "ns").spec!.replicas).toBe(1);
    expect(withReplicasFromEnv(values, undefined)).toBe(values);
    expect(withReplicasFromEnv(values, " ")).toBe(values);
  });

  it("a bad REPLICAS is a usage error naming the variable and an example", async () => {
    const values = await readVllmValues("deploy/vllm/values.yaml");
    for (const bad of ["0", "2.5", "many", "65"]) expect(() => withReplicasFromEnv(values, bad)).toThrow(`REPLICAS must be a whole number of server pods from 1 to 64, got '${bad}'`);
  });

  it("the wait goes on until every replica is Ready; a pod being deleted does not count", () => {
    const pods = [pod("vllm-b", "n2", true), pod("vllm-a", "n1", true), pod("vllm-c", "n1", false), pod("vllm-old", "n3", true, true)];
    expect(replicasWaitText(pods, 3)).toBe("2 of 3 replicas Ready (vllm-a on n1, vllm-b on n2); waiting for the others");
    expect(replicasWaitText(pods, 2)).toBeNull();
    expect(replicasWaitText([], 2)).toBe("0 of 2 replicas Ready; waiting for the others");
    expect(replicasWaitText([], 1)).toBeNull(); // one replica: vllm-up follows that pod's own stage
    expect(readyReplicas(pods).map((r) => r.pod)).toEqual(["vllm-a", "vllm-b"]);
  });
});
