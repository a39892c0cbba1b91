/**
 * `make vllm-up && make bench && make vllm-down` end to end, as a user runs them (the real CLI in its own
 * process, with a kubeconfig), against the Kubernetes API double of test/k8s-double (whose kubelet runs the Job's
 * container locally) and the simulator as the model server. benchmarks/rbac.yaml's rules are enforced on every
 * request, so the runner is proven to need no more than they grant. The product does not know it talks to a double.
 *
 * ENGINE=native runs the esbuild bundle shipped in a ConfigMap with the real `node`; ENGINE=vllm runs the Job's
 * real shell script with a fake `vllm` (no Python here) that writes vLLM-shaped result files.
 * Failure cases: a step that fails (Job Failed), a pod that never schedules, a pod deleted mid-run, a log stream
 * that breaks (the runner resumes it). Each ends with a clear message and the finished steps saved.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { BatchV1Api, type CoreV1Api } from "@kubernetes/client-node";
import { startKubeApiDouble, type KubeApiDouble } from "../k8s-double/kube-api-double.ts";
import type { SimProcess } from "../../src/cli/start-sim-process.ts";
import { skipWithoutPrometheus, startPrometheus } from "../prometheus/start-prometheus.ts";
import { connectKube } from "../../src/k8s/kube-client.ts";
import { readClusterContext } from "../../src/k8s/read-cluster-context.ts";
import { serviceOfUrl } from "../../src/k8s/service-proxy.ts";
import { fakeVllmScript } from "../k8s/fake-vllm.ts";
import { allText, GPU_NODE, NS, runDirs, SECRET, startClusterFixture, type ClusterFixture } from "./cluster-fixture.ts";

/**
 * A stand-in for `vllm bench serve`: honours --max-concurrency, --num-prompts, --result-dir/--result-filename, and
 * writes a result with vLLM's keys whose throughput flattens past c=4 (so the knee is visible). FAKE_FAIL_AT and
 * FAKE_SLEEP_S come from the bench-target ConfigMap (envFrom), as any extra key would.
 */
const FAKE_VLLM = fakeVllmScript(`echo "Starting initial single prompt test run..."
[ -n "\${FAKE_SLEEP_S:-}" ] && sleep "$FAKE_SLEEP_S"
if [ "$c" = "\${FAKE_FAIL_AT:-}" ]; then echo "Traceback (most recent call last): ClientConnectorError: Cannot connect to host" >&2; exit 1; fi
eff=$c; [ "$eff" -gt 4 ] && eff=4
thr=$((eff * 100)); e2e=$((1000 * c / eff))
mkdir -p "$dir"
printf '{"date": "20261123-120000", "endpoint_type": "vllm", "backend": "vllm", "num_prompts": %s, "request_rate": "inf", "max_concurrency": %s, "duration": 4.0, "completed": %s, "failed": 0, "total_input_tokens": 8192, "total_output_tokens": 4096, "request_throughput": %s.0, "output_throughput": %s.0, "total_token_throughput": %s.0, "mean_ttft_ms": 20.0, "median_ttft_ms": 19.0, "p50_ttft_ms": 19.0, "p95_ttft_ms": 35.0, "p99_ttft_ms": 40.0, "mean_itl_ms": 7.5, "median_itl_ms": 7.0, "p50_itl_ms": 7.0, "p95_itl_ms": 8.5, "p99_itl_ms": 9.0, "mean_e2el_ms": %s.0, "median_e2el_ms": %s.0, "p50_e2el_ms": %s.0, "p99_e2el_ms": %s.0, "errors": []}' \\
  "$n" "$c" "$n" "$eff" "$thr" "$((thr * 3))" "$e2e" "$e2e" "$e2e" "$((e2e + 100))" > "$dir/$file"
echo "============ Serving Benchmark Result ============"
`);

let fixture: ClusterFixture;
let sim: SimProcess;
let k8s: KubeApiDouble;
let work: string;
let kubeconfig: string;
let admin: CoreV1Api;
const kneepoint: ClusterFixture["kneepoint"] = (...args) => fixture.kneepoint(...args);
const setBenchTarget: ClusterFixture["setBenchTarget"] = (data) => fixture.setBenchTarget(data);

beforeAll(async () => {
  fixture = await startClusterFixture({ simArgs: ["--ttft-ms", "4", "--itl-ms", "1", "--served-model-name", "qwen2.5-0.5b"], fakeBins: { vllm: FAKE_VLLM } });
  ({ sim, k8s, work, kubeconfig, admin } = fixture);
}, 60_000);

afterAll(async () => {
  await fixture?.close();
});

