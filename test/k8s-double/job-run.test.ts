/**
 * The "kubelet" running Jobs: benchmarks/job.yaml with a fake `vllm` on PATH runs to Complete and its log is
 * followed to the end with client-node's Log; a failing command ends Failed/BackoffLimitExceeded after
 * the retries; deleting a running pod kills its process; a broken log stream is cut mid-way; a missing
 * ConfigMap holds the container in CreateContainerConfigError until it appears; a deadline stops a Job.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractMarkedResults } from "../../src/engine/vllm/extract-marked-results.ts";
import { loadJob } from "../k8s/manifest-files.ts";
import { startKubeApiDouble, type KubeApiDouble, type KubeObject } from "./kube-api-double.ts";
import { apiFailure, waitUntil } from "./wait-until.ts";
import { fakeVllmScript } from "../k8s/fake-vllm.ts";

/** Writes what --save-result would, and prints a line; never the key, only whether it had one. */
const FAKE_VLLM = fakeVllmScript(`echo "fake vllm bench serve at concurrency $c (key set: \${OPENAI_API_KEY:+yes})"
mkdir -p "$dir"
printf '{"max_concurrency": %s, "completed": 4, "request_rate": "inf"}' "$c" > "$dir/$file"
`);

const ns = "bench";
let double: KubeApiDouble;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k8s-double-job-"));
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin", "vllm"), FAKE_VLLM);
  chmodSync(join(dir, "bin", "vllm"), 0o755);
  double = await startKubeApiDouble({ namespaces: [ns], jobRetryBackoffMs: 20, kubelet: { path: `${join(dir, "bin")}:/usr/bin:/bin` } });
  kc = double.kubeConfig({ namespace: ns });
  core = kc.makeApiClient(k8s.CoreV1Api);
  batch = kc.makeApiClient(k8s.BatchV1Api);
});

afterAll(async () => {
  await double.close();
  rmSync(dir, { recursive: true, force: true });
});

const jobPods = (job: string) => double.list("Pod", ns).filter((p) => p.metadata.labels?.["batch.kubernetes.io/job-name"] === job);
const containerState = (pod: KubeObject | undefined) => ((pod?.status as { containerStatuses?: { state: Record<string, Record<string, unknown>> }[] } | undefined)?.containerStatuses?.[0]?.state);
const conditions = (job: KubeObject | undefined) => ((job?.status as { conditions?: { type: string; status: string; reason: string }[] } | undefined)?.conditions ?? []);
const condition = (job: string, type: string) => conditions(double.get("Job", ns, job)).find((x) => x.type === type && x.status === "True");

function simpleJob(name: string, command: string[], extra: Partial<k8s.V1JobSpec> = {}, container: Partial<k8s.V1Container> = {}): k8s.V1Job {
  return {
    metadata: { name },
    spec: { backoffLimit: 0, ...extra, template: { spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 2, containers: [{ name: "main", image: "busybox:1.36", command, ...container }] } } },
  };
}

/** Follows a pod's log with client-node's Log until the response ends. */
function followLog(pod: string, container: string): Promise<string> {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => (text += d.toString("utf8")));
  const ended = new Promise<string>((resolve) => out.on("end", () => resolve(text)));
  return new k8s.Log(kc).log(ns, pod, container, out, { follow: true }).then(() => ended);
}

