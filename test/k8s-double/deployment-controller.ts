/**
 * The Deployment and ReplicaSet controllers: a Deployment owns one ReplicaSet per pod template
 * (`<deployment>-<pod-template-hash>`), which owns its pods (`<replicaset>-<5 chars>`, the template's labels
 * plus pod-template-hash). A new template scales the old ReplicaSets to 0 (with `Recreate` the new one waits
 * until their pods are gone). Deployment status: replicas, updatedReplicas, readyReplicas,
 * availableReplicas, unavailableReplicas and the Available/Progressing conditions with the real reasons.
 */
import { isControlledBy, ownerReference, randomSuffix, templateHash, type Cluster } from "./cluster.ts";
import { deleteObject, isTerminalPod } from "./delete-object.ts";
import { timestamp, type KubeObject } from "./object-store.ts";
import { createObject } from "./write-object.ts";

type Obj = Record<string, unknown>;
const WRITE = { fieldValidation: "Ignore" as const, dryRun: false };

function isReady(pod: KubeObject): boolean {
  const conditions = ((pod.status as Obj | undefined)?.conditions as { type: string; status: string }[] | undefined) ?? [];
  return conditions.some((x) => x.type === "Ready" && x.status === "True");
}

function activePods(c: Cluster, owner: KubeObject): KubeObject[] {
  return c.store.list(c.res("Pod"), owner.metadata.namespace).filter((p) => isControlledBy(p, owner) && !isTerminalPod(p) && p.metadata.deletionTimestamp === undefined);
}

function condition(type: string, status: string, reason: string, message: string, at: string, previous?: Obj): Obj {
  const same = previous && previous.status === status;
  return { type, status, lastUpdateTime: at, lastTransitionTime: same ? previous.lastTransitionTime : at, reason, message };
}

function reconcileReplicaSet(c: Cluster, rs: KubeObject): void {
  if (rs.metadata.deletionTimestamp !== undefined) return;
  const spec = rs.spec as { replicas: number; template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Obj } };
  const pods = activePods(c, rs);
  const podRes = c.res("Pod");
  for (let i = pods.length; i < spec.replicas; i++) {
    const name = `${rs.metadata.name}-${randomSuffix(c)}`;
    createObject(c, podRes, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: rs.metadata.namespace, labels: { ...spec.template.metadata?.labels }, ...(spec.template.metadata?.annotations ? { annotations: spec.template.metadata.annotations } : {}), ownerReferences: [ownerReference(rs)] },
      spec: structuredClone(spec.template.spec),
    }, WRITE);
    c.events.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${name}`, { component: "replicaset-controller" });
  }
  for (const pod of pods.slice(spec.replicas)) {
    try {
      // Scale down: graceful deletion, as the controller does.
      deleteObject(c, podRes, pod.metadata.namespace, pod.metadata.name);
      c.events.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`, { component: "replicaset-controller" });
    } catch {
      // gone already
    }
  }
  const all = c.store.list(podRes, rs.metadata.namespace).filter((p) => isControlledBy(p, rs) && !isTerminalPod(p));
  const status = {
    replicas: all.length,
    fullyLabeledReplicas: all.length,
    readyReplicas: all.filter(isReady).length,
    availableReplicas: all.filter(isReady).length,
    observedGeneration: rs.metadata.generation,
  };
  const current = c.store.get(c.res("ReplicaSet"), rs.metadata.namespace, rs.metadata.name);
  if (current) c.store.update(c.res("ReplicaSet"), { ...current, status: { ...(current.status as Obj), ...status } }, { part: "status" });
}

