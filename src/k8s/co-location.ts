/**
 * Where the load pods ran relative to the pods they measured, from the API (pods' spec.nodeName, nodes'
 * `topology.kubernetes.io/zone`): a load pod on a target's node competes with it for CPU, memory bandwidth and the
 * NIC, and one in another zone adds cross-zone latency to every request. Every cluster run says it in the results
 * table's footer and in benchmarks.md's run context, and warns when a load pod shared a node with a target.
 *   - describeCoLocation (pure): pairs → relations → one footer line and the warnings;
 *   - readCoLocation: the target Service's endpoints (EndpointSlices, or the given server pods), the pods' nodes
 *     and the nodes' zones. What cannot be read (no RBAC on nodes, a target outside the cluster) is "unknown", with
 *     a note, never a failure.
 */
import type { Kube } from "./kube-client.ts";
import type { ServiceRef } from "./service-proxy.ts";
import { readServiceEndpointPods } from "./vllm-endpoints.ts";

export const ZONE_LABEL = "topology.kubernetes.io/zone";

export interface PlacedPod {
  pod: string;
  /** spec.nodeName; undefined when not scheduled or not readable. */
  node?: string;
}

export type Relation = "same-node" | "same-zone" | "other-zone" | "zone-unknown" | "node-unknown";

export interface PodPair {
  load: string;
  target: string;
  relation: Relation;
}

export interface CoLocation {
  pairs: PodPair[];
  /** "1 load pod × 2 target pods (1 same node, 1 other zone): bench-job-x (n1, us-a) → vllm-0 (n1, us-a): same node; …". */
  text: string;
  /** The footer line: `co-location: ${text}`. */
  line: string;
  /** One per load pod that shared a node with a target it measured. */
  warnings: string[];
}

const RELATION_TEXT: Record<Relation, string> = {
  "same-node": "same node",
  "same-zone": "same zone",
  "other-zone": "other zone",
  "zone-unknown": `zone unknown (no ${ZONE_LABEL} label)`,
  "node-unknown": "node unknown",
};

export function relationOf(loadNode: string | undefined, targetNode: string | undefined, zones: ReadonlyMap<string, string | undefined>): Relation {
  if (!loadNode || !targetNode) return "node-unknown";
  if (loadNode === targetNode) return "same-node";
  const a = zones.get(loadNode);
  const b = zones.get(targetNode);
  if (a === undefined || b === undefined) return "zone-unknown";
  return a === b ? "same-zone" : "other-zone";
}

/** The relations of every (load pod, target pod) pair, the footer line and the same-node warnings. Pure. */
export function describeCoLocation(loads: readonly PlacedPod[], targets: readonly PlacedPod[], zones: ReadonlyMap<string, string | undefined>): CoLocation {
  const pairs: PodPair[] = loads.flatMap((l) => targets.map((t) => ({ load: l.pod, target: t.pod, relation: relationOf(l.node, t.node, zones) })));
  const where = (p: PlacedPod) => (p.node ? `${p.node}${zones.get(p.node) ? `, ${zones.get(p.node)}` : ""}` : "node unknown");
  if (targets.length === 0) {
    const text = "unknown (the target's pods could not be found: not a Service of this cluster, or its endpoints are not readable)";
    return { pairs, text, line: `co-location: ${text}`, warnings: [] };
  }
  // One load pod (or N that all sit alike) is the common case: said once per load pod, targets listed.
  const perLoad = loads.map((l) => {
    const rel = targets.map((t) => `${t.pod} (${where(t)}): ${RELATION_TEXT[relationOf(l.node, t.node, zones)]}`);
    return `${l.pod} (${where(l)}) → ${rel.join("; ")}`;
  });
  const counts = new Map<Relation, number>();
  for (const p of pairs) counts.set(p.relation, (counts.get(p.relation) ?? 0) + 1);
  const tally = [...counts.entries()].map(([r, n]) => `${n} ${RELATION_TEXT[r]}`).join(", ");
  const text = `${loads.length} load pod${loads.length === 1 ? "" : "s"} × ${targets.length} target pod${targets.length === 1 ? "" : "s"} (${tally}): ${perLoad.join(" | ")}`;
  const warnings = loads
    .map((l) => ({ l, shared: targets.filter((t) => relationOf(l.node, t.node, zones) === "same-node") }))
    .filter((x) => x.shared.length > 0)
    .map(
      ({ l, shared }) =>
        `load pod ${l.pod} ran on node ${l.node}, the node of target pod${shared.length === 1 ? "" : "s"} ${shared.map((t) => t.pod).join(", ")}: it competed with the server for CPU and network, so the numbers may be pessimistic; pin the load elsewhere (a nodeSelector or pod anti-affinity on the bench Job)`,
    );
  return { pairs, text, line: `co-location: ${text}`, warnings };
}