describe("a Job from benchmarks/job.yaml", () => {
  it("runs to Complete; its log, followed to the end, holds every step's result", async () => {
    const job = await loadJob();
    const container = job.spec!.template.spec!.containers[0]!;
    container.env = container.env!.map((e) => (e.name === "CONCURRENCY" ? { name: e.name, value: "1 2" } : e));
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "bench-target" }, data: { BASE_URL: "http://litellm.litellm:4000" } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "bench-target-auth" }, stringData: { OPENAI_API_KEY: "sk-secret-123" } } });
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    await objects.create({ ...job, metadata: { ...job.metadata, namespace: ns } });

    const pod = await waitUntil(() => jobPods("vllm-bench")[0], "the Job's pod");
    expect(pod.metadata.name).toMatch(/^vllm-bench-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Job", name: "vllm-bench", controller: true })]);
    expect(pod.metadata.finalizers).toEqual(["batch.kubernetes.io/job-tracking"]);
    await waitUntil(() => { const s = containerState(double.get("Pod", ns, pod.metadata.name)); return s && !s.waiting; }, "the container to start");
    const log = await followLog(pod.metadata.name, "bench");

    expect(log).toContain("kneepoint: target http://litellm.litellm:4000/v1/completions (backend vllm)");
    expect(log).toContain("fake vllm bench serve at concurrency 2 (key set: yes)");
    expect(log).not.toContain("sk-secret-123");
    expect(log).toMatch(/kneepoint: sweep complete\n$/);
    expect(extractMarkedResults(log).results.map((r) => r.concurrency)).toEqual([1, 2]);
    expect(log).toBe(double.podLog(ns, pod.metadata.name));

    await waitUntil(() => condition("vllm-bench", "Complete"), "Complete");
    const done = await batch.readNamespacedJob({ namespace: ns, name: "vllm-bench" });
    expect(done.status).toMatchObject({ succeeded: 1, ready: 0 });
    expect(done.status?.active).toBeUndefined();
    expect(done.status?.completionTime).toBeInstanceOf(Date);
    expect(done.status?.conditions?.map((x) => `${x.type}=${x.status} ${x.reason}`)).toEqual(["SuccessCriteriaMet=True CompletionsReached", "Complete=True CompletionsReached"]);
    const finished = await core.readNamespacedPod({ namespace: ns, name: pod.metadata.name });
    expect(finished.status?.phase).toBe("Succeeded");
    expect(finished.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(finished.metadata?.finalizers).toBeUndefined();
    const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${pod.metadata.name}` })).items.map((e) => e.reason);
    expect(events).toEqual(["Scheduled", "Pulled", "Created", "Started"]);
    const jobEvents = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.kind=Job,involvedObject.name=vllm-bench" })).items.map((e) => `${e.reason}: ${e.message}`);
    expect(jobEvents).toEqual([`SuccessfulCreate: Created pod: ${pod.metadata.name}`, "Completed: Job completed"]);
  });

  it("tails, timestamps and limits the log of a finished container", async () => {
    const pod = jobPods("vllm-bench")[0]!;
    const get = async (query: string) => (await fetch(`${double.url}/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log?${query}`, { headers: { authorization: `Bearer ${double.token}` } })).text();
    expect(await get("tailLines=1")).toBe("kneepoint: sweep complete\n");
    expect(await get("tailLines=1&timestamps=true")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z kneepoint: sweep complete\n$/);
    expect(await get("limitBytes=9")).toBe("kneepoint");
    expect(await get("sinceSeconds=3600")).toBe(double.podLog(ns, pod.metadata.name));
    expect(await get(`sinceTime=${new Date(Date.now() + 60_000).toISOString()}`)).toBe("");
    const previous = await apiFailure(core.readNamespacedPodLog({ namespace: ns, name: pod.metadata.name, previous: true }));
    expect(previous.code).toBe(400);
  });
});

describe("volumes and environment", () => {
  it("mounts configMap items with their modes and an emptyDir, at mountPaths rewritten in command, env and workingDir", async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "engine" }, data: { "engine.mjs": "console.log('engine ran')", "unused.txt": "x" } } });
    // $(POD) in the command is Kubernetes' expansion (POD is an env var), not the shell's command substitution.
    const script = 'ls /opt/engine; stat -c %a /opt/engine/bin/engine.mjs; cat "$ENGINE"; echo; pwd | grep -c "/volumes/work$"; echo data > "$WORK_DIR/x"; cat x; echo "$(POD) $GREETING [${MISSING-unset}]"';
    const body = simpleJob("volumes", ["/bin/sh", "-c", script], {}, {
      workingDir: "/work",
      env: [
        { name: "ENGINE", value: "/opt/engine/bin/engine.mjs" },
        { name: "WORK_DIR", value: "/work" },
        { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "GREETING", value: "hi $(POD)" },
        { name: "MISSING", valueFrom: { configMapKeyRef: { name: "engine", key: "nope", optional: true } } },
      ],
      volumeMounts: [{ name: "engine", mountPath: "/opt/engine" }, { name: "work", mountPath: "/work" }],
    });
    body.spec!.template.spec!.volumes = [
      { name: "engine", configMap: { name: "engine", items: [{ key: "engine.mjs", path: "bin/engine.mjs", mode: 0o555 }] } },
      { name: "work", emptyDir: {} },
    ];
    await batch.createNamespacedJob({ namespace: ns, body });
    await waitUntil(() => condition("volumes", "Complete") || condition("volumes", "Failed"), "the Job to end");
    const pod = jobPods("volumes")[0]!;
    expect(double.podLog(ns, pod.metadata.name)).toBe(["bin", "555", "console.log('engine ran')", "1", "data", `${pod.metadata.name} hi ${pod.metadata.name} [unset]`, ""].join("\n"));
    expect(condition("volumes", "Complete")).toBeDefined();
  });
});

describe("failures", () => {
  it("retries a failing command backoffLimit times, then Failed with BackoffLimitExceeded", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: simpleJob("fails", ["/bin/sh", "-c", "echo boom >&2; exit 3"], { backoffLimit: 1 }) });
    await waitUntil(() => condition("fails", "Failed"), "Failed", 10_000);
    const job = await batch.readNamespacedJob({ namespace: ns, name: "fails" });
    expect(job.status?.failed).toBe(2);
    expect(job.status?.conditions?.map((x) => `${x.type} ${x.reason}`)).toEqual(["FailureTarget BackoffLimitExceeded", "Failed BackoffLimitExceeded"]);
    expect(job.status?.conditions?.[1]?.message).toBe("Job has reached the specified backoff limit");
    const pods = jobPods("fails");
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect((p.status as { phase: string }).phase).toBe("Failed");
      expect(containerState(p)?.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
      expect(double.podLog(ns, p.metadata.name)).toBe("boom\n");
    }
    expect(double.events.some((e) => e.reason === "BackoffLimitExceeded" && e.type === "Warning")).toBe(true);
  });

  it("ends a command that is not on PATH in StartError, exit 128", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: simpleJob("nobin", ["no-such-binary", "--flag"]) });
    await waitUntil(() => condition("nobin", "Failed"), "Failed");
    const state = containerState(jobPods("nobin")[0]);
    expect(state?.terminated).toMatchObject({ exitCode: 128, reason: "StartError" });
    expect(String(state?.terminated?.message)).toContain('exec: "no-such-binary": executable file not found in $PATH');
  });

  it("kills the process of a deleted pod (SIGTERM), removes the pod and counts it failed", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: simpleJob("victim", ["/bin/sh", "-c", "echo up; sleep 60"]) });
    const pod = await waitUntil(() => jobPods("victim").find((p) => containerState(p)?.running), "the container to run");
    const [pid] = await waitUntil(() => (double.runningPids().length > 0 ? double.runningPids() : undefined), "a running process");
    const deleted = await core.deleteNamespacedPod({ namespace: ns, name: pod.metadata.name });
    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(2);
    await waitUntil(() => !double.get("Pod", ns, pod.metadata.name), "the pod to disappear");
    expect(() => process.kill(pid!, 0)).toThrow();
    await waitUntil(() => condition("victim", "Failed"), "Failed");
    // podReplacementPolicy TerminatingOrFailed (the default): a replacement was created as soon as the pod
    // began terminating; the failure then exceeded backoffLimit 0 and the replacement was stopped and counted.
    expect(double.get("Job", ns, "victim")?.status).toMatchObject({ failed: 2 });
    expect(double.events.filter((e) => e.reason === "SuccessfulCreate" && (e.involvedObject as { name: string }).name === "victim")).toHaveLength(2);
    expect(double.events.find((e) => e.reason === "Killing" && (e.involvedObject as { name: string }).name === pod.metadata.name)?.message).toBe("Stopping container main");
  });

  it("stops a Job at activeDeadlineSeconds: DeadlineExceeded, process killed", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: simpleJob("slow", ["/bin/sh", "-c", "sleep 60"], { activeDeadlineSeconds: 1 }) });
    await waitUntil(() => condition("slow", "Failed"), "Failed", 8000);
    expect(conditions(double.get("Job", ns, "slow")).map((x) => `${x.type} ${x.reason}`)).toEqual(["FailureTarget DeadlineExceeded", "Failed DeadlineExceeded"]);
    await waitUntil(() => jobPods("slow").length === 0, "the pod to go");
  });

  it("holds a container in CreateContainerConfigError until its ConfigMap exists", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: simpleJob("needs-config", ["/bin/sh", "-c", "echo $GREETING"], {}, { envFrom: [{ configMapRef: { name: "greeting" } }] }) });
    const pod = await waitUntil(() => jobPods("needs-config").find((p) => containerState(p)?.waiting?.reason === "CreateContainerConfigError"), "CreateContainerConfigError");
    expect(containerState(pod)?.waiting?.message).toBe('configmap "greeting" not found');
    const logFailure = await fetch(`${double.url}/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log?container=main`, { headers: { authorization: `Bearer ${double.token}` } });
    expect(logFailure.status).toBe(400);
    expect(((await logFailure.json()) as { message: string }).message).toBe(`container "main" in pod "${pod.metadata.name}" is waiting to start: CreateContainerConfigError`);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "greeting" }, data: { GREETING: "hello" } } });
    await waitUntil(() => condition("needs-config", "Complete"), "Complete");
    expect(double.podLog(ns, pod.metadata.name)).toBe("hello\n");
  });

  it("cuts a followed log stream after the bytes asked for", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: simpleJob("chatty", ["/bin/sh", "-c", "for i in 1 2 3 4 5 6; do echo line-$i; sleep 0.05; done"]) });
    const pod = await waitUntil(() => jobPods("chatty").find((p) => containerState(p)?.running || containerState(p)?.terminated), "the container to start");
    double.breakLogStreams({ afterBytes: 10 });
    const res = await fetch(`${double.url}/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log?follow=true`, { headers: { authorization: `Bearer ${double.token}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let received = "";
    let error: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += Buffer.from(value).toString("utf8");
      }
    } catch (err) {
      error = err;
    }
    expect(received).toBe("line-1\nlin");
    expect(error).toBeDefined();
    // The next stream is whole again.
    await waitUntil(() => condition("chatty", "Complete"), "Complete");
    const whole = await (await fetch(`${double.url}/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log?follow=true`, { headers: { authorization: `Bearer ${double.token}` } })).text();
    expect(whole).toBe("line-1\nline-2\nline-3\nline-4\nline-5\nline-6\n");
  });
});

