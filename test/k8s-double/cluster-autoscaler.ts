/**
 * A cluster autoscaler for node groups the test declares: when a pod is unschedulable and a node of a group
 * (below its max) would take it, the pod gets TriggeredScaleUp ("pod triggered scale-up: [{group 0->1 (max:
 * 1)}]") and the node joins after `provisionMs`; when no group's node would take it, NotTriggerScaleUp with
 * the reasons. Both as events from "cluster-autoscaler", as the real one reports them.
 */
import { randomSuffix, type Cluster } from "./cluster.ts";
import type { NodeOption } from "./double-options.ts";
import type { KubeObject } from "./object-store.ts";
import { nodeObject } from "./node-object.ts";
import { unfit } from "./scheduler.ts";

export interface NodeGroup {
  name: string;
  max: number;
  provisionMs: number;
  /** The node template (its name is generated: `<group>-<5 chars>`). */
  node: Omit<NodeOption, "name">;
}

type Obj = Record<string, unknown>;

function unschedulable(pod: KubeObject): boolean {
  const conditions = ((pod.status as Obj | undefined)?.conditions as { type: string; status: string; reason?: string }[] | undefined) ?? [];
  return conditions.some((x) => x.type === "PodScheduled" && x.status === "False" && x.reason === "Unschedulable");
}

export function startClusterAutoscaler(c: Cluster, groups: readonly NodeGroup[], gitVersion: string): () => void {
  if (groups.length === 0) return () => undefined; // a cluster without an autoscaler says nothing
  const podRes = c.res("Pod");
  const nodeRes = c.res("Node");
  const sizes = new Map(groups.map((g) => [g.name, 0]));
  const provisioning = new Set<string>();
  const handled = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const source = { component: "cluster-autoscaler" };

  const consider = (pod: KubeObject) => {
    if (handled.has(pod.metadata.uid!) || !unschedulable(pod) || (pod.spec as Obj).nodeName) return;
    handled.add(pod.metadata.uid!);
    if (provisioning.size > 0) return; // a node is on its way; the scheduler will retry when it joins
    const reasons = new Map<string, number>();
    for (const group of groups) {
      const size = sizes.get(group.name)!;
      if (size >= group.max) {
        reasons.set("max node group size reached", (reasons.get("max node group size reached") ?? 0) + 1);
        continue;
      }
      const candidate = nodeObject({ ...group.node, name: `${group.name}-template` }, gitVersion, 0);
      const why = unfit(c, pod, candidate).reasons;
      if (why.length > 0) {
        for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
        continue;
      }
      c.events.record(pod, "Normal", "TriggeredScaleUp", `pod triggered scale-up: [{${group.name} ${size}->${size + 1} (max: ${group.max})}]`, source);
      sizes.set(group.name, size + 1);
      provisioning.add(group.name);
      const t = setTimeout(() => {
        timers.delete(t);
        provisioning.delete(group.name);
        c.store.create(nodeRes, nodeObject({ ...group.node, name: `${group.name}-${randomSuffix(c)}` }, gitVersion, 100 + size));
      }, group.provisionMs);
      timers.add(t);
      return;
    }
    const list = [...reasons.entries()].map(([r, n]) => `${n} ${r}`).join(", ");
    c.events.record(pod, "Normal", "NotTriggerScaleUp", `pod didn't trigger scale-up: ${list}`, source);
  };

  const unsubscribe = c.store.subscribe((e) => {
    if (e.resource === podRes && e.type === "MODIFIED" && unschedulable(e.object)) c.defer(() => {
      const pod = c.store.get(podRes, e.object.metadata.namespace, e.object.metadata.name);
      if (pod) consider(pod);
    });
    if (e.resource === podRes && e.type === "DELETED") handled.delete(e.object.metadata.uid!);
  });
  return () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
  };
}
