/**
 * The chart's Job runs what `kneepoint run --in-cluster` runs (renderScenarioJob, src/k8s/scenario-job-render.ts):
 * the same scenario script (SCENARIO_SCRIPT, one constant for the CLI's Job, the kubectl manifests and this chart),
 * image, working directory, mounts, resources and pod/container hardening; and both objects the chart renders pass the
 * Kubernetes schemas (kube-schema.ts). Where the chart differs it is by design, and said here: its own names and
 * labels, the target in config.yml rather than in env (so none of benchmarks/job.yaml's sweep variables), and the
 * files mounted beside config.yml.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { V1Job } from "@kubernetes/client-node";
import { resolveBenchSettings } from "../../src/k8s/bench-settings.ts";
import { validateManifest } from "../../src/k8s/kube-schema.ts";
import type { Manifest } from "../../src/k8s/load-manifests.ts";
import { renderScenarioJob } from "../../src/k8s/scenario-job-render.ts";
import { SCENARIO_SCRIPT, SCENARIO_SCRIPT_NAME } from "../../src/k8s/scenario-job-script.ts";
import { loadJob } from "../k8s/manifest-files.ts";
import { helmBinary, helmSkipped, renderChart } from "./run-helm.ts";
import { readRendered, type RenderedChart } from "./rendered-chart.ts";

let chart: RenderedChart;
let cli: V1Job;

beforeAll(async () => {
  if (helmSkipped) return;
  await helmBinary();
  chart = readRendered(await renderChart([]));
  cli = renderScenarioJob(await loadJob(), { settings: resolveBenchSettings({}), namespace: "benchmarking", runId: "20261204-010000-abcd", vllmImage: "vllm/vllm-openai:v0.31.0", bundleConfigMap: "kneepoint-engine", runArgs: [] });
}, 900_000);

describe.skipIf(helmSkipped)("the chart's Job and `kneepoint run --in-cluster`'s", () => {
  const pods = () => [chart.job.spec!.template.spec!, cli.spec!.template.spec!] as const;

  it("run the same script with the same command, image, working directory and resources", () => {
    const [mine, theirs] = pods().map((p) => p.containers[0]!);
    expect(mine!.command).toEqual(["/bin/sh", "-c"]);
    expect(mine!.command).toEqual(theirs!.command);
    expect(mine!.args).toEqual([SCENARIO_SCRIPT, SCENARIO_SCRIPT_NAME]);
    expect(mine!.args).toEqual(theirs!.args);
    for (const key of ["name", "image", "imagePullPolicy", "workingDir", "resources", "securityContext"] as const) expect(mine![key], key).toEqual(theirs![key]);
  });

  it("mount everything the CLI's Job mounts, from the same sources (the config from the chart's own ConfigMap)", () => {
    const [mine, theirs] = pods();
    const mounts = mine.containers[0]!.volumeMounts!;
    for (const m of theirs.containers[0]!.volumeMounts!) expect(mounts, m.mountPath).toContainEqual(m);
    // Beyond those: one subPath mount per file beside config.yml (the chart's sample trace).
    expect(mounts.filter((m) => !theirs.containers[0]!.volumeMounts!.some((t) => t.mountPath === m.mountPath))).toEqual([
      { name: "config", mountPath: "/workspace/azure-llm-inference-sample.csv", subPath: "azure-llm-inference-sample.csv", readOnly: true },
    ]);
    const volumes = new Map(mine.volumes!.map((v) => [v.name, v]));
    expect(new Set(volumes.keys())).toEqual(new Set(theirs.volumes!.map((v) => v.name)));
    for (const v of theirs.volumes!) {
      if (v.name === "config") expect(volumes.get("config")).toEqual({ name: "config", configMap: { name: chart.configMap.metadata!.name } });
      else expect(volumes.get(v.name), v.name).toEqual(v);
    }
  });

  it("have the same pod hardening, scheduling and Job policy", () => {
    const [mine, theirs] = pods();
    for (const key of ["restartPolicy", "automountServiceAccountToken", "enableServiceLinks", "securityContext", "affinity", "tolerations"] as const) expect(mine[key], key).toEqual(theirs[key]);
    expect(chart.job.spec!.backoffLimit).toBe(cli.spec!.backoffLimit);
    expect(chart.job.spec!.ttlSecondsAfterFinished).toBe(cli.spec!.ttlSecondsAfterFinished);
    expect(chart.job.spec!.activeDeadlineSeconds).toBe(8400);
    expect(chart.job.spec!.activeDeadlineSeconds).toBe(cli.spec!.activeDeadlineSeconds);
    expect(chart.job.spec!.template.metadata!.annotations).toMatchObject(cli.spec!.template.metadata!.annotations!);
  });

  it("set the environment the script and the engine read alike (the CLI's Job also keeps benchmarks/job.yaml's sweep variables)", () => {
    const [mine, theirs] = pods().map((p) => p.containers[0]!);
    const theirEnv = new Map(theirs!.env!.map((e) => [e.name, e]));
    for (const e of mine!.env!) expect(theirEnv.get(e.name), e.name).toEqual(e);
    expect(mine!.env!.map((e) => e.name)).toEqual(["HF_TOKEN", "HOME", "USER", "HF_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "DO_NOT_TRACK"]);
    // The API key: the same optional Secret. (The bench-target ConfigMap sets the sweep's target; here config.yml does.)
    expect(theirs!.envFrom).toContainEqual(mine!.envFrom![0]);
    expect(mine!.envFrom).toEqual([{ secretRef: { name: "bench-target-auth", optional: true } }]);
  });

  it("renders a ConfigMap and a Job that pass the Kubernetes schemas", () => {
    expect(validateManifest(chart.configMap as Manifest)).toEqual([]);
    expect(validateManifest(chart.job as Manifest)).toEqual([]);
  });
});
