/**
 * RBAC with benchmarks/rbac.yaml's Roles: what `make bench` and `make vllm-up` do is allowed; anything
 * beyond is a 403 worded as the API server's RBAC authorizer words it; the admin token is never limited.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFile } from "../k8s/manifest-files.ts";
import { startKubeApiDouble, type KubeApiDouble } from "./kube-api-double.ts";
import { apiFailure } from "./wait-until.ts";

const ns = "bench";
let double: KubeApiDouble;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;
let objects: k8s.KubernetesObjectApi;

beforeAll(async () => {
  const roles = (await loadFile("benchmarks/rbac.yaml")).filter((m) => m.kind === "Role" || m.kind === "ClusterRole");
  expect(roles.map((r) => r.metadata.name)).toEqual(["kneepoint-runner", "kneepoint-vllm-operator"]);
  double = await startKubeApiDouble({ namespaces: [ns], rbac: roles as never, nodes: [] });
  const kc = double.kubeConfig({ namespace: ns });
  core = kc.makeApiClient(k8s.CoreV1Api);
  batch = kc.makeApiClient(k8s.BatchV1Api);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
});

afterAll(async () => {
  await double.close();
});

describe("RBAC from benchmarks/rbac.yaml", () => {
  it("allows the runner's calls: Jobs, pods and their logs, engine ConfigMaps, applying the Deployment, the service proxy", async () => {
    await objects.create({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", namespace: ns }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["true"] }] } } } } as k8s.KubernetesObject);
    await batch.readNamespacedJob({ namespace: ns, name: "j" });
    await core.listNamespacedPod({ namespace: ns, labelSelector: "batch.kubernetes.io/job-name=j" });
    await core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.kind=Pod" });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "engine" }, data: { "engine.mjs": "export {}" } } });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "engine" });
    const [deployment] = await loadFile("deploy/vllm/deployment.yaml");
    await objects.patch({ ...deployment!, metadata: { ...deployment!.metadata, namespace: ns } }, undefined, undefined, "kneepoint", true, k8s.PatchStrategy.ServerSideApply);
    const proxied = await fetch(`${double.url}/api/v1/namespaces/${ns}/services/vllm:8000/proxy/version`, { headers: { authorization: `Bearer ${double.token}` } });
    expect(proxied.status).toBe(404); // allowed, and the Service does not exist
    await batch.deleteNamespacedJob({ namespace: ns, name: "j", propagationPolicy: "Background" });
    expect(double.requests.filter((r) => r.status === 403)).toEqual([]);
  });

  it("refuses what no rule grants, in the authorizer's words", async () => {
    const secret = await apiFailure(core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "s" } } }));
    expect(secret.code).toBe(403);
    expect(secret.body).toEqual({
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
      message: 'secrets is forbidden: User "kneepoint-runner" cannot create resource "secrets" in API group "" in the namespace "bench"',
      reason: "Forbidden", details: { kind: "secrets" }, code: 403,
    });
    const deletePod = await apiFailure(core.deleteNamespacedPod({ namespace: ns, name: "p" }));
    expect(deletePod.body.message).toBe('pods "p" is forbidden: User "kneepoint-runner" cannot delete resource "pods" in API group "" in the namespace "bench"');
    expect(deletePod.body.details).toEqual({ name: "p", kind: "pods" });
    const nodes = await apiFailure(core.listNode());
    expect(nodes.body.message).toBe('nodes is forbidden: User "kneepoint-runner" cannot list resource "nodes" in API group "" at the cluster scope');
    const namespace = await apiFailure(core.createNamespace({ body: { metadata: { name: "new" } } }));
    expect(namespace.code).toBe(403);
    const jobStatus = await apiFailure(batch.patchNamespacedJobStatus({ namespace: ns, name: "j", body: [] }));
    expect(jobStatus.body.message).toBe('jobs.batch "j" is forbidden: User "kneepoint-runner" cannot patch resource "jobs/status" in API group "batch" in the namespace "bench"');
    // The runner may GET and POST through the proxy (/version, Prometheus queries), not PUT.
    const proxyPut = await fetch(`${double.url}/api/v1/namespaces/${ns}/services/vllm:8000/proxy/v1/completions`, { method: "PUT", body: "{}", headers: { authorization: `Bearer ${double.token}` } });
    expect(proxyPut.status).toBe(403);
    expect(((await proxyPut.json()) as { message: string }).message).toBe('services "vllm:8000" is forbidden: User "kneepoint-runner" cannot update resource "services/proxy" in API group "" in the namespace "bench"');
  });

  it("does not limit the admin token", async () => {
    const admin = double.kubeConfig({ namespace: ns, admin: true }).makeApiClient(k8s.CoreV1Api);
    const created = await admin.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "hf-token" }, stringData: { HF_TOKEN: "hf_x" } } });
    expect(created.metadata?.name).toBe("hf-token");
    expect((await admin.listNode()).items).toEqual([]);
  });
});
