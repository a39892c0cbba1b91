/**
 * `--set a.b[0].c=value` overrides: the path names keys and list indexes, the value is parsed as YAML
 * (so `30`, `true`, `[1, 2]` and `{rate: 5, duration: 10}` keep their types). Objects are deep-merged into
 * what is there, as inference-perf merges its CLI overrides; anything else replaces it.
 */
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../errors.ts";

export type PathSegment = string | number;

export interface SetOverride {
  /** The --set argument as written, for error messages. */
  text: string;
  path: PathSegment[];
  value: unknown;
}

const SET_HINT = "write --set key.path=value, e.g. --set load.stages[0].duration=30";

export function parseSetPath(pathText: string, text: string): PathSegment[] {
  const path: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|(\.)/gy;
  let expectKey = true;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(pathText)) !== null) {
    consumed = re.lastIndex;
    if (m[1] !== undefined) {
      if (!expectKey) break;
      path.push(m[1]);
      expectKey = false;
    } else if (m[2] !== undefined) {
      if (path.length === 0) break;
      path.push(Number(m[2]));
    } else {
      if (expectKey) break;
      expectKey = true;
    }
  }
  if (consumed !== pathText.length || expectKey || path.length === 0) {
    throw new UsageError(`--set ${text}: cannot read the key path '${pathText}'`, SET_HINT);
  }
  return path;
}

export function parseSet(text: string): SetOverride {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--set ${text}: expected key.path=value`, SET_HINT);
  const path = parseSetPath(text.slice(0, eq).trim(), text);
  let value: unknown;
  try {
    value = parseYaml(text.slice(eq + 1));
  } catch (err) {
    throw new UsageError(`--set ${text}: the value is not valid YAML: ${(err as Error).message.split("\n")[0]}`, "quote strings that contain YAML syntax");
  }
  return { text, path, value: value === undefined ? null : value };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** `doc` with the override applied (the input is not modified). Missing objects and list slots are created. */
export function applySet(doc: unknown, set: SetOverride): unknown {
  const write = (node: unknown, depth: number): unknown => {
    if (depth === set.path.length) return deepMerge(node, set.value);
    const seg = set.path[depth]!;
    if (typeof seg === "number") {
      const list = node === undefined || node === null ? [] : node;
      if (!Array.isArray(list)) throw new UsageError(`--set ${set.text}: ${describe(depth)} is not a list`, "index lists only, e.g. load.stages[0]");
      if (seg > list.length) throw new UsageError(`--set ${set.text}: ${describe(depth)} has ${list.length} item(s); index ${seg} would leave a gap`, `use an index up to ${list.length}`);
      const copy = [...list];
      copy[seg] = write(list[seg], depth + 1);
      return copy;
    }
    const obj = node === undefined || node === null ? {} : node;
    if (!isPlainObject(obj)) throw new UsageError(`--set ${set.text}: ${describe(depth)} is not a mapping`, SET_HINT);
    return { ...obj, [seg]: write(obj[seg], depth + 1) };
  };
  const describe = (depth: number) => (depth === 0 ? "the config" : set.path.slice(0, depth).map((s, i) => (typeof s === "number" ? `[${s}]` : i ? `.${s}` : s)).join(""));
  return write(doc, 0);
}
