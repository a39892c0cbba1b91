/**
 * Node registration and heartbeats, as the kubelet does them (kubelet_node_status.go, nodestatus/setters.go,
 * nodelease):
 * - registerWithAPIServer: POST the Node (labels kubernetes.io/hostname, os, arch + the caller's, taints from
 *   --register-with-taints, status included on create) or, when it exists, update its status;
 * - status: capacity = allocatable (cpu, memory, pods, ephemeral-storage, extended resources such as
 *   nvidia.com/gpu), addresses (InternalIP only — see below), daemonEndpoints.kubeletEndpoint.Port, nodeInfo,
 *   conditions MemoryPressure/DiskPressure/PIDPressure False and Ready True ("KubeletReady", "kubelet is posting
 *   ready status") with lastHeartbeatTime renewed on each status update;
 * - the node Lease in kube-node-lease (holderIdentity = node name, leaseDurationSeconds 40, owner reference to
 *   the Node), renewed every interval.
 *
 * Only InternalIP is published: the API server dials a node at the first address whose type comes first in
 * --kubelet-preferred-address-types (default Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP). A Hostname
 * address (the node name) would be tried first and fail to resolve, so pods/log and nodes/proxy would break.
 */
import { arch as osArch, cpus, totalmem } from "node:os";
import type { V1Node, V1NodeCondition, V1Taint } from "@kubernetes/client-node";
import { type ApiClient, ApiError, microTime, rfc3339 } from "./api-client.ts";

export const KUBELET_VERSION = "v1.36.3";

export interface NodeSpecOptions {
  name: string;
  labels?: Record<string, string>;
  capacity?: Record<string, string>;
  taints?: V1Taint[];
}

const GO_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" };

export function nodeCapacity(extra: Record<string, string> = {}): Record<string, string> {
  return {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: "110",
    "ephemeral-storage": "100Gi",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    ...extra,
  };
}

function conditions(now: string, transitions: Map<string, string>): V1NodeCondition[] {
  const c = (type: string, status: string, reason: string, message: string): V1NodeCondition => {
    const key = `${type}=${status}`;
    if (!transitions.has(key)) transitions.set(key, now);
    return { type, status, reason, message, lastHeartbeatTime: now as unknown as Date, lastTransitionTime: transitions.get(key) as unknown as Date };
  };
  return [
    c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    c("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
  ];
}

export interface NodeRegistration {
  uid: string;
  /** Stops the Lease renewals and status heartbeats (the node lifecycle controller then marks it Unknown). */
  stopHeartbeats(): void;
  /**
   * Deletes the Node object with the given (admin) client: a node's own credentials may not (the Node
   * authorizer answers 403 — a real kubelet never deletes its Node; an operator or the cloud controller does).
   */
  deleteNode(admin: ApiClient): Promise<void>;
}

export async function registerNode(
  api: ApiClient,
  o: NodeSpecOptions & { address: string; kubeletPort: number; podCIDR: string; heartbeatMs: number; onError: (err: unknown) => void },
): Promise<NodeRegistration> {
  const transitions = new Map<string, string>();
  const capacity = nodeCapacity(o.capacity);
  const status = () => ({
    capacity,
    allocatable: capacity,
    addresses: [{ type: "InternalIP", address: o.address }],
    daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
    nodeInfo: {
      machineID: "",
      systemUUID: "",
      bootID: "",
      kernelVersion: "",
      osImage: "kneepoint node agent (processes on the test host)",
      containerRuntimeVersion: "containerd://2.1.0-kneepoint-node-agent",
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: GO_ARCH[osArch()] ?? osArch(),
    },
    conditions: conditions(rfc3339(), transitions),
  });
  const node: V1Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: o.name,
      labels: {
        "beta.kubernetes.io/arch": GO_ARCH[osArch()] ?? osArch(),
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": GO_ARCH[osArch()] ?? osArch(),
        "kubernetes.io/hostname": o.name,
        "kubernetes.io/os": "linux",
        ...o.labels,
      },
      annotations: { "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    spec: { podCIDR: o.podCIDR, podCIDRs: [o.podCIDR], ...(o.taints?.length ? { taints: o.taints } : {}) },
    status: status() as V1Node["status"],
  };
  let created: V1Node;
  try {
    created = await api.request<V1Node>("POST", "/api/v1/nodes", node);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409)) throw err;
    // Re-registration (an agent restarted with the same name): the kubelet keeps the object, updates status.
    created = await api.request<V1Node>("GET", `/api/v1/nodes/${o.name}`);
  }
  const uid = created.metadata!.uid!;

  const updateStatus = async () => {
    await api.request("PATCH", `/api/v1/nodes/${o.name}/status`, { status: status() }, "application/strategic-merge-patch+json");
  };
  await updateStatus();

  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${o.name}`;
  const renewLease = async () => {
    const spec = { holderIdentity: o.name, leaseDurationSeconds: 40, renewTime: microTime() };
    const existing = await api.getOrUndefined<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>(leasePath);
    if (!existing) {
      await api.request("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: o.name, namespace: "kube-node-lease", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: o.name, uid }] },
        spec,
      });
      return;
    }
    await api.request("PUT", leasePath, { ...existing, spec: { ...existing.spec, ...spec } });
  };
  await renewLease();

  let stopped = false;
  const leaseTimer = setInterval(() => void renewLease().catch((e) => !stopped && o.onError(e)), o.heartbeatMs);
  const statusTimer = setInterval(() => void updateStatus().catch((e) => !stopped && o.onError(e)), o.heartbeatMs);
  leaseTimer.unref();
  statusTimer.unref();
  const stopHeartbeats = () => {
    stopped = true;
    clearInterval(leaseTimer);
    clearInterval(statusTimer);
  };
  return {
    uid,
    stopHeartbeats,
    async deleteNode(admin) {
      stopHeartbeats();
      const r = await admin.raw("DELETE", `/api/v1/nodes/${o.name}`);
      if (r.status >= 300 && r.status !== 404) throw new ApiError(r.status, "DELETE", `/api/v1/nodes/${o.name}`, r.text);
    },
  };
}
