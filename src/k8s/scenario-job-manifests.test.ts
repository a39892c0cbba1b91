/**
 * The scenario Job as the runner renders it and as benchmarks/scenarios/k8s/*.yaml ship it: one script
 * (scenario-job-script.ts) in both, the default node image, valid manifests, and configs the product reads.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1ConfigMap, V1Job } from "@kubernetes/client-node";
import { benchSettingsSchema } from "./bench-settings.ts";
import { validateManifest } from "./kube-schema.ts";
import { parseManifests, pickManifest, type Manifest } from "./load-manifests.ts";
import { renderScenarioConfigMap, renderScenarioJob, SCENARIO_CONFIGMAP_NAME, SCENARIO_JOB_NAME } from "./scenario-job-render.ts";
import { SCENARIO_CONFIG_PATH, SCENARIO_SCRIPT, SCENARIO_SCRIPT_NAME, scenarioJobCommand } from "./scenario-job-script.ts";
import { readScenarioConfig } from "../scenarios/config/read-scenario-config.ts";

const SHIPPED = [
  { file: "benchmarks/scenarios/k8s/01-scenario-baseline.yaml", name: "inference-perf-baseline", load: { type: "constant", rate: 1, durationS: 300 } },
  { file: "benchmarks/scenarios/k8s/04-scenario-production.yaml", name: "inference-perf-production", load: { type: "poisson", rate: 15, durationS: 600 } },
];
const defaults = benchSettingsSchema.parse({});

describe("the shipped scenario manifests (kubectl apply -f)", () => {
  for (const s of SHIPPED) {
    it(`${s.file}: the seed's ConfigMap and Job, running kneepoint's script in the default node image`, async () => {
      const docs = parseManifests(readFileSync(s.file, "utf8"), s.file);
      expect(docs.map((d) => `${d.kind}/${d.metadata?.name}`)).toEqual(["ServiceAccount/inference-perf-sa", `ConfigMap/${s.name}`, `Job/${s.name}`]);
      for (const d of docs) expect(validateManifest(d), `${d.kind}`).toEqual([]);
      const job = pickManifest(docs, "Job") as V1Job;
      const pod = job.spec!.template.spec!;
      const c = pod.containers[0]!;
      expect(c.image).toBe(defaults.nodeImage);
      expect({ command: c.command, args: c.args }).toEqual(scenarioJobCommand());
      expect(c.volumeMounts!.find((m) => m.name === "config")).toEqual({ name: "config", mountPath: SCENARIO_CONFIG_PATH, subPath: "config.yml" });
      expect(pod.volumes!.find((v) => v.name === "config")!.configMap!.name).toBe(s.name);
      expect(pod.volumes!.find((v) => v.name === "engine")!.configMap!.name).toBe("kneepoint-engine");
      // Pod Security "restricted": non-root, no escalation, no capabilities, RuntimeDefault seccomp.
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });

      const dir = mkdtempSync(join(tmpdir(), "kp-scenario-cm-"));
      const path = join(dir, "config.yml");
      writeFileSync(path, (pickManifest(docs, "ConfigMap") as V1ConfigMap).data!["config.yml"]!);
      const cfg = await readScenarioConfig(path, []);
      expect(cfg.server).toMatchObject({ model_name: "mistral-7b", base_url: "http://mistral-vllm.vllm-benchmark:8000" });
      expect(cfg.load.type).toBe(s.load.type);
      expect(cfg.load.stages).toMatchObject([{ rate: s.load.rate, duration: s.load.durationS }]);
      expect(cfg.storage?.simple_storage_service?.bucket_name).toBe("inference-perf-results");
    });
  }
});

describe("renderScenarioJob", () => {
  const source = pickManifest(parseManifests(readFileSync("benchmarks/job.yaml", "utf8"), "benchmarks/job.yaml"), "Job") as V1Job;
  const settings = { ...defaults, engine: "native" as const };
  const job = renderScenarioJob(source, { settings, namespace: "bench", runId: "20261204-010000-abcd", vllmImage: "vllm/vllm-openai:v0", bundleConfigMap: "kneepoint-engine", runArgs: ["--fail-on", "p95(ttft) > 1s"] });

  it("is make bench's native Job running the scenario script on the config ConfigMap, with the same hardening", () => {
    expect(validateManifest(job as Manifest)).toEqual([]);
    expect(job.metadata).toMatchObject({ name: SCENARIO_JOB_NAME, namespace: "bench", labels: { "kneepoint.dev/run-id": "20261204-010000-abcd" } });
    const pod = job.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(c.image).toBe(defaults.nodeImage);
    expect(c.command).toEqual(["/bin/sh", "-c"]);
    expect(c.args).toEqual([SCENARIO_SCRIPT, SCENARIO_SCRIPT_NAME, "--fail-on", "p95(ttft) > 1s"]);
    expect(c.securityContext).toEqual(source.spec!.template.spec!.containers[0]!.securityContext);
    expect(pod.securityContext).toEqual(source.spec!.template.spec!.securityContext);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(job.spec!.backoffLimit).toBe(0);
    // START_TIMEOUT + RUN_TIMEOUT (20 + 120 min) as the cluster's own deadline.
    expect(job.spec!.activeDeadlineSeconds).toBe(140 * 60);
    expect(pod.volumes!.map((v) => [v.name, v.configMap?.name ?? null, v.configMap?.optional ?? null])).toEqual([
      ["tmp", null, null],
      ["home", null, null],
      ["engine", "kneepoint-engine", null],
      ["config", SCENARIO_CONFIGMAP_NAME, null],
      ["buckets", "kneepoint-engine-buckets", true],
    ]);
    expect(c.volumeMounts!.find((m) => m.name === "config")).toEqual({ name: "config", mountPath: SCENARIO_CONFIG_PATH, subPath: "config.yml", readOnly: true });
  });

  it("--pods 3: an Indexed Job of 3 shards starting together, with the same script", () => {
    const startAtEpochMs = Date.parse("2026-12-04T01:00:30Z");
    const sharded = renderScenarioJob(source, { settings, namespace: "bench", runId: "20261204-010000-abcd", vllmImage: "v", bundleConfigMap: "kneepoint-engine", runArgs: [], shards: { count: 3, startAtEpochMs, startDelayMs: 30_000 } });
    expect(validateManifest(sharded as Manifest)).toEqual([]);
    expect(sharded.spec).toMatchObject({ completionMode: "Indexed", completions: 3, parallelism: 3, backoffLimitPerIndex: 0 });
    expect(sharded.spec!.backoffLimit).toBeUndefined();
    // 140 min of START_TIMEOUT + RUN_TIMEOUT, plus the 30 s until the shared start.
    expect(sharded.spec!.activeDeadlineSeconds).toBe(140 * 60 + 30);
    const c = sharded.spec!.template.spec!.containers[0]!;
    expect(c.args).toEqual([SCENARIO_SCRIPT, SCENARIO_SCRIPT_NAME, "--shard-from-job"]);
    expect(c.env!.filter((e) => e.name.startsWith("SHARD_"))).toEqual([
      { name: "SHARD_COUNT", value: "3" },
      { name: "SHARD_START_AT", value: "2026-12-04T01:00:30.000Z" },
    ]);
  });

  it("puts the config under the seeds' key", () => {
    const cm = renderScenarioConfigMap("bench", "20261204-010000-abcd", "api:\n  type: chat\n");
    expect(validateManifest(cm as Manifest)).toEqual([]);
    expect(cm.metadata!.name).toBe(SCENARIO_CONFIGMAP_NAME);
    expect(cm.data).toEqual({ "config.yml": "api:\n  type: chat\n" });
  });
});
