/**
 * DELETE as the API server does it: preconditions, the propagation policy (a Job's default is still Orphan,
 * with the server's warning), finalizers that keep an object until they are removed, and a bound, running
 * pod's graceful deletion (deletionTimestamp = now + grace; the kubelet stops the container, then the pod
 * goes). Returns what the DELETE response carries.
 */
import { conflict, notFound } from "./api-status.ts";
import type { Cluster } from "./cluster.ts";
import { timestamp, type KubeObject } from "./object-store.ts";
import type { ResourceInfo } from "./resource-table.ts";

export type PropagationPolicy = "Foreground" | "Background" | "Orphan";

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteOutcome {
  object: KubeObject;
  /** false: still there, with a deletionTimestamp (finalizers or graceful pod termination). */
  removed: boolean;
  warnings: string[];
}

export const FOREGROUND_FINALIZER = "foregroundDeletion";
export const JOB_DELETE_WARNING =
  "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning";

export function isTerminalPod(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** A bound pod that has not ended: only the kubelet may remove it (after stopping its containers). */
export function awaitsKubelet(obj: KubeObject): boolean {
  return obj.kind === "Pod" && Boolean((obj.spec as { nodeName?: string } | undefined)?.nodeName) && !isTerminalPod(obj);
}

export function dependentsOf(c: Cluster, owner: KubeObject): { res: ResourceInfo; object: KubeObject }[] {
  const found: { res: ResourceInfo; object: KubeObject }[] = [];
  for (const res of c.table.resources) {
    if (res.namespaced && owner.metadata.namespace === undefined && owner.kind !== "Namespace") continue;
    for (const object of c.store.list(res, res.namespaced ? owner.metadata.namespace : undefined)) {
      if ((object.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid)) found.push({ res, object });
    }
  }
  return found;
}

export function deleteObject(c: Cluster, res: ResourceInfo, namespace: string | undefined, name: string, options: DeleteOptions = {}): DeleteOutcome {
  const obj = c.store.get(res, namespace, name);
  if (!obj) throw notFound(res, name);
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== obj.metadata.uid) {
    throw conflict(res, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(res, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
  }
  const warnings: string[] = [];
  let policy = options.propagationPolicy;
  if (policy === undefined && res.kind === "Job") {
    policy = "Orphan";
    warnings.push(JOB_DELETE_WARNING);
  }
  policy ??= "Background";

  if (policy === "Orphan") {
    for (const dep of dependentsOf(c, obj)) {
      const refs = (dep.object.metadata.ownerReferences ?? []).filter((r) => r.uid !== obj.metadata.uid);
      const next = structuredClone(dep.object);
      if (refs.length > 0) next.metadata.ownerReferences = refs;
      else delete next.metadata.ownerReferences;
      c.store.update(dep.res, next);
    }
  }
  const finalizers = [...(obj.metadata.finalizers ?? [])];
  if (policy === "Foreground" && dependentsOf(c, obj).length > 0 && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);

  if (obj.metadata.deletionTimestamp !== undefined) {
    // Already being deleted: a second DELETE may only shorten a pod's grace period.
    if (options.gracePeriodSeconds === 0 && res.kind === "Pod" && finalizers.length === 0) return { object: c.store.remove(res, namespace, name), removed: true, warnings };
    return { object: obj, removed: false, warnings };
  }
  if (res.kind === "Namespace") {
    // Terminating: the namespace controller (garbage-collector.ts) empties it, then it goes.
    const next = structuredClone(obj);
    next.metadata.deletionTimestamp = timestamp(c.now());
    next.status = { ...(next.status as Record<string, unknown>), phase: "Terminating" };
    return { object: c.store.update(res, next), removed: false, warnings };
  }
  if (res.kind === "Pod" && awaitsKubelet(obj)) {
    const spec = obj.spec as { terminationGracePeriodSeconds?: number };
    const grace = options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    if (grace > 0 || finalizers.length > 0) {
      const next = structuredClone(obj);
      next.metadata.deletionTimestamp = timestamp(new Date(c.now().getTime() + grace * 1000));
      next.metadata.deletionGracePeriodSeconds = grace;
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      return { object: c.store.update(res, next), removed: false, warnings };
    }
  }
  if (finalizers.length > 0) {
    const next = structuredClone(obj);
    next.metadata.deletionTimestamp = timestamp(c.now());
    next.metadata.deletionGracePeriodSeconds = 0;
    next.metadata.finalizers = finalizers;
    return { object: c.store.update(res, next), removed: false, warnings };
  }
  return { object: c.store.remove(res, namespace, name), removed: true, warnings };
}
