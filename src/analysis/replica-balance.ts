/**
 * Does one replica bind while others idle? From the per-pod queue and KV-cache stats of a multi-replica run
 * (src/report/pod-metrics/pod-metrics-summary.ts). The rule, with the numbers it read:
 *   - a pod BINDS when requests queued there at least a tenth of the time (waiting p90 ≥ 1) or its KV cache was
 *     at least 80 % full a tenth of the time (KV p90 ≥ 80 %): close to where vLLM queues and preempts;
 *   - a pod IDLES when it had no queue most of the time (waiting p90 < 1) and its KV p90 is at most a third of the
 *     busiest pod's (the highest KV p90): capacity the router left unused;
 *   - a finding when at least one pod binds and at least one idles, naming both with their numbers: the fix is
 *     the routing, not more replicas. All binding is saturation (said by the capacity numbers), not imbalance.
 * Fewer than two pods, or none binding: null. Pure.
 */
import type { PodStats } from "../report/pod-metrics/pod-metrics-summary.ts";

export const BIND_WAITING_P90 = 1;
export const BIND_KV_P90_PCT = 80;
export const IDLE_KV_SHARE = 1 / 3;

export interface ReplicaImbalance {
  kind: "replicas-idle";
  /** The pods that bind, busiest (highest KV p90, then waiting p90) first. */
  binding: PodStats[];
  idle: PodStats[];
  text: string;
}

const waitP90 = (p: PodStats) => p.waiting?.p90 ?? 0;
const kvP90 = (p: PodStats) => p.kvCachePct?.p90 ?? 0;
const binds = (p: PodStats) => waitP90(p) >= BIND_WAITING_P90 || kvP90(p) >= BIND_KV_P90_PCT;

function numbers(p: PodStats): string {
  return `${p.pod}: waiting p90 ${Math.round(waitP90(p))} (max ${Math.round(p.waiting?.max ?? 0)}), KV p90 ${kvP90(p).toFixed(1)} %`;
}

export function findReplicaImbalance(pods: readonly PodStats[]): ReplicaImbalance | null {
  if (pods.length < 2) return null;
  const ranked = [...pods].sort((a, b) => kvP90(b) - kvP90(a) || waitP90(b) - waitP90(a));
  const binding = ranked.filter(binds);
  if (binding.length === 0) return null;
  const busiestKv = kvP90(ranked[0]!);
  const idle = pods.filter((p) => !binds(p) && waitP90(p) < BIND_WAITING_P90 && kvP90(p) <= busiestKv * IDLE_KV_SHARE);
  if (idle.length === 0) return null;
  const who = binding.length === 1 ? "one replica binds" : `${binding.length} of ${pods.length} replicas bind`;
  const text =
    `${who} while ${idle.length === 1 ? "another idles" : `${idle.length} idle`}: ${binding.map(numbers).join("; ")} vs ${idle.map(numbers).join("; ")}. ` +
    `The router, not the replica count, limits this run: a prefix-affinity or sticky router pins traffic to a few pods; compare a load-aware strategy before adding replicas`;
  return { kind: "replicas-idle", binding, idle, text };
}
