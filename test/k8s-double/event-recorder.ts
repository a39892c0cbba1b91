/**
 * core/v1 Events as the controllers and the kubelet record them (client-go's record.EventRecorder): named
 * `<object>.<hex nanoseconds>`, in the object's namespace, and aggregated: the same reason and message for
 * the same object bumps `count` and `lastTimestamp` instead of adding an Event.
 */
import { timestamp, type KubeObject, type ObjectStore } from "./object-store.ts";
import type { ResourceInfo } from "./resource-table.ts";

export interface EventSource {
  component: string;
  host?: string;
}

export class EventRecorder {
  private readonly seen = new Map<string, string>();
  private sequence = 0n;

  constructor(
    private readonly store: ObjectStore,
    private readonly eventsResource: ResourceInfo,
    private readonly namespacesResource: ResourceInfo,
    private readonly now: () => Date,
  ) {}

  record(involved: KubeObject, type: "Normal" | "Warning", reason: string, message: string, source: EventSource): void {
    const namespace = involved.metadata.namespace ?? "default";
    // A terminating namespace refuses new content (the recorder's create would get a 403).
    const ns = this.store.get(this.namespacesResource, undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp !== undefined) return;
    const key = `${involved.metadata.uid}|${type}|${reason}|${message}|${source.component}`;
    const at = timestamp(this.now());
    const existingName = this.seen.get(key);
    const existing = existingName ? this.store.get(this.eventsResource, namespace, existingName) : undefined;
    if (existing) {
      this.store.update(this.eventsResource, { ...existing, count: Number(existing.count ?? 1) + 1, lastTimestamp: at });
      return;
    }
    const nanos = BigInt(this.now().getTime()) * 1_000_000n + this.sequence++;
    const name = `${involved.metadata.name}.${nanos.toString(16)}`;
    this.seen.set(key, name);
    const involvedObject: Record<string, unknown> = {
      kind: involved.kind,
      namespace: involved.metadata.namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
    };
    if (involved.kind === "Pod" && /^(Pulling|Pulled|Created|Started|Killing|Failed|BackOff)$/.test(reason)) {
      const container = (involved.spec as { containers?: { name: string }[] } | undefined)?.containers?.[0]?.name;
      if (container) involvedObject.fieldPath = `spec.containers{${container}}`;
    }
    this.store.create(this.eventsResource, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject,
      reason,
      message,
      source: source.host ? { component: source.component, host: source.host } : { component: source.component },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? "",
    });
  }
}
