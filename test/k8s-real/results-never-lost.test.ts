/**
 * Issue 12 / research/real-cluster-review.md M2 on a REAL control plane (./real-cluster.ts): the sweep's results
 * come back through pods/log from the node agent's kubelet, whose CRI log files rotate (containerLogMaxSize, here a
 * few tens of KiB, checked every 100 ms) and split lines longer than 16 KiB into P records, as containerd and the
 * kubelet do. A fake `vllm bench serve` writes bursts of progress lines (the log rotates several times mid-run)
 * and a result JSON with vLLM ≥ 0.31's per-request `latencies` and `queue_times` arrays (~36 KB: three P records).
 * - every step's result arrives intact (compared with the file the fake wrote), and every progress line once;
 * - log streams ended cleanly (an API server or proxy closing a long response) and dropped mid-run: every step
 *   still arrives;
 * - `bench --collect`: the results of a Job whose runner died (the Job still running, then kept by KEEP_JOB=1 and
 *   done), and the errors when its pod or the Job is gone.
 *
 * KNEEPOINT_TEST_PEERS=skip (refused under CI=true) skips it; otherwise a missing Go toolchain or root fails it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractMarkedResults } from "../../src/engine/vllm/extract-marked-results.ts";
import { peersSkipped } from "../real-peers/peers.ts";
import { fakeVllmScript } from "../k8s/fake-vllm.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { startRealCluster, type RealCluster } from "./real-cluster.ts";

const NS = "results";
const MAX_BYTES = 48 * 1024;
const PARTIAL_LINE_BYTES = 16384;
const STEPS = [1, 2, 4];
const skipped = peersSkipped();

/** Where the fake `vllm` leaves a copy of each result and a mark when a step's progress output starts. */
const OUT = mkdtempSync(join(tmpdir(), "kp-never-lost-"));

/**
 * `vllm bench serve` as the Job's script runs it, with knobs from the bench-target ConfigMap (envFrom): FAKE_BURSTS
 * bursts of FAKE_LINES progress lines (stdout and stderr, as tqdm and logging mix them) 0.3 s apart, FAKE_SLEEP_S
 * before the result, and FAKE_REQUESTS entries in each per-request array.
 */
const FAKE_VLLM = fakeVllmScript(`out=${JSON.stringify(OUT)}
# The real one imports torch first. Without a pause, the first bursts could rotate away before the runner's first
# stream starts (at its next poll after the pod runs): lines no client can read any more, on a real node too.
[ "$c" = 1 ] && [ "\${FAKE_BURSTS:-0}" -gt 0 ] && sleep 1.2
: > "$out/noise-c$c"
b=0
while [ "$b" -lt "\${FAKE_BURSTS:-0}" ]; do
  awk -v c="$c" -v b="$b" -v n="\${FAKE_LINES:-0}" 'BEGIN { pad = sprintf("%60s", ""); gsub(/ /, "x", pad); for (i = 0; i < n; i++) { line = sprintf("noise c=%d burst=%d line=%d %s", c, b, i, pad); if (i % 2) print line > "/dev/stderr"; else print line } }'
  b=$((b + 1)); sleep 0.3
done
[ -n "\${FAKE_SLEEP_S:-}" ] && sleep "$FAKE_SLEEP_S"
mkdir -p "$dir"
awk -v c="$c" -v n="$n" -v r="\${FAKE_REQUESTS:-8}" 'BEGIN {
  srand(c * 7919); eff = c > 4 ? 4 : c
  printf "{\\"date\\": \\"20261203-120000\\", \\"endpoint_type\\": \\"vllm\\", \\"backend\\": \\"vllm\\", \\"num_prompts\\": %d, \\"request_rate\\": \\"inf\\", \\"max_concurrency\\": %d, \\"duration\\": 4.0, \\"completed\\": %d, \\"failed\\": 0, \\"total_input_tokens\\": 8192, \\"total_output_tokens\\": 4096, \\"request_throughput\\": %d.0, \\"output_throughput\\": %d.0, \\"total_token_throughput\\": %d.0, \\"mean_ttft_ms\\": 20.0, \\"median_ttft_ms\\": 19.0, \\"p50_ttft_ms\\": 19.0, \\"p95_ttft_ms\\": 35.0, \\"p99_ttft_ms\\": 40.0, \\"mean_itl_ms\\": 7.5, \\"median_itl_ms\\": 7.0, \\"p50_itl_ms\\": 7.0, \\"p95_itl_ms\\": 8.5, \\"p99_itl_ms\\": 9.0, \\"mean_e2el_ms\\": 1000.0, \\"median_e2el_ms\\": 1000.0, \\"p50_e2el_ms\\": 1000.0, \\"p99_e2el_ms\\": 1100.0", n, c, n, eff, eff * 100, eff * 300
  printf ", \\"latencies\\": ["; for (i = 0; i < r; i++) printf "%s%.9f", (i ? ", " : ""), 0.5 + rand()
  printf "], \\"queue_times\\": ["; for (i = 0; i < r; i++) printf "%s%.9f", (i ? ", " : ""), rand() / 10
  printf "], \\"errors\\": []}"
}' > "$dir/$file"
cp "$dir/$file" "$out/c$c.json"
echo "============ Serving Benchmark Result ============"
`);