export interface CoLocationInput {
  /** The load pods (the Job's pod, or the Indexed Job's N), with their nodes when already known. */
  loadPods: readonly PlacedPod[];
  /** The target Service; its endpoints are the target pods. */
  target: ServiceRef | null;
  /** Fallback target pods (e.g. make vllm-up's Deployment's pods) when the Service's endpoints cannot be read. */
  serverPods?: readonly string[];
}

/** Reads the pods' nodes and the nodes' zones, then describeCoLocation; notes say what could not be read. */
export async function readCoLocation(kube: Kube, input: CoLocationInput): Promise<CoLocation & { notes: string[] }> {
  const notes: string[] = [];
  let targets: PlacedPod[] = [];
  if (input.target) {
    try {
      targets = await readServiceEndpointPods(kube, input.target);
    } catch {
      notes.push(`the endpoints of ${input.target.namespace}/${input.target.name} could not be read (RBAC: list endpointslices.discovery.k8s.io)`);
    }
  }
  if (targets.length === 0 && input.serverPods?.length) targets = input.serverPods.map((pod) => ({ pod }));
  const nodeOf = async (p: PlacedPod, namespace: string): Promise<PlacedPod> => {
    if (p.node) return p;
    try {
      const pod = await kube.core.readNamespacedPod({ name: p.pod, namespace });
      return pod.spec?.nodeName ? { pod: p.pod, node: pod.spec.nodeName } : p;
    } catch {
      return p;
    }
  };
  const loads = await Promise.all(input.loadPods.map((p) => nodeOf(p, kube.namespace)));
  targets = await Promise.all(targets.map((p) => nodeOf(p, input.target?.namespace ?? kube.namespace)));
  const zones = new Map<string, string | undefined>();
  for (const node of new Set([...loads, ...targets].map((p) => p.node).filter((n): n is string => !!n))) {
    try {
      const n = await kube.core.readNode({ name: node });
      zones.set(node, n.metadata?.labels?.[ZONE_LABEL]);
    } catch {
      notes.push(`node ${node} could not be read for its zone (apply deploy/node-reader.yaml)`);
    }
  }
  return { ...describeCoLocation(loads, targets, zones), notes };
}

/**
 * The load pods of the Job's outcome, with the nodes the follower saw: one pod (JobOutcome's podName/nodeName) or
 * PODS=N (IndexedJobOutcome's shards). Read by shape, as both outcomes reach here through ClusterRunSteps.
 */
export function loadPodsOf(outcome: object): PlacedPod[] {
  const o = outcome as { podName?: string | null; nodeName?: string | null; shards?: Array<{ podName?: string | null; nodeName?: string | null }> };
  const placed = (p: { podName?: string | null; nodeName?: string | null }): PlacedPod[] => (p.podName ? [{ pod: p.podName, ...(p.nodeName ? { node: p.nodeName } : {}) }] : []);
  return Array.isArray(o.shards) ? o.shards.flatMap(placed) : placed(o);
}
