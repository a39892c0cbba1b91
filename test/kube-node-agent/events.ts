/**
 * core/v1 Events as the kubelet records them (client-go's record.EventRecorder, source {component: kubelet,
 * host: <node>}, reportingComponent kubelet, reportingInstance <node>): one Event per new (object, fieldPath,
 * reason, message), and repeats of the same one bump `count` and `lastTimestamp` (the recorder's aggregation), so
 * a probe failing ten times is one Unhealthy Event with count 10.
 */
import { randomBytes } from "node:crypto";
import type { V1Pod } from "@kubernetes/client-node";
import { type ApiClient, rfc3339 } from "./api-client.ts";

export interface EventRecorder {
  /** fieldPath such as `spec.containers{main}` (the kubelet's container reference), or undefined for the pod. */
  record(pod: V1Pod, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string): void;
  /** Waits for the writes in flight (before stop()). */
  flush(): Promise<void>;
}

export function containerFieldPath(pod: V1Pod, container: string): string {
  if (pod.spec?.initContainers?.some((c) => c.name === container)) return `spec.initContainers{${container}}`;
  return `spec.containers{${container}}`;
}

export function eventRecorder(api: ApiClient, nodeName: string, onError: (err: unknown) => void): EventRecorder {
  const seen = new Map<string, { name: string; namespace: string; count: number }>();
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch(onError);
  };
  return {
    record(pod, type, reason, message, fieldPath) {
      const ns = pod.metadata?.namespace ?? "default";
      const key = [pod.metadata?.uid, fieldPath ?? "", type, reason, message].join("\u0000");
      const now = new Date();
      const known = seen.get(key);
      if (known) {
        known.count += 1;
        const count = known.count;
        enqueue(async () => {
          await api.request("PATCH", `/api/v1/namespaces/${ns}/events/${known.name}`, { count, lastTimestamp: rfc3339(now) }, "application/merge-patch+json");
        });
        return;
      }
      const name = `${pod.metadata?.name}.${randomBytes(8).toString("hex")}`;
      seen.set(key, { name, namespace: ns, count: 1 });
      const body = {
        metadata: { name, namespace: ns },
        involvedObject: {
          kind: "Pod",
          apiVersion: "v1",
          namespace: ns,
          name: pod.metadata?.name,
          uid: pod.metadata?.uid,
          resourceVersion: pod.metadata?.resourceVersion,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        type,
        source: { component: "kubelet", host: nodeName },
        firstTimestamp: rfc3339(now),
        lastTimestamp: rfc3339(now),
        eventTime: null,
        count: 1,
        reportingComponent: "kubelet",
        reportingInstance: nodeName,
      };
      enqueue(async () => {
        await api.request("POST", `/api/v1/namespaces/${ns}/events`, body);
      });
    },
    flush: () => chain,
  };
}
