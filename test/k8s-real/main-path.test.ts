/**
 * `make vllm-up && make bench && make vllm-down` against a REAL Kubernetes control plane (./real-cluster.ts): the
 * CLI in its own process with the kneepoint-runner ServiceAccount's token, in a namespace that enforces Pod Security
 * "restricted"; the real scheduler places the vLLM pod on the GPU node, the real EndpointSlice controller and
 * service proxy carry /health and /v1/models, the real Job controller runs the sweep, and its log comes back through
 * pods/log from the node agent's kubelet API. Also what only a real cluster shows (research/real-cluster-review.md
 * H2): pods refused by Pod Security and by a ResourceQuota stop `vllm-up` at once with the reason, measured in
 * seconds from the FailedCreate event to the CLI's exit.
 *
 * KNEEPOINT_TEST_PEERS=skip (refused under CI=true) skips it; otherwise a missing Go toolchain or root fails it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { AppsV1Api, BatchV1Api, CoreV1Api, type CoreV1Event, type KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peersSkipped } from "../real-peers/peers.ts";
import { startRealCluster, type RealCluster } from "./real-cluster.ts";

const NS = "serving";
const SECRET = "sk-real-e2e-never-printed-4b1d";
const RESTRICTED = { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" };
const skipped = peersSkipped();
if (skipped) console.warn("KNEEPOINT_TEST_PEERS=skip: not running the e2e suite on the real control plane");

let c: RealCluster;

beforeAll(async () => {
  if (skipped) return;
  // A cold build of the control plane takes 8–12 min (make test builds it before the tests; this is the fallback).
  c = await startRealCluster({ namespace: NS, namespaceLabels: RESTRICTED });
  await c.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: "bench-target-auth" }, stringData: { OPENAI_API_KEY: SECRET } } });
}, 900_000);

afterAll(async () => {
  await c?.close();
});

/** The FailedCreate events of a namespace, oldest first. */
async function failedCreates(ns: string): Promise<CoreV1Event[]> {
  const list = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: "reason=FailedCreate" });
  const t = (e: CoreV1Event) => new Date(e.firstTimestamp ?? e.eventTime ?? 0).getTime();
  return list.items.sort((a, b) => t(a) - t(b));
}

