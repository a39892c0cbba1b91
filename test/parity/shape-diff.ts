/**
 * The shape of one JSON document against another's, as a list of differences that each name a key path and both
 * values: keys one side lacks, keys in another order, and values of another Python type (int vs float vs null vs
 * string …, see raw-json.ts). Values themselves are not compared here (timings differ from run to run); counts and
 * latency distributions have their own checks.
 *
 * Arrays: the set of element types must match (`path[]`); when both sides hold objects, the first object of each
 * is compared (`path[0]`), so a list of records is checked by its first record. The per-request file is a list of
 * records of two kinds (success, failure): the parity test picks the pairs to compare, this function compares them.
 */
import { pythonType, renderValue, type PythonJsonType, type RawJson } from "./raw-json.ts";

export type PathSegment = string | { index: number } | "[]";

export type ShapeDifference =
  /** inference-perf writes the key, kneepoint does not. */
  | { kind: "missing"; path: string; ip: RawJson }
  /** kneepoint writes a key inference-perf does not. */
  | { kind: "extra"; path: string; kp: RawJson }
  /** Both write the key, with values of different Python types. */
  | { kind: "type"; path: string; ipType: PythonJsonType; kpType: PythonJsonType; ip: RawJson; kp: RawJson }
  /** The keys both write come in another order. */
  | { kind: "order"; path: string; ipKeys: string[]; kpKeys: string[] }
  /** The elements of an array are of other Python types. */
  | { kind: "element-types"; path: string; ipTypes: PythonJsonType[]; kpTypes: PythonJsonType[] };

/** `a.b["p0.1"][0].c`: dotted where a key is an identifier, bracketed and quoted where not. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (s === "[]") out += "[]";
    else if (typeof s === "object") out += `[${s.index}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out === "" ? "(root)" : out;
}

function elementTypes(items: RawJson[]): PythonJsonType[] {
  return [...new Set(items.map(pythonType))].sort();
}

/** Every shape difference between inference-perf's document `ip` and kneepoint's `kp`, in document order. */
export function shapeDiff(ip: RawJson, kp: RawJson, path: readonly PathSegment[] = []): ShapeDifference[] {
  const ipType = pythonType(ip);
  const kpType = pythonType(kp);
  if (ipType !== kpType) return [{ kind: "type", path: formatPath(path), ipType, kpType, ip, kp }];
  if (ip.kind === "object" && kp.kind === "object") return objectDiff(ip.entries, kp.entries, path);
  if (ip.kind === "array" && kp.kind === "array") return arrayDiff(ip.items, kp.items, path);
  return [];
}

function objectDiff(ipEntries: [string, RawJson][], kpEntries: [string, RawJson][], path: readonly PathSegment[]): ShapeDifference[] {
  const out: ShapeDifference[] = [];
  const kpMap = new Map(kpEntries);
  const ipMap = new Map(ipEntries);
  const ipCommon = ipEntries.map(([k]) => k).filter((k) => kpMap.has(k));
  const kpCommon = kpEntries.map(([k]) => k).filter((k) => ipMap.has(k));
  if (ipCommon.join("\u0000") !== kpCommon.join("\u0000")) {
    out.push({ kind: "order", path: formatPath(path), ipKeys: ipEntries.map(([k]) => k), kpKeys: kpEntries.map(([k]) => k) });
  }
  for (const [key, ipValue] of ipEntries) {
    const kpValue = kpMap.get(key);
    if (kpValue === undefined) out.push({ kind: "missing", path: formatPath([...path, key]), ip: ipValue });
    else out.push(...shapeDiff(ipValue, kpValue, [...path, key]));
  }
  for (const [key, kpValue] of kpEntries) {
    if (!ipMap.has(key)) out.push({ kind: "extra", path: formatPath([...path, key]), kp: kpValue });
  }
  return out;
}

function arrayDiff(ipItems: RawJson[], kpItems: RawJson[], path: readonly PathSegment[]): ShapeDifference[] {
  if (ipItems.length === 0 || kpItems.length === 0) return [];
  const out: ShapeDifference[] = [];
  const ipTypes = elementTypes(ipItems);
  const kpTypes = elementTypes(kpItems);
  if (ipTypes.join() !== kpTypes.join()) out.push({ kind: "element-types", path: formatPath([...path, "[]"]), ipTypes, kpTypes });
  for (const container of ["object", "array"] as const) {
    const ipFirst = ipItems.find((n) => n.kind === container);
    const kpFirst = kpItems.find((n) => n.kind === container);
    if (ipFirst && kpFirst) out.push(...shapeDiff(ipFirst, kpFirst, [...path, { index: 0 }]));
  }
  return out;
}

/** One line per difference: what, where, inference-perf's value, kneepoint's value. */
export function formatShapeDifference(d: ShapeDifference): string {
  switch (d.kind) {
    case "missing":
      return `missing in kneepoint  ${d.path}  inference-perf: ${renderValue(d.ip)}`;
    case "extra":
      return `extra in kneepoint    ${d.path}  kneepoint: ${renderValue(d.kp)}`;
    case "type":
      return `type                  ${d.path}  inference-perf: ${d.ipType} ${renderValue(d.ip)}  kneepoint: ${d.kpType} ${renderValue(d.kp)}`;
    case "order":
      return `key order             ${d.path}  inference-perf: [${d.ipKeys.join(", ")}]  kneepoint: [${d.kpKeys.join(", ")}]`;
    case "element-types":
      return `element types         ${d.path}  inference-perf: ${d.ipTypes.join("|")}  kneepoint: ${d.kpTypes.join("|")}`;
  }
}
