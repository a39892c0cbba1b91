import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { parseManifests, pickManifest, readManifests } from "./load-manifests.ts";

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe("parseManifests", () => {
  it("returns every object of a multi-document file, skipping empty documents", () => {
    const text = `# header comment\n---\n${cm("a")}---\n# only a comment\n---\n${cm("b")}---\n`;
    expect(parseManifests(text, "x.yaml").map((m) => m.metadata.name)).toEqual(["a", "b"]);
  });

  it("reads YAML 1.1 as kubectl does: an unquoted yes is a boolean, not a string", () => {
    const [m] = parseManifests(`${cm("a")}data:\n  FLAG: yes\n  QUOTED: "yes"\n`, "x.yaml");
    expect((m as unknown as { data: unknown }).data).toEqual({ FLAG: true, QUOTED: "yes" });
  });

  it("names the file and the document (counting from 1, empty ones included) in errors", () => {
    const broken = `${cm("a")}---\n# nothing\n---\nkind: [unclosed\n`;
    expect(() => parseManifests(broken, "deploy/x.yaml")).toThrow(/^deploy\/x\.yaml document 3 is not valid YAML/);
    const duplicate = `${cm("a")}---\n${cm("b")}  name: c\n`;
    expect(() => parseManifests(duplicate, "x.yaml")).toThrow(/x\.yaml document 2 is not valid YAML: Map keys must be unique/);
  });

  it("rejects documents that are not Kubernetes objects, saying what is missing", () => {
    expect(() => parseManifests(`${cm("a")}---\n- a list\n`, "x.yaml")).toThrow("x.yaml document 2 is not a mapping");
    expect(() => parseManifests("kind: Job\nmetadata: {}\n", "x.yaml")).toThrow("x.yaml document 1 (Job) lacks apiVersion, metadata.name");
    expect(() => parseManifests("# nothing\n", "x.yaml")).toThrow("x.yaml holds no Kubernetes object");
    let error: unknown;
    try {
      parseManifests("apiVersion: v1\n", "x.yaml");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).hint).toMatch(/apiVersion, kind and metadata.name/);
  });
});

describe("readManifests", () => {
  it("reads a file and names it in errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kneepoint-manifests-"));
    const path = join(dir, "ok.yaml");
    writeFileSync(path, cm("a"));
    expect((await readManifests(path))[0]?.kind).toBe("ConfigMap");
    await expect(readManifests(join(dir, "missing.yaml"))).rejects.toThrow(/cannot read manifest .*missing\.yaml: ENOENT/);
  });
});

describe("pickManifest", () => {
  const manifests = parseManifests(`${cm("a")}---\n${cm("b")}`, "x.yaml");
  it("finds the one object of a kind and name", () => {
    expect(pickManifest(manifests, "ConfigMap", "b").metadata.name).toBe("b");
  });
  it("fails on none or several, listing what the file has", () => {
    expect(() => pickManifest(manifests, "ConfigMap")).toThrow("expected exactly one ConfigMap, found 2 (have: ConfigMap a, ConfigMap b)");
    expect(() => pickManifest(manifests, "Job")).toThrow(/found 0/);
  });
});
