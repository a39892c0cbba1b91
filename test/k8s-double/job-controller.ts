/**
 * The Job controller (Kubernetes ≥ 1.31 behaviour, NonIndexed jobs): pods `<job>-<5 chars>` with the
 * generated selector's labels, the `batch.kubernetes.io/job-tracking` finalizer and an ownerReference; a
 * pod is counted once it ends (or is deleted before it ran) and its finalizer removed. Failures beyond
 * `backoffLimit` or a passed `activeDeadlineSeconds` give FailureTarget, then (pods gone) Failed; enough
 * successes give SuccessCriteriaMet, then Complete. Retries wait the controller's exponential back-off
 * (`jobRetryBackoffMs` × 2^(failures-1), capped at 6 min). `ttlSecondsAfterFinished` deletes the finished Job.
 */
import { isControlledBy, ownerReference, randomSuffix, type Cluster } from "./cluster.ts";
import { deleteObject, isTerminalPod } from "./delete-object.ts";
import { timestamp, type KubeObject } from "./object-store.ts";
import { createObject } from "./write-object.ts";

type Obj = Record<string, unknown>;
export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
const MAX_BACKOFF_MS = 6 * 60 * 1000;

interface JobSpec {
  parallelism: number;
  completions: number;
  backoffLimit: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Obj };
}

interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

function isReady(pod: KubeObject): boolean {
  const conditions = ((pod.status as Obj | undefined)?.conditions as { type: string; status: string }[] | undefined) ?? [];
  return conditions.some((x) => x.type === "Ready" && x.status === "True");
}