describe("deleting Jobs", () => {
  it("in the foreground (as the runner replaces a Job): the running pod is stopped first, no replacement, then the Job goes", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: simpleJob("replaced", ["/bin/sh", "-c", "sleep 60"], { backoffLimit: 3 }) });
    await waitUntil(() => jobPods("replaced").find((p) => containerState(p)?.running), "the container to run");
    const pids = double.runningPids();
    await batch.deleteNamespacedJob({ namespace: ns, name: "replaced", propagationPolicy: "Foreground" });
    await waitUntil(() => !double.get("Job", ns, "replaced"), "the Job to go");
    expect(jobPods("replaced")).toEqual([]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const created = double.events.filter((e) => e.reason === "SuccessfulCreate" && (e.involvedObject as { name: string }).name === "replaced");
    expect(created).toHaveLength(1);
  });

  it("orphans the pods by default (with the server's warning) and removes them with propagationPolicy=Background", async () => {
    await batch.deleteNamespacedJob({ namespace: ns, name: "fails" });
    expect(double.requests.at(-1)?.warnings[0]).toContain("child pods are preserved by default when jobs are deleted");
    await waitUntil(() => !double.get("Job", ns, "fails"), "the Job to go");
    expect(jobPods("fails")).toHaveLength(2);
    expect(jobPods("fails").every((p) => p.metadata.ownerReferences === undefined)).toBe(true);
    await batch.deleteNamespacedJob({ namespace: ns, name: "vllm-bench", propagationPolicy: "Background" });
    await waitUntil(() => jobPods("vllm-bench").length === 0, "the pods to go");
    expect(double.controllerErrors).toEqual([]);
  });
});
