/**
 * Python's text of a value where inference-perf puts a value into a message with an f-string (`f"{x}"`,
 * `f"{x!r}"`, `f"{x:g}"`, `type(x).__name__`), so kneepoint's validation.json reads as 0.7.0's
 * (kubernetes-sigs/inference-perf inference_perf/reportgen/validation.py and the validators beside it).
 * A JS number carries no int/float distinction: the caller says which it is (python-json.ts's NumberType).
 * Pure.
 */
import { pythonFloatRepr, type NumberType } from "./python-json.ts";

/** `str(x)` / `repr(x)` of a Python int or float: `3`, `3.0`, `1e-05`, `inf`, `nan`. */
export function pyNumber(x: number, type: NumberType): string {
  if (type === "int" && Number.isSafeInteger(x)) return String(x);
  if (type === "int" && Number.isInteger(x)) return BigInt(x).toString();
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return pythonFloatRepr(x);
}

/** `format(x, "g")` of a float: 6 significant digits, trailing zeros dropped, exponent form outside [1e-4, 1e6). */
export function pyFormatG(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  // toExponential rounds ties away from zero where Python rounds them to even; a tie needs an exactly
  // representable value with a 5 in the 7th significant digit (integers past 1e6, not counts of requests).
  const [mantissa, expText] = x.toExponential(5).split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const m = mantissa.replace(/\.?0+$/, "");
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const fixed = x.toFixed(Math.max(0, 5 - exp));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** `repr(s)` of a Python str: single quotes unless the text has one and no double quote. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const escaped = s.replace(/[\\\n\r\t]|[\x00-\x1f\x7f]/g, (c) => {
    if (c === "\\") return "\\\\";
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

/** `repr(x)` of a JSON-like value whose numbers are typed by `numberType` (a scalar's type is `scalarType`). */
export function pyRepr(value: unknown, scalarType: NumberType = "float"): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyNumber(value, scalarType);
  if (typeof value === "string") return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v, Number.isInteger(v) ? "int" : "float")).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v, Number.isInteger(v) ? "int" : "float")}`);
  return `{${entries.join(", ")}}`;
}

/** `str(x)`: as repr, except that a str is itself. */
export function pyStr(value: unknown, scalarType: NumberType = "float"): string {
  return typeof value === "string" ? value : pyRepr(value, scalarType);
}

/** `repr` of a list of ints (`[0, 2]`), as a message prints `sorted(stage_ids)`. */
export function pyIntList(xs: readonly number[]): string {
  return `[${xs.map((x) => pyNumber(x, "int")).join(", ")}]`;
}

/** `type(x).__name__` of a JSON-like value. */
export function pyTypeName(value: unknown, scalarType: NumberType = "float"): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return scalarType;
  if (typeof value === "string") return "str";
  return Array.isArray(value) ? "list" : "dict";
}
