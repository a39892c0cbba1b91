/**
 * `make vllm-up && make bench && make vllm-down` end to end, as a user runs them (the real CLI in its own
 * process, with a kubeconfig holding the kneepoint-runner ServiceAccount's token), against a REAL Kubernetes control
 * plane (cluster-fixture.ts: API server, controller manager, scheduler, etcd; one GPU node run by the node agent).
 * benchmarks/rbac.yaml's rules are what the real RBAC enforces, so the runner is proven to need no more than they
 * grant, in a namespace enforcing Pod Security "restricted". The model server is deploy/vllm as applied, its
 * container a fake `vllm` that starts the simulator. What only a real cluster shows (research/real-cluster-review.md
 * H2): pods refused by Pod Security and by a ResourceQuota stop `vllm-up` at once with the reason, measured in
 * seconds from the FailedCreate event to the CLI's exit.
 *
 * ENGINE=native runs the esbuild bundle shipped in a ConfigMap with the real `node`, reaching http://vllm:8000 through
 * the Service's ClusterIP and EndpointSlice; ENGINE=vllm runs the Job's real shell script with a fake `vllm bench
 * serve` that writes vLLM-shaped result files. Failure cases: a step that fails (Job Failed), a pod that never
 * schedules (the node cordoned), a pod deleted mid-run, another sweep still running. Each ends with a clear message
 * and the finished steps saved. (A log stream that breaks mid-run: ../k8s-real/results-never-lost.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { createSign } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, type CoreV1Event, type KubernetesObject } from "@kubernetes/client-node";
import { skipWithoutPrometheus } from "../prometheus/start-prometheus.ts";
import { peersSkipped } from "../real-peers/peers.ts";
import { connectKube } from "../../src/k8s/kube-client.ts";
import { createObject } from "../../src/k8s/admission.ts";
import { readClusterContext } from "../../src/k8s/read-cluster-context.ts";
import { serviceOfUrl } from "../../src/k8s/service-proxy.ts";
import { allText, NS, RESTRICTED, runDirs, SECRET, startClusterFixture, unreachableKubeconfig, type ClusterFixture } from "./cluster-fixture.ts";

const skipped = peersSkipped();
let fixture: ClusterFixture;
let work: string;
let kubeconfig: string;
const kneepoint: ClusterFixture["kneepoint"] = (...args) => fixture.kneepoint(...args);
const setBenchTarget: ClusterFixture["setBenchTarget"] = (data) => fixture.setBenchTarget(data);

beforeAll(async () => {
  if (skipped) return;
  fixture = await startClusterFixture();
  ({ work, kubeconfig } = fixture);
}, 900_000);

afterAll(async () => {
  await fixture?.close();
});

/** When the first FailedCreate event of a namespace happened (epoch ms). */
async function firstFailedCreateMs(ns: string): Promise<number> {
  const list = await fixture.admin.listNamespacedEvent({ namespace: ns, fieldSelector: "reason=FailedCreate" });
  const t = (e: CoreV1Event) => new Date(e.firstTimestamp ?? e.eventTime ?? 0).getTime();
  const times = list.items.map(t).sort((a, b) => a - b);
  if (times.length === 0) throw new Error(`no FailedCreate event in ${ns}`);
  return times[0]!;
}

