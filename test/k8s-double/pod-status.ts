/** The kubelet's pod status: container states and the pod conditions derived from them. */
import { timestamp, type KubeObject } from "./object-store.ts";

type Obj = Record<string, unknown>;

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; message?: string; startedAt?: string; finishedAt: string; containerID?: string };
}

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

function condition(type: string, ok: boolean, at: string, previous: Obj | undefined, reason?: string, message?: string): Obj {
  const status = ok ? "True" : "False";
  const c: Obj = { type, status, lastProbeTime: null, lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : at };
  if (!ok && reason) Object.assign(c, { reason, ...(message ? { message } : {}) });
  return c;
}

/** Status with these container statuses and phase; conditions recomputed, PodScheduled kept. */
export function podStatus(pod: KubeObject, containers: ContainerStatus[], phase: string, now: Date, extra: Obj = {}): Obj {
  const old = (pod.status ?? {}) as Obj;
  const at = timestamp(now);
  const previous = (type: string) => ((old.conditions as Obj[] | undefined) ?? []).find((x) => x.type === type);
  const terminal = phase === "Succeeded" || phase === "Failed";
  const unready = containers.filter((c) => !c.ready).map((c) => c.name);
  const readyReason = terminal ? "PodCompleted" : "ContainersNotReady";
  const readyMessage = terminal ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  const conditions = [
    condition("PodReadyToStartContainers", !terminal, at, previous("PodReadyToStartContainers")),
    condition("Initialized", true, at, previous("Initialized")),
    condition("Ready", !terminal && unready.length === 0, at, previous("Ready"), readyReason, readyMessage),
    condition("ContainersReady", !terminal && unready.length === 0, at, previous("ContainersReady"), readyReason, readyMessage),
    ...(previous("PodScheduled") ? [previous("PodScheduled")!] : []),
  ];
  return { ...old, ...extra, phase, conditions, containerStatuses: containers };
}
