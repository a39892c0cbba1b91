/**
 * YAML (config.yaml) as the same RawJson tree, typed as PyYAML's safe_load types it: `3` an int, `3.0` a float,
 * key order kept. The `yaml` package keeps ints apart from floats when asked for BigInt ints.
 */
import { parse } from "yaml";
import type { RawJson } from "./raw-json.ts";

export function parseRawYaml(text: string): RawJson {
  return toRaw(parse(text, { intAsBigInt: true, mapAsMap: true }) as unknown);
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function toRaw(value: unknown): RawJson {
  if (value === null || value === undefined) return { kind: "null" };
  if (typeof value === "bigint") return { kind: "number", text: value.toString() };
  if (typeof value === "number") return { kind: "number", text: floatText(value) };
  if (typeof value === "string") return { kind: "string", value };
  if (typeof value === "boolean") return { kind: "bool", value };
  if (Array.isArray(value)) return { kind: "array", items: value.map(toRaw) };
  if (value instanceof Map) return { kind: "object", entries: [...value.entries()].map(([k, v]) => [String(k), toRaw(v)]) };
  return { kind: "string", value: String(value) };
}
