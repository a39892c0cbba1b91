/**
 * A stand-in for the kubelet of one node of a REAL control plane (../kube-control-plane): it registers a Node
 * with a node identity (Node authorizer + NodeRestriction apply), keeps its Lease and Ready condition fresh, runs
 * the pods bound to it as local processes on pod IPs added to lo, reports their status, events and logs through
 * the API server, and serves the kubelet API (logs) over HTTPS for pods/log.
 *
 *   const cp = await startControlPlane();
 *   const node = await startNodeAgent({ controlPlane: cp, node: { name: "gpu-node-1", capacity: { "nvidia.com/gpu": "1" } }, path });
 *   try { … } finally { await node.stop(); await cp.stop(); }
 *
 * Parts: node-registration.ts (Node, Lease, heartbeats), pod-network.ts (IPs), pod-worker.ts (one pod's
 * lifecycle) with container-env.ts, pod-volumes.ts, container-process.ts, probes.ts, pod-status.ts, events.ts,
 * cri-log-file.ts / cri-log-reader.ts (CRI log files, rotation, reads), kubelet-server.ts (HTTPS),
 * host-resources.ts (cleanup if the test process dies). See README.md.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Pod, V1Taint } from "@kubernetes/client-node";
import { issueCertificate } from "../kube-control-plane/certs.ts";
import type { ControlPlane } from "../kube-control-plane/control-plane.ts";
import { ApiClient, ApiError } from "./api-client.ts";
import { eventRecorder } from "./events.ts";
import { sweepOrphans } from "./host-resources.ts";
import { startKubeletServer } from "./kubelet-server.ts";
import { nodeCapacity, registerNode } from "./node-registration.ts";
import { openPodNetwork } from "./pod-network.ts";
import { apiPodSources } from "./pod-sources.ts";
import { PodWorker } from "./pod-worker.ts";

export interface NodeAgentOptions {
  controlPlane: ControlPlane;
  node: { name: string; labels?: Record<string, string>; capacity?: Record<string, string>; taints?: V1Taint[] };
  /** PATH of the containers (the "image"): a bin dir with test doubles first. */
  path: string;
  /** Where pod dirs and logs go (default: a new temp dir, removed by stop()). */
  tmpDir?: string;
  /** The crash-loop back-off base (kubelet: 10 s), doubled per restart, capped at crashLoopBackoffMaxMs (5 min). */
  crashLoopBackoffMs?: number;
  crashLoopBackoffMaxMs?: number;
  /** containerLogMaxSize / containerLogMaxFiles (default 10 Mi / 5), checked every checkIntervalMs (kubelet: 10 s). */
  logRotation?: { maxBytes: number; maxFiles: number; checkIntervalMs?: number };
  /** containerd's max_container_log_line_size (16 KiB): longer lines become P records. */
  partialLineBytes?: number;
  /** Multiplies probe initialDelaySeconds/periodSeconds/timeoutSeconds (tests; default 1). */
  probeTimeScale?: number;
  /** Lease renewal and Ready heartbeat period (default 10 s, the kubelet's nodeStatusUpdateFrequency / lease renew interval). */
  heartbeatMs?: number;
  /** Retry period for pods waiting on a missing ConfigMap/Secret or a failed mount (default 1 s). */
  syncRetryMs?: number;
  /** Delete the Node object on stop(), with the control plane's admin credentials (default true). */
  deleteNodeOnStop?: boolean;
  /** Errors of background work (status writes, events, heartbeats); default: console.warn. */
  onError?: (err: unknown) => void;
  /**
   * The pod's /etc/hosts (the cluster DNS stand-in of ../kube-cluster-net): when given, each container runs in its
   * own mount namespace with this file bind-mounted over /etc/hosts, as the runtime mounts the kubelet's hosts file.
   */
  hostsFile?: (namespace: string, pod: { name: string; ip: string }) => string;
}

