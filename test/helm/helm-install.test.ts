/**
 * `helm install` of charts/kneepoint on the real control plane (../k8s-e2e/cluster-fixture.ts: a real API server with
 * RBAC and Pod Security "restricted", a node agent that runs the pod as a local process with the real `node`), against
 * deploy/vllm's Service whose pod is kneepoint's simulator, the engine ConfigMap made by `kneepoint engine-configmap`
 * as NOTES.txt tells users, and the Job followed to its reports by `kneepoint run --collect` as the runner
 * (kneepoint-runner's RBAC). helm runs with the admin's kubeconfig, as whoever installs charts in a namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { peersSkipped } from "../real-peers/peers.ts";
import { NS, SECRET, startClusterFixture, type ClusterFixture } from "../k8s-e2e/cluster-fixture.ts";
import { CHART_DIR, helm, helmBinary } from "./run-helm.ts";

const skipped = peersSkipped();
let fixture: ClusterFixture;

beforeAll(async () => {
  if (skipped) return;
  await helmBinary();
  fixture = await startClusterFixture();
  const up = await fixture.kneepoint(["vllm-up"]);
  if (up.code !== 0) throw new Error(`vllm-up failed: ${up.stderr}`);
  const engine = await fixture.kneepoint(["engine-configmap", "--namespace", NS]);
  if (engine.code !== 0) throw new Error(`kneepoint engine-configmap failed: ${engine.stderr}`);
}, 900_000);

afterAll(async () => {
  await fixture?.close();
});

/** Every file under a directory, relative paths. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

describe.skipIf(skipped)("helm install of the chart on a real control plane", () => {
  it("a typo fails helm install with the key named, and installs nothing", async () => {
    const run = await helm(["install", "typo", CHART_DIR, "-n", NS, "--set", "benchmark.scenarios.baseline.load.stages[0].duraton=3"], { kubeconfig: fixture.cluster.adminKubeconfig });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/at '\/benchmark\/scenarios\/baseline\/load\/stages\/0': additional properties 'duraton' not allowed/);
    const list = await helm(["list", "-n", NS, "-a", "-q"], { kubeconfig: fixture.cluster.adminKubeconfig });
    expect(list.stdout.trim()).toBe("");
  });

  it("installs the baseline scenario, and `kneepoint run --collect` follows its Job to the reports", async () => {
    const admin = fixture.cluster.adminKubeconfig;
    // 1 QPS for 3 s: requests at 0, 1 and 2 s (constant arrivals), 16 tokens in, 8 out.
    const sets = [
      "benchmark.scenario=baseline",
      "benchmark.scenarios.baseline.load.stages[0].duration=3",
      "benchmark.scenarios.baseline.data.input_distribution.mean=16",
      "benchmark.scenarios.baseline.data.input_distribution.min=16",
      "benchmark.scenarios.baseline.data.input_distribution.max=16",
      "benchmark.scenarios.baseline.data.output_distribution.mean=8",
      "benchmark.scenarios.baseline.data.output_distribution.min=8",
      "benchmark.scenarios.baseline.data.output_distribution.max=8",
    ].flatMap((s) => ["--set", s]);
    const install = await helm(["install", "smoke", CHART_DIR, "-n", NS, ...sets], { kubeconfig: admin });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/STATUS: deployed/);
    // NOTES.txt names the two commands this test runs, as it runs them.
    expect(install.stdout).toContain(`kneepoint engine-configmap --namespace ${NS}`);
    expect(install.stdout).toContain(`kneepoint run --collect smoke-kneepoint --namespace ${NS}`);

    // Seed 001's `kubectl logs -n <ns> -l benchmark.scenario=baseline -f` finds the pod by that label.
    const pods = await fixture.admin.listNamespacedPod({ namespace: NS, labelSelector: "benchmark.scenario=baseline" });
    expect(pods.items.map((p) => p.metadata!.labels!["job-name"])).toEqual(["smoke-kneepoint"]);

    const out = join(fixture.work, "helm-reports");
    const collect = await fixture.kneepoint(["run", "--collect", "smoke-kneepoint", "--namespace", NS, "--output", out, "--no-charts"]);
    expect(collect.code, collect.stderr).toBe(0);
    expect(collect.stderr).toMatch(/collecting the scenario Job smoke-kneepoint/);
    const got = files(out);
    expect(got).toContain("summary_lifecycle_metrics.json");
    const summary = JSON.parse(readFileSync(join(out, "summary_lifecycle_metrics.json"), "utf8")) as { load_summary: { count: number }; successes: { count: number } };
    expect(summary.load_summary.count).toBe(3);
    expect(summary.successes.count).toBe(3);
    // The config the pod ran is the chart's: the --set stage, the target from benchmark.target's defaults.
    const ran = parse(readFileSync(join(out, "config.yaml"), "utf8")) as { load: { stages: unknown[] }; server: { base_url: string } };
    expect(ran.load.stages).toEqual([expect.objectContaining({ rate: 1, duration: 3 })]);
    expect(ran.server.base_url).toBe("http://vllm:8000");
    for (const f of got.filter((f) => !f.endsWith(".png"))) expect(readFileSync(join(out, f), "utf8")).not.toContain(SECRET);

    // A changed config changes the pod template (its checksum annotation): the API server refuses to change a Job's
    // template, so an upgrade fails loudly instead of leaving a finished Job beside a config it never ran.
    const upgrade = await helm(["upgrade", "smoke", CHART_DIR, "-n", NS, ...sets, "--set", "benchmark.scenarios.baseline.load.stages[0].duration=4"], { kubeconfig: admin });
    expect(upgrade.code).toBe(1);
    expect(upgrade.stderr).toMatch(/field is immutable/);

    const uninstall = await helm(["uninstall", "smoke", "-n", NS, "--wait"], { kubeconfig: admin });
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(await fixture.get("Job", NS, "smoke-kneepoint")).toBeUndefined();
    expect(await fixture.get("ConfigMap", NS, "smoke-kneepoint")).toBeUndefined();
    expect(existsSync(out)).toBe(true);
  }, 60_000);
});