function reconcileDeployment(c: Cluster, d: KubeObject): void {
  if (d.metadata.deletionTimestamp !== undefined) return;
  const rsRes = c.res("ReplicaSet");
  const spec = d.spec as { replicas: number; template: { metadata?: { labels?: Record<string, string> }; spec: Obj }; selector: Obj; strategy?: { type?: string } };
  const hash = templateHash(spec.template);
  const owned = c.store.list(rsRes, d.metadata.namespace).filter((rs) => isControlledBy(rs, d));
  let current = owned.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
  const old = owned.filter((rs) => rs !== current);
  const at = timestamp(c.now());
  for (const rs of old) {
    const replicas = (rs.spec as { replicas: number }).replicas;
    if (replicas !== 0) {
      c.store.update(rsRes, { ...rs, spec: { ...(rs.spec as Obj), replicas: 0 } });
      c.events.record(d, "Normal", "ScalingReplicaSet", `Scaled down replica set ${rs.metadata.name} from ${replicas} to 0`, { component: "deployment-controller" });
    }
  }
  const oldPodsLeft = old.some((rs) => c.store.list(c.res("Pod"), d.metadata.namespace).some((p) => isControlledBy(p, rs)));
  const mayScaleUp = spec.strategy?.type !== "Recreate" || !oldPodsLeft;
  if (!current) {
    const name = `${d.metadata.name}-${hash}`;
    const labels = { ...spec.template.metadata?.labels, "pod-template-hash": hash };
    current = createObject(c, rsRes, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name, namespace: d.metadata.namespace, labels, annotations: { "deployment.kubernetes.io/desired-replicas": String(spec.replicas), "deployment.kubernetes.io/max-replicas": String(spec.replicas), "deployment.kubernetes.io/revision": String(owned.length + 1) }, ownerReferences: [ownerReference(d)] },
      spec: {
        replicas: 0,
        selector: { ...spec.selector, matchLabels: { ...((spec.selector.matchLabels as Obj | undefined) ?? {}), "pod-template-hash": hash } },
        template: { ...spec.template, metadata: { ...spec.template.metadata, labels } },
      },
    }, WRITE).object;
  }
  const currentReplicas = (current.spec as { replicas: number }).replicas;
  if (mayScaleUp && currentReplicas !== spec.replicas) {
    c.store.update(rsRes, { ...current, spec: { ...(current.spec as Obj), replicas: spec.replicas } });
    const verb = spec.replicas > currentReplicas ? "up" : "down";
    c.events.record(d, "Normal", "ScalingReplicaSet", `Scaled ${verb} replica set ${current.metadata.name} from ${currentReplicas} to ${spec.replicas}`, { component: "deployment-controller" });
  }

  const pods = owned.concat(owned.includes(current) ? [] : [current]).flatMap((rs) => activePods(c, rs));
  const updated = activePods(c, current);
  const ready = pods.filter(isReady).length;
  const prev = ((d.status as Obj | undefined)?.conditions as Obj[] | undefined) ?? [];
  const available = ready >= spec.replicas
    ? condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", at, prev.find((x) => x.type === "Available"))
    : condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", at, prev.find((x) => x.type === "Available"));
  const complete = updated.length === spec.replicas && updated.filter(isReady).length === spec.replicas && pods.length === spec.replicas;
  const progressing = complete
    ? condition("Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${current.metadata.name}" has successfully progressed.`, at, prev.find((x) => x.type === "Progressing"))
    : condition("Progressing", "True", prev.length === 0 ? "NewReplicaSetCreated" : "ReplicaSetUpdated", prev.length === 0 ? `Created new replica set "${current.metadata.name}"` : `ReplicaSet "${current.metadata.name}" is progressing.`, at, prev.find((x) => x.type === "Progressing"));
  const status: Obj = {
    observedGeneration: d.metadata.generation,
    replicas: pods.length,
    updatedReplicas: updated.length,
    readyReplicas: ready,
    availableReplicas: ready,
    conditions: [available, progressing],
  };
  if (pods.length - ready > 0) status.unavailableReplicas = pods.length - ready;
  if (ready === 0) delete status.readyReplicas;
  if (ready === 0) delete status.availableReplicas;
  const fresh = c.store.get(c.res("Deployment"), d.metadata.namespace, d.metadata.name);
  if (!fresh) return;
  // Written only when something but the condition times changed (the controller does not churn the object).
  const withoutTimes = (st: Obj) => JSON.stringify({ ...st, conditions: (st.conditions as Obj[] | undefined)?.map((x) => ({ ...x, lastUpdateTime: 0, lastTransitionTime: 0 })) });
  if (withoutTimes((fresh.status ?? {}) as Obj) !== withoutTimes(status)) c.store.update(c.res("Deployment"), { ...fresh, status }, { part: "status" });
}

export function startDeploymentController(c: Cluster): () => void {
  const deployRes = c.res("Deployment");
  const rsRes = c.res("ReplicaSet");
  const podRes = c.res("Pod");
  const pending = new Map<string, () => void>();
  const enqueue = (key: string, work: () => void) => {
    if (pending.has(key)) return;
    pending.set(key, work);
    c.defer(() => {
      pending.delete(key);
      work();
    });
  };
  const deployment = (ns: string | undefined, name: string) =>
    enqueue(`d/${ns}/${name}`, () => {
      const d = c.store.get(deployRes, ns, name);
      if (d) reconcileDeployment(c, d);
    });
  const replicaSet = (ns: string | undefined, name: string) =>
    enqueue(`rs/${ns}/${name}`, () => {
      const rs = c.store.get(rsRes, ns, name);
      if (rs) reconcileReplicaSet(c, rs);
    });
  const ownerOf = (o: KubeObject, kind: string) => (o.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === kind);
  return c.store.subscribe((e) => {
    const o = e.object;
    if (e.resource === deployRes && e.type !== "DELETED") deployment(o.metadata.namespace, o.metadata.name);
    if (e.resource === rsRes) {
      if (e.type !== "DELETED") replicaSet(o.metadata.namespace, o.metadata.name);
      const owner = ownerOf(o, "Deployment");
      if (owner) deployment(o.metadata.namespace, owner.name);
    }
    if (e.resource === podRes) {
      const owner = ownerOf(o, "ReplicaSet");
      if (!owner) return;
      replicaSet(o.metadata.namespace, owner.name);
      const rs = c.store.get(rsRes, o.metadata.namespace, owner.name);
      const dOwner = rs ? ownerOf(rs, "Deployment") : undefined;
      if (dOwner) deployment(o.metadata.namespace, dOwner.name);
    }
  });
}
