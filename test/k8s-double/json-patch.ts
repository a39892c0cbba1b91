/**
 * The PATCH bodies the API server takes besides apply: JSON merge patch (RFC 7386; the double also uses it
 * for strategic merge patch, see the README in kube-api-double.ts) and JSON patch (RFC 6902, client-node's
 * default content type for the generated patch methods).
 */
import { badRequest, unprocessable } from "./api-status.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge key by key, null deletes, anything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw badRequest(`the server rejected our request due to an error in our request: JSON pointer must start with '/': ${path}`);
  return path.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: unknown, parts: string[], path: string): { parent: Record<string, unknown> | unknown[]; last: string } {
  let node: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
    if (node === undefined) throw unprocessable(`doc is missing path: "${path}"`);
  }
  if (!Array.isArray(node) && !isObject(node)) throw unprocessable(`doc is missing path: "${path}"`);
  return { parent: node, last: parts[parts.length - 1]! };
}

function read(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const part of pointer(path)) {
    node = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
    if (node === undefined) throw unprocessable(`doc is missing path: "${path}"`);
  }
  return node;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const parts = pointer(path);
  if (parts.length === 0) return structuredClone(value);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const index = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw unprocessable(`add operation does not apply: doc is missing path: "${path}"`);
    parent.splice(index, 0, structuredClone(value));
  } else parent[last] = structuredClone(value);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const parts = pointer(path);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!(index >= 0 && index < parent.length)) throw unprocessable(`remove operation does not apply: doc is missing path: "${path}"`);
    parent.splice(index, 1);
  } else {
    if (!Object.hasOwn(parent, last)) throw unprocessable(`remove operation does not apply: doc is missing path: "${path}"`);
    delete parent[last];
  }
  return doc;
}

/** RFC 6902 over a copy of `target`. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let doc: unknown = structuredClone(target);
  for (const raw of operations as Operation[]) {
    switch (raw.op) {
      case "add":
        doc = add(doc, raw.path, raw.value);
        break;
      case "remove":
        doc = remove(doc, raw.path);
        break;
      case "replace":
        read(doc, raw.path);
        doc = add(remove(doc, raw.path), raw.path, raw.value);
        break;
      case "move": {
        const value = read(doc, raw.from ?? "");
        doc = add(remove(doc, raw.from ?? ""), raw.path, value);
        break;
      }
      case "copy":
        doc = add(doc, raw.path, read(doc, raw.from ?? ""));
        break;
      case "test":
        if (JSON.stringify(read(doc, raw.path)) !== JSON.stringify(raw.value)) throw unprocessable(`testing value ${raw.path} failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${String(raw.op)}`);
    }
  }
  return doc;
}
