/**
 * vllm-up's verdicts on a vLLM pod that is not serving yet, pure (the pod, its events, the failures seen in, one
 * answer out): was the container restarted by the startup probe (a big model still loading: wait) or did it crash
 * (stop, with its log); and is a Ready pod unreachable through the API server's service proxy (say why).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { EnvironmentError } from "../errors.ts";

/** Failed service-proxy checks of a Ready pod (a poll apart) before vllm-up says why instead of waiting on. */
export const PROXY_FAILURES_BEFORE_VERDICT = 6;

/** The kubelet's "Container <name> failed startup probe, will be restarted" events. */
function startupProbeKills<E extends { reason?: string; message?: string }>(events: readonly E[], container: string): E[] {
  return events.filter((e) => e.reason === "Killing" && (e.message ?? "").startsWith(`Container ${container} failed startup probe`));
}

/**
 * How many times the kubelet restarted the container because its startup probe failed ("Container vllm failed
 * startup probe, will be restarted"), as opposed to a crash (a bad argument, out of memory), which is fatal: 0
 * when the kubelet recorded no such kill, or when the last exit was an OOM kill.
 */
export function restartsByStartupProbe(pod: V1Pod, events: readonly { reason?: string; message?: string; count?: number }[], container: string): number {
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (!status?.restartCount) return 0;
  const last = status.lastState?.terminated;
  if (last?.reason === "OOMKilled") return 0;
  const kills = startupProbeKills(events, container);
  if (kills.length === 0) return 0;
  return Math.min(status.restartCount, kills.reduce((n, e) => n + (e.count ?? 1), 0));
}

/** How the container last stopped, when it is stopped now (terminated, or waiting in CrashLoopBackOff). */
export interface ContainerExit {
  exitCode: number;
  reason: string | undefined;
  /** Seconds from the instance's start to its exit, when the kubelet recorded both. */
  ranS: number | undefined;
  /** True when the kubelet killed it because the startup probe ran out (waited out), false for a crash (fatal). */
  byStartupProbe: boolean;
  /** The exit belongs to the previous instance (read its log with previous=true). */
  previous: boolean;
}

/** RFC 3339 time truncated to whole seconds (events and container states carry seconds only), or NaN. */
const seconds = (t: Date | string | undefined | null): number => Math.floor(new Date(t ?? NaN).getTime() / 1000);

/**
 * The container's exit while it is down: its current `terminated` state, or during the crash-loop back-off the
 * `lastState`. It counts as the startup probe's doing when a "Container X failed startup probe, will be restarted"
 * Killing event falls within that instance's run (the kubelet records the event before it sends the signal); an
 * OOM kill never does. Null while the container runs or has not started.
 */
export function containerExit(pod: V1Pod, events: readonly { reason?: string; message?: string; lastTimestamp?: Date | string; eventTime?: Date | string; firstTimestamp?: Date | string }[], container: string): ContainerExit | null {
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (!status) return null;
  const now = status.state?.terminated;
  const t = now ?? (status.state?.waiting?.reason === "CrashLoopBackOff" ? status.lastState?.terminated : undefined);
  if (!t) return null;
  const started = seconds(t.startedAt);
  const finished = seconds(t.finishedAt);
  const kills = startupProbeKills(events, container);
  const inRun = kills.some((e) => {
    const at = seconds(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp);
    if (!Number.isFinite(at) || !Number.isFinite(started) || !Number.isFinite(finished)) return true;
    return at >= started && at <= finished;
  });
  const ranS = Number.isFinite(started) && Number.isFinite(finished) && started > 0 ? finished - started : undefined;
  return { exitCode: t.exitCode, reason: t.reason, ranS, byStartupProbe: t.reason !== "OOMKilled" && inRun, previous: !now };
}

/**
 * research/real-cluster-review.md M1: a pod whose probes pass (the kubelet reaches it) while the API server's service
 * proxy cannot — an overlay CNI whose pod network the control plane is not on (EKS with Calico or Cilium overlay),
 * a private control plane without Konnectivity, a NetworkPolicy that denies it — would otherwise wait out
 * VLLM_UP_TIMEOUT looking "ready". After PROXY_FAILURES_BEFORE_VERDICT failures in a row, say so, with the way out.
 */
export function proxyVerdict(failures: readonly string[], namespace: string): EnvironmentError | null {
  if (failures.length < PROXY_FAILURES_BEFORE_VERDICT) return null;
  const last = failures.at(-1)!;
  const noEndpoints = /no endpoints available/i.test(last);
  return new EnvironmentError(
    noEndpoints
      ? `the vLLM pod is Ready, but its Service has no endpoints (${failures.length} checks): ${last}`
      : `the vLLM pod is Ready (the kubelet's probes reach it), but the API server cannot reach it through the service proxy (${failures.length} checks): ${last}`,
    noEndpoints
      ? `the Service's selector does not match the pod, or EndpointSlices are not published: kubectl -n ${namespace} get endpointslices -l kubernetes.io/service-name=vllm`
      : "the control plane is not on the pod network here (an overlay CNI, a private control plane without Konnectivity, or a NetworkPolicy): " +
          "the server itself is up; run VLLM_UP_PROXY_CHECK=0 make vllm-up to trust the pod's readiness, and the bench Job, which runs in the cluster, reaches it directly " +
          "(the run context's vLLM version, read the same way, will be `unknown`)",
  );
}
