/**
 * Smoke test of the real control plane (build.ts + control-plane.ts): the admission, controllers, scheduler and
 * RBAC that an API double would not have, seen through @kubernetes/client-node as kneepoint sees a cluster.
 *
 * The binary comes from the cache (`make test` builds it first, see README.md); if it is missing this builds it
 * (8-12 min cold). A build failure fails the test — under CI=true and everywhere else; only
 * KNEEPOINT_TEST_PEERS=skip (refused under CI=true) skips it.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Pod, type V1PodSpec, VersionApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "./until.ts";
import { peersSkipped } from "../real-peers/peers.ts";
import { buildControlPlane } from "./build.ts";
import { type ControlPlane, startControlPlane } from "./control-plane.ts";
import { ETCD_VERSION, KUBERNETES_VERSION } from "./pins.ts";

const skipped = peersSkipped();
if (skipped) console.warn("KNEEPOINT_TEST_PEERS=skip: not running the real control plane smoke test");


/** Awaits a call the API server must refuse; returns the refusal's HTTP status and message. */
async function refused(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = (typeof err.body === "string" ? JSON.parse(err.body || "{}") : err.body) as { message?: string };
    return { code: err.code, message: body.message ?? String(err.body) };
  }
  throw new Error("the API server accepted a request it should have refused");
}

/** A container spec that passes Pod Security "restricted". */
function restrictedPod(name: string, extra: Partial<V1PodSpec> = {}): V1Pod {
  return {
    metadata: { name },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "main",
          image: "registry.invalid/kneepoint/none:0",
          command: ["sleep", "1"],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      ],
      ...extra,
    },
  };
}

