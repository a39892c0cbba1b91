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

/**
 * Container waiting reasons that will not resolve by waiting. An image pull that failed is stuck only when the
 * registry said the image does not exist or may not be pulled: a rate limit (Docker Hub's 429) or a broken
 * download of a 10 GB image is retried by the kubelet, and the start timeout covers it.
 */
const STUCK_REASONS = new Set(["InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff", "RunContainerError"]);
const PULL_REASONS = new Set(["ErrImagePull", "ImagePullBackOff"]);
const PULL_FOREVER = /not found|manifest unknown|unauthorized|denied|no such host/i;

/** Events of cluster-autoscaler and Karpenter that mean a node is being added for this pod. */
const SCALE_UP = /TriggeredScaleUp|Nominated|NotTriggerScaleUp/;

function latest(events: readonly CoreV1Event[], reasons: RegExp): CoreV1Event | undefined {
  const time = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).getTime();
  return events.filter((e) => reasons.test(e.reason ?? "")).sort((a, b) => time(b) - time(a))[0];
}

const oneLine = (s: string | undefined) => (s ?? "").replace(/\s+/g, " ").trim();

export function describePodStage(pod: V1Pod, events: readonly CoreV1Event[], opts: { readinessMeansLoaded?: boolean; container?: string } = {}): PodStage {
  const status = pod.status;
  const phase = status?.phase ?? "Pending";
  // By name: the kubelet sorts statuses by container name, and an injected sidecar may come first.
  const statuses = status?.containerStatuses ?? [];
  const container = (opts.container ? statuses.find((c) => c.name === opts.container) : undefined) ?? statuses[0];
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
  if (waiting?.reason && PULL_REASONS.has(waiting.reason) && !PULL_FOREVER.test(waiting.message ?? "")) {
    return { kind: "pulling", text: `pulling ${container?.image ?? "the image"} on ${pod.spec.nodeName}, retrying after ${waiting.reason}: ${oneLine(waiting.message)}` };
  }
  if (waiting?.reason && (STUCK_REASONS.has(waiting.reason) || PULL_REASONS.has(waiting.reason))) {
    return { kind: "stuck", text: `${waiting.reason} on ${pod.spec.nodeName}: ${oneLine(waiting.message) || "see kubectl describe pod " + (pod.metadata?.name ?? "")}` };
  }
  if (!container?.state?.running && !container?.state?.terminated) {
    const pulling = latest(events, /^(Pulling|Pulled)$/);
    if (pulling?.reason === "Pulling") return { kind: "pulling", text: `pulling ${container?.image ?? "the image"} on ${pod.spec.nodeName}` };
    const mount = latest(events, /^FailedMount$/);
    if (mount) return { kind: "starting", text: `starting on ${pod.spec.nodeName}, but a volume cannot be mounted: ${oneLine(mount.message)}` };
    return { kind: "starting", text: `starting on ${pod.spec.nodeName}${waiting?.reason ? ` (${waiting.reason})` : ""}` };
  }
  if (opts.readinessMeansLoaded) {
    return container?.ready ? { kind: "ready", text: `ready on ${pod.spec.nodeName}` } : { kind: "loading", text: `loading the model on ${pod.spec.nodeName} (not ready yet)` };
  }
  return { kind: "running", text: `running on ${pod.spec.nodeName}` };
}