describe("make vllm-up / bench / vllm-down against the API double", () => {
  it("vllm-up applies deploy/vllm and waits through its stages until the model answers", async () => {
    const run = await kneepoint(["vllm-up"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/applied Deployment vllm/);
    expect(run.stderr).toMatch(/PodMonitor skipped: this cluster has no Prometheus Operator/);
    expect(run.stderr).toMatch(/loading the model on gpu-node-1/);
    expect(run.stderr).toMatch(/ready: \/health answers and \/v1\/models lists qwen2\.5-0\.5b/);
    expect(run.stdout).toMatch(/vLLM is serving qwen2\.5-0\.5b .* on gpu-node-1/);
    const deployment = k8s.get("Deployment", NS, "vllm") as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    expect(deployment.spec.template.spec.containers[0]!.args).toContain("--served-model-name");
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

  it("ENGINE=native: the bundled engine runs in the Job; table, verdict and a benchmarks.md section labelled simulated; no secret anywhere", async () => {
    // The kubelet runs the container on this machine, so the target is the simulator's local address.
    await setBenchTarget({ BASE_URL: sim.url, BENCH_MODEL: "qwen2.5-0.5b" });
    const out = join(work, "native");
    const record = join(work, "benchmarks-native.md");
    const run = await kneepoint(["bench", "--out", out, "--record", record, "--no-charts"], { ENGINE: "native", CONCURRENCY: "1,2,4", NUM_PROMPTS: "6", INPUT_LEN: "32", OUTPUT_LEN: "8" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/native engine bundled: \d+ KiB, \d+ KiB gzipped, in ConfigMap kneepoint-engine/);
    expect(run.stderr).toMatch(/pod: running on gpu-node-1/);
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
    // The key reached the client (the Secret) but no output, file or record.
    for (const text of [run.stdout, run.stderr, allText(out), md]) expect(text).not.toContain(SECRET);
    // Cleaned up: the Job and the bundle ConfigMap are gone.
    expect(k8s.get("Job", NS, "vllm-bench")).toBeUndefined();
    expect(k8s.get("ConfigMap", NS, "kneepoint-engine")).toBeUndefined();
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
    const before = k8s.requests.length;
    const bad = await kneepoint(["bench", "--no-record", "--fail-on", "p97(ttft) > 1s"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--fail-on 'p97(ttft) > 1s': p97(ttft) is not measured; the results of bench hold p50, p90, p95, p99");
    expect(k8s.requests.length).toBe(before);
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
    expect(run.stderr).toMatch(/kneepoint: the Job failed \(BackoffLimitExceeded[^)]*\); the container exited with code 1.*; 2 of 4 steps have results/);
    expect(run.stdout).toMatch(/│\s+2\s+│/);
    const [dir] = runDirs(out);
    expect(existsSync(join(dir!, "step-c2.json"))).toBe(true);
    expect(existsSync(join(dir!, "step-c4.json"))).toBe(false);
    expect(readFileSync(join(dir!, "job.log"), "utf8")).toMatch(/Traceback/);
  }, 90_000);

  it("a log stream that breaks mid-run is resumed without repeating lines; the run is complete", async () => {
    await setBenchTarget({ FAKE_SLEEP_S: "0.3" });
    k8s.breakLogStreams({ afterBytes: 700, count: 2 });
    const out = join(work, "broken-log");
    const run = await kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], { CONCURRENCY: "1,2,4", NUM_PROMPTS: "8" });
    expect(run.code, run.stderr).toBe(0);
    const [dir] = runDirs(out);
    const log = readFileSync(join(dir!, "job.log"), "utf8");
    for (const c of [1, 2, 4]) {
      expect(log.split(`=== kneepoint-result c=${c} begin ===`).length - 1).toBe(1);
      expect(existsSync(join(dir!, `step-c${c}.json`))).toBe(true);
    }
    expect(log.split("kneepoint: step c=1:").length - 1).toBe(1);
  }, 90_000);

  it("a pod deleted mid-run ends the bench with that reason and the finished steps saved", async () => {
    await setBenchTarget({ FAKE_SLEEP_S: "1" });
    const out = join(work, "deleted");
    let deleting = false;
    const run = await kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], { CONCURRENCY: "1,2,4,8", NUM_PROMPTS: "8" }, (stderr) => {
      if (deleting || !/kneepoint-result c=1 end/.test(stderr)) return;
      deleting = true;
      const pod = k8s.list("Pod", NS).find((p) => p.metadata.name.startsWith("vllm-bench-"));
      if (pod) void admin.deleteNamespacedPod({ name: pod.metadata.name, namespace: NS });
    });
    expect(deleting).toBe(true);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the Job's pod vllm-bench-\w+ was deleted while the sweep ran|the Job failed/);
    const [dir] = runDirs(out);
    expect(existsSync(join(dir!, "step-c1.json"))).toBe(true);
    expect(existsSync(join(dir!, "step-c8.json"))).toBe(false);
  }, 90_000);

  it("PROMETHEUS_SERVICE: peaks from an in-cluster Prometheus through the API server's service proxy", async () => {
    if (skipWithoutPrometheus()) return;
    const prom = await startPrometheus([
      { name: "vllm", target: new URL(sim.url).host, metricsPath: "/metrics" },
      { name: "dcgm", target: new URL(sim.url).host, metricsPath: "/dcgm/metrics" },
    ]);
    try {
      k8s.setServiceUpstream("monitoring/prometheus-k8s", prom.url);
      await setBenchTarget({ BASE_URL: sim.url, BENCH_MODEL: "qwen2.5-0.5b" });
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
      expect(run.stderr).not.toMatch(/server metrics could not be read/);
      expect(run.stdout).toMatch(/GPU util\s*│\s*KV %\s*│\s*run\/wait/);
      const row = run.stdout.split("\n").find((l) => /│\s+4\s+│/.test(l))!;
      expect(row.split("│").map((c) => c.trim()).at(-2)).toMatch(/^~?\d+\/\d+$/); // running/waiting peaks were read (~: few samples)
      // Every Prometheus query went through the proxy as a POST (create on services/proxy), and none was refused.
      const proxied = k8s.requests.filter((r) => r.path.startsWith("/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy/api/v1/"));
      expect(proxied.length).toBeGreaterThan(0);
      expect(proxied.filter((r) => r.status !== 200)).toEqual([]);
      expect(proxied.some((r) => r.method === "POST")).toBe(true);
    } finally {
      await prom.stop();
    }
  }, 90_000);

  it("refuses to cut short another sweep that is still running, and says how to end it", async () => {
    const batch = k8s.kubeConfig({ admin: true }).makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace: NS,
      body: {
        metadata: { name: "vllm-bench", labels: { "kneepoint.dev/run-id": "20261124-000000-beef" } },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "bench", image: "busybox", command: ["sleep", "60"] }] } } },
      },
    });
    try {
      for (let i = 0; i < 50 && !((k8s.get("Job", NS, "vllm-bench") as { status?: { active?: number } } | undefined)?.status?.active ?? 0); i++) await new Promise((r) => setTimeout(r, 100));
      const run = await kneepoint(["bench", "--no-record", "--no-charts", "--out", join(work, "refused")], { CONCURRENCY: "1" });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/another sweep is running in namespace serving: Job vllm-bench \(run 20261124-000000-beef\)/);
      expect(run.stderr).toMatch(/hint: wait for it, or end it: kubectl -n serving delete job vllm-bench/);
      expect(k8s.get("Job", NS, "vllm-bench")).toBeDefined(); // untouched
    } finally {
      await batch.deleteNamespacedJob({ name: "vllm-bench", namespace: NS, propagationPolicy: "Foreground" }).catch(() => undefined);
    }
  }, 60_000);

  it("vllm-down deletes the server and waits until its pod is gone", async () => {
    const run = await kneepoint(["vllm-down"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/deleted Deployment vllm/);
    expect(run.stderr).toMatch(/the GPU is free/);
    expect(k8s.list("Pod", NS).filter((p) => p.metadata.name.startsWith("vllm-") && !p.metadata.name.startsWith("vllm-bench"))).toEqual([]);
    // Every request the runner made was allowed by benchmarks/rbac.yaml (+ deploy/node-reader.yaml), except the
    // namespace lookup, which it tolerates.
    const forbidden = k8s.requests.filter((r) => r.status === 403 && r.user !== "kubernetes-admin" && !/^\/api\/v1\/namespaces\/[^/]+$/.test(r.path.split("?")[0]!));
    expect(forbidden).toEqual([]);
    expect(k8s.controllerErrors).toEqual([]);
  }, 60_000);
});

describe("a Job that never schedules", () => {
  it("stops at START_TIMEOUT and names the stage it stalled at", async () => {
    const lone = await startKubeApiDouble({ namespaces: [NS], nodes: [{ ...GPU_NODE, name: "full-node", unschedulable: true }] });
    const config = join(work, "kubeconfig-lone");
    await lone.writeKubeconfig(config, { namespace: NS });
    try {
      const out = join(work, "unschedulable");
      const run = await kneepoint(["bench", "--out", out, "--no-record"], { KUBECONFIG: config, START_TIMEOUT: "0.05" });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/pod: waiting for a node: 0\/1 nodes are available/);
      expect(run.stderr).toMatch(/did not start within 3 s; it stalled at: waiting for a node: 0\/1 nodes are available/);
      expect(run.stderr).toMatch(/hint: check the node pool and quotas/);
      const [dir] = runDirs(out);
      expect(JSON.parse(readFileSync(join(dir!, "summary.json"), "utf8"))).toMatchObject({ status: "partial", job: { end: "start-timeout" } });
      expect(lone.get("Job", NS, "vllm-bench")).toBeUndefined();
    } finally {
      await lone.close();
    }
  }, 60_000);
});
