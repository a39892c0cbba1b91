/**
 * Scenarios in the cluster, end to end on a real control plane (cluster-fixture.ts; the namespace enforces Pod
 * Security "restricted", the runner has only benchmarks/rbac.yaml's rights): `kneepoint run --in-cluster` ships the
 * engine and the config, the node agent runs the Job's pod with the real `node` against the vllm Service (the
 * simulator), the report files come back through the log and equal a local run's in names and counts; the shipped
 * benchmarks/scenarios/k8s/01-scenario-baseline.yaml applied as it is (only what this cluster must differ in
 * changed) and brought home by `run --collect`; Ctrl-C deletes the Job and keeps the partial reports its pod logged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubernetesObject, V1ConfigMap, V1Job } from "@kubernetes/client-node";
import { parseAllDocuments, parse, stringify } from "yaml";
import { peersSkipped } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { allText, NS, SECRET, startClusterFixture, type ClusterFixture } from "./cluster-fixture.ts";

const skipped = peersSkipped();
let fixture: ClusterFixture;
let local: SimProcess;
const SIM = ["--ttft-ms", "4", "--itl-ms", "1"];
const MODEL = "qwen2.5-0.5b"; // deploy/vllm/values.yaml's servedModelName
/** 5 req/s for 2 s: 10 requests, whether the run is local or in the Job. */
const SHORT = ["--set", "load.stages[0].duration=2", "--set", "load.stages[0].rate=5", "--set", `server.model_name=${MODEL}`];

beforeAll(async () => {
  if (skipped) return;
  [fixture, local] = await Promise.all([startClusterFixture({ simArgs: SIM.join(" ") }), startSimProcess([...SIM, "--served-model-name", MODEL])]);
  const up = await fixture.kneepoint(["vllm-up"]);
  if (up.code !== 0) throw new Error(`vllm-up failed: ${up.stderr}`);
}, 900_000);

afterAll(async () => {
  await Promise.all([fixture?.close(), local?.stop()]);
});

const json = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const reportFiles = (dir: string) => readdirSync(dir).filter((f) => f !== "job.log" && !/^report\.(md|html)$|\.(png|svg)$/.test(f)).sort();

