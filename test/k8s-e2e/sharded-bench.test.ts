/**
 * `make bench ENGINE=native PODS=4` end to end on a REAL control plane (cluster-fixture.ts): the runner renders the
 * sweep as an Indexed Job of 4 load pods, the real Job controller gives each pod its completion index (annotation
 * and JOB_COMPLETION_INDEX through the downward API, resolved by the node agent), each pod runs the bundled engine
 * as `kneepoint sweep --shard $JOB_COMPLETION_INDEX/4 --start-at …` against the simulator behind the vllm Service, and
 * the runner follows the 4 logs, writes shards/<i>/ from them, merges them and reports the merged run: the table,
 * the per-shard table (client CPU, schedule delay, where each pod ran) and a benchmarks.md section that says PODS=4.
 * Then: `--collect` of the kept Indexed Job; one load pod deleted mid-run (its index fails alone, the others merge,
 * the run is partial); ENGINE=vllm with PODS>1 refused before the cluster is called.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BatchV1Api } from "@kubernetes/client-node";
import { peersSkipped } from "../real-peers/peers.ts";
import { stateFileName } from "../../src/merge/read-shard-dir.ts";
import { allText, NS, runDirs, SECRET, startClusterFixture, unreachableKubeconfig, type ClusterFixture } from "./cluster-fixture.ts";

const skipped = peersSkipped();
let fixture: ClusterFixture;

beforeAll(async () => {
  if (skipped) return;
  fixture = await startClusterFixture();
  const up = await fixture.kneepoint(["vllm-up"]);
  if (up.code !== 0) throw new Error(`vllm-up failed: ${up.stderr}`);
}, 900_000);

afterAll(async () => {
  await fixture?.close();
});

const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

describe.skipIf(skipped)("make bench PODS=4 on a real control plane", () => {
  it("4 load pods (indexes 0–3) each send their shard; every shard is collected and merged into one reported, recorded run", async () => {
    await fixture.setBenchTarget(null);
    const out = join(fixture.work, "sharded");
    const record = join(fixture.work, "benchmarks-sharded.md");
    // --keep-job: the next test collects the same Job again.
    const run = await fixture.kneepoint(["bench", "--out", out, "--record", record, "--no-charts", "--keep-job"], {
      ENGINE: "native",
      PODS: "4",
      CONCURRENCY: "4,8",
      NUM_PROMPTS: "16",
      INPUT_LEN: "32",
      OUTPUT_LEN: "8",
      // Time for 4 pods to start and unpack the engine on a shared 2-core machine.
      SHARD_START_DELAY: "6",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/make bench, engine native, 4 load pods/);
    expect(run.stderr).toMatch(/shards: 4 load pods start together at \d{4}-\d\d-\d\dT[\d:.]+Z/);
    // Each pod's stages and log lines under its index; the pods' own words say which shard they send.
    for (const i of [0, 1, 2, 3]) {
      expect(run.stderr).toMatch(new RegExp(`^pod ${i}: (running on gpu-node-1|finished)$`, "m"));
      expect(run.stderr).toMatch(new RegExp(`│ \\[${i}\\] kneepoint: native engine, shard ${i}/4 starting at`));
    }
    expect(run.stderr).toMatch(/Job succeeded: the Job completed: 4 load pods/);

    const [dir] = runDirs(out);
    const summary = json(join(dir!, "summary.json")) as { status: string; shards: Array<{ index: number; pod: string; node: string; status: string }>; job: { pods: number } };
    expect(summary.status).toBe("complete");
    expect(summary.job.pods).toBe(4);
    // Indexed Job pods are named <job>-<index>-<suffix> by the real Job controller.
    expect(summary.shards.map((s) => [s.index, s.node, s.status])).toEqual([0, 1, 2, 3].map((i) => [i, "gpu-node-1", "complete"]));
    for (const s of summary.shards) expect(s.pod).toMatch(new RegExp(`^vllm-bench-${s.index}-\\w+$`));

    for (const c of [4, 8]) {
      const shardCompleted = [0, 1, 2, 3].map((i) => {
        const shardDir = join(dir!, "shards", String(i));
        expect(existsSync(join(shardDir, stateFileName(c))), `shard ${i} c=${c} state`).toBe(true);
        return (json(join(shardDir, `step-c${c}.json`)).completed as number) ?? 0;
      });
      const merged = json(join(dir!, `step-c${c}.json`));
      // The merged step holds every shard's requests: the unsharded plan's 16, split 4 ways.
      expect(merged.completed).toBe(shardCompleted.reduce((a, b) => a + b, 0));
      expect(merged.completed).toBe(16);
      expect(merged.failed).toBe(0);
      expect(shardCompleted).toEqual([4, 4, 4, 4]);
    }

    // The merged table as for one pod, then the per-shard table with client CPU and schedule delay per shard and step.
    expect(run.stdout).toMatch(/│\s+conc\s+│/);
    for (const c of [4, 8]) expect(run.stdout).toMatch(new RegExp(`│\\s+${c}( ◀knee)?\\s+│`));
    expect(run.stdout).toMatch(/per load pod \(4 pods, merged above\) — 0: vllm-bench-0-\w+ on gpu-node-1; 1: vllm-bench-1-\w+ on gpu-node-1;/);
    expect(run.stdout).toMatch(/shard\s+│\s+step\s+│\s+requests\s+│\s+client CPU\s+│\s+sched p50\s+│\s+sched p99/);
    for (const i of [0, 1, 2, 3]) for (const c of [4, 8]) expect(run.stdout).toMatch(new RegExp(`│\\s+${i}\\s+│\\s+c=${c}\\s+│\\s+4\\s+│\\s+\\d+%\\s+│`));

    const md = readFileSync(record, "utf8");
    expect(md).toMatch(/× 4 load pods \(PODS=4, merged\)/);
    expect(md).toMatch(/32 in \/ 8 out tokens/);
    for (const text of [run.stdout, run.stderr, allText(out), md]) expect(text).not.toContain(SECRET);
    // What the cluster itself says: an Indexed Job whose real controller ran pods 0–3, one each, all succeeded.
    const job = (await fixture.get("Job", NS, "vllm-bench")) as { spec: Record<string, unknown>; status: { succeeded: number; completedIndexes: string } };
    expect(job.spec).toMatchObject({ completionMode: "Indexed", completions: 4, parallelism: 4, backoffLimitPerIndex: 0 });
    expect(job.status).toMatchObject({ succeeded: 4, completedIndexes: "0-3" });
    const pods = (await fixture.admin.listNamespacedPod({ namespace: NS, labelSelector: "job-name=vllm-bench" })).items;
    const indexes = pods.map((p) => p.metadata!.annotations!["batch.kubernetes.io/job-completion-index"]).sort();
    expect(indexes).toEqual(["0", "1", "2", "3"]);
    expect(pods.map((p) => p.metadata!.name).sort()).toEqual(summary.shards.map((s) => s.pod).sort());
    // The bundle is cleaned up; the Job stays (--keep-job).
    expect(await fixture.get("ConfigMap", NS, "kneepoint-engine")).toBeUndefined();
  }, 60_000);

  it("--collect on the Indexed Job: the 4 pods' logs are read again, merged and reported the same; nothing is created or deleted", async () => {
    const out = join(fixture.work, "sharded-collect");
    const run = await fixture.kneepoint(["bench", "--collect", "--out", out, "--no-record", "--no-charts"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/collecting Job vllm-bench \(run [\w-]+\), ended \(Complete/);
    const [dir] = runDirs(out);
    for (const c of [4, 8]) expect(json(join(dir!, `step-c${c}.json`)).completed).toBe(16);
    for (const i of [0, 1, 2, 3]) expect(existsSync(join(dir!, "shards", String(i), stateFileName(8)))).toBe(true);
    expect(run.stdout).toMatch(/per load pod \(4 pods, merged above\)/);
    expect(await fixture.get("Job", NS, "vllm-bench")).toBeDefined();
    await fixture.cluster.admin.makeApiClient(BatchV1Api).deleteNamespacedJob({ name: "vllm-bench", namespace: NS, propagationPolicy: "Foreground" });
  }, 30_000);

  it("one load pod deleted mid-run: its index fails alone, the others finish and merge, the pod is named, the run is partial", async () => {
    await fixture.setBenchTarget(null);
    const out = join(fixture.work, "sharded-failed");
    let deleted = "";
    const run = await fixture.kneepoint(
      ["bench", "--out", out, "--no-record", "--no-charts"],
      { ENGINE: "native", PODS: "3", CONCURRENCY: "3,6", NUM_PROMPTS: "24", INPUT_LEN: "32", OUTPUT_LEN: "100", SHARD_START_DELAY: "6" },
      (stderr) => {
        if (deleted || !/│ \[1\] c=3 \(this shard: 1\)\s+starting/.test(stderr)) return;
        deleted = "pending";
        void fixture.admin.listNamespacedPod({ namespace: NS, labelSelector: "job-name=vllm-bench" }).then((list) => {
          const pod = list.items.find((p) => p.metadata!.annotations!["batch.kubernetes.io/job-completion-index"] === "1");
          deleted = pod?.metadata?.name ?? "none";
          return pod && fixture.admin.deleteNamespacedPod({ name: deleted, namespace: NS });
        });
      },
    );
    expect(deleted).toMatch(/^vllm-bench-1-\w+$/);
    // The real Job controller fails index 1 alone (backoffLimitPerIndex 0) and lets 0 and 2 complete.
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/Job failed: the Job failed \(FailedIndexes[^)]*\); failed indexes: 1/);
    expect(run.stderr).toMatch(new RegExp(`warning: load pod 1 \\(${deleted}[^)]*\\) `));
    const [dir] = runDirs(out);
    const summary = json(join(dir!, "summary.json")) as { status: string; shards: Array<{ index: number; status: string }> };
    expect(summary.status).toBe("partial");
    expect(summary.shards.map((s) => s.status)).toEqual(["complete", "partial", "complete"]);
    // The others' requests are all in the merged steps (pod 1's too, for a step it finished before it was deleted).
    for (const c of [3, 6]) {
      const merged = json(join(dir!, `step-c${c}.json`));
      const parts = [0, 1, 2].map((i) => join(dir!, "shards", String(i), `step-c${c}.json`)).filter((f) => existsSync(f));
      expect(merged.completed).toBe(parts.map((f) => json(f).completed as number).reduce((a, b) => a + b, 0));
      expect(merged.completed as number).toBeGreaterThanOrEqual(16); // shards 0 and 2: 8 each
    }
    expect(run.stdout).toMatch(/per load pod \(3 pods, merged above\)/);
    expect(run.stdout).toMatch(/results: .* \(partial\)/);
  }, 45_000);

  it("ENGINE=vllm with PODS=4 is refused by name before the cluster is called", async () => {
    const run = await fixture.kneepoint(["bench", "--no-record"], { PODS: "4", KUBECONFIG: unreachableKubeconfig(fixture.work) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/ENGINE=vllm cannot run as PODS=4 load pods: vllm bench serve reports percentiles only/);
    expect(run.stderr).toMatch(/use ENGINE=native with PODS=4/);
    expect(run.stderr).not.toMatch(/unreachable/);
  }, 30_000);
});
