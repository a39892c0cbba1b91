/**
 * kube-api-double: a test double of the Kubernetes API server, with the controllers and a "kubelet" that
 * make it a cluster, for end-to-end tests of kneepoint's runner. It speaks the real REST API over plain
 * HTTP on 127.0.0.1 (port 0); the product code only gets a kubeconfig (`writeKubeconfig`).
 *
 *   const double = await startKubeApiDouble({ namespaces: ["bench"], kubelet: { path: `${bin}:/usr/bin:/bin` } });
 *   await double.writeKubeconfig(file, { namespace: "bench" });
 *   … run the product with KUBECONFIG=file …
 *   double.requests / double.get("Job", "bench", "vllm-bench") / double.events
 *   await double.close(); // kills every process it started
 *
 * Faithful (what the runner can rely on, checked with @kubernetes/client-node in the tests here):
 * - REST paths of core/v1, apps/v1, batch/v1, rbac/v1 and (with `crds`) monitoring.coreos.com/v1; discovery
 *   (/api, /apis, /api/v1, /apis/{group}/{version}, /version); an uninstalled group is a 404.
 * - Status errors with the server's reasons, codes and wording: NotFound, AlreadyExists, Conflict (stale
 *   resourceVersion), Invalid (422 with causes: required fields, enums, names, labels, images, Job
 *   restartPolicy, Deployment selector vs labels, immutable Job template/selector, ConfigMap/Secret size and
 *   keys), BadRequest (wrong JSON types; unknown fields with fieldValidation=Strict), Unauthorized (bearer
 *   token), Forbidden (RBAC rules, real message), Expired (410 watch event), ServiceUnavailable (proxy).
 * - fieldValidation: Strict → 400 on unknown fields; Warn (the server's default) → accepted, field dropped,
 *   `Warning: 299 - "unknown field …"` header; Ignore → dropped silently.
 * - Object metadata: uid, one global resourceVersion counter, creationTimestamp, generation (for the kinds
 *   whose strategy keeps it) bumped on spec changes; status only through /status for kinds with that
 *   subresource; defaulting (pod spec defaults, limits → requests, Job selector and labels, Deployment
 *   strategy, Service clusterIP, Secret stringData → data); list items without apiVersion/kind.
 * - Watch: ADDED/MODIFIED/DELETED, resume from a resourceVersion within the kept history, ERROR Expired
 *   beyond it, selector transitions as ADDED/DELETED, timeoutSeconds.
 * - DELETE: propagationPolicy Foreground/Background/Orphan via ownerReferences (a Job's default is Orphan,
 *   with the server's warning), finalizers, graceful pod deletion, Success Status vs the object per kind.
 * - Controllers: scheduler (nodeSelector, required node affinity, taints, resource fit incl. nvidia.com/gpu;
 *   FailedScheduling wording; retried when a node is added), Deployment → ReplicaSet → pods
 *   (pod-template-hash, Recreate), Job (tracking finalizer, backoffLimit with back-off, activeDeadlineSeconds,
 *   SuccessCriteriaMet/Complete, FailureTarget/Failed, ttlSecondsAfterFinished), garbage collector, events
 *   (aggregated counts).
 * - Fault injection: no node fits (FailedScheduling), a cluster autoscaler's node groups (TriggeredScaleUp /
 *   NotTriggerScaleUp, the node joining after a delay), unpullable images (ErrImagePull → ImagePullBackOff),
 *   crashing model servers (CrashLoopBackOff, restartCount, lastState, previous log), cut log streams
 *   (`breakLogStreams`), pod deletion through the API, Jobs whose command fails.
 * - Kubelet: runs non-ReplicaSet pods' commands locally with the real env rules ($(VAR) expansion, envFrom
 *   and valueFrom with optional, service links, CreateContainerConfigError), configMap/secret/emptyDir
 *   volumes, StartError for a missing executable, exit code → terminated state and pod phase; pod logs with
 *   follow/tailLines/sinceSeconds/timestamps/previous/limitBytes and the kubelet's waiting errors.
 * - services/proxy to a mapped upstream, streaming; 404/503 as on a cluster.
 *
 * Simplified (not what a cluster does):
 * - The one deviation in running containers: volume mountPaths in command, args, env values and workingDir
 *   are rewritten to the pod's temp dirs (pod-volumes.ts); `image` is recorded, never pulled; no isolation,
 *   user, read-only root or resource limits.
 * - Server-side apply is a JSON merge of the applied configuration onto the live object (maps merge, lists
 *   are replaced, nothing is removed): no field ownership, no managedFields, no apply conflicts. Strategic
 *   merge patch is a JSON merge patch too (lists replaced, not merged by key).
 * - Validation covers the schema (kubernetes-models/ajv) and the rules listed above, not every API rule;
 *   wrong-type messages name the JSON path, not Go's struct field. A PodMonitor is checked with
 *   test/k8s/pod-monitor-shape.ts, so a field outside it is a 422 (a cluster would prune it under Warn).
 * - ReplicaSet pods are simulated (no process; probes are not run: Ready after deploymentReadyAfterMs; they
 *   restart only when `deploymentCrashes` says so). A pod that runs a process is never restarted, whatever
 *   its restartPolicy; init containers and sidecars are not run; only the first container of a pod runs.
 *   Indexed Jobs, suspend, podFailurePolicy, Deployment progressDeadlineSeconds, rolling-update surge
 *   arithmetic and the autoscaler's scale-down are not modelled.
 * - A bound pod deleted before it started, and an unbound deleted Job pod, end Failed at once.
 * - A watch from a resourceVersion older than the kept history gets the ERROR event with reason Expired
 *   (code 410), as the watch cache sends it; a list's stale `continue` token is not checked (no 410 Gone).
 * - No pods/exec, attach or portforward; no aggregated discovery (the plain JSON documents only); no
 *   protobuf; no bookmarks; a list's resourceVersion/resourceVersionMatch are ignored (always the latest).
 * - The logs of an unscheduled pod are an empty 200 (the API server has no node to ask).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { mulberry32 } from "../../src/workload/rng.ts";
import { ApiStatusError } from "./api-status.ts";
import type { Cluster } from "./cluster.ts";
import { startDeploymentController } from "./deployment-controller.ts";
import { doubleOptionsSchema, type DoubleOptions, type NodeOption } from "./double-options.ts";
import { nodeObject } from "./node-object.ts";
import { startClusterAutoscaler } from "./cluster-autoscaler.ts";
import { EventRecorder } from "./event-recorder.ts";
import { startGarbageCollector } from "./garbage-collector.ts";
import { startJobController } from "./job-controller.ts";
import { createKubeApiServer, type RequestRecord, type ServerState } from "./kube-api-server.ts";
import { startKubelet } from "./kubelet.ts";
import { ObjectStore, type KubeObject } from "./object-store.ts";
import { PodLogs } from "./pod-logs.ts";
import type { RoleObject } from "./rbac-authorizer.ts";
import { ResourceTable } from "./resource-table.ts";
import { startScheduler } from "./scheduler.ts";
import { asObject, createObject } from "./write-object.ts";

export type { DoubleOptions, NodeOption, RequestRecord, KubeObject };

export interface KubeApiDouble {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The token of the (RBAC-limited) user; `adminToken` is never limited. */
  token: string;
  adminToken: string;
  /** Writes a kubeconfig (bearer-token user, mode 0600) whose context points at the double. */
  writeKubeconfig(path: string, options?: { namespace?: string; admin?: boolean }): Promise<void>;
  /** The same configuration, loaded, for tests that call client-node directly. */
  kubeConfig(options?: { namespace?: string; admin?: boolean }): KubeConfig;
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(kind: string, namespace?: string): KubeObject[];
  /** Every request so far: method, path with query, status, user. */
  readonly requests: RequestRecord[];
  /** Every core/v1 Event in the cluster. */
  readonly events: KubeObject[];
  /** The container log text of a pod (its first container unless named). */
  podLog(namespace: string, pod: string, container?: string): string | undefined;
  addNode(node: NodeOption): void;
  setServiceUpstream(namespaceAndName: string, url: string | undefined): void;
  /** Makes pulling `image` fail with this registry error (undefined: the image can be pulled again). */
  setImagePullError(image: string, error: string | undefined): void;
  /** The next `count` follow log streams are cut (socket destroyed) after `afterBytes` bytes. */
  breakLogStreams(options: { afterBytes: number; count?: number }): void;
  /** Pids of the container processes running now. */
  runningPids(): number[];
  /** Errors thrown inside controllers (a test can assert there were none). */
  readonly controllerErrors: Error[];
  close(): Promise<void>;
}

