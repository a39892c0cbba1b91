/**
 * `make vllm-up REPLICAS=N`: the wait goes on until N server pods are Ready, not just the newest one. Pure: the
 * listed pods in, the stage text while some are missing (null once all are Ready), and where the Ready ones run.
 */
import type { V1Pod } from "@kubernetes/client-node";

/** Running, not being deleted, and Ready: the Ready condition, or (as pod-progress.ts reads it) every container ready. */
const isReady = (p: V1Pod) =>
  !p.metadata?.deletionTimestamp &&
  p.status?.phase === "Running" &&
  ((p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") || ((p.status?.containerStatuses ?? []).length > 0 && p.status!.containerStatuses!.every((c) => c.ready)));

/** The Ready pods, by name, with their nodes. */
export function readyReplicas(pods: readonly V1Pod[]): Array<{ pod: string; node: string }> {
  return pods.filter(isReady).map((p) => ({ pod: p.metadata?.name ?? "?", node: p.spec?.nodeName ?? "?" })).sort((a, b) => (a.pod < b.pod ? -1 : 1));
}

/** "2 of 4 replicas Ready (vllm-a on n1, vllm-b on n2); waiting for the others", or null when `wanted` are Ready. */
export function replicasWaitText(pods: readonly V1Pod[], wanted: number): string | null {
  if (wanted <= 1) return null; // one replica: the newest pod's own stage says it all
  const ready = readyReplicas(pods);
  if (ready.length >= wanted) return null;
  return `${ready.length} of ${wanted} replicas Ready${ready.length ? ` (${ready.map((r) => `${r.pod} on ${r.node}`).join(", ")})` : ""}; waiting for the others`;
}
