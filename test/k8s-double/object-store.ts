/**
 * The double's etcd: objects by resource, namespace and name; one global resourceVersion counter; a bounded
 * history of changes for watches that resume from a resourceVersion; listeners for the controllers.
 * Objects go in and out as deep copies, so nobody edits stored state by accident.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { alreadyExists, conflict, notFound } from "./api-status.ts";
import { apiVersionOf, type ResourceInfo } from "./resource-table.ts";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  generateName?: string;
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceInfo;
  object: KubeObject;
  /** The object before a MODIFIED (for selector transitions in watches). */
  previous?: KubeObject;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

/** Seconds-precision RFC 3339, as metav1.Time marshals. */
export function timestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function key(res: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${res.group}/${res.plural}/${res.namespaced ? (namespace ?? "") : ""}/${name}`;
}

/** Everything but metadata and status: what bumps metadata.generation when it changes. */
function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private rv = 100;
  private readonly now: () => Date;
  private readonly historyLimit: number;

  constructor(options: { now: () => Date; historyLimit: number }) {
    this.now = options.now;
    this.historyLimit = options.historyLimit;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can resume from (inclusive lower bound of the history). */
  get oldestResumableVersion(): number {
    const first = this.history[0];
    return first ? first.resourceVersion - 1 : this.rv;
  }

  get(res: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.objects.get(key(res, namespace, name));
    return obj ? structuredClone(obj) : undefined;
  }

  /** Objects of a resource (in one namespace, or all), in the server's key order (namespace, then name). */
  list(res: ResourceInfo, namespace?: string): KubeObject[] {
    const prefix = `${res.group}/${res.plural}/${res.namespaced && namespace !== undefined ? `${namespace}/` : ""}`;
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => structuredClone(v));
  }

  create(res: ResourceInfo, input: KubeObject): KubeObject {
    const k = key(res, input.metadata.namespace, input.metadata.name);
    if (this.objects.has(k)) throw alreadyExists(res, input.metadata.name);
    const obj = structuredClone(input);
    obj.apiVersion = apiVersionOf(res);
    obj.kind = res.kind;
    // The request handler assigns the uid before defaulting (a Job's generated selector holds it).
    const { resourceVersion: _rv, uid, ...meta } = obj.metadata;
    obj.metadata = { ...meta, uid: uid ?? randomUUID(), resourceVersion: String(++this.rv), creationTimestamp: timestamp(this.now()) };
    if (res.generation) obj.metadata.generation = 1;
    if (!res.namespaced) delete obj.metadata.namespace;
    this.objects.set(k, obj);
    this.emit({ type: "ADDED", resource: res, object: obj, resourceVersion: this.rv });
    return structuredClone(obj);
  }

  /**
   * Replaces a stored object. `expectedResourceVersion` (the caller's metadata.resourceVersion) must match
   * when given. `part` "status" keeps everything but status; "main" keeps the stored status for resources
   * with a status subresource. Returns the stored object; an unchanged object is not written again.
   */
  update(res: ResourceInfo, input: KubeObject, options: { part?: "main" | "status" | "all" } = {}): KubeObject {
    const k = key(res, input.metadata.namespace, input.metadata.name);
    const current = this.objects.get(k);
    if (!current) throw notFound(res, input.metadata.name);
    const expected = input.metadata.resourceVersion;
    if (expected !== undefined && expected !== "" && expected !== current.metadata.resourceVersion) throw conflict(res, input.metadata.name);
    const part = options.part ?? "all";
    let next: KubeObject;
    if (part === "status") {
      next = structuredClone(current);
      if (input.status === undefined) delete next.status;
      else next.status = structuredClone(input.status);
    } else {
      next = structuredClone(input);
      next.apiVersion = current.apiVersion;
      next.kind = current.kind;
      if (part === "main" && res.subresources.includes("status")) {
        if (current.status === undefined) delete next.status;
        else next.status = structuredClone(current.status);
      }
      // Fields the server owns.
      next.metadata.uid = current.metadata.uid;
      next.metadata.creationTimestamp = current.metadata.creationTimestamp;
      if (current.metadata.deletionTimestamp !== undefined) {
        next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
        if (current.metadata.deletionGracePeriodSeconds !== undefined) next.metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
      }
      if (res.generation) {
        const bumped = !isDeepStrictEqual(specPart(next), specPart(current));
        next.metadata.generation = (current.metadata.generation ?? 1) + (bumped ? 1 : 0);
      }
      if (!res.namespaced) delete next.metadata.namespace;
    }
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (isDeepStrictEqual(next, current)) return structuredClone(current);
    next.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, next);
    this.emit({ type: "MODIFIED", resource: res, object: next, previous: current, resourceVersion: this.rv });
    return structuredClone(next);
  }

  /** Removes the object now (finalizers and grace are the caller's business). */
  remove(res: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    const k = key(res, namespace, name);
    const current = this.objects.get(k);
    if (!current) throw notFound(res, name);
    this.objects.delete(k);
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: "DELETED", resource: res, object: gone, resourceVersion: this.rv });
    return structuredClone(gone);
  }

  /** Changes after `resourceVersion`, or "expired" when the history no longer reaches back that far. */
  changesSince(resourceVersion: number): StoreEvent[] | "expired" {
    if (resourceVersion < this.oldestResumableVersion) return "expired";
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const listener of [...this.listeners]) listener(event);
  }
}
