/**
 * Runs the sweep Job and brings its log home: deletes a previous Job of the same name (and waits until its
 * pods are gone, so two sweeps never load the server at once), creates the Job, reports the pod's stages
 * (scheduling, node provisioning, image pull, running), follows the log line by line (job-log-follower.ts: resuming
 * a stream that breaks, without repeating lines), and waits for the Job to complete or fail. State is polled once a second:
 * one Job and one pod do not need a watch, and a poll cannot silently miss the end.
 * Never throws for a failed Job: the outcome says what happened, so the results in the log so far are kept.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { CoreV1Event, V1Job, V1Pod } from "@kubernetes/client-node";
import { EnvironmentError } from "../errors.ts";
import { isKubeStatus, type Kube } from "./kube-client.ts";
import { LABEL } from "./manifest-names.ts";
import { describeKubeError } from "./kube-errors.ts";
import { describePodStage, type PodStage } from "./pod-progress.ts";
import { createObject, describeRefusal, failedCreateEvent } from "./admission.ts";
import type { Manifest } from "./load-manifests.ts";
import { LogFollower } from "./job-log-follower.ts";

export interface JobRunOptions {
  /** The rendered Job (name, namespace and run-id label set). */
  job: V1Job;
  runId: string;
  startTimeoutMs: number;
  runTimeoutMs: number;
  /** Ctrl-C: stop waiting, delete the Job (it would go on loading the server), keep what was logged. */
  signal: AbortSignal;
  onStage(stage: PodStage): void;
  onLogLine(line: string): void;
  /** Something the user should know that is not a stage (an API call that failed and is retried). */
  onNotice?(text: string): void;
  /** Between polls; tests shorten it. */
  pollMs?: number;
  /**
   * Attach to `job`, which already exists (`kneepoint bench --collect`), instead of creating it: its pod is found by
   * `runId` (the Job's run-id label) and followed as a created one would be.
   */
  attach?: boolean;
  /** The label selector of the Job's pods (default: the run-id label). */
  podSelector?: string;
}

export type JobEnd = "succeeded" | "failed" | "start-timeout" | "run-timeout" | "pod-deleted" | "interrupted" | "api-lost";

export interface JobOutcome {
  end: JobEnd;
  /** One sentence for the user: what happened, with Kubernetes' own reason. */
  message: string;
  /** What to do, when the outcome knows better than its caller (a pod refused by admission). */
  hint?: string;
  /** The log as received (stdout and stderr of the container). */
  log: string;
  /** When the kubelet recorded each line of `log` (epoch ms, from the API's `timestamps=true`), NaN if unknown. */
  lineTimesMs: number[];
  /** False when the log stream broke and could not be resumed to the end: later results may be missing. */
  logComplete: boolean;
  /**
   * Resumes after which lines may be missing: the stream was broken while the kubelet rotated the log file, and the
   * kubelet serves only the current file (containerLogMaxSize; `--disable-tqdm` keeps the log small).
   */
  logGaps: number;
  podName: string | null;
  nodeName: string | null;
  /** Wall-clock ms when the container started running, and when the outcome was decided. */
  startedAtMs: number | null;
  endedAtMs: number;
}

/** Waits, or less when the signal aborts (node's timer removes its abort listener: no leak over a 2 h poll loop). */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);

export const duration = (ms: number): string => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

/** Deletes the Job (and, with Foreground propagation, its pods) and waits until it is gone. */
export async function deleteJob(kube: Kube, name: string, opts: { waitMs: number; pollMs?: number }): Promise<boolean> {
  try {
    await kube.batch.deleteNamespacedJob({ name, namespace: kube.namespace, propagationPolicy: "Foreground" });
  } catch (err) {
    if (isKubeStatus(err, 404)) return false;
    throw describeKubeError(err, `delete the previous Job ${name}`, kube);
  }
  const deadline = Date.now() + opts.waitMs;
  while (Date.now() < deadline) {
    try {
      await kube.batch.readNamespacedJob({ name, namespace: kube.namespace });
    } catch (err) {
      if (isKubeStatus(err, 404)) return true;
      throw describeKubeError(err, `read Job ${name}`, kube);
    }
    await sleep(opts.pollMs ?? 1000);
  }
  throw new EnvironmentError(`the previous Job ${name} in ${kube.namespace} is still being deleted after ${Math.round(opts.waitMs / 1000)} s`, `check its pods: kubectl -n ${kube.namespace} get pods -l job-name=${name}`);
}

