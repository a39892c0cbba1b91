/** A Node object as a kubelet registers it: labels, taints, capacity/allocatable, Ready, addresses, nodeInfo. */
import { nodeOptionSchema, type NodeOption } from "./double-options.ts";
import { timestamp, type KubeObject } from "./object-store.ts";

export function nodeObject(option: NodeOption, version: string, index: number): KubeObject {
  const n = nodeOptionSchema.parse(option);
  const asStrings = (r: Record<string, string | number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  const capacity = asStrings(n.capacity);
  const now = timestamp(new Date());
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: n.name,
      labels: { "kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64", ...n.labels },
    },
    spec: { ...(n.taints.length > 0 ? { taints: n.taints } : {}), ...(n.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity,
      allocatable: n.allocatable ? asStrings(n.allocatable) : capacity,
      conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: now, lastTransitionTime: now, reason: "KubeletReady", message: "kubelet is posting ready status" }],
      addresses: [{ type: "InternalIP", address: `192.168.0.${10 + index}` }, { type: "Hostname", address: n.name }],
      nodeInfo: {
        kubeletVersion: version, kubeProxyVersion: version, containerRuntimeVersion: "containerd://1.7.27", osImage: "Ubuntu 22.04.5 LTS",
        kernelVersion: "6.8.0-1015", operatingSystem: "linux", architecture: "amd64", machineID: "", systemUUID: "", bootID: "",
      },
    },
  };
}
