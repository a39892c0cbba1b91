/**
 * The pod status the kubelet computes (kubelet_pods.go generateAPIPodStatus, getPhase; status/generate.go):
 * phase from the containers' states and restartPolicy, the conditions PodReadyToStartContainers, Initialized,
 * ContainersReady and Ready (with the kubelet's reasons and messages), container statuses as the runtime reports
 * them. Conditions the kubelet does not own (PodScheduled, DisruptionTarget from a controller …) are kept.
 */
import { createHash } from "node:crypto";
import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import { rfc3339 } from "./api-client.ts";

export interface ContainerView {
  name: string;
  image: string;
  init: boolean;
  state: V1ContainerState;
  lastState: V1ContainerState;
  ready: boolean;
  started: boolean;
  restartCount: number;
  containerID?: string;
  /** True once this container has run at least once (a waiting state after that is a restart pending). */
  everRan: boolean;
}

export interface PodView {
  pod: V1Pod;
  podIP?: string;
  hostIP: string;
  startTime: string;
  sandboxReady: boolean;
  containers: ContainerView[];
  /** Set when the pod is being terminated (deleted or evicted): stopped containers are final. */
  terminal: boolean;
  evicted?: { message: string };
}

/** `name_namespace(uid)` — the kubelet's format.Pod. */
export function formatPod(pod: V1Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

export function imageID(image: string): string {
  const repo = image.replace(/[:@][^/]*$/, "");
  return `${repo}@sha256:${createHash("sha256").update(image).digest("hex")}`;
}

function exitCodeOf(c: ContainerView): number | undefined {
  return c.state.terminated?.exitCode ?? (c.state.waiting ? c.lastState.terminated?.exitCode : undefined);
}

export function podPhase(v: PodView): string {
  if (v.evicted) return "Failed";
  const policy = v.pod.spec?.restartPolicy ?? "Always";
  const inits = v.containers.filter((c) => c.init);
  const regular = v.containers.filter((c) => !c.init);
  for (const c of inits) {
    if (c.state.terminated?.exitCode === 0) continue;
    if (c.state.terminated && (policy === "Never" || v.terminal)) return "Failed";
    return "Pending";
  }
  let running = 0;
  let waitingNew = 0;
  let succeeded = 0;
  let failed = 0;
  for (const c of regular) {
    if (c.state.running) running++;
    else if (c.state.waiting && !c.everRan) waitingNew++;
    else {
      const code = exitCodeOf(c);
      if (code === 0) succeeded++;
      else failed++;
    }
  }
  if (waitingNew > 0 && running === 0 && !v.terminal) return "Pending";
  if (running > 0 && !v.terminal) return "Running";
  if (v.terminal) {
    if (running > 0) return "Running";
    return failed > 0 || waitingNew > 0 ? "Failed" : "Succeeded";
  }
  if (policy === "Always") return "Running";
  if (policy === "OnFailure") return failed > 0 ? "Running" : "Succeeded";
  return failed > 0 ? "Failed" : "Succeeded";
}

function condition(type: string, ok: boolean, reason?: string, message?: string): V1PodCondition {
  return { type, status: ok ? "True" : "False", ...(reason ? { reason } : {}), ...(message ? { message } : {}) } as V1PodCondition;
}

export function ownConditions(v: PodView, phase: string): V1PodCondition[] {
  const inits = v.containers.filter((c) => c.init);
  const regular = v.containers.filter((c) => !c.init);
  const incomplete = inits.filter((c) => c.state.terminated?.exitCode !== 0).map((c) => c.name);
  const initialized = incomplete.length === 0;
  const unready = regular.filter((c) => !c.ready).map((c) => c.name);
  const completed = phase === "Succeeded";
  const ready = initialized && unready.length === 0 && phase === "Running";
  const readyReason = completed ? "PodCompleted" : "ContainersNotReady";
  const readyMessage = completed ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  return [
    condition("PodReadyToStartContainers", v.sandboxReady),
    initialized ? condition("Initialized", true, completed && inits.length ? "PodCompleted" : undefined) : condition("Initialized", false, "ContainersNotInitialized", `containers with incomplete status: [${incomplete.join(" ")}]`),
    ready ? condition("Ready", true) : condition("Ready", false, readyReason, readyMessage),
    ready ? condition("ContainersReady", true) : condition("ContainersReady", false, readyReason, readyMessage),
  ];
}

function containerStatus(c: ContainerView): V1ContainerStatus {
  return {
    name: c.name,
    state: c.state,
    lastState: c.lastState,
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.everRan || c.state.running || c.state.terminated ? imageID(c.image) : "",
    ...(c.containerID ? { containerID: c.containerID } : {}),
    started: c.started,
  };
}

/** The status to write: ours merged into the current one (foreign conditions and fields such as qosClass kept). */
export function buildStatus(v: PodView, current: V1PodStatus | undefined): V1PodStatus {
  const phase = podPhase(v);
  const now = rfc3339();
  const mine = ownConditions(v, phase);
  if (v.evicted) mine.push(condition("DisruptionTarget", true, "TerminationByKubelet", v.evicted.message));
  const byType = new Map((current?.conditions ?? []).map((c) => [c.type, c]));
  const merged: V1PodCondition[] = [];
  for (const c of current?.conditions ?? []) if (!mine.some((m) => m.type === c.type)) merged.push(c);
  for (const c of mine) {
    const old = byType.get(c.type);
    const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime : now;
    merged.push({ ...c, lastProbeTime: null as unknown as Date, lastTransitionTime } as V1PodCondition);
  }
  const order = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled", "DisruptionTarget"];
  const rank = (type: string) => (order.includes(type) ? order.indexOf(type) : order.length);
  merged.sort((a, b) => rank(a.type) - rank(b.type));
  const status: V1PodStatus = {
    ...current,
    phase,
    conditions: merged,
    hostIP: v.hostIP,
    hostIPs: [{ ip: v.hostIP }],
    startTime: v.startTime as unknown as Date,
    containerStatuses: v.containers.filter((c) => !c.init).map(containerStatus),
  };
  if (v.podIP) {
    status.podIP = v.podIP;
    status.podIPs = [{ ip: v.podIP }];
  }
  const inits = v.containers.filter((c) => c.init);
  if (inits.length) status.initContainerStatuses = inits.map(containerStatus);
  if (v.evicted) {
    status.reason = "Evicted";
    status.message = v.evicted.message;
  }
  return status;
}

/** Go's time.Duration.String() for the back-off message ("10s", "1m20s", "5m0s", "200ms"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${+s.toFixed(3)}s`;
  const m = Math.floor(s / 60);
  const rest = +(s - m * 60).toFixed(3);
  if (m < 60) return `${m}m${rest}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${rest}s`;
}