let c: RealCluster;

beforeAll(async () => {
  if (skipped) return;
  c = await startRealCluster({
    namespace: NS,
    agent: { logRotation: { maxBytes: MAX_BYTES, maxFiles: 2, checkIntervalMs: 100 }, partialLineBytes: PARTIAL_LINE_BYTES },
    bins: { vllm: FAKE_VLLM },
  });
}, 900_000);

afterAll(async () => {
  await c?.close();
  rmSync(OUT, { recursive: true, force: true });
});

async function setFakeKnobs(data: Record<string, string>): Promise<void> {
  await c.core.deleteNamespacedConfigMap({ name: "bench-target", namespace: NS }).catch(() => undefined);
  await c.core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "bench-target" }, data } });
  for (const f of readdirSync(OUT)) rmSync(join(OUT, f), { force: true });
}

/** Counts the kubelet's rotations of the Job's log (distinct rotated file names) while `during` runs. */
async function countRotations<T>(during: Promise<T>): Promise<{ result: T; rotations: number }> {
  const names = new Set<string>();
  const root = join(c.node.dir, "logs", "pods");
  let done = false;
  const watch = (async () => {
    while (!done) {
      for (const pod of existsSync(root) ? readdirSync(root) : []) {
        if (!pod.startsWith(`${NS}_vllm-bench-`)) continue;
        const dir = join(root, pod, "bench");
        for (const f of existsSync(dir) ? readdirSync(dir) : []) if (/\.log\.\d{8}-\d{6}/.test(f)) names.add(`${pod}/${f.replace(/\.gz$/, "")}`);
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  const result = await during;
  done = true;
  await watch;
  return { result, rotations: names.size };
}

/** The result JSON of each step in a job.log, parsed. */
function loggedResults(log: string): Map<number, unknown> {
  const extracted = extractMarkedResults(log);
  expect(extracted.errors).toEqual([]);
  return new Map(extracted.results.map((r) => [r.concurrency, r.json]));
}

function expectEveryResultIntact(dir: string): void {
  const log = readFileSync(join(dir, "job.log"), "utf8");
  const results = loggedResults(log);
  expect([...results.keys()].sort((a, b) => a - b)).toEqual(STEPS);
  for (const s of STEPS) {
    const written = readFileSync(join(OUT, `c${s}.json`), "utf8");
    expect(results.get(s)).toEqual(JSON.parse(written));
    expect(existsSync(join(dir, `step-c${s}.json`))).toBe(true);
  }
}

const runDir = (out: string) => join(out, readdirSync(out)[0]!);
const BENCH_ENV = { CONCURRENCY: STEPS.join(" "), NUM_PROMPTS: "8" };

describe.skipIf(skipped)("results are never lost to log rotation, broken streams or split lines (real control plane)", () => {
  it("a log that rotates mid-run and result lines split into P records: every step's result and every line arrive, once", async () => {
    await setFakeKnobs({ FAKE_BURSTS: "3", FAKE_LINES: "600", FAKE_REQUESTS: "1500" });
    const out = join(c.work, "rotating");
    const t0 = Date.now();
    const { result: run, rotations } = await countRotations(c.kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], { env: BENCH_ENV }));
    expect(run.code, run.stderr).toBe(0);
    const dir = runDir(out);
    expectEveryResultIntact(dir);
    const written = readFileSync(join(OUT, "c4.json"), "utf8");
    expect(written.length).toBeGreaterThan(2 * PARTIAL_LINE_BYTES); // three P records in the CRI file
    const log = readFileSync(join(dir, "job.log"), "utf8");
    const noise = log.split("\n").filter((l) => l.startsWith("noise "));
    expect(noise.length).toBe(STEPS.length * 3 * 600);
    expect(new Set(noise).size).toBe(noise.length);
    expect(rotations).toBeGreaterThanOrEqual(3);
    expect(run.stderr).not.toMatch(/may be missing|could not be read to its end/);
    console.log(`rotating log: ${rotations} rotations, ${noise.length} progress lines + 3 results of ${written.length} bytes, all arrived; ${Date.now() - t0} ms`);
  }, 60_000);

  it("log streams ended cleanly and dropped mid-run: every step still arrives", async () => {
    await setFakeKnobs({ FAKE_BURSTS: "3", FAKE_LINES: "600", FAKE_REQUESTS: "1500" });
    const out = join(c.work, "broken");
    const broken: string[] = [];
    let stop = false;
    const breaker = (async () => {
      const plan: Array<[number, "end" | "destroy"]> = [
        [1, "end"],
        [2, "destroy"],
        [4, "end"],
      ];
      for (const [step, how] of plan) {
        while (!stop && !existsSync(join(OUT, `noise-c${step}`))) await new Promise((r) => setTimeout(r, 20));
        if (stop) return;
        await new Promise((r) => setTimeout(r, 150)); // in the middle of the step's progress output
        broken.push(`c=${step} ${how}: ${c.node.breakLogStreams(how)} stream(s)`);
        if (step === 2) {
          await new Promise((r) => setTimeout(r, 400));
          broken.push(`c=${step} end: ${c.node.breakLogStreams("end")} stream(s)`);
        }
      }
    })();
    const { result: run, rotations } = await countRotations(c.kneepoint(["bench", "--out", out, "--no-record", "--no-charts"], { env: BENCH_ENV }));
    stop = true;
    await breaker;
    expect(run.code, run.stderr).toBe(0);
    expect(broken.every((b) => /: [1-9]\d* stream/.test(b)), broken.join("; ")).toBe(true);
    const dir = runDir(out);
    expectEveryResultIntact(dir);
    const log = readFileSync(join(dir, "job.log"), "utf8");
    const noise = log.split("\n").filter((l) => l.startsWith("noise "));
    expect(new Set(noise).size).toBe(noise.length); // nothing delivered twice
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as { job: { logComplete: boolean; logGaps: number } };
    expect(summary.job.logComplete).toBe(true);
    console.log(`broken streams: ${broken.join("; ")}; ${rotations} rotations; ${noise.length}/${STEPS.length * 3 * 600} progress lines, ${summary.job.logGaps} possible gap(s); every result intact`);
  }, 60_000);

  it("bench --collect: a Job whose runner died is followed to its end; kept (KEEP_JOB=1) it is collected again; no pod, no Job: clear errors", async () => {
    // 5 s a step: the collect below starts while c=2 and c=4 still run (10 s), even on a busy machine where starting
    // the CLI takes seconds (2 s a step lost that race once under load).
    await setFakeKnobs({ FAKE_SLEEP_S: "5", FAKE_REQUESTS: "200" });
    const env = { PATH: process.env.PATH ?? "", HOME: c.work, KUBECONFIG: c.runnerKubeconfig, NAMESPACE: NS, KEEP_JOB: "1", ...BENCH_ENV };
    // The runner dies (SIGKILL: no cleanup, as a laptop that sleeps) after the first result; the Job runs on.
    let killed = false;
    const first = await runKneepoint(["bench", "--out", join(c.work, "died"), "--no-record", "--no-charts"], {
      inheritEnv: false,
      env,
      onStderr: (stderr, child) => {
        if (!killed && /kneepoint-result c=1 end/.test(stderr)) {
          killed = true;
          child.kill("SIGKILL");
        }
      },
    });
    expect(killed, first.stderr).toBe(true);
    const out = join(c.work, "collected");
    const record = join(c.work, "benchmarks-collected.md");
    const collected = await c.kneepoint(["bench", "--collect", "--out", out, "--record", record, "--no-charts"]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stderr).toMatch(/collecting Job vllm-bench \(run [\w-]+\), still running/);
    expect(collected.stdout).toMatch(/^results: .* \(complete\)$/m);
    expectEveryResultIntact(runDir(out));
    expect(readFileSync(record, "utf8")).toMatch(/qwen2\.5-0\.5b/);
    const job = await c.admin.makeApiClient(BatchV1Api).readNamespacedJob({ name: "vllm-bench", namespace: NS });
    expect(job.status?.succeeded).toBe(1); // collect deletes nothing

    const again = await c.kneepoint(["bench", "--collect", "--out", join(c.work, "collected-again"), "--no-record", "--no-charts"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/collecting Job vllm-bench \(run [\w-]+\), ended \(Complete/);
    expectEveryResultIntact(runDir(join(c.work, "collected-again")));
    const summary = JSON.parse(readFileSync(join(runDir(join(c.work, "collected-again")), "summary.json"), "utf8")) as { job: { collected?: boolean } };
    expect(summary.job.collected).toBe(true);

    // The pod gone (deleted by hand, or garbage-collected), the Job still there.
    const pods = await c.core.listNamespacedPod({ namespace: NS, labelSelector: "job-name=vllm-bench" });
    for (const p of pods.items) await c.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: NS, gracePeriodSeconds: 0 });
    for (let i = 0; i < 50 && (await c.core.listNamespacedPod({ namespace: NS, labelSelector: "job-name=vllm-bench" })).items.length; i++) await new Promise((r) => setTimeout(r, 100));
    const noPod = await c.kneepoint(["bench", "--collect", "--no-record", "--no-charts", "--out", join(c.work, "no-pod")]);
    expect(noPod.code).toBe(3);
    expect(noPod.stderr).toMatch(/the Job vllm-bench in namespace results has ended \(Complete[^)]*\), but its pod is gone, and its log with it/);
    expect(noPod.stderr).toMatch(/KEEP_JOB=1/);

    // No Job at all (its TTL removed it, or make bench deleted it).
    await c.admin.makeApiClient(BatchV1Api).deleteNamespacedJob({ name: "vllm-bench", namespace: NS, propagationPolicy: "Background" });
    for (let i = 0; i < 50; i++) {
      try {
        await c.admin.makeApiClient(BatchV1Api).readNamespacedJob({ name: "vllm-bench", namespace: NS });
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        break;
      }
    }
    const noJob = await c.kneepoint(["bench", "--collect", "--no-record", "--no-charts", "--out", join(c.work, "no-job")]);
    expect(noJob.code).toBe(3);
    expect(noJob.stderr).toMatch(/no Job vllm-bench in namespace results to collect/);
    expect(noJob.stderr).toMatch(/make bench/);
  }, 90_000);
});
