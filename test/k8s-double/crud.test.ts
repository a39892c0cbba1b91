/**
 * The REST surface through the real @kubernetes/client-node 1.3.0: CRUD of core, apps and batch objects,
 * the Status errors the client turns into ApiException (404, 409, 422, 400, 401), discovery, patches,
 * fieldValidation and what DELETE returns.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "./kube-api-double.ts";
import { apiFailure } from "./wait-until.ts";

let double: KubeApiDouble;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let batch: k8s.BatchV1Api;
const ns = "bench";

beforeAll(async () => {
  double = await startKubeApiDouble({ namespaces: [ns], nodes: [] });
  const kc = double.kubeConfig({ namespace: ns });
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  batch = kc.makeApiClient(k8s.BatchV1Api);
});

afterAll(async () => {
  await double.close();
});

const job = (name: string, spec: Partial<k8s.V1PodSpec> = {}): k8s.V1Job => ({
  metadata: { name },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["true"] }], ...spec } } },
});

describe("create, read, list, replace, delete", () => {
  it("creates with server-set metadata, reads back, lists with a label selector", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "cm-a", labels: { app: "a" } }, data: { K: "v" } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.metadata?.namespace).toBe(ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "cm-b", labels: { app: "b" } } } });
    const read = await core.readNamespacedConfigMap({ namespace: ns, name: "cm-a" });
    expect(read.data).toEqual({ K: "v" });
    const list = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: "app in (a,c),app!=b" });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(["cm-a"]);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion));
  });

  it("answers a second create with 409 AlreadyExists in the server's words", async () => {
    const failure = await apiFailure(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "cm-a" } } }));
    expect(failure.code).toBe(409);
    expect(failure.body).toEqual({
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
      message: 'configmaps "cm-a" already exists', reason: "AlreadyExists", details: { name: "cm-a", kind: "configmaps" }, code: 409,
    });
  });

  it("answers a missing Job with 404 naming jobs.batch", async () => {
    const failure = await apiFailure(batch.readNamespacedJob({ namespace: ns, name: "vllm-bench" }));
    expect(failure.code).toBe(404);
    expect(failure.body).toEqual({
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
      message: 'jobs.batch "vllm-bench" not found', reason: "NotFound", details: { name: "vllm-bench", group: "batch", kind: "jobs" }, code: 404,
    });
  });

  it("replaces with the current resourceVersion, refuses a stale one with 409 Conflict, and 404s an absent object", async () => {
    const current = await core.readNamespacedConfigMap({ namespace: ns, name: "cm-a" });
    const replaced = await core.replaceNamespacedConfigMap({ namespace: ns, name: "cm-a", body: { ...current, data: { K: "w" } } });
    expect(replaced.data).toEqual({ K: "w" });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(current.metadata?.resourceVersion));
    expect(replaced.metadata?.uid).toBe(current.metadata?.uid);
    const stale = await apiFailure(core.replaceNamespacedConfigMap({ namespace: ns, name: "cm-a", body: { ...current, data: { K: "x" } } }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({
      reason: "Conflict",
      message: 'Operation cannot be fulfilled on configmaps "cm-a": the object has been modified; please apply your changes to the latest version and try again',
    });
    const absent = await apiFailure(core.replaceNamespacedConfigMap({ namespace: ns, name: "nope", body: { metadata: { name: "nope" } } }));
    expect(absent.code).toBe(404);
  });

  it("deletes a ConfigMap with a Success Status and a pod with the pod itself", async () => {
    const cm = await core.readNamespacedConfigMap({ namespace: ns, name: "cm-b" });
    const status = (await core.deleteNamespacedConfigMap({ namespace: ns, name: "cm-b" })) as unknown as k8s.V1Status;
    expect(status).toMatchObject({ kind: "Status", status: "Success", details: { name: "cm-b", kind: "configmaps", uid: cm.metadata?.uid } });
    expect((await apiFailure(core.readNamespacedConfigMap({ namespace: ns, name: "cm-b" }))).code).toBe(404);
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } } });
    const deleted = (await core.deleteNamespacedPod({ namespace: ns, name: "p" })) as unknown as k8s.V1Pod;
    expect(deleted.kind).toBe("Pod");
    expect(deleted.metadata?.name).toBe("p");
  });

  it("404s a create in a namespace that does not exist", async () => {
    const failure = await apiFailure(core.createNamespacedConfigMap({ namespace: "ghost", body: { metadata: { name: "x" } } }));
    expect(failure.code).toBe(404);
    expect(failure.body.message).toBe('namespaces "ghost" not found');
  });
});

describe("validation", () => {
  it("refuses an invalid Job with 422 Invalid and one cause per field", async () => {
    const body = job("Bad_Name", { restartPolicy: "Always", containers: [{ name: "c", image: "" , imagePullPolicy: "Sometimes" }] });
    const failure = await apiFailure(batch.createNamespacedJob({ namespace: ns, body }));
    expect(failure.code).toBe(422);
    expect(failure.body.reason).toBe("Invalid");
    const details = failure.body.details as { name: string; group: string; kind: string; causes: { reason: string; field: string; message: string }[] };
    expect(details).toMatchObject({ name: "Bad_Name", group: "batch", kind: "Job" });
    expect(details.causes).toEqual(expect.arrayContaining([
      expect.objectContaining({ reason: "FieldValueInvalid", field: "metadata.name" }),
      { reason: "FieldValueNotSupported", field: "spec.template.spec.containers[0].imagePullPolicy", message: 'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"' },
      { reason: "FieldValueRequired", field: "spec.template.spec.containers[0].image", message: "Required value" },
      { reason: "FieldValueNotSupported", field: "spec.template.spec.restartPolicy", message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"' },
    ]));
    expect(failure.body.message).toMatch(/^Job\.batch "Bad_Name" is invalid: \[/);
    expect(double.get("Job", ns, "Bad_Name")).toBeUndefined();
  });

  it("refuses a Deployment whose selector does not match its template's labels", async () => {
    const failure = await apiFailure(apps.createNamespacedDeployment({ namespace: ns, body: {
      metadata: { name: "d" },
      spec: { selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "y" } }, spec: { containers: [{ name: "c", image: "nginx:1" }] } } },
    } }));
    expect(failure.code).toBe(422);
    expect(failure.body.message).toBe('Deployment.apps "d" is invalid: spec.template.metadata.labels: Invalid value: {"app":"y"}: `selector` does not match template `labels`');
  });

  it("drops an unknown field with a Warning by default, and refuses it with 400 under fieldValidation=Strict", async () => {
    // Over raw HTTP: client-node's typed serializer drops attributes its models do not know before sending.
    const body = JSON.stringify({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "typo" }, spec: { backofLimit: 2, template: job("x").spec!.template } });
    const post = (query: string) =>
      fetch(`${double.url}/apis/batch/v1/namespaces/${ns}/jobs${query}`, { method: "POST", body, headers: { authorization: `Bearer ${double.token}`, "content-type": "application/json" } });
    const strict = await post("?fieldValidation=Strict");
    expect(strict.status).toBe(400);
    expect(await strict.json()).toMatchObject({ reason: "BadRequest", message: 'Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.backofLimit"' });
    const warned = await post("");
    expect(warned.status).toBe(201);
    expect(warned.headers.get("warning")).toBe('299 - "unknown field \\"spec.backofLimit\\""');
    expect(((await warned.json()) as k8s.V1Job).spec?.backoffLimit).toBe(6); // the default: the typo was dropped
    expect(double.requests.at(-1)).toMatchObject({ method: "POST", status: 201, warnings: ['299 - "unknown field \\"spec.backofLimit\\""'] });
  });

  it("refuses a wrong JSON type with 400, as the decoder does", async () => {
    const body = { metadata: { name: "wrongtype" }, spec: { ...job("x").spec, backoffLimit: "zero" } } as unknown as k8s.V1Job;
    const failure = await apiFailure(batch.createNamespacedJob({ namespace: ns, body }));
    expect(failure.code).toBe(400);
    expect(failure.body.message).toMatch(/^Job in version "v1" cannot be handled as a Job: json: cannot unmarshal string into Go struct field Job\.spec\.backoffLimit of type integer$/);
  });

  it("refuses a ConfigMap over 1 MiB (the engine bundle must fit)", async () => {
    const failure = await apiFailure(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "big" }, data: { "engine.js": "x".repeat(1024 * 1024 + 1) } } }));
    expect(failure.code).toBe(422);
    expect(failure.body.message).toBe('ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes');
  });
});

describe("defaulting", () => {
  it("fills the Job's selector, labels and defaults, a Service's clusterIP and a Secret's data", async () => {
    const created = await batch.createNamespacedJob({ namespace: ns, body: job("defaults") });
    const uid = created.metadata!.uid!;
    expect(created.spec?.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    expect(created.spec?.template.metadata?.labels).toEqual({
      "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "defaults", "controller-uid": uid, "job-name": "defaults",
    });
    expect(created.spec).toMatchObject({ backoffLimit: 6, completions: 1, parallelism: 1, completionMode: "NonIndexed", suspend: false });
    expect(created.spec?.template.spec?.containers[0]).toMatchObject({ imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log" });
    expect(created.metadata?.generation).toBe(1);
    const svc = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: "svc" }, spec: { selector: { a: "b" }, ports: [{ port: 80 }] } } });
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec?.ports?.[0]).toMatchObject({ port: 80, protocol: "TCP", targetPort: 80 });
    const secret = await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "s" }, stringData: { KEY: "value" } } });
    expect(secret.data).toEqual({ KEY: Buffer.from("value").toString("base64") });
    expect(secret.type).toBe("Opaque");
    expect(secret.stringData).toBeUndefined();
  });

  it("keeps status out of a main-resource update and bumps generation only on spec changes", async () => {
    const current = await batch.readNamespacedJob({ namespace: ns, name: "defaults" });
    const labelled = await batch.replaceNamespacedJob({ namespace: ns, name: "defaults", body: { ...current, metadata: { ...current.metadata, labels: { x: "y" } }, status: { succeeded: 99 } } });
    expect(labelled.metadata?.generation).toBe(1);
    expect(labelled.status?.succeeded).toBeUndefined();
    const parallel = await batch.replaceNamespacedJob({ namespace: ns, name: "defaults", body: { ...labelled, spec: { ...labelled.spec!, parallelism: 2 } } });
    expect(parallel.metadata?.generation).toBe(2);
    const immutable = await apiFailure(batch.replaceNamespacedJob({ namespace: ns, name: "defaults", body: { ...parallel, spec: { ...parallel.spec!, template: { ...parallel.spec!.template, spec: { ...parallel.spec!.template.spec!, activeDeadlineSeconds: 5 } } } } }));
    expect(immutable.code).toBe(422);
    expect(immutable.body.message).toContain("spec.template: Invalid value");
    expect(immutable.body.message).toContain("field is immutable");
  });
});

describe("patch", () => {
  it("applies client-node's default JSON patch and a merge patch", async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "patched" }, data: { A: "1", B: "2" } } });
    const jp = await core.patchNamespacedConfigMap({ namespace: ns, name: "patched", body: [{ op: "replace", path: "/data/A", value: "10" }] });
    expect(jp.data).toEqual({ A: "10", B: "2" });
    const merged = await core.patchNamespacedConfigMap(
      { namespace: ns, name: "patched", body: { data: { B: null, C: "3" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    expect(merged.data).toEqual({ A: "10", C: "3" });
    const strategic = await core.patchNamespacedConfigMap(
      { namespace: ns, name: "patched", body: { metadata: { labels: { patched: "yes" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.metadata?.labels).toEqual({ patched: "yes" });
    expect(strategic.data).toEqual({ A: "10", C: "3" });
    const missing = await apiFailure(core.patchNamespacedConfigMap({ namespace: ns, name: "nope", body: [] }));
    expect(missing.code).toBe(404);
  });

  it("requires a fieldManager for apply", async () => {
    const failure = await apiFailure(core.patchNamespacedConfigMap(
      { namespace: ns, name: "applied", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply),
    ));
    expect(failure.code).toBe(422);
    expect(failure.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });
});

describe("discovery, authentication and CRDs", () => {
  it("serves /version and the discovery documents KubernetesObjectApi reads", async () => {
    const version = await double.kubeConfig().makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe("v1.33.1");
    const objects = k8s.KubernetesObjectApi.makeApiClient(double.kubeConfig({ namespace: ns }));
    // KubernetesObjectApi turns apiVersion + kind into a path through the discovery documents.
    const jobs = await objects.list("batch/v1", "Job", ns);
    expect(jobs.kind).toBe("JobList");
    await objects.list("v1", "Node");
    expect(double.requests.slice(-4).map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /apis/batch/v1", `GET /apis/batch/v1/namespaces/${ns}/jobs`, "GET /api/v1", "GET /api/v1/nodes",
    ]);
    const core = await (await fetch(`${double.url}/api/v1`, { headers: { authorization: `Bearer ${double.token}` } })).json() as { resources: { name: string; verbs: string[] }[] };
    expect(core.resources.find((r) => r.name === "pods/log")?.verbs).toEqual(["get"]);
  });

  it("serves nodes read-only: a POST is 405 MethodNotAllowed", async () => {
    const res = await fetch(`${double.url}/api/v1/nodes`, { method: "POST", body: JSON.stringify({ metadata: { name: "n" } }), headers: { authorization: `Bearer ${double.token}`, "content-type": "application/json" } });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "MethodNotAllowed", code: 405 });
  });

  it("answers a missing or wrong token with 401 Unauthorized", async () => {
    const anonymous = await fetch(`${double.url}/api/v1/namespaces/${ns}/pods`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
    const kc = double.kubeConfig({ namespace: ns });
    kc.users[0] = { ...kc.users[0]!, token: "wrong" } as k8s.User;
    const failure = await apiFailure(kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns }));
    expect(failure.code).toBe(401);
  });

  it("404s a PodMonitor without the CRD, serves it with the CRD", async () => {
    const podMonitor = { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "vllm", namespace: ns }, spec: { selector: { matchLabels: { a: "b" } }, podMetricsEndpoints: [{ port: "http" }] } };
    const without = k8s.KubernetesObjectApi.makeApiClient(double.kubeConfig({ namespace: ns }));
    await expect(without.create(podMonitor)).rejects.toThrow(/Failed to fetch resource metadata for monitoring\.coreos\.com\/v1\/PodMonitor/);
    const withCrd = await startKubeApiDouble({ namespaces: [ns], nodes: [], crds: ["podmonitors.monitoring.coreos.com"] });
    try {
      const objects = k8s.KubernetesObjectApi.makeApiClient(withCrd.kubeConfig({ namespace: ns }));
      const created = await objects.create(podMonitor);
      expect((created.metadata as k8s.V1ObjectMeta).generation).toBe(1);
      const bad = await apiFailure(objects.create({ ...podMonitor, metadata: { name: "bad", namespace: ns }, spec: { selector: {}, podMetricsEndpoints: [{ interval: "15 s" }] } }));
      expect(bad.code).toBe(422);
      expect(bad.body.message).toMatch(/^PodMonitor\.monitoring\.coreos\.com "bad" is invalid: spec\.podMetricsEndpoints\[0\]\.interval: /);
    } finally {
      await withCrd.close();
    }
  });
});