/** The Job's terminal condition, if it has one. */
export function jobEnd(job: V1Job): { type: "Complete" | "Failed"; reason: string; message: string } | null {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return { type: c.type, reason: c.reason ?? "", message: c.message ?? "" };
  }
  return null;
}

/** Consecutive failed polls (with back-off up to 15 s, about 3 minutes in all) before the runner gives up. */
export const MAX_POLL_FAILURES = 15;

/** Creates the Job (the raw API: its Warning headers are passed on as notices). */
export async function createJob(kube: Kube, job: V1Job, onNotice?: (text: string) => void): Promise<void> {
  const name = job.metadata!.name!;
  const created = await createObject(kube, job as Manifest, `create Job ${name} in namespace ${kube.namespace}`);
  for (const w of created.warnings) onNotice?.(`warning from the API server on Job ${name}: ${w}`);
}

/** The Job and its pods, as one poll reads them. */
export type JobPoll =
  | { kind: "ok"; job: V1Job; pods: V1Pod[] }
  /** The API failed; retried after a backoff (already slept). */
  | { kind: "retry" }
  | { kind: "end"; status: "failed" | "api-lost"; message: string };

/**
 * One poll of the Job and its pods, with the policy both runners share: a Job deleted from outside ends the run; a
 * blip (a 5xx, a VPN hiccup, a token refresh) must not lose a sweep still running in the cluster, so it is retried
 * with backoff, and only MAX_POLL_FAILURES in a row lose the API.
 */
export async function pollJob(kube: Kube, name: string, podSelector: string, count: { failures: number }, opts: Pick<JobRunOptions, "onNotice" | "signal">, pollMs: number): Promise<JobPoll> {
  try {
    const [job, list] = await Promise.all([
      kube.batch.readNamespacedJob({ name, namespace: kube.namespace }),
      kube.core.listNamespacedPod({ namespace: kube.namespace, labelSelector: podSelector }),
    ]);
    count.failures = 0;
    return { kind: "ok", job, pods: list.items };
  } catch (err) {
    if (isKubeStatus(err, 404)) return { kind: "end", status: "failed", message: `the Job ${name} was deleted from outside while the sweep ran` };
    const error = describeKubeError(err, `read Job ${name}`, kube);
    if (++count.failures > MAX_POLL_FAILURES) return { kind: "end", status: "api-lost", message: `lost the Kubernetes API for ${count.failures} polls in a row: ${error.message}` };
    opts.onNotice?.(`${error.message}; retrying (${count.failures}/${MAX_POLL_FAILURES})`);
    await sleep(Math.min(pollMs * 2 ** count.failures, 15_000), opts.signal);
    return { kind: "retry" };
  }
}