/** A values file like deploy/vllm/values.yaml with some keys changed. */
function valuesWith(changes: Record<string, unknown>): string {
  const values = { ...(parse(readFileSync("deploy/vllm/values.yaml", "utf8")) as Record<string, unknown>), ...changes };
  const file = join(work, `values-${Object.keys(changes).join("-")}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

/** A 4-step bench whose Job pod meets `act` once the first step's result is out; exit 3 expected. */
async function benchCutAfterFirstStep(name: string, act: (pod: string) => Promise<unknown>) {
  await setBenchTarget({ FAKE_SLEEP_S: "1" });
  const out = join(work, name);
  let acted = false;
  const run = await kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], { CONCURRENCY: "1,2,4,8", NUM_PROMPTS: "8" }, (stderr) => {
    if (acted || !/kneepoint-result c=1 end/.test(stderr)) return;
    acted = true;
    void benchPods().then((pods) => pods[0] && act(pods[0].metadata!.name!));
  });
  expect(acted).toBe(true);
  expect(run.code).toBe(3);
  const [dir] = runDirs(out);
  return { run, dir: dir! };
}

const benchPods = async () => (await fixture.admin.listNamespacedPod({ namespace: NS })).items.filter((p) => p.metadata?.name?.startsWith("vllm-bench-"));

describe.skipIf(skipped)("make vllm-up / bench / vllm-down on a real control plane", () => {
  it("vllm-up applies deploy/vllm and waits through its stages until the model answers", async () => {
    const run = await kneepoint(["vllm-up"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/applied Deployment vllm/);
    expect(run.stderr).toMatch(/PodMonitor skipped: this cluster has no Prometheus Operator/);
    expect(run.stderr).toMatch(/ready: \/health answers and \/v1\/models lists qwen2\.5-0\.5b/);
    expect(run.stdout).toMatch(/vLLM is serving qwen2\.5-0\.5b .* on gpu-node-1/);
    expect(run.stderr).not.toMatch(/keeps fields set by/); // a fresh apply: every field is kneepoint's
    // Before applying, with the node-reader ClusterRole's list: the image's CUDA against the GPU node's driver.
    expect(run.stderr).toMatch(/image\/driver check: vllm\/vllm-openai:v0\.31\.0 is CUDA 13 \(driver 580\+\); GPU nodes that fit: gpu-node-1 \(driver 580\.95\.05\)/);
    const deployment = (await fixture.get("Deployment", NS, "vllm")) as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    expect(deployment.spec.template.spec.containers[0]!.args).toContain("--served-model-name");
    // Admitted under "restricted", scheduled by the real scheduler onto the GPU node, a global-unicast pod IP.
    const pods = (await fixture.admin.listNamespacedPod({ namespace: NS, labelSelector: "app.kubernetes.io/name=vllm" })).items;
    expect(pods).toHaveLength(1);
    expect(pods[0]!.spec?.nodeName).toBe("gpu-node-1");
    expect(pods[0]!.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    expect(pods[0]!.status?.podIP).toMatch(/^10\.244\./);
  }, 60_000);

  it("reads the run context from the cluster: node labels, the Deployment's args, /version through the service proxy", async () => {
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      const kube = connectKube({ namespace: NS });
      const ctx = await readClusterContext(kube, { target: serviceOfUrl("http://vllm:8000", NS), baseUrl: "http://vllm:8000" });
      expect(ctx).toMatchObject({
        gpu: "NVIDIA-H100-80GB-HBM3 ×1",
        machineType: "a3-highgpu-1g",
        driver: "580.95.05",
        cuda: "13.0",
        dtype: "auto",
        serverVersion: "0.11.0",
        simulator: "kneepoint-sim 0.1.0",
        serverNode: "gpu-node-1",
      });
      expect(ctx.serverArgs).toMatch(/^vllm serve Qwen\/Qwen2\.5-0\.5B-Instruct --served-model-name qwen2\.5-0\.5b --dtype auto/);
      expect(ctx.serverPods).toHaveLength(1);
      expect(ctx.notes).toEqual([]);
    } finally {
      process.env.KUBECONFIG = saved;
    }
  });

  it("the API server checks every field kneepoint writes strictly (fieldValidation=Strict): an unknown one is refused, not dropped", async () => {
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      const kube = connectKube({ namespace: NS });
      const bad = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kneepoint-strict-check" }, data: { a: "1" }, dataa: { b: "2" } } as never;
      await expect(createObject(kube, bad, "create ConfigMap kneepoint-strict-check")).rejects.toThrow(/HTTP 400.*unknown field "dataa"/);
      expect(await fixture.get("ConfigMap", NS, "kneepoint-strict-check")).toBeUndefined();
    } finally {
      process.env.KUBECONFIG = saved;
    }
  });

  it("fields someone else set (kubectl set env, an earlier client-side apply) are named by the next vllm-up; kneepoint's own win", async () => {
    const apps = fixture.cluster.admin.makeApiClient(AppsV1Api);
    // What `kubectl set env deploy/vllm VLLM_ATTENTION_BACKEND=XFORMERS` and an old client-side `kubectl apply` of
    // another image do: read, change, replace (retried on a conflict with the Deployment controller), each as its
    // own field manager.
    const update = async (fieldManager: string, change: (c: { env?: Array<{ name: string; value?: string }>; image?: string }) => void) => {
      for (let attempt = 0; ; attempt++) {
        const d = await apps.readNamespacedDeployment({ name: "vllm", namespace: NS });
        change(d.spec!.template.spec!.containers[0]!);
        try {
          return await apps.replaceNamespacedDeployment({ name: "vllm", namespace: NS, body: d, fieldManager });
        } catch (err) {
          if ((err as { code?: number }).code !== 409 || attempt > 5) throw err;
        }
      }
    };
    await update("kubectl-set", (c) => (c.env = [...(c.env ?? []), { name: "VLLM_ATTENTION_BACKEND", value: "XFORMERS" }]));
    await update("kubectl-client-side-apply", (c) => (c.image = "vllm/vllm-openai:v0.30.0"));
    const run = await kneepoint(["vllm-up"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: Deployment vllm keeps fields set by kubectl-set that values\.yaml does not set: spec\.template\.spec\.containers\[name=vllm\]\.env\[name=VLLM_ATTENTION_BACKEND\]; they stay/);
    // The image kneepoint applies is kneepoint's again (forced), so that manager is not named.
    expect(run.stderr).not.toMatch(/kubectl-client-side-apply/);
    const after = await apps.readNamespacedDeployment({ name: "vllm", namespace: NS });
    expect(after.spec!.template.spec!.containers[0]!.image).toBe("vllm/vllm-openai:v0.31.0");
    expect(after.spec!.template.spec!.containers[0]!.env).toContainEqual({ name: "VLLM_ATTENTION_BACKEND", value: "XFORMERS" });
  }, 90_000);

  it("ENGINE=native: the bundled engine runs in the Job; table, verdict and a benchmarks.md section labelled simulated; no secret anywhere", async () => {
    // No bench-target: the Job's default http://vllm:8000, through the Service's ClusterIP to the vLLM pod.
    await setBenchTarget(null);
    const out = join(work, "native");
    const record = join(work, "benchmarks-native.md");
    const run = await kneepoint(["bench", "--out", out, "--record", record, "--no-charts"], { ENGINE: "native", CONCURRENCY: "1,2,4", NUM_PROMPTS: "6", INPUT_LEN: "32", OUTPUT_LEN: "8" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/native engine bundled: \d+ KiB, \d+ KiB gzipped, in ConfigMap kneepoint-engine/);
    expect(run.stderr).toMatch(/^pod: (running on gpu-node-1|finished)$/m);
    // No internet here: the Job cannot download the Hugging Face tokenizer and falls back to the target's /tokenize.
    expect(run.stderr).toMatch(/cannot download https:\/\/huggingface\.co\/Qwen\/Qwen2\.5-0\.5B-Instruct\/resolve\/main\/tokenizer\.json.*using the target's \/tokenize/);
    expect(run.stderr).toMatch(/Job succeeded/);
    expect(run.stdout).toMatch(/│\s+conc\s+│/);
    for (const c of [1, 2, 4]) expect(run.stdout).toMatch(new RegExp(`│\\s+${c}( ◀knee)?\\s+│`));
    expect(run.stdout).toMatch(/^verdict: /m);
    const [dir] = runDirs(out);
    for (const f of ["job.log", "job.json", "summary.json", "step-c1.json", "step-c2.json", "step-c4.json"]) expect(existsSync(join(dir!, f)), f).toBe(true);
    const step = JSON.parse(readFileSync(join(dir!, "step-c2.json"), "utf8")) as Record<string, number>;
    expect(step.completed).toBe(6);
    expect(step.failed).toBe(0);
    expect(step.backend).toBe("kneepoint-native");
    const md = readFileSync(record, "utf8");
    expect(md).toMatch(/native \(kneepoint/);
    expect(md).toMatch(/32 in \/ 8 out tokens/);
    // The target is the simulator: labelled so, never a GPU baseline.
    expect(md).toMatch(/kneepoint-sim/);
    // Co-location, read from the API: one node here, so the load pod shared it with the server, said and warned.
    expect(run.stdout).toMatch(/^co-location: 1 load pod × 1 target pod \(1 same node\): vllm-bench-\S+ \(gpu-node-1\) → vllm-\S+ \(gpu-node-1\): same node$/m);
    expect(run.stderr).toMatch(/^warning: load pod vllm-bench-\S+ ran on node gpu-node-1, the node of target pod vllm-\S+: it competed with the server/m);
    expect(md).toMatch(/^\| Co-location \| 1 load pod × 1 target pod \(1 same node\): vllm-bench-\S+ \(gpu-node-1\) → vllm-\S+ \(gpu-node-1\): same node \|$/m);
    // The key reached the client (the Secret) but no output, file or record.
    for (const text of [run.stdout, run.stderr, allText(out), md]) expect(text).not.toContain(SECRET);
    // Cleaned up: the Job and the bundle ConfigMap are gone.
    expect(await fixture.get("Job", NS, "vllm-bench")).toBeUndefined();
    expect(await fixture.get("ConfigMap", NS, "kneepoint-engine")).toBeUndefined();
  }, 90_000);
  it("ENGINE=vllm: the Job's script runs vllm bench serve per step; the results come back through the log", async () => {
    await setBenchTarget(null);
    const out = join(work, "vllm");
    const run = await kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], { CONCURRENCY: "1 2 4 8", NUM_PROMPTS: "16" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/target: http:\/\/vllm:8000\/v1\/completions, model qwen2\.5-0\.5b \(from the Job's defaults/);
    expect(run.stderr).toMatch(/│ kneepoint: step c=8: 16 requests/);
    // Output tok/s 100, 200, 400, 400 and E2EL 1000, 1000, 1000, 2000 ms: past c=4 throughput is flat while
    // latency doubles (Little's law in a closed loop): the knee is c=4.
    expect(run.stdout, run.stdout).toMatch(/^knee: c=4 /m);
    const [dir] = runDirs(out);
    const step = JSON.parse(readFileSync(join(dir!, "step-c8.json"), "utf8")) as Record<string, unknown>;
    expect(step).toMatchObject({ max_concurrency: 8, completed: 16, output_throughput: 400, median_e2el_ms: 2000, p50_ttft_ms: 19 });
    // The step's window comes from the kubelet's log timestamps, not from vLLM's second-truncated `date`.
    expect(run.stderr).not.toMatch(/approximate window/);
    const [startMs, endMs] = [step.started_at_ms as number, step.ended_at_ms as number];
    expect(Date.now() - startMs).toBeLessThan(120_000);
    expect(endMs).toBeGreaterThanOrEqual(startMs);
    const job = JSON.parse(readFileSync(join(dir!, "job.json"), "utf8")) as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
    expect(job.spec.template.spec.containers[0]!.image).toBe("vllm/vllm-openai:v0.31.0");
  }, 90_000);

  it("--fail-on: a gate that fails at a step exits 4 naming it; a bad gate exits 2 before the API is called", async () => {
    await setBenchTarget(null);
    // Against an API server that does not answer: had the bad gate reached the API, this would be exit 3, "unreachable".
    const bad = await kneepoint(["bench", "--no-record", "--fail-on", "p97(ttft) > 1s"], { KUBECONFIG: unreachableKubeconfig(work) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--fail-on 'p97(ttft) > 1s': p97(ttft) is not measured; the results of bench hold p50, p90, p95, p99");
    expect(bad.stderr).not.toMatch(/unreachable/);
    const out = join(work, "gates");
    // The fake vllm bench serve: output tok/s 100, 200, 400 at c=1, 2, 4; p95 TTFT 35 ms.
    const run = await kneepoint(["bench", "--out", out, "--no-record", "--no-charts", "--fail-on", "output_throughput < 150", "--fail-on", "p95(ttft) > 5s"], { CONCURRENCY: "1 2 4", NUM_PROMPTS: "8" });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(/^ {2}FAIL {2}output_throughput < 150 {2}100\.00 at c=1 \(threshold 150\)$/m);
    expect(run.stdout).toMatch(/^ {2}pass {2}p95\(ttft\) > 5s +worst 35\.0 ms at c=\d \(threshold 5s\)$/m);
    expect(run.stderr).toContain("kneepoint: 1 of 2 gate(s) failed: 'output_throughput < 150': 100.00 at c=1 (threshold 150)");
    const [dir] = runDirs(out);
    expect(JSON.parse(readFileSync(join(dir!, "gates.json"), "utf8"))).toMatchObject({ status: "fail", scope: "checked at every step" });
  }, 90_000);

  it("a failing step fails the Job: the steps before it are reported and saved, and the message says what happened", async () => {
    await setBenchTarget({ FAKE_FAIL_AT: "4" });
    const out = join(work, "failing");
    const run = await kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], { CONCURRENCY: "1,2,4,8", NUM_PROMPTS: "8" });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/step c=4 failed in the Job \(exit 1\)/);
    // The real Job controller's words.
    expect(run.stderr).toMatch(/kneepoint: the Job failed \(BackoffLimitExceeded[^)]*\); the container exited with code 1.*; 2 of 4 steps have results/);
    expect(run.stdout).toMatch(/│\s+2\s+│/);
    const [dir] = runDirs(out);
    expect(existsSync(join(dir!, "step-c2.json"))).toBe(true);
    expect(existsSync(join(dir!, "step-c4.json"))).toBe(false);
    expect(readFileSync(join(dir!, "job.log"), "utf8")).toMatch(/Traceback/);
  }, 90_000);

  it("a pod deleted mid-run ends the bench with that reason and the finished steps saved", async () => {
    const { run, dir } = await benchCutAfterFirstStep("deleted", (pod) => fixture.admin.deleteNamespacedPod({ name: pod, namespace: NS }));
    expect(run.stderr).toMatch(/the Job's pod vllm-bench-\w+ was deleted while the sweep ran|the Job failed/);
    expect(existsSync(join(dir, "step-c1.json"))).toBe(true);
    expect(existsSync(join(dir, "step-c8.json"))).toBe(false);
  }, 90_000);

  it("the Job's pod evicted mid-run (node pressure): the bench says so with the kubelet's reason; the finished steps are saved", async () => {
    const { run, dir } = await benchCutAfterFirstStep("evicted", (pod) => fixture.cluster.node.evict(NS, pod));
    expect(run.stderr).toMatch(/the Job's pod vllm-bench-\w+ was evicted from gpu-node-1: The node was low on resource: ephemeral-storage/);
    expect(run.stderr).toMatch(/hint: .*the node ran short of a resource or was drained, not the sweep/);
    expect(existsSync(join(dir, "step-c1.json"))).toBe(true);
    expect(existsSync(join(dir, "step-c8.json"))).toBe(false);
  }, 90_000);

  it("PROMETHEUS_SERVICE: peaks from an in-cluster Prometheus through the API server's service proxy", async () => {
    if (skipWithoutPrometheus()) return;
    const prom = await fixture.startPrometheus();
    try {
      await setBenchTarget(null);
      const out = join(work, "prometheus");
      const run = await kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], {
        ENGINE: "native",
        // Steps of a few seconds (300 tokens at 1 ms each), so 1 s scrapes land inside each step's window.
        CONCURRENCY: "2,4",
        NUM_PROMPTS: "24",
        INPUT_LEN: "32",
        OUTPUT_LEN: "300",
        PROMETHEUS_SERVICE: "monitoring/prometheus-k8s:9090",
        SCRAPE_INTERVAL: "1",
      });
      expect(run.code, run.stderr).toBe(0);
      // Every query is a POST through services/proxy, allowed only by the Role in monitoring: a refusal shows here.
      expect(run.stderr).not.toMatch(/server metrics could not be read/);
      expect(run.stdout).toMatch(/GPU util\s*│\s*KV %\s*│\s*run\/wait/);
      const row = run.stdout.split("\n").find((l) => /│\s+4\s+│/.test(l))!;
      expect(row.split("│").map((c) => c.trim()).at(-2)).toMatch(/^~?\d+\/\d+$/); // running/waiting peaks were read (~: few samples)
    } finally {
      await prom.stop();
    }
  }, 90_000);

  it("refuses to cut short another sweep that is still running, and says how to end it", async () => {
    const batch = fixture.cluster.admin.makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace: NS,
      body: {
        metadata: { name: "vllm-bench", labels: { "kneepoint.dev/run-id": "20261124-000000-beef" } },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" }],
              securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
              containers: [{ name: "bench", image: "busybox", command: ["sleep", "60"], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
            },
          },
        },
      },
    });
    try {
      for (let i = 0; i < 100 && !((await fixture.get("Job", NS, "vllm-bench")) as { status?: { active?: number } } | undefined)?.status?.active; i++) await new Promise((r) => setTimeout(r, 100));
      const run = await kneepoint(["bench", "--no-record", "--no-charts", "--out", join(work, "refused")], { CONCURRENCY: "1" });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/another sweep is running in namespace serving: Job vllm-bench \(run 20261124-000000-beef\)/);
      expect(run.stderr).toMatch(/hint: wait for it, or end it: kubectl -n serving delete job vllm-bench/);
      expect(await fixture.get("Job", NS, "vllm-bench")).toBeDefined(); // untouched
    } finally {
      await batch.deleteNamespacedJob({ name: "vllm-bench", namespace: NS, propagationPolicy: "Foreground" }).catch(() => undefined);
      for (let i = 0; i < 100 && (await fixture.get("Job", NS, "vllm-bench")); i++) await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  it("a Job that never schedules (the node cordoned) stops at START_TIMEOUT and names the stage, in the scheduler's words", async () => {
    const core = fixture.cluster.admin.makeApiClient(CoreV1Api);
    const cordon = (unschedulable: boolean) => core.patchNode({ name: "gpu-node-1", body: [{ op: "replace", path: "/spec/unschedulable", value: unschedulable }] });
    await core.patchNode({ name: "gpu-node-1", body: [{ op: "add", path: "/spec/unschedulable", value: true }] });
    try {
      const out = join(work, "unschedulable");
      const run = await kneepoint(["bench", "--out", out, "--no-record"], { START_TIMEOUT: "0.05" });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/pod: waiting for a node: 0\/1 nodes are available: 1 node\(s\) were unschedulable/);
      expect(run.stderr).toMatch(/did not start within 3 s; it stalled at: waiting for a node: 0\/1 nodes are available/);
      expect(run.stderr).toMatch(/hint: check the node pool and quotas/);
      const [dir] = runDirs(out);
      expect(JSON.parse(readFileSync(join(dir!, "summary.json"), "utf8"))).toMatchObject({ status: "partial", job: { end: "start-timeout" } });
      expect(await fixture.get("Job", NS, "vllm-bench")).toBeUndefined();
    } finally {
      await cordon(false);
    }
  }, 60_000);

  it("a namespace enforcing restricted refuses a root server: vllm-up stops at once with Pod Security's reason and the fix", async () => {
    const ns = "restricted-root";
    await fixture.cluster.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { ...RESTRICTED, "pod-security.kubernetes.io/warn": "restricted" } } } as KubernetesObject]);
    const run = await kneepoint(["vllm-up"], { KUBECONFIG: fixture.cluster.adminKubeconfig, NAMESPACE: ns, VLLM_VALUES: valuesWith({ runAsUser: 0 }), VLLM_UP_TIMEOUT: "1" });
    const endedMs = Date.now();
    expect(run.code).toBe(3);
    // The API server's warning on the Deployment (the warn label), then the refusal itself.
    expect(run.stderr).toMatch(/warning from the API server on Deployment vllm: would violate PodSecurity "restricted:latest"/);
    expect(run.stderr).toMatch(/the Deployment vllm's pod was refused by Pod Security admission: .*violates PodSecurity "restricted:latest": .*runAsNonRoot/);
    expect(run.stderr).toMatch(/enforces a Pod Security level/);
    const secondsAfterEvent = (endedMs - (await firstFailedCreateMs(ns))) / 1000;
    console.log(`Pod Security refusal: FailedCreate to the CLI's exit ${secondsAfterEvent.toFixed(1)} s`);
    expect(secondsAfterEvent).toBeLessThan(10);
    await fixture.cluster.admin.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: "vllm", namespace: ns });
  }, 60_000);

  it("a GPU node whose driver is too old for the image: vllm-up stops before applying, naming the node, the driver and the tag to use", async () => {
    const core = fixture.cluster.admin.makeApiClient(CoreV1Api);
    const label = (major: string) => core.patchNode({ name: "gpu-node-1", body: [{ op: "replace", path: "/metadata/labels/nvidia.com~1cuda.driver.major", value: major }] });
    await label("570");
    try {
      const ns = "old-driver";
      await fixture.cluster.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } as KubernetesObject]);
      const run = await kneepoint(["vllm-up"], { KUBECONFIG: fixture.cluster.adminKubeconfig, NAMESPACE: ns, VLLM_UP_TIMEOUT: "1" });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/gpu-node-1 \(driver 570/);
      expect(run.stderr).toMatch(/image\.tag: v0\.19\.1/);
      expect(await fixture.get("Deployment", ns, "vllm")).toBeUndefined(); // nothing applied
    } finally {
      await label("580");
    }
  }, 60_000);

  it("a ResourceQuota without GPUs: vllm-up stops at once with the quota's reason", async () => {
    const ns = "no-gpu-quota";
    await fixture.cluster.apply([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } as KubernetesObject,
      { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "no-gpus", namespace: ns }, spec: { hard: { "requests.nvidia.com/gpu": "0" } } } as KubernetesObject,
    ]);
    const run = await kneepoint(["vllm-up"], { KUBECONFIG: fixture.cluster.adminKubeconfig, NAMESPACE: ns, VLLM_UP_TIMEOUT: "1" });
    const endedMs = Date.now();
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the Deployment vllm's pod was refused by a ResourceQuota: .*exceeded quota: no-gpus/);
    expect(run.stderr).toMatch(/kubectl -n no-gpu-quota describe resourcequota/);
    const secondsAfterEvent = (endedMs - (await firstFailedCreateMs(ns))) / 1000;
    console.log(`quota refusal: FailedCreate to the CLI's exit ${secondsAfterEvent.toFixed(1)} s`);
    expect(secondsAfterEvent).toBeLessThan(10);
    await fixture.cluster.admin.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: "vllm", namespace: ns });
  }, 60_000);

  it("an expired ServiceAccount token: the CLI names the expiry and how to get a token that outlasts the run", async () => {
    // Tokens as the API server signs them (its service-account key, issuer and audience), one valid, one expired.
    const sa = await fixture.admin.readNamespacedServiceAccount({ name: "kneepoint-runner", namespace: NS });
    const issuer = "https://kubernetes.default.svc.cluster.local";
    const mint = (expS: number) => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { aud: [issuer], iss: issuer, iat: now - 7200, nbf: now - 7200, exp: now + expS, sub: `system:serviceaccount:${NS}:kneepoint-runner`, "kubernetes.io": { namespace: NS, serviceaccount: { name: "kneepoint-runner", uid: sa.metadata!.uid } } };
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
      const unsigned = `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}`;
      return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(readFileSync(fixture.cluster.cp.pki.serviceAccountKey, "utf8")).toString("base64url")}`;
    };
    const withToken = (token: string, name: string) => {
      const cfg = JSON.parse(readFileSync(kubeconfig, "utf8")) as { users: Array<{ user: Record<string, string> }> };
      cfg.users[0]!.user = { token };
      const file = join(work, name);
      writeFileSync(file, JSON.stringify(cfg));
      return file;
    };
    // The minting is right: the same claims with a future expiry are accepted.
    const valid = new KubeConfig();
    valid.loadFromFile(withToken(mint(3600), "kubeconfig-valid-token"));
    expect((await valid.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NS })).items).toBeDefined();
    const run = await kneepoint(["bench", "--no-record", "--no-charts", "--out", join(work, "expired")], { KUBECONFIG: withToken(mint(-300), "kubeconfig-expired-token"), CONCURRENCY: "1" });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot read ConfigMap bench-target in namespace serving \(HTTP 401( Unauthorized)?\): your kubeconfig's token expired at .* UTC \(5 min ago\)/);
    expect(run.stderr).toMatch(/hint: create a new one that outlasts the run, e\.g\. kubectl -n serving create token kneepoint-runner --duration=4h/);
  }, 60_000);

  it("vllm-down deletes the server and waits until its pod is gone", async () => {
    const run = await kneepoint(["vllm-down"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/deleted Deployment vllm/);
    expect(run.stderr).toMatch(/the GPU is free/);
    const pods = (await fixture.admin.listNamespacedPod({ namespace: NS })).items;
    expect(pods.filter((p) => p.metadata?.name?.startsWith("vllm-") && !p.metadata.name.startsWith("vllm-bench"))).toEqual([]);
  }, 60_000);
});
