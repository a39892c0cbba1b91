/**
 * `make bench PODS=N`: the sweep as an Indexed Job of N load pods, followed to its end. Like run-bench-job.ts for one
 * pod (the same polling, stages, admission refusals, timeouts and log following with job-log-follower.ts), but per
 * completion index: each index's pod is found by the Job's pods' `batch.kubernetes.io/job-completion-index`
 * annotation, its stages reported under its index, its log followed and re-read at the end on its own. One index
 * that fails does not end the others (backoffLimitPerIndex): the outcome holds every shard's log and how it ended,
 * so the shards that finished are merged and the failed one is named.
 * Never throws for a failed Job or pod.
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { Kube } from "./kube-client.ts";
import { LABEL } from "./manifest-names.ts";
import { describePodStage, type PodStage } from "./pod-progress.ts";
import { describeRefusal, failedCreateEvent } from "./admission.ts";
import { LogFollower } from "./job-log-follower.ts";
import { createJob, duration, jobEnd, podEvents, pollJob, sleep, type JobEnd, type JobRunOptions } from "./run-bench-job.ts";

/** The annotation (and, since Kubernetes 1.28, label) the Job controller puts the completion index in. */
export const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

export interface IndexedJobRunOptions extends Omit<JobRunOptions, "onStage" | "onLogLine"> {
  /** The Job's completions: indexes 0 … count-1. */
  count: number;
  onStage(index: number, stage: PodStage): void;
  onLogLine(index: number, line: string): void;
}

/** One load pod's run: its log (with the kubelet's times) and how it ended. */
export interface ShardRun {
  index: number;
  podName: string | null;
  nodeName: string | null;
  /** The last stage seen, e.g. "running on gpu-node-1", "failed (exit 1)". */
  stage: PodStage;
  log: string;
  lineTimesMs: number[];
  logComplete: boolean;
  logGaps: number;
  startedAtMs: number | null;
  /** The container's exit when it ended; null while it runs or when it never started. */
  exitCode: number | null;
}

export interface IndexedJobOutcome {
  end: JobEnd;
  message: string;
  hint?: string;
  /** One per index, in index order. */
  shards: ShardRun[];
  /** Every started shard's log was read to its end. */
  logComplete: boolean;
  endedAtMs: number;
}

