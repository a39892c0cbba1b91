import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseVllmValues, readVllmValues, samplingDefaults, vllmImage, vllmServerArgs, type VllmValues } from "./vllm-values.ts";

const VALUES = fileURLToPath(new URL("../../deploy/vllm/values.yaml", import.meta.url));
const committed = (): Record<string, any> => parse(readFileSync(VALUES, "utf8"));

function errorOf(doc: unknown): string {
  try {
    parseVllmValues(doc, "values.yaml");
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the values to be rejected");
}

describe("deploy/vllm/values.yaml", () => {
  it("is valid and pins the image", async () => {
    const values = await readVllmValues(VALUES);
    expect(values.image.tag).toMatch(/^v\d+\.\d+\.\d+/);
    expect(vllmImage(values)).toBe(`vllm/vllm-openai:${values.image.tag}`);
  });

  it("rejects typos and bad values, each as `path: message`", () => {
    expect(errorOf({ ...committed(), modle: "x" })).toBe("invalid values.yaml: (top level): unknown key 'modle'");
    const typoTag = committed();
    typoTag.image.tagg = "v1";
    expect(errorOf(typoTag)).toBe("invalid values.yaml: image: unknown key 'tagg'");
    expect(errorOf({ ...committed(), dtype: "bf16" })).toMatch(/^invalid values\.yaml: dtype: Invalid option: expected one of "auto"\|"half"/);
    expect(errorOf({ ...committed(), gpuMemoryUtilization: 1.5 })).toMatch(/gpuMemoryUtilization: Too big/);
    expect(errorOf({ ...committed(), gpus: 0 })).toMatch(/gpus: Too small/);
    expect(errorOf({ ...committed(), image: { repository: "vllm/vllm-openai", tag: "latest" } })).toBe(
      "invalid values.yaml: image.tag: must be a pinned version such as v0.31.0, not latest",
    );
    const badCpu = committed();
    badCpu.resources.requests.cpu = "lots";
    expect(errorOf(badCpu)).toBe("invalid values.yaml: resources.requests.cpu: must be a Kubernetes quantity such as 2, 500m or 8Gi");
    expect(errorOf({ ...committed(), extraArgs: ["--dtype=half"] })).toBe(
      "invalid values.yaml: extraArgs: --dtype comes from its own key in values.yaml; set it there",
    );
  });

  it("checks the model cache, /dev/shm, sampling, pod fields and PodMonitor labels, each as `path: message`", () => {
    const v = parseVllmValues(committed(), "values.yaml");
    expect(v.modelCache).toEqual({ emptyDir: { sizeLimit: "4Gi" }, offline: false });
    expect(v).toMatchObject({ shmSize: "2Gi", generationConfig: "vllm", overrideGenerationConfig: {}, imagePullSecrets: [], podMonitor: { labels: {} } });
    expect(v.affinity ?? v.runtimeClassName ?? v.priorityClassName).toBeUndefined();
    // Absent keys take the same defaults (an older values file keeps working).
    const { modelCache: _m, shmSize: _s, generationConfig: _g, overrideGenerationConfig: _o, podMonitor: _p, ...old } = committed();
    expect(parseVllmValues(old, "old.yaml")).toMatchObject({ modelCache: v.modelCache, shmSize: "2Gi", generationConfig: "vllm", podMonitor: { labels: {} } });

    const err = (changes: Record<string, unknown>) => errorOf({ ...committed(), ...changes });
    expect(err({ modelCache: { emptyDir: { sizeLimit: "4Gi" }, persistentVolumeClaim: { claimName: "w" } } })).toBe("invalid values.yaml: modelCache: set emptyDir or persistentVolumeClaim, not both");
    expect(err({ modelCache: {} })).toBe("invalid values.yaml: modelCache: set emptyDir (with sizeLimit) or persistentVolumeClaim (with claimName)");
    expect(err({ modelCache: { emptyDir: { sizeLimit: "lots" } } })).toBe("invalid values.yaml: modelCache.emptyDir.sizeLimit: must be a Kubernetes quantity such as 2, 500m or 8Gi");
    expect(err({ modelCache: { persistentVolumeClaim: { claimName: "My_Weights" } } })).toBe(
      "invalid values.yaml: modelCache.persistentVolumeClaim.claimName: must be the name of a PersistentVolumeClaim in the namespace (lower-case letters, digits, '-' and '.')",
    );
    expect(err({ modelCache: { pvc: "w", emptyDir: { sizeLimit: "1Gi" } } })).toBe("invalid values.yaml: modelCache: unknown key 'pvc'");
    expect(err({ modelCache: { emptyDir: { sizeLimit: "4Gi" }, offline: true } })).toBe(
      "invalid values.yaml: modelCache.offline: needs modelCache.persistentVolumeClaim holding the weights (an emptyDir starts empty), or model as a path inside the container",
    );
    expect(parseVllmValues({ ...committed(), modelCache: { persistentVolumeClaim: { claimName: "weights" }, offline: true } }, "v").modelCache.offline).toBe(true);
    expect(err({ shmSize: "big" })).toBe("invalid values.yaml: shmSize: must be a Kubernetes quantity such as 2, 500m or 8Gi");
    expect(err({ generationConfig: "model" })).toBe("invalid values.yaml: generationConfig: must be vllm, auto, or an absolute folder path inside the container");
    expect(err({ overrideGenerationConfig: { temperature: [0] } })).toMatch(/^invalid values\.yaml: overrideGenerationConfig\.temperature: /);
    expect(err({ runtimeClassName: "NVIDIA" })).toBe("invalid values.yaml: runtimeClassName: must be the name of a RuntimeClass (lower-case letters, digits, '-' and '.')");
    expect(err({ priorityClassName: "" })).toMatch(/^invalid values\.yaml: priorityClassName: must be the name of a PriorityClass/);
    expect(err({ imagePullSecrets: ["regcred"] })).toMatch(/^invalid values\.yaml: imagePullSecrets\.0: /);
    expect(err({ imagePullSecrets: [{ name: "regcred", namespace: "x" }] })).toBe("invalid values.yaml: imagePullSecrets.0: unknown key 'namespace'");
    expect(err({ affinity: { nodeAfinity: {} } })).toBe("invalid values.yaml: affinity: unknown key 'nodeAfinity'");
    expect(err({ podMonitor: { labels: { "bad key!": "x" } } })).toBe("invalid values.yaml: podMonitor.labels.bad key!: must be a label key such as release or example.com/team");
    expect(err({ podMonitor: { labels: { release: "kube prometheus" } } })).toMatch(/^invalid values\.yaml: podMonitor\.labels\.release: must be a label value/);
    expect(err({ podMonitor: { labels: { "app.kubernetes.io/name": "x" } } })).toMatch(/^invalid values\.yaml: podMonitor\.labels\.app\.kubernetes\.io\/name: app\.kubernetes\.io\/\* labels are kneepoint's own/);
    expect(err({ podMonitor: { label: {} } })).toBe("invalid values.yaml: podMonitor: unknown key 'label'");
    expect(err({ extraArgs: ["--generation-config", "auto"] })).toBe("invalid values.yaml: extraArgs: --generation-config comes from its own key in values.yaml; set it there");
  });

  it("listenAddress is 0.0.0.0 or :: (IPv6-only and dual-stack); imageCheck a boolean; both optional", () => {
    const v = parseVllmValues(committed(), "values.yaml");
    expect(v).toMatchObject({ listenAddress: "0.0.0.0", imageCheck: true });
    const { listenAddress: _l, imageCheck: _i, ...old } = committed();
    expect(parseVllmValues(old, "old.yaml")).toMatchObject({ listenAddress: "0.0.0.0", imageCheck: true });
    const ipv6 = parseVllmValues({ ...committed(), listenAddress: "::", imageCheck: false }, "v");
    expect(ipv6).toMatchObject({ listenAddress: "::", imageCheck: false });
    expect(vllmServerArgs(ipv6)).toEqual(expect.arrayContaining(["--host", "::"]));
    expect(vllmServerArgs(ipv6)[vllmServerArgs(ipv6).indexOf("--host") + 1]).toBe("::");
    const err = (changes: Record<string, unknown>) => errorOf({ ...committed(), ...changes });
    expect(err({ listenAddress: "127.0.0.1" })).toBe("invalid values.yaml: listenAddress: must be 0.0.0.0 or :: (IPv4, or IPv6 and dual-stack)");
    expect(err({ listenAddress: "[::]" })).toBe("invalid values.yaml: listenAddress: must be 0.0.0.0 or :: (IPv4, or IPv6 and dual-stack)");
    expect(err({ imageCheck: "no" })).toMatch(/^invalid values\.yaml: imageCheck: /);
    expect(err({ extraArgs: ["--host", "::"] })).toBe("invalid values.yaml: extraArgs: --host comes from its own key in values.yaml; set it there");
  });

  it("says which sampling defaults the server applies", () => {
    expect(samplingDefaults({ generationConfig: "vllm", overrideGenerationConfig: {} })).toBe("vLLM's defaults (--generation-config vllm: the model's generation_config.json is not applied)");
    expect(samplingDefaults({ generationConfig: "auto", overrideGenerationConfig: { temperature: 0 } })).toBe(`the model's generation_config.json (--generation-config auto), overridden with {"temperature":0}`);
  });

  it("reports every problem at once", () => {
    const message = errorOf({ ...committed(), model: "", maxModelLen: -1 });
    expect(message).toContain("model: ");
    expect(message).toContain("; maxModelLen: ");
  });

  it("names the file when it cannot be read or parsed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kneepoint-values-"));
    await expect(readVllmValues(join(dir, "none.yaml"))).rejects.toThrow(/cannot read .*none\.yaml: ENOENT/);
    writeFileSync(join(dir, "bad.yaml"), "model: [\n");
    await expect(readVllmValues(join(dir, "bad.yaml"))).rejects.toThrow(/invalid .*bad\.yaml: not valid YAML/);
  });
});

describe("vllmServerArgs", () => {
  it("puts the model first and every value behind its flag, then the extra args", async () => {
    const values: VllmValues = { ...(await readVllmValues(VALUES)), model: "m/x", gpus: 2, extraArgs: ["--max-num-seqs", "64"] };
    expect(vllmServerArgs(values)).toEqual([
      "m/x",
      "--served-model-name", values.servedModelName,
      "--dtype", values.dtype,
      "--max-model-len", String(values.maxModelLen),
      "--gpu-memory-utilization", String(values.gpuMemoryUtilization),
      "--tensor-parallel-size", "2",
      "--host", "0.0.0.0",
      "--port", "8000",
      "--generation-config", "vllm",
      "--max-num-seqs", "64",
    ]);
  });

  it("adds a pinned digest to the image when given", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(vllmImage({ image: { repository: "vllm/vllm-openai", tag: "v0.31.0", digest } })).toBe(`vllm/vllm-openai:v0.31.0@${digest}`);
  });
});