describe.skipIf(skipped)("scenarios as Jobs on a real control plane", () => {
  it("run --in-cluster: the reports come home equal in names and counts to a local run's, charts rendered here, Job and ConfigMaps deleted", async () => {
    const inCluster = join(fixture.work, "scenario-in-cluster");
    const localDir = join(fixture.work, "scenario-local");
    // The same config run here against a local simulator, at the same time (the two do not share a server).
    const [run, here] = await Promise.all([
      fixture.kneepoint(["run", "-c", "benchmarks/scenarios/baseline.yaml", "--in-cluster", ...SHORT, "--set", "server.base_url=http://vllm:8000", "--output", inCluster]),
      runKneepoint(["run", "-c", "benchmarks/scenarios/baseline.yaml", ...SHORT, "--set", `server.base_url=${local.url}`, "--output", localDir, "--no-charts"], { env: { OPENAI_API_KEY: "" } }),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/native engine bundled: \d+ KiB/);
    expect(run.stderr).toMatch(/^ {2}│ stage 0 constant 5 req\/s/m);
    expect(run.stderr).toMatch(/^ {2}│ \(report file stage_0_lifecycle_metrics\.json\)$/m);
    expect(run.stderr).not.toMatch(/gzip\+base64|=== kneepoint-report /);
    expect(run.stdout).toMatch(new RegExp(`^reports: ${inCluster} \\(\\d+ files from the Job's log\\)`, "m"));
    expect(run.stdout).toMatch(/^charts: .*\.png/m);

    expect(here.code, here.stderr).toBe(0);
    expect(reportFiles(inCluster)).toEqual(reportFiles(localDir));
    for (const dir of [inCluster, localDir]) {
      const stage = json(dir, "stage_0_lifecycle_metrics.json");
      expect(stage.successes.count, dir).toBe(10);
      expect(stage.failures.count, dir).toBe(0);
      expect(json(dir, "summary_lifecycle_metrics.json").successes.count).toBe(10);
    }
    expect(Object.keys(json(inCluster, "stage_0_lifecycle_metrics.json")).sort()).toEqual(Object.keys(json(localDir, "stage_0_lifecycle_metrics.json")).sort());
    expect(existsSync(join(inCluster, "report.md"))).toBe(true);
    expect(existsSync(join(inCluster, "job.log"))).toBe(true);
    for (const text of [run.stdout, run.stderr, allText(inCluster)]) expect(text).not.toContain(SECRET);
    expect(await fixture.get("Job", NS, "kneepoint-scenario")).toBeUndefined();
    for (const cm of ["kneepoint-scenario-config", "kneepoint-engine"]) expect(await fixture.get("ConfigMap", NS, cm), cm).toBeUndefined();
  }, 120_000);

  it("--pods 2: an Indexed Job of two shards, each pod's reports under shards/<i>, merged into the report directory", async () => {
    const out = join(fixture.work, "sharded");
    const args = ["run", "-c", "benchmarks/scenarios/baseline.yaml", "--in-cluster", "--pods", "2", "--set", "load.stages[0].duration=2", "--set", "load.stages[0].rate=10", "--set", `server.model_name=${MODEL}`, "--set", "server.base_url=http://vllm:8000", "--output", out, "--no-charts"];
    const run = await fixture.kneepoint(args, { SHARD_START_DELAY: "4" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^ {2}│ \[1\] \(report file stage_0_lifecycle_metrics\.json\)$/m);
    // 10 req/s for 2 s: 20 requests, split 10 + 10 between the two shards, merged back into 20.
    expect([0, 1].map((i) => json(join(out, "shards", String(i)), "stage_0_lifecycle_metrics.json").successes.count)).toEqual([10, 10]);
    expect(json(out, "stage_0_lifecycle_metrics.json").successes.count).toBe(20);
    expect(json(out, "summary_lifecycle_metrics.json").successes.count).toBe(20);
    expect(json(out, "kneepoint_shards.json")).toMatchObject({ status: "complete", merged: { shardCount: 2, missing: [] } });
    expect(run.stdout).toMatch(/^per shard:/m);
    for (const i of [0, 1]) expect(existsSync(join(out, "shards", String(i), "job.log"))).toBe(true);
    expect(await fixture.get("Job", NS, "kneepoint-scenario")).toBeUndefined();
  }, 90_000);

  it("01-scenario-baseline.yaml applied as it is, then run --collect: the reports here, the Job left alone", async () => {
    const engine = await fixture.kneepoint(["engine-configmap", "--namespace", NS]);
    expect(engine.code, engine.stderr).toBe(0);
    expect(engine.stderr).toMatch(/^ConfigMap kneepoint-engine \(\d+ KiB gzipped/m);
    // What this cluster must differ in, and nothing else: its namespace, the model server it has (no Mistral and no
    // Hugging Face here: the simulator's /tokenize), no S3 bucket, a 2 s stage, and a toleration for its only node (the
    // tainted GPU node; a real cluster has CPU nodes for the Job); the zone affinity is met by labelling the node with a
    // zone and the model's pod with the seed's app label.
    const docs = parseAllDocuments(readFileSync("benchmarks/scenarios/k8s/01-scenario-baseline.yaml", "utf8")).map((d) => d.toJS() as KubernetesObject);
    for (const d of docs) d.metadata!.namespace = NS;
    const cm = docs.find((d) => d.kind === "ConfigMap") as V1ConfigMap;
    const cfg = parse(cm.data!["config.yml"]!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    cfg.server.base_url = "http://vllm:8000";
    cfg.server.model_name = MODEL;
    cfg.tokenizer.pretrained_model_name_or_path = null;
    cfg.storage = { local_storage: { path: "reports" } };
    cfg.load.stages[0].duration = 2;
    cm.data!["config.yml"] = stringify(cfg);
    const job = docs.find((d) => d.kind === "Job") as V1Job;
    job.spec!.template.spec!.tolerations = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];
    const [vllmPod] = (await fixture.admin.listNamespacedPod({ namespace: NS, labelSelector: "app.kubernetes.io/name=vllm" })).items;
    await fixture.cluster.apply([
      { apiVersion: "v1", kind: "Node", metadata: { name: vllmPod!.spec!.nodeName!, labels: { "topology.kubernetes.io/zone": "zone-a" } } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: vllmPod!.metadata!.name!, namespace: NS, labels: { app: "mistral-vllm" } } },
    ] as KubernetesObject[]);
    await fixture.cluster.apply(docs);

    const out = join(fixture.work, "collected");
    // START_TIMEOUT 0.5 min: a pod that cannot be scheduled fails the test with the scheduler's reason, not a timeout.
    const run = await fixture.kneepoint(["run", "--collect", "inference-perf-baseline", "--output", out, "--no-charts"], { START_TIMEOUT: "0.5" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/collecting Job inference-perf-baseline/);
    // rate 1 for 2 s: 2 requests.
    expect(json(out, "stage_0_lifecycle_metrics.json").successes.count).toBe(2);
    expect(json(out, "kneepoint_run.json")).toMatchObject({ served_model: MODEL });
    expect(readFileSync(join(out, "config.yaml"), "utf8")).toMatch(/type: chat/);
    expect(run.stdout).toMatch(/^reports: .* \(\d+ files from the Job's log\)/m);
    expect(await fixture.get("Job", NS, "inference-perf-baseline")).toBeDefined();
  }, 90_000);

  it("Ctrl-C: the Job is deleted, and the partial reports its stopped pod logged are kept (exit 130)", async () => {
    const out = join(fixture.work, "stopped");
    let sent = false;
    const args = ["run", "-c", "benchmarks/scenarios/baseline.yaml", "--in-cluster", "--set", "load.stages[0].duration=60", "--set", "load.stages[0].rate=5", "--set", `server.model_name=${MODEL}`, "--set", "server.base_url=http://vllm:8000", "--output", out];
    const run = await fixture.kneepoint(args, {}, (stderr, child) => {
      if (sent || !/│ stage 0 constant 5 req\/s {2}starting/.test(stderr)) return;
      sent = true;
      setTimeout(() => child.kill("SIGINT"), 1500);
    });
    expect(sent).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/stopping: deleting the Job/);
    const stage = json(out, "stage_0_lifecycle_metrics.json");
    // Stopped after about 1.5 s of a 60 s stage at 5 req/s (300 planned): some requests, far fewer than planned.
    expect(stage.successes.count).toBeGreaterThan(0);
    expect(stage.successes.count).toBeLessThan(100);
    expect(run.stdout).toMatch(/files from the Job's log, partial\)/);
    expect(await fixture.get("Job", NS, "kneepoint-scenario")).toBeUndefined();
    // engine-configmap made kneepoint-engine for the applied manifests (the test before): a run leaves it there
    expect(await fixture.get("ConfigMap", NS, "kneepoint-engine")).toBeDefined();
    expect(await fixture.get("ConfigMap", NS, "kneepoint-scenario-config")).toBeUndefined();
  }, 90_000);
});