export async function startKubeApiDouble(input: DoubleOptions = {}): Promise<KubeApiDouble> {
  const options = doubleOptionsSchema.parse(input);
  const ownTmp = options.kubelet.tmpDir === undefined;
  const tmpDir = options.kubelet.tmpDir ?? mkdtempSync(join(tmpdir(), "kube-api-double-"));
  const now = () => new Date();
  const table = new ResourceTable(options.crds);
  const store = new ObjectStore({ now, historyLimit: options.watchHistory });
  const controllerErrors: Error[] = [];
  const queue: (() => void)[] = [];
  let draining = false;
  let closed = false;
  const drain = () => {
    draining = false;
    while (queue.length > 0 && !closed) {
      const work = queue.shift()!;
      try {
        work();
      } catch (err) {
        // Raced with a deletion, or refused by a terminating namespace: a controller logs and moves on.
        if (err instanceof ApiStatusError && (err.code === 404 || err.code === 409 || err.code === 403)) continue;
        controllerErrors.push(err as Error);
        console.error("kube-api-double controller error:", err);
      }
    }
  };
  const random = mulberry32(options.seed);
  const cluster: Cluster = {
    store,
    table,
    events: undefined as unknown as EventRecorder,
    now,
    random,
    res: (k) => table.lookup(k),
    defer(work) {
      queue.push(work);
      if (!draining) {
        draining = true;
        setImmediate(drain);
      }
    },
  };
  cluster.events = new EventRecorder(store, table.lookup("Event"), table.lookup("Namespace"), now);

  const admin = { fieldValidation: "Strict" as const, dryRun: false };
  for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease", ...options.namespaces]) {
    if (!store.get(table.lookup("Namespace"), undefined, ns)) createObject(cluster, table.lookup("Namespace"), { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, admin);
  }
  let nodeCount = 0;
  const addNode = (n: NodeOption) => {
    store.create(table.lookup("Node"), nodeObject(n, options.serverVersion.gitVersion, nodeCount++));
  };
  for (const n of options.nodes) addNode(n);
  createObject(cluster, table.lookup("Service"), {
    apiVersion: "v1", kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { clusterIP: "10.96.0.1", clusterIPs: ["10.96.0.1"], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
  }, admin);
  for (const o of options.objects) {
    const res = table.byKind(o.apiVersion, o.kind);
    if (!res) throw new Error(`options.objects: the double serves no ${o.apiVersion} ${o.kind}`);
    createObject(cluster, res, asObject(res, o, (o.metadata as { namespace?: string }).namespace ?? (res.namespaced ? "default" : undefined)), admin);
  }

  const logs = new PodLogs(now);
  const pullErrors = new Map(Object.entries(options.imagePullErrors));
  const stops: (() => void)[] = [];
  stops.push(startGarbageCollector(cluster));
  const scheduler = startScheduler(cluster);
  stops.push(scheduler.stop);
  stops.push(startDeploymentController(cluster));
  stops.push(startClusterAutoscaler(cluster, options.autoscaler, options.serverVersion.gitVersion));
  const jobs = startJobController(cluster, options.jobRetryBackoffMs);
  stops.push(jobs.stop);
  const kubelet = startKubelet(cluster, logs, {
    path: options.kubelet.path ?? process.env.PATH ?? "/usr/bin:/bin",
    tmpDir,
    keepPodDirs: options.kubelet.keepPodDirs,
    imagePullMs: options.imagePullMs,
    readyAfterMs: options.deploymentReadyAfterMs,
    logLines: options.deploymentLogs,
    crashes: options.deploymentCrashes,
    crashLoopBackoffMs: options.crashLoopBackoffMs,
    pullErrors,
    imagePullBackoffMs: options.imagePullBackoffMs,
  });

  const token = options.token ?? randomBytes(16).toString("hex");
  const adminToken = randomBytes(16).toString("hex");
  const state: ServerState = {
    cluster,
    logs,
    token,
    adminToken,
    user: options.user,
    rbac: options.rbac as RoleObject[] | undefined,
    upstreams: new Map(Object.entries(options.serviceUpstreams)),
    logFaults: [],
    requests: [],
    serverVersion: {
      ...options.serverVersion, gitCommit: "0000000000000000000000000000000000000000", gitTreeState: "clean", buildDate: "2025-05-15T00:00:00Z",
      goVersion: "go1.24.2", compiler: "gc", platform: "linux/amd64",
    },
    openStreams: new Set<ServerResponse>(),
  };
  const server = createKubeApiServer(state);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const kubeconfigText = (o: { namespace?: string; admin?: boolean } = {}) =>
    stringify({
      apiVersion: "v1",
      kind: "Config",
      // client-node refuses plain http unless TLS verification is off (there is no TLS to verify).
      clusters: [{ name: "kube-api-double", cluster: { server: url, "insecure-skip-tls-verify": true } }],
      users: [{ name: o.admin ? "kubernetes-admin" : options.user, user: { token: o.admin ? adminToken : token } }],
      contexts: [{ name: "kube-api-double", context: { cluster: "kube-api-double", user: o.admin ? "kubernetes-admin" : options.user, namespace: o.namespace ?? "default" } }],
      "current-context": "kube-api-double",
    });

  return {
    url,
    token,
    adminToken,
    async writeKubeconfig(path, o) {
      await writeFile(path, kubeconfigText(o), { mode: 0o600 });
    },
    kubeConfig(o) {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigText(o));
      return kc;
    },
    get: (kind, namespace, name) => store.get(table.lookup(kind), namespace, name),
    list: (kind, namespace) => store.list(table.lookup(kind), namespace),
    requests: state.requests,
    get events() {
      return store.list(table.lookup("Event"));
    },
    podLog(namespace, pod, container) {
      const p = store.get(table.lookup("Pod"), namespace, pod);
      if (!p) return undefined;
      const name = container ?? (p.spec as { containers: { name: string }[] }).containers[0]!.name;
      return logs.get(p.metadata.uid!, name)?.text();
    },
    addNode(n) {
      addNode(n);
    },
    setServiceUpstream(key, upstream) {
      if (upstream === undefined) state.upstreams.delete(key);
      else state.upstreams.set(key, upstream);
    },
    setImagePullError(image, error) {
      if (error === undefined) pullErrors.delete(image);
      else pullErrors.set(image, error);
    },
    breakLogStreams({ afterBytes, count = 1 }) {
      state.logFaults.push({ afterBytes, remaining: count });
    },
    runningPids: () => kubelet.runningPids(),
    controllerErrors,
    async close() {
      closed = true;
      for (const stop of stops) stop();
      for (const res of state.openStreams) res.destroy();
      await kubelet.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownTmp) rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}
