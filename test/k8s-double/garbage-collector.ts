/**
 * The garbage collector and the finalizer bookkeeping: an object whose owners are all gone is deleted
 * (background cascade); an owner deleted in the foreground waits for its dependents, then its
 * `foregroundDeletion` finalizer is dropped; an object with a deletionTimestamp and no finalizers left is
 * removed (a bound pod only once it has ended, see awaitsKubelet).
 */
import type { Cluster } from "./cluster.ts";
import { awaitsKubelet, deleteObject, dependentsOf, FOREGROUND_FINALIZER } from "./delete-object.ts";
import type { KubeObject, StoreEvent } from "./object-store.ts";
import type { ResourceInfo } from "./resource-table.ts";

function ownersGone(c: Cluster, obj: KubeObject): boolean {
  const refs = obj.metadata.ownerReferences ?? [];
  if (refs.length === 0) return false;
  return refs.every((ref) => {
    const res = c.table.resources.find((r) => r.kind === ref.kind && (r.group === "" ? r.version : `${r.group}/${r.version}`) === ref.apiVersion);
    if (!res) return true;
    const owner = c.store.get(res, res.namespaced ? obj.metadata.namespace : undefined, ref.name);
    return !owner || owner.metadata.uid !== ref.uid;
  });
}

function tryDelete(c: Cluster, res: ResourceInfo, obj: KubeObject, propagationPolicy: "Background" | "Foreground"): void {
  try {
    deleteObject(c, res, obj.metadata.namespace, obj.metadata.name, { propagationPolicy });
  } catch {
    // already gone
  }
}

/** The namespace controller: a Terminating namespace has its contents deleted, then goes itself. */
function settleNamespace(c: Cluster, ns: KubeObject): void {
  let left = 0;
  for (const res of c.table.resources) {
    if (!res.namespaced) continue;
    for (const o of c.store.list(res, ns.metadata.name)) {
      left += 1;
      if (o.metadata.deletionTimestamp === undefined) tryDelete(c, res, o, "Background");
    }
  }
  if (left === 0) c.store.remove(c.res("Namespace"), undefined, ns.metadata.name);
}

function settle(c: Cluster, res: ResourceInfo, obj: KubeObject): void {
  const current = c.store.get(res, obj.metadata.namespace, obj.metadata.name);
  if (!current || current.metadata.deletionTimestamp === undefined) return;
  if (res.kind === "Namespace") return settleNamespace(c, current);
  const finalizers = current.metadata.finalizers ?? [];
  if (finalizers.includes(FOREGROUND_FINALIZER)) {
    const dependents = dependentsOf(c, current);
    if (dependents.length > 0) {
      for (const dep of dependents) if (dep.object.metadata.deletionTimestamp === undefined) tryDelete(c, dep.res, dep.object, "Foreground");
      return;
    }
    const next = structuredClone(current);
    next.metadata.finalizers = finalizers.filter((f) => f !== FOREGROUND_FINALIZER);
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    c.store.update(res, next);
    return;
  }
  if (finalizers.length === 0 && !awaitsKubelet(current)) c.store.remove(res, current.metadata.namespace, current.metadata.name);
}

export function startGarbageCollector(c: Cluster): () => void {
  return c.store.subscribe((event: StoreEvent) => {
    const { object, resource } = event;
    if (event.type === "DELETED") {
      c.defer(() => {
        for (const res of c.table.resources) {
          for (const dep of c.store.list(res, res.namespaced ? object.metadata.namespace : undefined)) {
            if ((dep.metadata.ownerReferences ?? []).some((r) => r.uid === object.metadata.uid) && ownersGone(c, dep)) tryDelete(c, res, dep, "Background");
          }
        }
        // A terminating namespace may now be empty.
        const nsRes = c.res("Namespace");
        const namespace = resource.namespaced && object.metadata.namespace ? c.store.get(nsRes, undefined, object.metadata.namespace) : undefined;
        if (namespace?.metadata.deletionTimestamp !== undefined) settle(c, nsRes, namespace!);
        // An owner waiting in the foreground for this dependent may now go.
        for (const ref of object.metadata.ownerReferences ?? []) {
          const res = c.table.resources.find((r) => r.kind === ref.kind);
          const owner = res ? c.store.get(res, res.namespaced ? object.metadata.namespace : undefined, ref.name) : undefined;
          if (res && owner) settle(c, res, owner);
        }
      });
    } else if (object.metadata.deletionTimestamp !== undefined) {
      c.defer(() => settle(c, resource, object));
    }
  });
}
