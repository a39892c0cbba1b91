/**
 * `kneepoint bench --collect` (`make bench COLLECT=1`): the results of the sweep Job that already ran, or still
 * runs, when its runner could not bring them home (the laptop slept, the VPN or the API went away, the process was
 * killed). Finds the Job and its pod, reads the pod's log (following it while the container runs, with the same
 * resumes as a run), saves it as job.log and hands the outcome to the same analysis as `make bench`. It creates and
 * deletes nothing: the Job stays until its TTL (an hour after it ends) or the next `make bench` removes it.
 */
import type { V1Job } from "@kubernetes/client-node";
import { EnvironmentError } from "../errors.ts";
import { isKubeStatus, type Kube } from "../k8s/kube-client.ts";
import { describeKubeError } from "../k8s/kube-errors.ts";
import { LABEL } from "../k8s/manifest-names.ts";
import type { JobEnd, JobOutcome } from "../k8s/run-bench-job.ts";
import { installInterrupt } from "./interrupt.ts";
import { singlePodFollow, type ClusterJobContext, type JobFollow } from "./run-cluster-job.ts";

/** What to do when there is nothing to collect. */
const RERUN = "run the sweep again (make bench); to keep a Job for a later --collect, run it with KEEP_JOB=1";

/** The Job as the cluster has it; a clear error when there is none. */
export async function readExistingJob(kube: Kube, name: string): Promise<V1Job> {
  try {
    return await kube.batch.readNamespacedJob({ name, namespace: kube.namespace });
  } catch (err) {
    if (isKubeStatus(err, 404)) {
      throw new EnvironmentError(
        `no Job ${name} in namespace ${kube.namespace} to collect: it never ran there, or it was deleted (make bench deletes it after collecting its log unless KEEP_JOB=1; its TTL deletes it an hour after it ends)`,
        `${RERUN}; another namespace: NAMESPACE=<ns> (or --namespace)`,
      );
    }
    throw describeKubeError(err, `read Job ${name}`, kube);
  }
}

/** The selector of the Job's pods: its own selector (controller-uid), else the run-id label, else job-name. */
function podSelector(job: V1Job): string {
  const match = job.spec?.selector?.matchLabels;
  if (match && Object.keys(match).length) return Object.entries(match).map(([k, v]) => `${k}=${v}`).join(",");
  const runId = job.metadata?.labels?.[LABEL.runId];
  return runId ? `${LABEL.runId}=${runId}` : `job-name=${job.metadata?.name ?? ""}`;
}

export function collectClusterJob<T>(ctx: ClusterJobContext, use: (outcome: JobOutcome, logPath: string) => Promise<T>): Promise<T> {
  return collectFollowedJob(ctx, (selector) => singlePodFollow(ctx, { attach: true, podSelector: selector }), (o) => o.podName !== null, use);
}

/**
 * collectClusterJob for any way of following the Job (PODS=N: the Indexed Job's pods). `found` says whether the
 * outcome reached any pod; without one there is nothing to collect.
 */
export async function collectFollowedJob<T, O extends { end: JobEnd; message: string; logComplete: boolean }>(
  ctx: ClusterJobContext,
  follow: (podSelector: string) => JobFollow<O>,
  found: (outcome: O) => boolean,
  use: (outcome: O, logPath: string) => Promise<T>,
): Promise<T> {
  const { kube, job, runId, writer, say, warn } = ctx;
  const name = job.metadata!.name!;
  const ended = (job.status?.conditions ?? []).find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  const selector = podSelector(job);
  let pods;
  try {
    pods = await kube.core.listNamespacedPod({ namespace: kube.namespace, labelSelector: selector });
  } catch (err) {
    throw describeKubeError(err, `list the pods of Job ${name}`, kube);
  }
  const state = ended ? `ended (${ended.type}${ended.reason ? `: ${ended.reason}` : ""})` : (job.status?.active ?? 0) > 0 ? "still running" : "not started yet";
  if (pods.items.length === 0) {
    if (ended) {
      throw new EnvironmentError(
        `the Job ${name} in namespace ${kube.namespace} has ${state}, but its pod is gone, and its log with it: there is nothing to collect`,
        RERUN,
      );
    }
  }
  say(`collecting Job ${name} (run ${runId}), ${state}; results in ${writer.dir}`);
  const interrupt = installInterrupt({ graceMs: 0, onStop: () => say("stopping: the Job goes on running (--collect never deletes it)"), onAbort: () => undefined });
  const follower = follow(selector);
  let outcome: O;
  try {
    outcome = await follower.run(interrupt.stop);
  } finally {
    interrupt.dispose();
  }
  if (!found(outcome)) {
    throw new EnvironmentError(`the Job ${name} in namespace ${kube.namespace} has no pod to read: ${outcome.message}`, RERUN);
  }
  const logPath = await follower.saveLogs(outcome);
  say(`Job ${outcome.end}: ${outcome.message}`);
  if (!outcome.logComplete) warn("the Job's log could not be read to its end: results after the break are missing");
  return use(outcome, logPath);
}
