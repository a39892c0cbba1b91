/**
 * The values side of kneepoint's JMESPath subset (jmespath-subset.ts), as Python's jmespath 1.1.0 visitor.py computes
 * them: JMESPath's false values, deep equality, ordering comparisons and the functions the subset knows.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const isObject = (v: Json): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
export const isFalse = (v: Json) => v === "" || v === null || v === false || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

function deepEqual(x: Json, y: Json): boolean {
  if (typeof x === "number" && typeof y === "boolean") return false; // jmespath's _is_special_number_case
  if (typeof y === "number" && typeof x === "boolean") return false;
  if (Array.isArray(x) || Array.isArray(y)) return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => deepEqual(v, y[i]!));
  if (isObject(x) || isObject(y)) {
    if (!isObject(x) || !isObject(y)) return false;
    const kx = Object.keys(x);
    return kx.length === Object.keys(y).length && kx.every((k) => k in y && deepEqual(x[k]!, y[k]!));
  }
  return x === y;
}

export function compare(op: string, l: Json, r: Json): Json {
  if (op === "==") return deepEqual(l, r);
  if (op === "!=") return !deepEqual(l, r);
  const comparable = (v: Json) => typeof v === "number" || typeof v === "string";
  if (!comparable(l) || !comparable(r)) return null;
  if (typeof l !== typeof r) throw new TypeError(`'${op}' not supported between ${typeof l} and ${typeof r}`);
  const a = l as number | string;
  const b = r as number | string;
  return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
}

export const FUNCTIONS: Record<string, (args: Json[]) => Json> = {
  contains: ([s, x]) => (typeof s === "string" ? typeof x === "string" && s.includes(x) : Array.isArray(s) ? s.some((v) => deepEqual(v, x!)) : fail("contains")),
  starts_with: ([s, p]) => (typeof s === "string" && typeof p === "string" ? s.startsWith(p) : fail("starts_with")),
  ends_with: ([s, p]) => (typeof s === "string" && typeof p === "string" ? s.endsWith(p) : fail("ends_with")),
  length: ([v]) => (typeof v === "string" ? [...v].length : Array.isArray(v) ? v.length : isObject(v!) ? Object.keys(v!).length : fail("length")),
  type: ([v]) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v === "boolean" ? "boolean" : typeof v),
  to_string: ([v]) => (typeof v === "string" ? v : JSON.stringify(v)),
  to_number: ([v]) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null),
  not_null: (args) => args.find((a) => a !== null) ?? null,
  abs: ([v]) => (typeof v === "number" ? Math.abs(v) : fail("abs")),
};
function fail(name: string): never {
  throw new TypeError(`invalid type for ${name}()`);
}


/** Python's `bool(x)` of a search result (0, "", [], {}, None and False are false), as simple_breaker.py's `_search`. */
export function pythonTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}