/** The completion index of a pod of an Indexed Job, or null. */
export function completionIndexOf(pod: V1Pod): number | null {
  const raw = pod.metadata?.annotations?.[COMPLETION_INDEX] ?? pod.metadata?.labels?.[COMPLETION_INDEX];
  const n = Number(raw);
  return raw !== undefined && raw !== "" && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Per index, the pod to follow: the newest one (a replacement, if the Job controller made one). */
export function podsByIndex(pods: readonly V1Pod[]): Map<number, V1Pod> {
  const out = new Map<number, V1Pod>();
  const created = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  for (const pod of pods) {
    const index = completionIndexOf(pod);
    if (index === null) continue;
    const seen = out.get(index);
    if (!seen || created(pod) >= created(seen)) out.set(index, pod);
  }
  return out;
}

interface Tracked {
  run: ShardRun;
  follower: LogFollower | null;
  /** Logs of earlier pods of this index (a pod deleted and replaced): kept, never lost. */
  earlier: Array<{ text: string; times: number[] }>;
  lastStage: string;
}

function snapshot(t: Tracked): ShardRun {
  const f = t.follower;
  const texts = [...t.earlier.map((e) => e.text), ...(f ? [f.text] : [])].filter((s) => s !== "");
  return {
    ...t.run,
    log: texts.join("\n"),
    lineTimesMs: [...t.earlier.flatMap((e) => e.times), ...(f?.times ?? [])],
    logComplete: t.run.startedAtMs === null ? true : (f?.ended ?? false),
    logGaps: f?.gaps ?? 0,
  };
}

export async function runIndexedJob(kube: Kube, opts: IndexedJobRunOptions): Promise<IndexedJobOutcome> {
  const name = opts.job.metadata!.name!;
  const container = opts.job.spec!.template.spec!.containers[0]!.name;
  const pollMs = opts.pollMs ?? 1000;
  if (!opts.attach) await createJob(kube, opts.job, opts.onNotice);
  const createdAt = Date.now();
  let firstStartMs: number | null = null;
  const poll = { failures: 0 };
  const shards: Tracked[] = Array.from({ length: opts.count }, (_, index) => ({
    run: { index, podName: null, nodeName: null, stage: { kind: "scheduling", text: "waiting for its pod" }, log: "", lineTimesMs: [], logComplete: false, logGaps: 0, startedAtMs: null, exitCode: null },
    follower: null,
    earlier: [],
    lastStage: "",
  }));
  const outcome = (end: JobEnd, message: string, hint?: string): IndexedJobOutcome => {
    const runs = shards.map(snapshot);
    return { end, message, ...(hint ? { hint } : {}), shards: runs, logComplete: runs.every((r) => r.logComplete), endedAtMs: Date.now() };
  };
  const finishLogs = async () => {
    for (const t of shards) t.follower?.ensure();
    await Promise.all(shards.map((t) => t.follower?.settle(10_000)));
    await Promise.all(shards.map((t) => t.follower?.reread()));
  };

  try {
    for (;;) {
      if (opts.signal.aborted) return outcome("interrupted", "stopped by Ctrl-C");
      let job: V1Job;
      let pods: V1Pod[];
      const polled = await pollJob(kube, name, opts.podSelector ?? `${LABEL.runId}=${opts.runId}`, poll, opts, pollMs);
      if (polled.kind === "retry") continue;
      if (polled.kind === "end") return outcome(polled.status, polled.message);
      [job, pods] = [polled.job, polled.pods];
      const byIndex = podsByIndex(pods);
      if (byIndex.size === 0 && !jobEnd(job)) {
        // No pod at all: admission may have refused them (see run-bench-job.ts).
        const refusal = await failedCreateEvent(kube, "Job", name);
        if (refusal) {
          const error = describeRefusal(refusal, `the Job ${name}`, kube.namespace);
          return outcome("start-timeout", error.message, error.hint);
        }
      }
      for (const t of shards) {
        const pod = byIndex.get(t.run.index);
        if (!pod) continue;
        const podName = pod.metadata!.name!;
        if (podName !== t.run.podName) {
          if (t.follower) {
            t.follower.stop();
            t.earlier.push({ text: t.follower.text, times: [...t.follower.times] });
            t.follower = null;
          }
          t.run.podName = podName;
        }
        t.run.nodeName = pod.spec?.nodeName ?? t.run.nodeName;
        const events = t.run.stage.kind === "running" ? [] : await podEvents(kube, pod);
        t.run.stage = describePodStage(pod, events, { container });
        if (t.run.stage.text !== t.lastStage) {
          t.lastStage = t.run.stage.text;
          opts.onStage(t.run.index, t.run.stage);
        }
        const state = pod.status?.containerStatuses?.find((c) => c.name === container)?.state;
        if (state?.terminated) t.run.exitCode = state.terminated.exitCode;
        if (state?.running || state?.terminated) {
          t.run.startedAtMs ??= Date.now();
          firstStartMs ??= t.run.startedAtMs;
          t.follower ??= new LogFollower(kube, podName, container, (line) => opts.onLogLine(t.run.index, line));
          t.follower.ensure();
        }
        if (t.run.stage.kind === "stuck") {
          await finishLogs();
          return outcome("start-timeout", `load pod ${t.run.index} (${podName}) cannot start: ${t.run.stage.text}`);
        }
      }
      const end = jobEnd(job);
      if (end) {
        await finishLogs();
        if (end.type === "Complete") return outcome("succeeded", `the Job completed: ${opts.count} load pods`);
        const failedIndexes = job.status?.failedIndexes ? `; failed indexes: ${job.status.failedIndexes}` : "";
        const why = [end.reason, end.message].filter(Boolean).join(": ");
        return outcome("failed", `the Job failed${why ? ` (${why})` : ""}${failedIndexes}`);
      }
      const now = Date.now();
      const waiting = shards.filter((t) => t.run.startedAtMs === null);
      if (waiting.length > 0 && now - createdAt > opts.startTimeoutMs) {
        await finishLogs();
        const first = waiting[0]!.run;
        return outcome("start-timeout", `${waiting.length} of ${opts.count} load pods did not start within ${duration(opts.startTimeoutMs)}; pod ${first.index} stalled at: ${first.stage.text}`);
      }
      if (firstStartMs !== null && now - firstStartMs > opts.runTimeoutMs) {
        await finishLogs();
        return outcome("run-timeout", `the sweep ran longer than ${duration(opts.runTimeoutMs)}`);
      }
      await sleep(pollMs, opts.signal);
    }
  } finally {
    for (const t of shards) t.follower?.stop();
  }
}
