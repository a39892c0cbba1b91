import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseVllmValues, readVllmValues, vllmImage, vllmServerArgs, type VllmValues } from "./vllm-values.ts";

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
      "--max-num-seqs", "64",
    ]);
  });

  it("adds a pinned digest to the image when given", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(vllmImage({ image: { repository: "vllm/vllm-openai", tag: "v0.31.0", digest } })).toBe(`vllm/vllm-openai:v0.31.0@${digest}`);
  });
});