export interface NodeAgent {
  name: string;
  /** The node's InternalIP (10.244.<k>.1) — the kubelet server listens there. */
  address: string;
  /** The kubelet server's port (daemonEndpoints.kubeletEndpoint.Port). */
  port: number;
  /** Pod dirs and logs. */
  dir: string;
  stop(): Promise<void>;
  /** The eviction manager's eviction of one pod (default message: ephemeral-storage pressure). */
  evict(namespace: string, pod: string, message?: string): Promise<void>;
  /** Stops Lease renewals and Ready heartbeats (the node lifecycle controller then marks the node NotReady/Unknown). */
  stopHeartbeats(): void;
  /** Pids of the containers running now. */
  runningPids(): number[];
  /** The kubelet server ends ("end", cleanly) or drops ("destroy") every open `follow` log response; returns how many. */
  breakLogStreams(how?: "end" | "destroy"): number;
  /** The pod IP this agent gave a pod (for tests). */
  podIP(namespace: string, pod: string): string | undefined;
}

export const DEFAULT_EVICTION_MESSAGE = "The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 9Gi. ";

export async function startNodeAgent(o: NodeAgentOptions): Promise<NodeAgent> {
  sweepOrphans();
  const name = o.node.name;
  const onError = o.onError ?? ((err: unknown) => console.warn(`node agent ${name}: ${err instanceof Error ? err.message : String(err)}`));
  const ownDir = !o.tmpDir;
  const dir = o.tmpDir ?? mkdtempSync(join(tmpdir(), `kneepoint-node-${name}-`));
  const pki = o.controlPlane.pki;
  const net = await openPodNetwork();
  const cleanups: (() => Promise<void> | void)[] = [() => net.close()];
  const runCleanups = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(onError);
  };
  try {
    // The node's identity (CN=system:node:<name>, O=system:nodes) and the kubelet's serving certificate.
    const [client, serving] = await Promise.all([
      issueCertificate(pki, `node-${name}-client`, `/O=system:nodes/CN=system:node:${name}`, "client"),
      issueCertificate(pki, `node-${name}-serving`, `/O=system:nodes/CN=system:node:${name}`, "server", `IP:${net.nodeIP},DNS:${name}`),
    ]);
    const api = new ApiClient(o.controlPlane.server, { ca: readFileSync(pki.ca.cert), cert: readFileSync(client.cert), key: readFileSync(client.key) });
    cleanups.push(() => api.close());
    const server = new URL(o.controlPlane.server);
    const events = eventRecorder(api, name, onError);
    const sources = apiPodSources(api);
    const workers = new Map<string, PodWorker>();
    const find = (ns: string, pod: string) => [...workers.values()].find((w) => w.namespace === ns && w.name === pod);

    const kubelet = await startKubeletServer({ address: net.nodeIP, cert: serving.cert, key: serving.key, ca: pki.ca.cert, findPod: find });
    cleanups.push(() => kubelet.close());

    const heartbeatMs = o.heartbeatMs ?? 10_000;
    const registration = await registerNode(api, { ...o.node, address: net.nodeIP, kubeletPort: kubelet.port, podCIDR: net.podCIDR, heartbeatMs, onError });
    cleanups.push(() => registration.stopHeartbeats());

    const rotation = { maxBytes: o.logRotation?.maxBytes ?? 10 * 1024 * 1024, maxFiles: o.logRotation?.maxFiles ?? 5, checkIntervalMs: o.logRotation?.checkIntervalMs ?? 10_000 };
    const cfg = {
      nodeName: name,
      hostIP: net.nodeIP,
      path: o.path,
      podsDir: join(dir, "pods"),
      logsDir: join(dir, "logs", "pods"),
      apiHost: server.hostname,
      apiPort: Number(server.port || 443),
      allocatable: nodeCapacity(o.node.capacity),
      crashLoopBackoffMs: o.crashLoopBackoffMs ?? 10_000,
      crashLoopBackoffMaxMs: o.crashLoopBackoffMaxMs ?? 300_000,
      partialLineBytes: o.partialLineBytes ?? 16 * 1024,
      probeTimeScale: o.probeTimeScale ?? 1,
      syncRetryMs: o.syncRetryMs ?? 1000,
      onError,
      ...(o.hostsFile ? { hostsFile: o.hostsFile } : {}),
    };

    // The container log manager's monitoring loop.
    const rotationTimer = setInterval(() => {
      for (const w of workers.values()) {
        for (const c of [...(w.pod.spec?.initContainers ?? []), ...(w.pod.spec?.containers ?? [])]) {
          const logs = w.containerLogs(c.name);
          if (logs?.running && logs.current) {
            try {
              logs.current.rotateIfNeeded(rotation.maxBytes, rotation.maxFiles);
            } catch (err) {
              onError(err);
            }
          }
        }
      }
    }, rotation.checkIntervalMs);
    rotationTimer.unref();
    cleanups.push(() => clearInterval(rotationTimer));

    // The pod config source: list + watch pods with spec.nodeName=<name>.
    const onPod = (type: string, pod: V1Pod) => {
      const uid = pod.metadata!.uid!;
      const existing = workers.get(uid);
      if (type === "DELETED") {
        if (existing) {
          workers.delete(uid);
          existing.forget();
        }
        return;
      }
      if (existing) {
        existing.update(pod);
        return;
      }
      const phase = pod.status?.phase;
      const w = new PodWorker(pod, api, sources, net, events, cfg);
      if (phase === "Succeeded" || phase === "Failed") {
        // Terminal before this agent saw it: nothing runs; deleted when asked.
        if (pod.metadata?.deletionTimestamp) void w.deletePod().catch(onError);
        return;
      }
      workers.set(uid, w);
      if (pod.metadata?.deletionTimestamp) {
        w.update(pod); // deleted before it started: terminate (nothing ran) and delete
        return;
      }
      w.start();
    };
    let watching = true;
    const podsPath = `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`;
    const watchLoop = async () => {
      let rv = "";
      while (watching) {
        try {
          if (!rv) {
            const list = await api.request<{ metadata: { resourceVersion: string }; items: V1Pod[] }>("GET", podsPath);
            const seen = new Set(list.items.map((p) => p.metadata!.uid!));
            for (const [uid, w] of workers) if (!seen.has(uid)) onPod("DELETED", w.pod);
            for (const p of list.items) onPod("MODIFIED", p);
            rv = list.metadata.resourceVersion;
          }
          rv = await api.watchOnce<V1Pod>(podsPath, rv, (e) => onPod(e.type, e.object));
        } catch (err) {
          if (!watching) return;
          if (err instanceof ApiError && err.status === 410) rv = "";
          else {
            onError(err);
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      }
    };
    const watchDone = watchLoop();
    cleanups.push(async () => {
      watching = false;
      api.close();
      await watchDone;
    });
    cleanups.push(async () => {
      await Promise.all([...workers.values()].map((w) => w.stop()));
      await events.flush();
    });
    if (o.deleteNodeOnStop !== false) {
      const admin = new ApiClient(o.controlPlane.server, { ca: readFileSync(pki.ca.cert), cert: readFileSync(pki.admin.cert), key: readFileSync(pki.admin.key) });
      cleanups.push(async () => {
        try {
          await registration.deleteNode(admin);
        } finally {
          admin.close();
        }
      });
    }
    if (ownDir) cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));

    let stopped = false;
    return {
      name,
      address: net.nodeIP,
      port: kubelet.port,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await runCleanups();
      },
      async evict(namespace, pod, message = DEFAULT_EVICTION_MESSAGE) {
        const w = find(namespace, pod);
        if (!w) throw new Error(`node agent ${name}: no pod ${namespace}/${pod} on this node`);
        await w.evict(message);
      },
      stopHeartbeats: () => registration.stopHeartbeats(),
      runningPids: () => [...workers.values()].flatMap((w) => w.pids()),
      breakLogStreams: (how) => kubelet.breakLogStreams(how),
      podIP: (namespace, pod) => find(namespace, pod)?.podIP,
    };
  } catch (err) {
    await runCleanups();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
