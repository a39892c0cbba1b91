/**
 * Reads Kubernetes manifests: one YAML file, one or more `---`-separated documents, each a Kubernetes object.
 * Parsed as YAML 1.1, as kubectl and the API server's YAML decoder (go-yaml v2) read it, so `yes`/`on` are
 * booleans here too and a schema check sees the same types the cluster would. Errors name the file and the
 * document's position (counting from 1, empty documents included, so it matches what an editor shows).
 */
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import type { KubernetesObject, V1ObjectMeta } from "@kubernetes/client-node";
import { UsageError } from "../errors.ts";

export interface Manifest extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
}

const HINT = "fix the YAML so that every document is a Kubernetes object with apiVersion, kind and metadata.name";

/** Parses the text of a manifest file; `source` (the path) is only used in error messages. */
export function parseManifests(text: string, source: string): Manifest[] {
  const manifests: Manifest[] = [];
  parseAllDocuments(text, { version: "1.1", prettyErrors: true }).forEach((doc, index) => {
    const where = `${source} document ${index + 1}`;
    const [error] = doc.errors;
    if (error) throw new UsageError(`${where} is not valid YAML: ${error.message.split("\n")[0]}`, HINT);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document (comments only, or a trailing ---)
    manifests.push(asManifest(value, where));
  });
  if (manifests.length === 0) throw new UsageError(`${source} holds no Kubernetes object`, HINT);
  return manifests;
}

export async function readManifests(path: string): Promise<Manifest[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`cannot read manifest ${path}: ${code}`, "run from the repository root, or check the path");
  }
  return parseManifests(text, path);
}

/** The one manifest of this kind (and name, when given); an error when there is none or more than one. */
export function pickManifest(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  const what = name === undefined ? kind : `${kind} ${name}`;
  const [only] = found;
  if (only === undefined || found.length > 1) {
    const have = manifests.map((m) => `${m.kind} ${m.metadata.name}`).join(", ");
    throw new UsageError(`expected exactly one ${what}, found ${found.length} (have: ${have})`, "check the manifest file");
  }
  return only;
}

function asManifest(value: unknown, where: string): Manifest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${where} is not a mapping (a Kubernetes object)`, HINT);
  }
  const obj = value as Record<string, unknown>;
  const missing: string[] = [];
  if (typeof obj.apiVersion !== "string" || obj.apiVersion === "") missing.push("apiVersion");
  if (typeof obj.kind !== "string" || obj.kind === "") missing.push("kind");
  const metadata = obj.metadata;
  const name = typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>).name : undefined;
  if (typeof name !== "string" || name === "") missing.push("metadata.name");
  if (missing.length > 0) {
    const label = typeof obj.kind === "string" ? ` (${obj.kind})` : "";
    throw new UsageError(`${where}${label} lacks ${missing.join(", ")}`, HINT);
  }
  return obj as unknown as Manifest;
}
