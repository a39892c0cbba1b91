/**
 * Where a pod is on its way to running, in words a platform engineer recognizes: waiting for a node (with the
 * scheduler's reason, and whether an autoscaler is adding one), pulling the image, starting, running, done.
 * Pure: the pod and its recent events in, one stage out. Used by `make vllm-up` and `make bench`.
 */
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";

export type PodStageKind = "scheduling" | "provisioning" | "pulling" | "starting" | "loading" | "ready" | "running" | "succeeded" | "failed" | "stuck";

export interface PodStage {
  kind: PodStageKind;
  /** One line, e.g. "waiting for a node: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu". */
  text: string;
}

/** Container waiting reasons that will not resolve by waiting. */
const STUCK_REASONS = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff", "RunContainerError"]);

/** Events of cluster-autoscaler and Karpenter that mean a node is being added for this pod. */
const SCALE_UP = /TriggeredScaleUp|Nominated|NotTriggerScaleUp/;

function latest(events: readonly CoreV1Event[], reasons: RegExp): CoreV1Event | undefined {
  const time = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).getTime();
  return events.filter((e) => reasons.test(e.reason ?? "")).sort((a, b) => time(b) - time(a))[0];
}

const oneLine = (s: string | undefined) => (s ?? "").replace(/\s+/g, " ").trim();

export function describePodStage(pod: V1Pod, events: readonly CoreV1Event[], opts: { readinessMeansLoaded?: boolean } = {}): PodStage {
  const status = pod.status;
  const phase = status?.phase ?? "Pending";
  const container = status?.containerStatuses?.[0];
  if (phase === "Succeeded") return { kind: "succeeded", text: "finished" };
  if (phase === "Failed") {
    const t = container?.state?.terminated;
    return { kind: "failed", text: `failed${t ? ` (exit ${t.exitCode}${t.reason ? `, ${t.reason}` : ""})` : ""}${status?.message ? `: ${oneLine(status.message)}` : ""}` };
  }
  const scheduled = status?.conditions?.find((c) => c.type === "PodScheduled");
  if (!pod.spec?.nodeName || scheduled?.status === "False") {
    const scaleUp = latest(events, SCALE_UP);
    const failed = latest(events, /FailedScheduling/);
    const why = oneLine(scheduled?.message ?? failed?.message);
    if (scaleUp && scaleUp.reason !== "NotTriggerScaleUp") {
      return { kind: "provisioning", text: `waiting for a new node (${scaleUp.reason}: ${oneLine(scaleUp.message)})` };
    }
    return { kind: "scheduling", text: why ? `waiting for a node: ${why}` : "waiting to be scheduled" };
  }
  const waiting = container?.state?.waiting;
  if (waiting?.reason && STUCK_REASONS.has(waiting.reason)) {
    return { kind: "stuck", text: `${waiting.reason} on ${pod.spec.nodeName}: ${oneLine(waiting.message) || "see kubectl describe pod " + (pod.metadata?.name ?? "")}` };
  }
  if (!container?.state?.running && !container?.state?.terminated) {
    const pulling = latest(events, /^(Pulling|Pulled)$/);
    if (pulling?.reason === "Pulling") return { kind: "pulling", text: `pulling ${container?.image ?? "the image"} on ${pod.spec.nodeName}` };
    return { kind: "starting", text: `starting on ${pod.spec.nodeName}${waiting?.reason ? ` (${waiting.reason})` : ""}` };
  }
  if (opts.readinessMeansLoaded) {
    return container?.ready ? { kind: "ready", text: `ready on ${pod.spec.nodeName}` } : { kind: "loading", text: `loading the model on ${pod.spec.nodeName} (not ready yet)` };
  }
  return { kind: "running", text: `running on ${pod.spec.nodeName}` };
}