describe.skipIf(skipped)(`real control plane (Kubernetes ${KUBERNETES_VERSION}, etcd ${ETCD_VERSION})`, () => {
  let cp: ControlPlane | undefined;
  let bin = "";
  let kc: KubeConfig;
  let core: CoreV1Api;
  let batch: BatchV1Api;
  let rbac: RbacAuthorizationV1Api;

  beforeAll(async () => {
    bin = await buildControlPlane(); // cached: a stat and a read; cold: the whole build
    cp = await startControlPlane({ binary: bin });
    console.log(`control plane ready at ${cp.server} in ${cp.startupMs} ms`);
    kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    batch = kc.makeApiClient(BatchV1Api);
    rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  }, 3_600_000);

  afterAll(async () => {
    await cp?.stop();
  }, 30_000);

  const namespace = async (name: string, labels: Record<string, string> = {}) => {
    await core.createNamespace({ body: { metadata: { name, labels } } });
    // ServiceAccount admission refuses pods until the serviceaccount controller made "default".
    await until(`ServiceAccount default in ${name}`, () => core.readNamespacedServiceAccount({ name: "default", namespace: name }));
  };

  it("runs the pinned versions, over TLS with a client certificate", async () => {
    const { stdout } = await promisify(execFile)(bin, ["version"]);
    expect(stdout).toContain(`k8s.io/kubernetes ${KUBERNETES_VERSION}`);
    expect(stdout).toContain(`go.etcd.io/etcd/server/v3 ${ETCD_VERSION}`);
    expect(cp!.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe(KUBERNETES_VERSION);
  });

  it("refuses a privileged pod in a namespace enforcing Pod Security restricted, admits a compliant one", async () => {
    await namespace("restricted", { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" });
    const privileged: V1Pod = {
      metadata: { name: "privileged" },
      spec: { containers: [{ name: "main", image: "registry.invalid/kneepoint/none:0", securityContext: { privileged: true } }] },
    };
    const refusal = await refused(core.createNamespacedPod({ namespace: "restricted", body: privileged }));
    expect(refusal.code).toBe(403);
    expect(refusal.message).toMatch(/violates PodSecurity "restricted:latest"/);
    expect(refusal.message).toMatch(/privileged \(container "main" must not set securityContext\.privileged=true\)/);

    const ok = await core.createNamespacedPod({ namespace: "restricted", body: restrictedPod("compliant") });
    expect(ok.metadata?.uid).toBeTruthy();
  });

  it("enforces a ResourceQuota (no GPUs, one pod)", async () => {
    await namespace("quota");
    await core.createNamespacedResourceQuota({
      namespace: "quota",
      body: { metadata: { name: "no-gpus" }, spec: { hard: { pods: "1", "requests.nvidia.com/gpu": "0" } } },
    });
    // Quota admission refuses everything until the resourcequota controller has filled in status.hard.
    await until("quota status", async () => (await core.readNamespacedResourceQuota({ name: "no-gpus", namespace: "quota" })).status?.hard?.pods);

    const gpuPod = restrictedPod("wants-gpu");
    gpuPod.spec!.containers[0]!.resources = { limits: { "nvidia.com/gpu": "1" } };
    const gpu = await refused(core.createNamespacedPod({ namespace: "quota", body: gpuPod }));
    expect(gpu.code).toBe(403);
    expect(gpu.message).toMatch(/exceeded quota: no-gpus, requested: requests\.nvidia\.com\/gpu=1, used: requests\.nvidia\.com\/gpu=0, limited: requests\.nvidia\.com\/gpu=0/);

    await core.createNamespacedPod({ namespace: "quota", body: restrictedPod("first") });
    const second = await refused(core.createNamespacedPod({ namespace: "quota", body: restrictedPod("second") }));
    expect(second.code).toBe(403);
    expect(second.message).toMatch(/exceeded quota: no-gpus, requested: pods=1, used: pods=1, limited: pods=1/);
  });

  it("runs the job controller and the scheduler: a Job gets a pod, Pending and unschedulable with no nodes", async () => {
    await batch.createNamespacedJob({
      namespace: "restricted",
      body: {
        metadata: { name: "bench" },
        spec: { backoffLimit: 0, template: { spec: { ...restrictedPod("x").spec!, restartPolicy: "Never" } } },
      },
    });
    const pod = await until("the Job's pod, marked unschedulable by the scheduler", async () => {
      const pods = await core.listNamespacedPod({ namespace: "restricted", labelSelector: "batch.kubernetes.io/job-name=bench" });
      const p = pods.items[0];
      return p?.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable") ? p : undefined;
    });
    expect(pod.status?.phase).toBe("Pending");
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Job", name: "bench", controller: true });
    expect(pod.status?.conditions?.find((c) => c.type === "PodScheduled")?.message).toBe("no nodes available to schedule pods");
  });

  it("issues a ServiceAccount token through the TokenRequest API, and RBAC limits it to what it was granted", async () => {
    const ns = "restricted";
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "bench-runner" } } });
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { metadata: { name: "pod-reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: "bench-runner-pod-reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
        subjects: [{ kind: "ServiceAccount", name: "bench-runner", namespace: ns }],
      },
    });
    const tr = await core.createNamespacedServiceAccountToken({ name: "bench-runner", namespace: ns, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const token = tr.status?.token ?? "";
    expect(token.split(".")).toHaveLength(3); // a JWT signed with --service-account-signing-key-file

    const sa = new KubeConfig();
    sa.loadFromOptions({
      clusters: [{ name: "c", server: cp!.server, caData: kc.getCurrentCluster()!.caData! }],
      users: [{ name: "bench-runner", token }],
      contexts: [{ name: "c", cluster: "c", user: "bench-runner", namespace: ns }],
      currentContext: "c",
    });
    const saCore = sa.makeApiClient(CoreV1Api);
    // Granted (the RBAC authorizer's cache sees the new binding within moments).
    const pods = await until("list pods as bench-runner", () => saCore.listNamespacedPod({ namespace: ns }), 10_000);
    expect(pods.items.length).toBeGreaterThan(0);
    // Not granted.
    const denied = await refused(saCore.listNamespacedSecret({ namespace: ns }));
    expect(denied.code).toBe(403);
    expect(denied.message).toBe(`secrets is forbidden: User "system:serviceaccount:${ns}:bench-runner" cannot list resource "secrets" in API group "" in the namespace "${ns}"`);
    const create = await refused(saCore.createNamespacedPod({ namespace: ns, body: restrictedPod("sneaky") }));
    expect(create.code).toBe(403);
  });
});
