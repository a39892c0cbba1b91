/**
 * The keys a zod schema accepts at a path, read from the schema itself (so the "did you mean" list can
 * never drift from the schema), and the walk that finds every key of a raw config the schema does not know.
 */
import type { z } from "zod";
import { nearestKey } from "./nearest-key.ts";

type Segment = string | number;

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schemas a value at this node may be checked against, wrappers (optional, default, pipes…) removed. */
function variants(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return variants(def.innerType!);
    case "pipe":
      return variants(defOf(def.in!).type === "transform" ? def.out! : def.in!);
    case "union":
      return def.options!.flatMap(variants);
    default:
      return [schema];
  }
}

/** Keys of the object variants at this node, or null when the node takes any key (a record) or no object. */
export function keysOf(schema: z.ZodType): string[] | null {
  const keys = new Set<string>();
  let objects = 0;
  for (const v of variants(schema)) {
    const def = defOf(v);
    if (def.type === "record") return null;
    if (def.type === "object") {
      objects++;
      for (const k of Object.keys(def.shape!)) keys.add(k);
    }
  }
  return objects > 0 ? [...keys] : null;
}

/** The child schemas for one step of a path (object key or array index). */
function childSchemas(schema: z.ZodType, seg: Segment): z.ZodType[] {
  const out: z.ZodType[] = [];
  for (const v of variants(schema)) {
    const def = defOf(v);
    if (typeof seg === "number" && def.type === "array") out.push(def.element!);
    if (typeof seg === "string" && def.type === "object" && def.shape![seg]) out.push(def.shape![seg]);
    if (typeof seg === "string" && def.type === "record") out.push(def.valueType!);
  }
  return out;
}

export function formatPath(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

export interface UnknownKey {
  path: Segment[];
  key: string;
  /** The full path of the key that was probably meant, or null. */
  suggestion: string | null;
  validKeys: string[];
}

/** Every path of the schema's object keys, for "this key lives elsewhere" suggestions. */
function allKeyPaths(schema: z.ZodType, prefix: Segment[] = [], depth = 0, out: Segment[][] = []): Segment[][] {
  if (depth > 6) return out;
  for (const v of variants(schema)) {
    const def = defOf(v);
    if (def.type === "object") {
      for (const [k, child] of Object.entries(def.shape!)) {
        out.push([...prefix, k]);
        allKeyPaths(child, [...prefix, k], depth + 1, out);
      }
    } else if (def.type === "array") {
      allKeyPaths(def.element!, [...prefix, 0], depth + 1, out);
    }
  }
  return out;
}

function suggest(root: z.ZodType, path: Segment[], key: string, siblings: string[]): string | null {
  const near = nearestKey(key, siblings);
  if (near !== null) return formatPath([...path, near]);
  const elsewhere = allKeyPaths(root).filter((p) => p[p.length - 1] === key);
  return elsewhere.length === 1 ? formatPath(elsewhere[0]!) : null;
}

/** Unknown keys of `value` (a parsed YAML document) under `schema`, in document order. */
export function findUnknownKeys(root: z.ZodType, value: unknown, schema: z.ZodType = root, path: Segment[] = []): UnknownKey[] {
  if (value === null || typeof value !== "object") return [];
  const found: UnknownKey[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const children = childSchemas(schema, i);
      if (children.length > 0) found.push(...findUnknownKeys(root, item, children[0]!, [...path, i]));
    });
    return found;
  }
  const keys = keysOf(schema);
  for (const [k, v] of Object.entries(value)) {
    if (keys !== null && !keys.includes(k)) {
      found.push({ path, key: k, suggestion: suggest(root, path, k, keys), validKeys: keys });
      continue;
    }
    const children = childSchemas(schema, k);
    if (children.length > 0) found.push(...findUnknownKeys(root, v, children.find((c) => keysOf(c) !== null) ?? children[0]!, [...path, k]));
  }
  return found;
}

/** The first segment of `path` the schema does not know (for --set paths), or null when all are known. */
export function findUnknownSegment(root: z.ZodType, path: readonly Segment[]): UnknownKey | null {
  let schemas = [root];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const next = schemas.flatMap((s) => childSchemas(s, seg));
    if (next.length === 0) {
      if (typeof seg === "number") return null; // indexing something that is not a list: the value check reports it
      const keys = [...new Set(schemas.flatMap((s) => keysOf(s) ?? []))];
      if (schemas.some((s) => keysOf(s) === null && variants(s).some((v) => defOf(v).type === "record"))) return null;
      return { path: path.slice(0, i) as Segment[], key: seg, suggestion: suggest(root, path.slice(0, i) as Segment[], seg, keys), validKeys: keys };
    }
    schemas = next;
  }
  return null;
}