export async function runBenchJob(kube: Kube, opts: JobRunOptions): Promise<JobOutcome> {
  const name = opts.job.metadata!.name!;
  const container = opts.job.spec!.template.spec!.containers[0]!.name;
  const pollMs = opts.pollMs ?? 1000;
  if (!opts.attach) await createJob(kube, opts.job, opts.onNotice);

  const createdAt = Date.now();
  let startedAtMs: number | null = null;
  let podName: string | null = null;
  let nodeName: string | null = null;
  let lastStage = "";
  let stage: PodStage = { kind: "scheduling", text: "waiting for the Job's pod" };
  let follower: LogFollower | null = null;
  const poll = { failures: 0 };
  const outcome = (end: JobEnd, message: string, hint?: string): JobOutcome => ({
    end,
    message,
    ...(hint ? { hint } : {}),
    log: follower?.text ?? "",
    lineTimesMs: follower?.times ?? [],
    logComplete: follower?.ended ?? false,
    logGaps: follower?.gaps ?? 0,
    podName,
    nodeName,
    startedAtMs,
    endedAtMs: Date.now(),
  });

  try {
    for (;;) {
      if (opts.signal.aborted) return outcome("interrupted", "stopped by Ctrl-C");
      let job: V1Job;
      const polled = await pollJob(kube, name, opts.podSelector ?? `${LABEL.runId}=${opts.runId}`, poll, opts, pollMs);
      if (polled.kind === "retry") continue;
      if (polled.kind === "end") return outcome(polled.status, polled.message);
      job = polled.job;
      const pods = { items: polled.pods };
      const pod: V1Pod | undefined = pods.items.find((p) => p.metadata?.name === podName) ?? pods.items[0];
      if (podName && !pods.items.some((p) => p.metadata?.name === podName) && !jobEnd(job)) {
        // Our pod vanished and the Job has not ended (yet): with backoffLimit 0 it will fail shortly.
        await follower?.settle(2000);
        return outcome("pod-deleted", `the Job's pod ${podName} was deleted while the sweep ran`);
      }
      if (pod?.metadata?.name && pod.metadata.name !== podName) {
        podName = pod.metadata.name;
        follower?.stop();
        follower = null;
      }
      if (!pod && !jobEnd(job)) {
        // No pod: admission (Pod Security, a quota, a LimitRange, a webhook) may have refused it. Say so now,
        // not after START_TIMEOUT: the Job controller only records a FailedCreate event and retries.
        const refusal = await failedCreateEvent(kube, "Job", name);
        if (refusal) {
          const error = describeRefusal(refusal, `the Job ${name}`, kube.namespace);
          return outcome("start-timeout", error.message, error.hint);
        }
      }
      if (pod) {
        nodeName = pod.spec?.nodeName ?? nodeName;
        const events = stage.kind === "running" ? [] : await podEvents(kube, pod);
        stage = describePodStage(pod, events, { container });
        if (stage.text !== lastStage) {
          lastStage = stage.text;
          opts.onStage(stage);
        }
        const started = pod.status?.containerStatuses?.find((c) => c.name === container)?.state;
        if ((started?.running || started?.terminated) && podName) {
          startedAtMs ??= Date.now();
          follower ??= new LogFollower(kube, podName, container, opts.onLogLine);
          follower.ensure();
        }
        if (stage.kind === "stuck") return outcome("start-timeout", `the pod cannot start: ${stage.text}`);
      }
      const end = jobEnd(job);
      if (end) {
        // The container has terminated: the follow stream ends by itself; give it time to deliver the tail.
        if (follower) {
          follower.ensure();
          await follower.settle(10_000);
          await follower.reread();
        }
        if (end.type === "Complete") return outcome("succeeded", "the Job completed");
        const exit = pod?.status?.containerStatuses?.find((c) => c.name === container)?.state?.terminated;
        const why = [end.reason, end.message].filter(Boolean).join(": ");
        const failed = `the Job failed${why ? ` (${why})` : ""}`;
        // The kubelet's eviction manager (node pressure) or an API eviction (a drain): the container did not fail, the node took it away.
        if (pod?.status?.reason === "Evicted" || pod?.status?.conditions?.some((c) => c.type === "DisruptionTarget" && c.status === "True")) {
          const reason = pod.status?.message?.replace(/\s+/g, " ").trim() || pod.status?.conditions?.find((c) => c.type === "DisruptionTarget")?.message || "no reason given";
          return outcome(
            "failed",
            `the Job's pod ${podName} was evicted from ${nodeName ?? "its node"}: ${reason}; ${failed}`,
            `the node ran short of a resource or was drained, not the sweep: rerun make bench (the steps above are kept); if the node keeps running out, give the Job an ephemeral-storage request in benchmarks/job.yaml or run it on another node`,
          );
        }
        return outcome("failed", `${failed}${exit ? `; the container exited with code ${exit.exitCode}${exit.reason ? ` (${exit.reason})` : ""}` : ""}`);
      }
      const now = Date.now();
      if (startedAtMs === null && now - createdAt > opts.startTimeoutMs) {
        return outcome("start-timeout", `the Job's pod did not start within ${duration(opts.startTimeoutMs)}; it stalled at: ${stage.text}`);
      }
      if (startedAtMs !== null && now - startedAtMs > opts.runTimeoutMs) {
        return outcome("run-timeout", `the sweep ran longer than ${duration(opts.runTimeoutMs)}`);
      }
      await sleep(pollMs, opts.signal);
    }
  } finally {
    follower?.stop();
  }
}

/** The pod's events, newest last; none when the caller may not list events (RBAC), which only costs detail. */
export async function podEvents(kube: Kube, pod: V1Pod): Promise<CoreV1Event[]> {
  try {
    const list = await kube.core.listNamespacedEvent({ namespace: kube.namespace, fieldSelector: `involvedObject.name=${pod.metadata?.name ?? ""}` });
    return list.items;
  } catch {
    return [];
  }
}
