/**
 * `make vllm-up REPLICAS=2 && make bench` on the real control plane (issue 15, items 3–4): a node with two GPUs, two
 * server pods behind the vllm Service (the fake `vllm` starts kneepoint's simulator: no vLLM image or GPU here).
 * vllm-up waits for both; the bench's co-location line and benchmarks.md name both target pods; Prometheus scrapes
 * each pod, and the runner's peaks come from both.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { skipWithoutPrometheus } from "../prometheus/start-prometheus.ts";
import { peersSkipped } from "../real-peers/peers.ts";
import { NS, runDirs, startClusterFixture, type ClusterFixture } from "./cluster-fixture.ts";

const skipped = peersSkipped();
let fixture: ClusterFixture;

beforeAll(async () => {
  if (skipped) return;
  fixture = await startClusterFixture({ gpus: 2 });
}, 180_000);

afterAll(async () => {
  await fixture?.close();
}, 60_000);

const serverPods = async () => (await fixture.admin.listNamespacedPod({ namespace: NS, labelSelector: "app.kubernetes.io/name=vllm" })).items;

describe.skipIf(skipped)("vllm-up REPLICAS=2, then bench against both pods", () => {
  it("vllm-up says it waits for 2 pods and returns when both serve; each pod holds one GPU on the node", async () => {
    const run = await fixture.kneepoint(["vllm-up"], { REPLICAS: "2" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/replicas: 2 server pods behind the vllm Service \(each with 1 GPU\); vllm-up waits for all of them/);
    const pods = await serverPods();
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.spec?.nodeName).toBe("gpu-node-1");
      expect(p.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      expect(p.spec?.containers[0]!.resources?.limits?.["nvidia.com/gpu"]).toBe("1");
    }
  }, 90_000);

  it("bench: the co-location line and benchmarks.md name both target pods; the peaks are read from Prometheus, which scrapes both", async () => {
    if (skipWithoutPrometheus()) return;
    const prom = await fixture.startPrometheus();
    try {
      const out = join(fixture.work, "replicas");
      const record = join(fixture.work, "benchmarks-replicas.md");
      const run = await fixture.kneepoint(["bench", "--out", out, "--record", record, "--no-charts"], {
        ENGINE: "native",
        CONCURRENCY: "2,4",
        NUM_PROMPTS: "24",
        INPUT_LEN: "32",
        OUTPUT_LEN: "300",
        PROMETHEUS_SERVICE: "monitoring/prometheus-k8s:9090",
        SCRAPE_INTERVAL: "1",
      });
      expect(run.code, run.stderr).toBe(0);
      const names = (await serverPods()).map((p) => p.metadata!.name!).sort();
      const line = run.stdout.split("\n").find((l) => l.startsWith("co-location: "))!;
      expect(line).toMatch(/^co-location: 1 load pod × 2 target pods \(2 same node\): /);
      for (const name of names) expect(line).toContain(`${name} (gpu-node-1)`);
      expect(run.stderr + run.stdout).toMatch(/load pod vllm-bench-\S+ ran on node gpu-node-1, the node of target pods vllm-/);
      expect(readFileSync(record, "utf8")).toMatch(/\| Co-location \| 1 load pod × 2 target pods \(2 same node\): /);
      expect(run.stderr).not.toMatch(/server metrics could not be read/);
      const row = run.stdout.split("\n").find((l) => /│\s+4\s+│/.test(l))!;
      expect(row.split("│").map((c) => c.trim()).at(-2)).toMatch(/^~?\d+\/\d+$/);
      expect(runDirs(out)).toHaveLength(1);
    } finally {
      await prom.stop();
    }
  }, 120_000);

  it("vllm-down removes both pods", async () => {
    const run = await fixture.kneepoint(["vllm-down"]);
    expect(run.code, run.stderr).toBe(0);
    expect(await serverPods()).toHaveLength(0);
  }, 90_000);
});
