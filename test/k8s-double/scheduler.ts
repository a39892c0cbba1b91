/**
 * The default scheduler, reduced to the filters that matter here: the node's unschedulable flag, required
 * nodeSelector and node affinity (matchExpressions In/NotIn/Exists/DoesNotExist/Gt/Lt), NoSchedule/NoExecute
 * taints against tolerations, and resource fit (cpu, memory, nvidia.com/gpu and any other extended resource,
 * pod count) against allocatable minus the requests of the pods already bound. The first node that passes
 * wins (preferred affinity is not scored). A pod that fits nowhere stays Pending with PodScheduled=False
 * (Unschedulable) and a FailedScheduling event in the scheduler's wording; it is retried whenever a node
 * is added or a bound pod goes away.
 */
import type { Cluster } from "./cluster.ts";
import { isTerminalPod } from "./delete-object.ts";
import { timestamp, type KubeObject } from "./object-store.ts";
import { parseQuantity } from "./parse-quantity.ts";

type Obj = Record<string, unknown>;

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return t.key === undefined || t.key === "" || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

function requirementMet(labels: Record<string, string>, r: NodeSelectorRequirement): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case "In":
      return has && (r.values ?? []).includes(v!);
    case "NotIn":
      return !has || !(r.values ?? []).includes(v!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
      return has && Number(v) > Number(r.values?.[0]);
    case "Lt":
      return has && Number(v) < Number(r.values?.[0]);
    default:
      return false;
  }
}

function matchesNodeAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  const spec = pod.spec as Obj;
  const selector = (spec.nodeSelector as Record<string, string> | undefined) ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  const required = ((spec.affinity as Obj | undefined)?.nodeAffinity as Obj | undefined)?.requiredDuringSchedulingIgnoredDuringExecution as
    | { nodeSelectorTerms?: { matchExpressions?: NodeSelectorRequirement[] }[] }
    | undefined;
  const terms = required?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return true;
  return terms.some((t) => (t.matchExpressions ?? []).every((r) => requirementMet(labels, r)));
}

/** Sum of container requests (limits stand in where only a limit is set, as API defaulting does). */
export function podRequests(pod: KubeObject): Record<string, number> {
  const sum: Record<string, number> = {};
  const containers = ((pod.spec as Obj).containers as { resources?: { requests?: Obj; limits?: Obj } }[]) ?? [];
  for (const c of containers) {
    const requests = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    for (const [k, v] of Object.entries(requests)) sum[k] = (sum[k] ?? 0) + parseQuantity(v as string);
  }
  return sum;
}

const NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** Why `pod` cannot go on `node` (empty when it can), in the filter plugins' words. */
export function unfit(c: Cluster, pod: KubeObject, node: KubeObject): { reasons: string[]; resolvable: boolean } {
  const spec = node.spec as { unschedulable?: boolean; taints?: Taint[] } | undefined;
  if (spec?.unschedulable) return { reasons: ["node(s) were unschedulable"], resolvable: false };
  if (!matchesNodeAffinity(pod, node)) return { reasons: [NODE_AFFINITY], resolvable: false };
  const tolerations = ((pod.spec as Obj).tolerations as Toleration[] | undefined) ?? [];
  const taint = (spec?.taints ?? []).find((t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(tolerations, t));
  if (taint) return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`], resolvable: false };
  const allocatable = ((node.status as Obj | undefined)?.allocatable as Record<string, string> | undefined) ?? {};
  const bound = c.store.list(c.res("Pod")).filter((p) => (p.spec as Obj).nodeName === node.metadata.name && !isTerminalPod(p) && p.metadata.uid !== pod.metadata.uid);
  const reasons: string[] = [];
  if (bound.length + 1 > parseQuantity(allocatable.pods ?? "110")) reasons.push("Too many pods");
  const wanted = podRequests(pod);
  for (const [resource, amount] of Object.entries(wanted)) {
    if (amount <= 0) continue;
    const used = bound.reduce((sum, p) => sum + (podRequests(p)[resource] ?? 0), 0);
    const have = allocatable[resource] === undefined ? 0 : parseQuantity(allocatable[resource]);
    if (used + amount > have + 1e-9) reasons.push(`Insufficient ${resource}`);
  }
  return { reasons, resolvable: true };
}

/** "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) had untolerated taint {…}. preemption: …" */
export function failedSchedulingMessage(nodeCount: number, perNode: { reasons: string[]; resolvable: boolean }[]): string {
  if (nodeCount === 0) return "no nodes available to schedule pods";
  const counts = new Map<string, number>();
  for (const n of perNode) for (const r of n.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const reasons = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, n]) => `${n} ${r}`);
  const noVictims = perNode.filter((n) => n.resolvable).length;
  const notHelpful = nodeCount - noVictims;
  const preemption = [
    ...(noVictims > 0 ? [`${noVictims} No preemption victims found for incoming pod`] : []),
    ...(notHelpful > 0 ? [`${notHelpful} Preemption is not helpful for scheduling`] : []),
  ];
  return `0/${nodeCount} nodes are available: ${reasons.join(", ")}. preemption: 0/${nodeCount} nodes are available: ${preemption.join(", ")}.`;
}

function setScheduledCondition(pod: KubeObject, status: "True" | "False", at: string, message?: string): void {
  const st = (pod.status ?? {}) as Obj;
  const conditions = ((st.conditions as Obj[] | undefined) ?? []).filter((x) => x.type !== "PodScheduled");
  const condition: Obj = { type: "PodScheduled", status, lastProbeTime: null, lastTransitionTime: at };
  if (status === "False") Object.assign(condition, { reason: "Unschedulable", message });
  conditions.push(condition);
  st.conditions = conditions;
  pod.status = st;
}

export function startScheduler(c: Cluster): { kick(): void; stop(): void } {
  const podRes = c.res("Pod");
  const nodeRes = c.res("Node");
  let queued = false;
  const scheduleAll = () => {
    queued = false;
    const nodes = c.store.list(nodeRes);
    for (const pod of c.store.list(podRes)) {
      const spec = pod.spec as Obj;
      if (spec.nodeName || pod.metadata.deletionTimestamp !== undefined || spec.schedulerName !== "default-scheduler") continue;
      const verdicts = nodes.map((n) => ({ node: n, ...unfit(c, pod, n) }));
      const chosen = verdicts.find((v) => v.reasons.length === 0);
      const at = timestamp(c.now());
      if (chosen) {
        const next = structuredClone(pod);
        (next.spec as Obj).nodeName = chosen.node.metadata.name;
        setScheduledCondition(next, "True", at);
        c.store.update(podRes, next);
        c.events.record(next, "Normal", "Scheduled", `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${chosen.node.metadata.name}`, { component: "default-scheduler" });
      } else {
        const message = failedSchedulingMessage(nodes.length, verdicts);
        const current = ((pod.status as Obj | undefined)?.conditions as Obj[] | undefined)?.find((x) => x.type === "PodScheduled");
        if (current?.status === "False" && current.message === message) continue;
        const next = structuredClone(pod);
        setScheduledCondition(next, "False", at, message);
        c.store.update(podRes, next);
        c.events.record(next, "Warning", "FailedScheduling", message, { component: "default-scheduler" });
      }
    }
  };
  const kick = () => {
    if (queued) return;
    queued = true;
    c.defer(scheduleAll);
  };
  const unsubscribe = c.store.subscribe((e) => {
    if (e.resource === nodeRes) kick();
    else if (e.resource === podRes) {
      const bound = Boolean((e.object.spec as Obj).nodeName);
      if (e.type === "ADDED" && !bound) kick();
      if (e.type === "DELETED" || (e.type === "MODIFIED" && bound && isTerminalPod(e.object) && !(e.previous && isTerminalPod(e.previous)))) kick();
    }
  });
  return { kick, stop: unsubscribe };
}