/** A values file like deploy/vllm/values.yaml with some keys changed. */
function valuesWith(changes: Record<string, unknown>): string {
  const values = { ...(parse(readFileSync("deploy/vllm/values.yaml", "utf8")) as Record<string, unknown>), ...changes };
  const file = join(c.work, `values-${Object.keys(changes).join("-")}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

describe.skipIf(skipped)("make vllm-up / bench / vllm-down on a real control plane", () => {
  it("vllm-up: the restricted namespace admits the server; the scheduler, probes and service proxy bring it to ready", async () => {
    const t0 = Date.now();
    const run = await c.kneepoint(["vllm-up"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/applied Deployment vllm/);
    expect(run.stderr).toMatch(/PodMonitor skipped: this cluster has no Prometheus Operator/);
    expect(run.stderr).toMatch(/ready: \/health answers and \/v1\/models lists qwen2\.5-0\.5b/);
    expect(run.stdout).toMatch(/vLLM is serving qwen2\.5-0\.5b .*on gpu-node-1/);
    // What the API server stored: non-root, as restricted demands, and scheduled by the real scheduler.
    const pods = await c.core.listNamespacedPod({ namespace: NS, labelSelector: "app.kubernetes.io/name=vllm" });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    expect(pod.spec?.nodeName).toBe("gpu-node-1");
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.status?.podIP).toMatch(/^10\.244\./);
    console.log(`vllm-up on the real control plane: ${Date.now() - t0} ms`);
  }, 120_000);

  it("bench ENGINE=native: the Job runs under restricted, reaches http://vllm:8000 through the Service, and its results come back", async () => {
    const out = join(c.work, "native");
    const record = join(c.work, "benchmarks-native.md");
    const before = c.net.forwarded()[`${NS}/vllm:8000`] ?? 0;
    const run = await c.kneepoint(["bench", "--out", out, "--record", record, "--no-charts"], { env: { ENGINE: "native", CONCURRENCY: "1,2", NUM_PROMPTS: "4", INPUT_LEN: "32", OUTPUT_LEN: "8" } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^pod: (running on gpu-node-1|finished)$/m); // a short sweep may end between two polls
    expect(run.stderr).toMatch(/Job succeeded/);
    for (const conc of [1, 2]) expect(run.stdout).toMatch(new RegExp(`│\\s+${conc}( ◀knee)?\\s+│`));
    const [dir] = readdirSync(out).map((d) => join(out, d));
    const step = JSON.parse(readFileSync(join(dir!, "step-c2.json"), "utf8")) as Record<string, unknown>;
    expect(step).toMatchObject({ completed: 4, failed: 0, backend: "kneepoint-native" });
    // The requests took the Service's path (ClusterIP → EndpointSlice → pod IP), not a shortcut.
    expect((c.net.forwarded()[`${NS}/vllm:8000`] ?? 0) - before).toBeGreaterThan(0);
    const md = readFileSync(record, "utf8");
    expect(md).toMatch(/NVIDIA-H100-80GB-HBM3/); // from the node's labels, read with the node-reader ClusterRole
    expect(md).toMatch(/kneepoint-sim/); // /version through the real service proxy: labelled a simulator
    for (const text of [run.stdout, run.stderr, md, readFileSync(join(dir!, "job.log"), "utf8")]) expect(text).not.toContain(SECRET);
    // Cleaned up with the runner's own rights.
    const jobs = await c.admin.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: NS });
    expect(jobs.items.map((j) => j.metadata?.name)).toEqual([]);
  }, 120_000);

  it("bench ENGINE=vllm: the Job's script runs (fake) vllm bench serve per step; the knee comes from the results in the log", async () => {
    const out = join(c.work, "vllm");
    const run = await c.kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], { env: { CONCURRENCY: "1 2 4 8", NUM_PROMPTS: "8" } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^knee: c=4 /m);
    expect(run.stderr).not.toMatch(/approximate window/);
  }, 120_000);

  it("a namespace enforcing restricted refuses a root server: vllm-up stops at once with Pod Security's reason and the fix", async () => {
    const ns = "restricted-root";
    await c.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { ...RESTRICTED, "pod-security.kubernetes.io/warn": "restricted" } } } as KubernetesObject]);
    const values = valuesWith({ runAsUser: 0 });
    const run = await c.kneepoint(["vllm-up"], { kubeconfig: c.adminKubeconfig, namespace: ns, env: { VLLM_VALUES: values, VLLM_UP_TIMEOUT: "1" } });
    const endedMs = Date.now();
    expect(run.code).toBe(3);
    // The API server's warning on the Deployment (warn label), then the refusal itself.
    expect(run.stderr).toMatch(/warning from the API server on Deployment vllm: would violate PodSecurity "restricted:latest"/);
    expect(run.stderr).toMatch(/the Deployment vllm's pod was refused by Pod Security admission: .*violates PodSecurity "restricted:latest": .*runAsNonRoot/);
    expect(run.stderr).toMatch(/enforces a Pod Security level/);
    const [first] = await failedCreates(ns);
    const secondsAfterEvent = (endedMs - new Date(first!.firstTimestamp!).getTime()) / 1000;
    console.log(`Pod Security refusal: FailedCreate to the CLI's exit ${secondsAfterEvent.toFixed(1)} s`);
    expect(secondsAfterEvent).toBeLessThan(10);
    await c.admin.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: "vllm", namespace: ns });
  }, 120_000);

  it("a ResourceQuota without GPUs: vllm-up stops at once with the quota's reason", async () => {
    const ns = "no-gpu-quota";
    await c.apply([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } as KubernetesObject,
      { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "no-gpus", namespace: ns }, spec: { hard: { "requests.nvidia.com/gpu": "0" } } } as KubernetesObject,
    ]);
    const run = await c.kneepoint(["vllm-up"], { kubeconfig: c.adminKubeconfig, namespace: ns, env: { VLLM_UP_TIMEOUT: "1" } });
    const endedMs = Date.now();
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the Deployment vllm's pod was refused by a ResourceQuota: .*exceeded quota: no-gpus/);
    expect(run.stderr).toMatch(/kubectl -n no-gpu-quota describe resourcequota/);
    const [first] = await failedCreates(ns);
    const secondsAfterEvent = (endedMs - new Date(first!.firstTimestamp!).getTime()) / 1000;
    console.log(`quota refusal: FailedCreate to the CLI's exit ${secondsAfterEvent.toFixed(1)} s`);
    expect(secondsAfterEvent).toBeLessThan(10);
    await c.admin.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: "vllm", namespace: ns });
  }, 120_000);

  it("vllm-down deletes the server and waits until its pod is gone (the GPU is free)", async () => {
    const run = await c.kneepoint(["vllm-down"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/the vLLM pods are gone; the GPU is free/);
    const pods = await c.admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NS, labelSelector: "app.kubernetes.io/name=vllm" });
    expect(pods.items).toEqual([]);
    expect(existsSync(c.work)).toBe(true);
  }, 120_000);
});