export function startJobController(c: Cluster, retryBackoffMs: number): { stop(): void } {
  const jobRes = c.res("Job");
  const podRes = c.res("Pod");
  const timers = new Set<NodeJS.Timeout>();
  const lastFailureAt = new Map<string, number>();
  const queued = new Set<string>();

  const later = (ms: number, ns: string | undefined, name: string) => {
    const t = setTimeout(() => {
      timers.delete(t);
      enqueue(ns, name);
    }, Math.max(0, ms));
    timers.add(t);
  };

  const enqueue = (ns: string | undefined, name: string) => {
    const key = `${ns}/${name}`;
    if (queued.has(key)) return;
    queued.add(key);
    c.defer(() => {
      queued.delete(key);
      const job = c.store.get(jobRes, ns, name);
      if (job) reconcile(job);
    });
  };

  const removeFinalizer = (pod: KubeObject) => {
    const next = structuredClone(pod);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    c.store.update(podRes, next);
  };

  const reconcile = (job: KubeObject) => {
    const spec = job.spec as JobSpec;
    const status = structuredClone((job.status ?? {}) as Obj);
    const conditions = ((status.conditions as JobCondition[] | undefined) ?? []).slice();
    const has = (type: string) => conditions.some((x) => x.type === type && x.status === "True");
    const at = timestamp(c.now());
    const addCondition = (type: string, reason: string, message: string) => {
      if (!has(type)) conditions.push({ type, status: "True", lastProbeTime: at, lastTransitionTime: at, reason, message });
    };
    const pods = c.store.list(podRes, job.metadata.namespace).filter((p) => isControlledBy(p, job));
    let succeeded = Number(status.succeeded ?? 0);
    let failed = Number(status.failed ?? 0);
    // Count ended pods once, then release them.
    for (const pod of pods) {
      if (!(pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) continue;
      const phase = (pod.status as Obj | undefined)?.phase;
      const deletedUnbound = pod.metadata.deletionTimestamp !== undefined && !(pod.spec as Obj).nodeName;
      if (phase === "Succeeded") succeeded += 1;
      else if (phase === "Failed" || deletedUnbound) {
        failed += 1;
        lastFailureAt.set(job.metadata.uid!, c.now().getTime());
      } else continue;
      removeFinalizer(pod);
    }
    const live = pods.filter((p) => !isTerminalPod(p));
    const active = live.filter((p) => p.metadata.deletionTimestamp === undefined);
    const terminating = live.length - active.length;
    const finished = has("Complete") || has("Failed");
    if (status.startTime === undefined && !spec.suspend) status.startTime = at;

    if (!finished) {
      const startedMs = Date.parse(String(status.startTime ?? at));
      const deadlineMs = spec.activeDeadlineSeconds === undefined ? undefined : startedMs + spec.activeDeadlineSeconds * 1000;
      if (has("FailureTarget") || has("SuccessCriteriaMet")) {
        // waiting for the pods to go
      } else if (failed > spec.backoffLimit) {
        addCondition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        c.events.record(job, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", { component: "job-controller" });
      } else if (deadlineMs !== undefined && c.now().getTime() >= deadlineMs) {
        addCondition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline");
        c.events.record(job, "Warning", "DeadlineExceeded", "Job was active longer than specified deadline", { component: "job-controller" });
      } else if (succeeded >= spec.completions) {
        addCondition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods");
      } else if (!spec.suspend && job.metadata.deletionTimestamp === undefined) {
        if (deadlineMs !== undefined) later(deadlineMs - c.now().getTime(), job.metadata.namespace, job.metadata.name);
        const wanted = Math.min(spec.parallelism, spec.completions - succeeded) - active.length;
        const backoffMs = failed === 0 ? 0 : Math.min(MAX_BACKOFF_MS, retryBackoffMs * 2 ** (failed - 1));
        const waitMs = (lastFailureAt.get(job.metadata.uid!) ?? 0) + backoffMs - c.now().getTime();
        if (wanted > 0 && waitMs > 0) later(waitMs, job.metadata.namespace, job.metadata.name);
        else for (let i = 0; i < wanted; i++) createPod(job);
      }
      if (has("FailureTarget") || has("SuccessCriteriaMet")) {
        for (const pod of active) {
          deleteObject(c, podRes, pod.metadata.namespace, pod.metadata.name, { propagationPolicy: "Background" });
          c.events.record(job, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`, { component: "job-controller" });
        }
        if (live.length === 0) {
          const target = conditions.find((x) => x.type === "FailureTarget" && x.status === "True");
          if (target) addCondition("Failed", target.reason!, target.message!);
          else {
            addCondition("Complete", "CompletionsReached", "Reached expected number of succeeded pods");
            status.completionTime = at;
            c.events.record(job, "Normal", "Completed", "Job completed", { component: "job-controller" });
          }
        }
      }
    }
    const nowActive = c.store.list(podRes, job.metadata.namespace).filter((p) => isControlledBy(p, job) && !isTerminalPod(p) && p.metadata.deletionTimestamp === undefined);
    const next: Obj = { ...status, conditions: conditions.length > 0 ? conditions : undefined, active: nowActive.length || undefined, ready: nowActive.filter(isReady).length, terminating, uncountedTerminatedPods: {} };
    if (succeeded > 0) next.succeeded = succeeded;
    if (failed > 0) next.failed = failed;
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    const current = c.store.get(jobRes, job.metadata.namespace, job.metadata.name);
    if (current) c.store.update(jobRes, { ...current, status: next }, { part: "status" });
    if ((has("Complete") || has("Failed")) && !finished && spec.ttlSecondsAfterFinished !== undefined) {
      const { namespace, name } = job.metadata;
      const t = setTimeout(() => {
        timers.delete(t);
        try {
          deleteObject(c, jobRes, namespace, name, { propagationPolicy: "Background" });
        } catch {
          // deleted already
        }
      }, spec.ttlSecondsAfterFinished * 1000);
      timers.add(t);
    }
  };

  const createPod = (job: KubeObject) => {
    const spec = job.spec as JobSpec;
    const name = `${job.metadata.name}-${randomSuffix(c)}`;
    createObject(c, podRes, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        generateName: `${job.metadata.name}-`,
        namespace: job.metadata.namespace,
        labels: { ...spec.template.metadata?.labels },
        ...(spec.template.metadata?.annotations ? { annotations: { ...spec.template.metadata.annotations } } : {}),
        ownerReferences: [ownerReference(job)],
        finalizers: [JOB_TRACKING_FINALIZER],
      },
      spec: structuredClone(spec.template.spec),
    }, { fieldValidation: "Ignore", dryRun: false });
    c.events.record(job, "Normal", "SuccessfulCreate", `Created pod: ${name}`, { component: "job-controller" });
  };

  const releasable = (pod: KubeObject) =>
    (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER) && (isTerminalPod(pod) || (!(pod.spec as Obj).nodeName && pod.metadata.deletionTimestamp !== undefined));

  const unsubscribe = c.store.subscribe((e) => {
    if (e.resource === jobRes && e.type !== "DELETED") enqueue(e.object.metadata.namespace, e.object.metadata.name);
    if (e.resource !== podRes) return;
    const owner = (e.object.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === "Job");
    if (owner) enqueue(e.object.metadata.namespace, owner.name);
    if (e.type !== "DELETED" && releasable(e.object)) {
      // A pod whose Job is gone: release it so that it can be removed.
      c.defer(() => {
        const pod = c.store.get(podRes, e.object.metadata.namespace, e.object.metadata.name);
        if (!pod || !releasable(pod)) return;
        const job = owner ? c.store.get(jobRes, pod.metadata.namespace, owner.name) : undefined;
        if (!job || job.metadata.uid !== owner?.uid) removeFinalizer(pod);
      });
    }
  });
  return {
    stop() {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
    },
  };
}
