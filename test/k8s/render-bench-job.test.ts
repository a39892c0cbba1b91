/**
 * The Job as `make bench` applies it, per engine: valid against the Kubernetes schemas, pinned by golden files,
 * the settings landing in the env the script reads, and the native script parsing in dash and bash.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import type { V1Job } from "@kubernetes/client-node";
import { renderBenchJob, NATIVE_SCRIPT, type RenderJobOptions } from "../../src/k8s/render-bench-job.ts";
import { resolveBenchSettings, benchSettingsFromEnv } from "../../src/k8s/bench-settings.ts";
import { validateManifest } from "../../src/k8s/kube-schema.ts";
import { loadJob, literalEnv, onlyContainer, REPO } from "./manifest-files.ts";
import type { Manifest } from "../../src/k8s/load-manifests.ts";
import { CAPACITY_SCRIPT, capacityJobCommand } from "../../src/k8s/capacity-job-script.ts";

function options(env: Record<string, string>): RenderJobOptions {
  return {
    settings: resolveBenchSettings(benchSettingsFromEnv(env)),
    namespace: "bench",
    runId: "20261123-120000-abcd",
    vllmImage: "vllm/vllm-openai:v0.31.0",
    bundleConfigMap: "kneepoint-engine",
  };
}

describe("renderBenchJob", () => {
  for (const engine of ["vllm", "native"] as const) {
    it(`renders a valid ${engine} Job that matches test/goldens/job-rendered-${engine}.yaml (UPDATE_GOLDENS=1 rewrites)`, async () => {
      const job = renderBenchJob(await loadJob(), options({ ENGINE: engine, CONCURRENCY: "1,4,16", INPUT_LEN: "512", NUM_PROMPTS: "64" }));
      expect(validateManifest(job as Manifest)).toEqual([]);
      const env = literalEnv(onlyContainer(job));
      expect(env.CONCURRENCY).toBe("1 4 16");
      expect(env.INPUT_LEN).toBe("512");
      expect(env.OUTPUT_LEN).toBe("128"); // not overridden: the manifest's default
      expect(env.NUM_PROMPTS).toBe("64");
      expect(job.metadata?.namespace).toBe("bench");
      expect(job.metadata?.labels?.["kneepoint.dev/run-id"]).toBe("20261123-120000-abcd");
      expect(job.spec?.template.metadata?.labels?.["kneepoint.dev/run-id"]).toBe("20261123-120000-abcd");
      const golden = `${REPO}test/goldens/job-rendered-${engine}.yaml`;
      const text = stringify(job, { lineWidth: 0 });
      if (process.env.UPDATE_GOLDENS === "1" || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, "utf8"));
    });
  }

  it("renders the capacity Job (kneepoint capacity --in-cluster): the native Job with the capacity script and the search flags as args", async () => {
    const native = capacityJobCommand(["--slo", "p95(ttft)<=500ms", "--search", "concurrency"]);
    const job = renderBenchJob(await loadJob(), { ...options({ ENGINE: "native", INPUT_LEN: "64", OUTPUT_LEN: "32" }), native });
    expect(validateManifest(job as Manifest)).toEqual([]);
    const c = onlyContainer(job);
    expect(c.command).toEqual(["/bin/sh", "-c", CAPACITY_SCRIPT]);
    expect(c.args).toEqual(["kneepoint-capacity", "--slo", "p95(ttft)<=500ms", "--search", "concurrency"]);
    expect(literalEnv(c)).toMatchObject({ INPUT_LEN: "64", OUTPUT_LEN: "32" });
    // Everything else is the sweep's native Job (pinned by its golden).
    const sweep = renderBenchJob(await loadJob(), options({ ENGINE: "native", INPUT_LEN: "64", OUTPUT_LEN: "32" }));
    expect({ ...c, command: undefined, args: undefined }).toEqual({ ...onlyContainer(sweep), command: undefined });
  });

  it("runs the native engine from the ConfigMap in a node image, with the vLLM Job's security settings", async () => {
    const source = await loadJob();
    const job: V1Job = renderBenchJob(source, options({ ENGINE: "native" }));
    const c = onlyContainer(job);
    expect(c.image).toBe("node:24.17-bookworm-slim");
    expect(c.command).toEqual(["/bin/sh", "-c", NATIVE_SCRIPT]);
    expect(c.securityContext).toEqual(onlyContainer(source).securityContext);
    expect(c.envFrom).toEqual(onlyContainer(source).envFrom);
    expect(c.volumeMounts).toContainEqual({ name: "engine", mountPath: "/opt/kneepoint", readOnly: true });
    expect(job.spec?.template.spec?.volumes).toContainEqual({ name: "engine", configMap: { name: "kneepoint-engine", items: [{ key: "kneepoint.mjs.gz", path: "kneepoint.mjs.gz" }] } });
    // The source manifest is not modified.
    expect(onlyContainer(source).image).toMatch(/^vllm\/vllm-openai:/);
  });

  it("CACHE_PVC: HOME (the tokenizer, the caches) on the user's claim instead of an emptyDir, writable through fsGroup", async () => {
    const source = await loadJob();
    for (const engine of ["vllm", "native"]) {
      const job: V1Job = renderBenchJob(source, options({ ENGINE: engine, CACHE_PVC: "bench-cache" }));
      const volumes = job.spec?.template.spec?.volumes ?? [];
      expect(volumes.find((v) => v.name === "home")).toEqual({ name: "home", persistentVolumeClaim: { claimName: "bench-cache" } });
      expect(volumes.find((v) => v.name === "tmp")?.emptyDir).toBeDefined(); // /tmp stays scratch
      expect(job.spec?.template.spec?.securityContext?.fsGroup).toBe(onlyContainer(source).securityContext?.runAsUser);
    }
    // Without it, nothing changes.
    const plain = renderBenchJob(source, options({ ENGINE: "vllm" }));
    expect(plain.spec?.template.spec?.volumes?.find((v) => v.name === "home")?.emptyDir).toBeDefined();
    expect(() => renderBenchJob(source, options({ CACHE_PVC: "Bad_Name" }))).toThrow(/CACHE_PVC must be the name of a PersistentVolumeClaim/);
  });

  it("ENGINE=vllm pulls the server's image with the server's imagePullSecrets (values.yaml); the native image needs none", async () => {
    const source = await loadJob();
    const server = { servedModelName: "m", model: "org/m", imagePullSecrets: [{ name: "regcred" }] };
    expect(renderBenchJob(source, { ...options({ ENGINE: "vllm" }), server }).spec?.template.spec?.imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect(renderBenchJob(source, { ...options({ ENGINE: "native" }), server }).spec?.template.spec?.imagePullSecrets).toBeUndefined();
    expect(renderBenchJob(source, options({ ENGINE: "vllm" })).spec?.template.spec?.imagePullSecrets).toBeUndefined();
  });

  it("the native scripts (sweep, capacity) parse with sh -n (dash) and bash --posix -n", () => {
    for (const script of [NATIVE_SCRIPT, CAPACITY_SCRIPT]) {
      for (const [shell, ...args] of [["dash", "-n"], ["bash", "--posix", "-n"]] as const) {
        if (spawnSync("which", [shell]).status !== 0) continue;
        const result = spawnSync(shell, [...args, "-c", script], { encoding: "utf8" });
        expect(result.status, result.stderr).toBe(0);
      }
    }
  });

  it("rejects bad settings with the variable's name", () => {
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ CONCURRENCY: "1,x" }))).toThrow(/CONCURRENCY must be positive whole numbers/);
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ ENGINE: "sglang" }))).toThrow(/ENGINE must be vllm .* or native/);
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ INPUT_LEN: "0" }))).toThrow(/INPUT_LEN must be positive/);
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ PROMETHEUS_SERVICE: "prometheus:9090" }))).toThrow(/namespace\/name:port/);
    // Empty values are unset (make bench ENGINE= means the default).
    expect(resolveBenchSettings(benchSettingsFromEnv({ ENGINE: "", CONCURRENCY: " " })).engine).toBe("vllm");
  });
});
